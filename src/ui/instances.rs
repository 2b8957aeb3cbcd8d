//! View 9, Instances: every instance, where it runs, what it belongs to, its addresses and
//! its health in each target group, those in trouble first.

use crate::app::rows::instance_rows;
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
    let what = ("Instances", summary, "instances");
    super::table::draw_rows_view(frame, area, state, theme, what, &rows);
}
