//! View 9, Instances: every instance, where it runs, what it belongs to, its addresses and
//! its health in each target group, those in trouble first.

use super::{column_table, empty_hint, panel, panel_title, render_table};
use crate::app::rows::{instance_rows, selected_index};
use crate::app::AppState;
use crate::model::InstanceState;
use crate::theme::Theme;
use ratatui::layout::Rect;
use ratatui::Frame;

pub fn draw(frame: &mut Frame, area: Rect, state: &AppState, theme: &Theme) {
    let rows = instance_rows(&state.fleet, state.list());
    let running = (state.fleet.instances.iter())
        .filter(|i| i.state == InstanceState::Running)
        .count();
    let summary = format!(
        "· {} · {running} running",
        super::plural(state.fleet.instances.len(), "instance")
    );
    let block = panel(panel_title("Instances", summary, state, theme), theme);
    let inner = block.inner(area);
    frame.render_widget(block, area);
    if rows.is_empty() {
        frame.render_widget(empty_hint(state, "instances", theme), inner);
        return;
    }
    let selected = selected_index(state.list(), rows.len(), |k| {
        rows.iter().position(|r| r.instance.id == k)
    });
    let table = column_table(&rows, inner.width, state, theme);
    render_table(frame, inner, table, selected, theme);
}
