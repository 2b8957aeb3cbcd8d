//! View 4, Elastic IPs: address → instance → instance state → target health.

use super::{column_table, empty_hint, panel, panel_title, render_table};
use crate::app::columns::Row;
use crate::app::rows::{self, address_rows, selected_index};
use crate::app::AppState;
use crate::theme::Theme;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::Line;
use ratatui::widgets::Paragraph;
use ratatui::Frame;

pub fn draw(frame: &mut Frame, area: Rect, state: &AppState, theme: &Theme) {
    let (lookups, previews) = (rows::lookups(state), rows::previews(state));
    let rows = address_rows(&state.fleet, &lookups, &previews, state.list());
    let unbound = state
        .fleet
        .elastic_ips
        .iter()
        .filter(|a| a.instance_id.is_none())
        .count();
    let summary = format!(
        "· {} · {unbound} unassociated",
        super::plural(state.fleet.elastic_ips.len(), "address")
    );
    let block = panel(panel_title("Elastic IPs", summary, state, theme), theme);
    let inner = block.inner(area);
    frame.render_widget(block, area);
    if rows.is_empty() {
        frame.render_widget(empty_hint(state, "Elastic IPs", theme), inner);
        return;
    }
    let selected = selected_index(state.list(), rows.len(), |k| {
        rows.iter().position(|r| r.key() == k)
    });
    let [table_area, detail_area] =
        Layout::vertical([Constraint::Min(1), Constraint::Length(1)]).areas(inner);
    let table = column_table(&rows, table_area.width, state, theme);
    render_table(frame, table_area, table, selected, theme);
    if let Some(a) = selected.map(|i| rows[i].address) {
        let detail = format!(
            "{} · allocation {} · association {} · private IP {}",
            a.public_ip,
            a.allocation_id,
            a.association_id.as_deref().unwrap_or("none"),
            a.private_ip.as_deref().unwrap_or("none")
        );
        frame.render_widget(
            Paragraph::new(Line::styled(detail, theme.muted)),
            detail_area,
        );
    }
}
