//! View 5, Zones: instances and target health per Availability Zone, imbalance called out.

use super::{empty_hint, fitted_table, header, panel, panel_title, render_table, styled_row};
use crate::app::rows::{selected_index, zone_rows};
use crate::app::{short_zone, AppState};
use crate::model::imbalanced_groups;
use crate::theme::Theme;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use ratatui::Frame;

const BAR: usize = 16;

/// A bar of `n` out of `max`, `BAR` cells wide at most.
fn bar(n: usize, max: usize) -> String {
    let cells = if max == 0 { 0 } else { (n * BAR).div_ceil(max) };
    "█".repeat(cells)
}

pub fn draw(frame: &mut Frame, area: Rect, state: &AppState, theme: &Theme) {
    let zones = zone_rows(&state.fleet, state.list());
    let summary = format!("· {}", super::plural(zones.len(), "zone"));
    let block = panel(panel_title("Zones", summary, state, theme), theme);
    let inner = block.inner(area);
    frame.render_widget(block, area);
    if zones.is_empty() {
        frame.render_widget(empty_hint(state, "zones", theme), inner);
        return;
    }
    let imbalanced = imbalanced_groups(&state.fleet);
    let notes = 1 + state.fleet.auto_scaling_groups.len() + imbalanced.len();
    let [table_area, notes_area] = Layout::vertical([
        Constraint::Length(zones.len() as u16 + 2),
        Constraint::Min(notes as u16),
    ])
    .areas(inner);
    let max_instances = zones
        .iter()
        .map(|z| z.instances_running + z.instances_pending)
        .max()
        .unwrap_or(0);
    let max_targets = zones
        .iter()
        .map(|z| z.targets_healthy.max(z.targets_unhealthy))
        .max()
        .unwrap_or(0);
    let selected = selected_index(state.list(), zones.len(), |k| {
        zones.iter().position(|z| z.zone == k)
    });
    let rows = zones.iter().map(|z| {
        let lost_style = if z.healthy_if_lost == 0 {
            theme.crit
        } else {
            theme.text
        };
        let cells = vec![
            (z.zone.clone(), theme.title),
            (
                format!("{:<16}", bar(z.instances_running, max_instances)),
                theme.info,
            ),
            (
                format!(
                    "{:>2} running {:>2} pending",
                    z.instances_running, z.instances_pending
                ),
                theme.text,
            ),
            (
                format!("{:<16}", bar(z.targets_healthy, max_targets)),
                theme.ok,
            ),
            (format!("{:>3} healthy", z.targets_healthy), theme.ok),
            (
                format!("{:>3} unhealthy", z.targets_unhealthy),
                if z.targets_unhealthy > 0 {
                    theme.crit
                } else {
                    theme.muted
                },
            ),
            (
                // Per target group: the one left worst off.
                match &z.worst_group_if_lost {
                    Some(g) => format!("{} left ({g})", z.healthy_if_lost),
                    None => format!("{} healthy left", z.healthy_if_lost),
                },
                lost_style,
            ),
        ];
        styled_row(cells).style(theme.text)
    });
    let table = fitted_table(
        rows,
        table_area.width,
        [
            Constraint::Length(15),
            Constraint::Length(16),
            Constraint::Length(21),
            Constraint::Length(16),
            Constraint::Length(11),
            Constraint::Length(13),
            Constraint::Min(16),
        ],
        // The zone's name is never cut: three cut names would read as one.
        &[0],
    )
    .header(header(
        &[
            "ZONE",
            "INSTANCES",
            "",
            "HEALTHY TARGETS",
            "",
            "UNHEALTHY",
            "IF THIS AZ IS LOST",
        ],
        state,
        theme,
    ));
    render_table(frame, table_area, table, selected, theme);

    let mut lines = vec![Line::styled("In service per zone", theme.header)];
    for g in &state.fleet.auto_scaling_groups {
        let counts: Vec<String> = zones
            .iter()
            .filter(|z| g.zones.contains(&z.zone))
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
    for (group, counts) in &imbalanced {
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
