//! View 4, Elastic IPs: address → instance → instance state → target health.

use super::targets::state_style;
use super::{columns_header, empty_hint, panel, panel_title, render_table};
use crate::app::rows::{address_rows, selected_index};
use crate::app::AppState;
use crate::model::{InstanceState, FLOATING_IP_TAG};
use crate::theme::Theme;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Row, Table};
use ratatui::Frame;

pub fn draw(frame: &mut Frame, area: Rect, state: &AppState, theme: &Theme) {
    let rows = address_rows(&state.fleet, state.list());
    let unbound = state
        .fleet
        .elastic_ips
        .iter()
        .filter(|a| a.instance_id.is_none())
        .count();
    let summary = format!(
        "· {} addresses · {unbound} unassociated",
        state.fleet.elastic_ips.len()
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
        let a = r.address;
        let tag = a.tags.get("Name").cloned().unwrap_or_default();
        let Some(instance_id) = &a.instance_id else {
            return Row::new(vec![
                Span::raw(a.public_ip.clone()),
                Span::raw(tag),
                Span::styled("unassociated", theme.warn),
            ])
            .style(theme.text);
        };
        let name = r.instance.and_then(|i| i.name.clone()).unwrap_or_default();
        let (istate, istyle) = match r.instance {
            Some(i) if i.state == InstanceState::Running => ("running", theme.ok),
            Some(i) => (i.state.as_str(), theme.crit),
            None => ("not found", theme.crit),
        };
        let health = match &r.health {
            Some((s, groups)) => Span::styled(
                format!("{} ({})", s.as_str(), groups.join(", ")),
                state_style(*s, theme),
            ),
            None => Span::styled("not a target", theme.muted),
        };
        let role = r
            .instance
            .and_then(|i| i.tags.get(FLOATING_IP_TAG).cloned())
            .unwrap_or_default();
        Row::new(vec![
            Span::raw(a.public_ip.clone()),
            Span::raw(tag),
            Span::raw(format!("→ {instance_id}")),
            Span::raw(name),
            Span::raw(role),
            Span::styled(istate, istyle),
            health,
        ])
        .style(theme.text)
    });
    let table = Table::new(
        body,
        [
            Constraint::Length(15),
            Constraint::Length(14),
            Constraint::Length(21),
            Constraint::Length(14),
            Constraint::Length(8),
            Constraint::Length(10),
            Constraint::Min(16),
        ],
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
