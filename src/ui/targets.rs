//! View 2, Targets: every target of every target group, unhealthy first.

use super::{column_table, empty_hint, panel, panel_title, render_table};
use crate::app::rows::{self, selected_index};
use crate::app::AppState;
use crate::cloud::Source;
use crate::model::{TargetGroup, TargetHealthState};
use crate::theme::Theme;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use ratatui::Frame;

/// The first row to show so that `selected` is on screen, and how many rows fit.
pub fn window(len: usize, selected: Option<usize>, height: usize) -> (usize, usize) {
    let sel = selected.unwrap_or(0);
    let start = if height == 0 || sel < height {
        0
    } else {
        sel + 1 - height
    };
    (start, (start + height).min(len))
}

pub fn draw(frame: &mut Frame, area: Rect, state: &AppState, theme: &Theme) {
    // The rows in order are kept while the fleet is unchanged: only those drawn are made.
    let listing = rows::listing(state);
    let lookups = rows::lookups(state);
    let fleet = &state.fleet;
    let groups = &fleet.target_groups;
    let total: usize = groups.iter().map(|g| g.targets.len()).sum();
    let unhealthy: usize = groups
        .iter()
        .map(|g| g.count(TargetHealthState::Unhealthy))
        .sum();
    let outs = &lookups.outs;
    // The targets instances out for maintenance have left are listed too.
    let left: usize = outs
        .iter()
        .map(|o| rows::left_targets(fleet, o).len())
        .sum();
    let summary = format!(
        "· {} · {} · {unhealthy} unhealthy{}{}",
        super::plural(groups.len(), "group"),
        super::plural(total, "target"),
        if outs.is_empty() {
            String::new()
        } else {
            format!(" · {} out for maintenance", outs.len())
        },
        if listing.len() != total + left {
            format!(" · {} shown", listing.len())
        } else {
            String::new()
        }
    );
    let block = panel(panel_title("Targets", summary, state, theme), theme);
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let [summary_area, table_area, detail_area] = Layout::vertical([
        Constraint::Length(groups.len().min(4) as u16),
        Constraint::Min(1),
        Constraint::Length(1),
    ])
    .areas(inner);
    let lines: Vec<Line> = groups
        .iter()
        .take(4)
        .map(|g| {
            let counted = g
                .targets
                .iter()
                .filter(|t| !outs.iter().any(|o| o.instance_id == t.target_id))
                .count();
            let away = fleet.out_of(g, outs);
            let healthy = lookups.healthy_targets(fleet, g);
            group_line(g, healthy, counted, away, state, theme)
        })
        .collect();
    frame.render_widget(Paragraph::new(lines), summary_area);
    if listing.is_empty() {
        frame.render_widget(empty_hint(state, "targets", theme), table_area);
        return;
    }
    let selected = selected_index(state.list(), listing.len(), |k| listing.position(k));
    let (start, end) = window(
        listing.len(),
        selected,
        table_area.height.saturating_sub(1) as usize,
    );
    let shown: Vec<_> = (listing.keys(start, end))
        .filter_map(|k| rows::target_row_of(fleet, &lookups, k))
        .collect();
    let table = column_table(&shown, table_area.width, state, theme);
    render_table(frame, table_area, table, selected.map(|s| s - start), theme);
    if let Some(r) = selected.and_then(|s| shown.get(s - start)) {
        let detail = r.detail();
        frame.render_widget(
            Paragraph::new(Line::styled(detail, theme.muted)),
            detail_area,
        );
    }
}

/// "web-tg  4/4 healthy  HTTP:80  check /health/deep every 10s (3 up / 2 down)".
/// `counted`: its targets but those of instances out for maintenance (`away` of them).
fn group_line<'a>(
    g: &TargetGroup,
    healthy: usize,
    counted: usize,
    away: usize,
    state: &AppState,
    theme: &Theme,
) -> Line<'a> {
    let hc = &g.health_check;
    let style = if healthy == 0 && !g.targets.is_empty() {
        theme.crit
    } else if healthy < 2 {
        theme.warn
    } else {
        theme.ok
    };
    // Healthy counts whose targets (or instances) are stale are not news.
    let style = super::unless_stale(
        state,
        &[Source::TargetGroups, Source::Instances],
        style,
        theme,
    );
    // The count first: on a narrow terminal the check's details are what is cut.
    Line::from(vec![
        Span::styled(format!("{:<14}", g.name), theme.title),
        Span::styled(
            if away > 0 {
                format!("{healthy}/{counted} healthy ({away} out)")
            } else {
                format!("{healthy}/{counted} healthy")
            },
            style,
        ),
        Span::styled(
            format!(
                "  {}:{}  check {} every {}s ({} up / {} down)",
                g.protocol,
                g.port,
                hc.path.as_deref().unwrap_or("-"),
                hc.interval_seconds,
                hc.healthy_threshold,
                hc.unhealthy_threshold
            ),
            theme.muted,
        ),
    ])
}
