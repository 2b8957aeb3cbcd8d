//! View 4, Elastic IPs: address → instance → instance state → target health.

use super::targets::state_style;
use super::{
    cells_row, columns_header, empty_hint, fitted_table, panel, panel_title, render_table,
};
use crate::app::rows::{address_rows, selected_index, TableRow};
use crate::app::AppState;
use crate::model::InstanceState;
use crate::theme::Theme;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::Line;
use ratatui::widgets::Paragraph;
use ratatui::Frame;

/// Columns of `table::columns(View::ElasticIps)` drawn differently from their cell.
const INSTANCE: usize = 2;
const STATE: usize = 5;
const HEALTH: usize = 6;

pub fn draw(frame: &mut Frame, area: Rect, state: &AppState, theme: &Theme) {
    let rows = address_rows(&state.fleet, state.list());
    let unbound = state
        .fleet
        .elastic_ips
        .iter()
        .filter(|a| a.instance_id.is_none())
        .count();
    let summary = format!(
        "· {} · {unbound} unassociated",
        super::plural(state.fleet.elastic_ips.len(), "address").replace("addresss", "addresses")
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
    let body = rows.iter().map(|r| {
        let mut cells = r.cells();
        let associated = r.address.instance_id.is_some();
        // On screen an unassociated address says so where its instance would be.
        if associated {
            cells[INSTANCE] = format!("→ {}", cells[INSTANCE]);
        } else {
            cells[INSTANCE] = std::mem::take(&mut cells[STATE]);
        }
        let instance_style = match r.instance {
            Some(i) if i.state == InstanceState::Running => theme.ok,
            _ => theme.crit,
        };
        let health_style = r
            .health
            .as_ref()
            .map_or(theme.muted, |(s, _)| state_style(*s, theme));
        cells_row(cells, |c| match c {
            INSTANCE if !associated => theme.warn,
            STATE => instance_style,
            HEALTH => health_style,
            _ => Style::default(),
        })
        .style(theme.text)
    });
    let table = fitted_table(
        body,
        table_area.width,
        [
            Constraint::Length(15),
            Constraint::Length(14),
            Constraint::Length(21),
            Constraint::Length(14),
            Constraint::Length(8),
            Constraint::Length(10),
            Constraint::Min(16),
        ],
        // The address and its instance are never squeezed: other columns give way.
        &[0, INSTANCE, STATE],
    )
    .header(columns_header(state, theme));
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
