//! View 5, Zones: instances and target health per Availability Zone, imbalance called out.

use super::{column_table, empty_hint, panel, panel_title, render_table};
use crate::app::rows::{self, selected_index, zone_rows_of};
use crate::app::{short_zone, AppState};
use crate::theme::Theme;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use ratatui::Frame;

pub fn draw(frame: &mut Frame, area: Rect, state: &AppState, theme: &Theme) {
    let kept = rows::zones(state);
    let zones = zone_rows_of(kept.0.clone(), state.list());
    let summary = format!("· {}", super::plural(zones.len(), "zone"));
    let block = panel(panel_title("Zones", summary, state, theme), theme);
    let inner = block.inner(area);
    frame.render_widget(block, area);
    if zones.is_empty() {
        frame.render_widget(empty_hint(state, "zones", theme), inner);
        return;
    }
    let imbalanced = &kept.1;
    let notes = 1 + state.fleet.auto_scaling_groups.len() + imbalanced.len();
    let [table_area, notes_area] = Layout::vertical([
        Constraint::Length(zones.len() as u16 + 2),
        Constraint::Min(notes as u16),
    ])
    .areas(inner);
    let selected = selected_index(state.list(), zones.len(), |k| {
        zones.iter().position(|z| z.zone.zone == k)
    });
    let table = column_table(&zones, table_area.width, state, theme);
    render_table(frame, table_area, table, selected, theme);

    let mut lines = vec![Line::styled("In service per zone", theme.header)];
    for g in state.fleet.auto_scaling_groups.iter() {
        let counts: Vec<String> = zones
            .iter()
            .filter(|z| g.zones.contains(&z.zone.zone))
            .map(|z| &z.zone)
            .map(|z| {
                format!(
                    "{} {}",
                    short_zone(&z.zone),
                    z.in_service_by_group.get(&g.name).unwrap_or(&0)
                )
            })
            .collect();
        lines.push(Line::from(vec![
            Span::styled(format!("  {:<16}", g.name), theme.text),
            Span::styled(counts.join(" · "), theme.text),
        ]));
    }
    for (group, counts) in imbalanced {
        let c: Vec<String> = counts
            .iter()
            .map(|(z, n)| format!("{} {n}", short_zone(z)))
            .collect();
        lines.push(Line::styled(
            format!(
                "  ▲ {group} is imbalanced across zones ({}): more than one instance apart",
                c.join(" / ")
            ),
            theme.warn,
        ));
    }
    frame.render_widget(Paragraph::new(lines), notes_area);
}
