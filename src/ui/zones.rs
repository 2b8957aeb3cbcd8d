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
    // The zones' table first, whole; what is said per group takes the rest (100 groups
    // would otherwise push the table, and the selected zone, off the screen).
    let table_height = (zones.len() as u16 + 2).min(inner.height);
    let [table_area, notes_area] =
        Layout::vertical([Constraint::Length(table_height), Constraint::Fill(1)]).areas(inner);
    let selected = selected_index(state.list(), zones.len(), |k| {
        zones.iter().position(|z| z.zone.zone == k)
    });
    let table = column_table(&zones, table_area.width, state, theme);
    render_table(frame, table_area, table, selected, theme);

    // Imbalances before the groups' counts: what is wrong is never the part cut off.
    let mut lines = vec![Line::styled("In service per zone", theme.header)];
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
    let groups = &state.fleet.auto_scaling_groups;
    let room = (notes_area.height as usize).saturating_sub(lines.len());
    let shown = if groups.len() <= room {
        groups.len()
    } else {
        room.saturating_sub(1)
    };
    for g in groups.iter().take(shown) {
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
    if shown < groups.len() && room > 0 {
        let more = groups.len() - shown;
        let groups = if more == 1 { "group" } else { "groups" };
        lines.push(Line::styled(
            format!("  … {more} more {groups}: the Capacity view lists every group"),
            theme.muted,
        ));
    }
    frame.render_widget(Paragraph::new(lines), notes_area);
}
