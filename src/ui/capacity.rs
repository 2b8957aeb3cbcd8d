//! View 3, Capacity: each Auto Scaling group's numbers, its CPU, and its latest activities.

use super::{age_text, column_table, empty_hint, panel, panel_title, render_table};
use crate::app::rows::{group_rows, selected_index, GroupRow};
use crate::app::AppState;
use crate::cloud::Source;
use crate::model::{ActivityStatus, AlarmState, AutoScalingGroup};
use crate::theme::Theme;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Row, Table};
use ratatui::Frame;

pub fn draw(frame: &mut Frame, area: Rect, state: &AppState, theme: &Theme) {
    let groups = group_rows(&state.fleet, state.list());
    let summary = format!(
        "· {}",
        super::plural(state.fleet.auto_scaling_groups.len(), "group")
    );
    let block = panel(panel_title("Capacity", summary, state, theme), theme);
    let inner = block.inner(area);
    frame.render_widget(block, area);
    if groups.is_empty() {
        frame.render_widget(empty_hint(state, "Auto Scaling groups", theme), inner);
        return;
    }
    let table_height = (groups.len() as u16 + 1).min(inner.height / 3).max(2);
    let [table_area, cpu_area, activity_area] = Layout::vertical([
        Constraint::Length(table_height),
        // The chart: five rows of plot (20 braille dots of height), its axis and labels.
        Constraint::Length(9),
        Constraint::Min(3),
    ])
    .areas(inner);
    let selected = selected_index(state.list(), groups.len(), |k| {
        groups.iter().position(|r| r.group.name == k)
    });
    draw_groups(frame, table_area, state, &groups, selected, theme);
    if let Some(g) = selected.map(|i| groups[i].group) {
        draw_cpu(frame, cpu_area, state, g, theme);
        draw_activities(frame, activity_area, state, g, theme);
    }
}

fn draw_groups(
    frame: &mut Frame,
    area: Rect,
    state: &AppState,
    groups: &[GroupRow],
    selected: Option<usize>,
    theme: &Theme,
) {
    let table = column_table(groups, area.width, state, theme);
    render_table(frame, area, table, selected, theme);
}

fn draw_cpu(frame: &mut Frame, area: Rect, state: &AppState, g: &AutoScalingGroup, theme: &Theme) {
    let series = state.fleet.cpu_series(&g.name);
    let mut title = vec![Span::styled(format!(" CPU {} ", g.name), theme.title)];
    match series.and_then(|s| s.latest()) {
        Some(v) => title.push(Span::styled(
            format!("now {v:.0}% · last hour, 1-minute average "),
            theme.text,
        )),
        None => title.push(Span::styled("no data ".to_string(), theme.muted)),
    }
    for a in state
        .fleet
        .alarms
        .iter()
        .filter(|a| a.auto_scaling_group.as_deref() == Some(g.name.as_str()))
    {
        let style = match a.state {
            AlarmState::Ok => theme.ok,
            AlarmState::Alarm => theme.crit,
            AlarmState::InsufficientData => theme.muted,
        };
        let style = super::unless_stale(state, &[Source::Alarms], style, theme);
        title.push(Span::styled(
            format!(
                "· {} {} ({}{} {}) ",
                a.name,
                a.state.as_str(),
                // Only CPU alarms are drawn against this CPU chart; others say their metric.
                if a.watches_group_cpu(&g.name) {
                    String::new()
                } else {
                    format!("{} ", a.metric)
                },
                a.comparison.symbol(),
                a.threshold_text()
            ),
            style,
        ));
    }
    let block = panel(Line::from(title), theme);
    // The last hour, in minutes before the world's now (a replay's cursor), left to right.
    let points = series.map_or_else(Vec::new, |s| {
        super::chart::last_hour(&s.points, state.clock)
    });
    let cpu_alarms: Vec<_> = (state.fleet.alarms.iter())
        .filter(|a| a.watches_group_cpu(&g.name))
        .collect();
    let peak_style = if cpu_alarms.iter().any(|a| {
        points
            .iter()
            .any(|(_, v)| a.comparison.breaches(*v, a.threshold))
    }) {
        theme.warn
    } else {
        theme.info
    };
    // CPU read from a stale source is never drawn as good (or bad) news.
    let peak_style = super::unless_stale(state, &[Source::Metrics], peak_style, theme);
    // Each CPU alarm's threshold as a line across the hour, in its state's colour.
    let lines: Vec<(Vec<(f64, f64)>, ratatui::style::Style)> = cpu_alarms
        .iter()
        .map(|a| {
            let style = match a.state {
                AlarmState::Ok => theme.ok,
                AlarmState::Alarm => theme.crit,
                AlarmState::InsufficientData => theme.muted,
            };
            let style = super::unless_stale(state, &[Source::Alarms], style, theme);
            (super::chart::threshold(a.threshold), style)
        })
        .collect();
    let chart =
        super::chart::last_hour_chart(block, &points, peak_style, &lines, 100.0, "%", theme);
    frame.render_widget(chart, area);
}

fn draw_activities(
    frame: &mut Frame,
    area: Rect,
    state: &AppState,
    g: &AutoScalingGroup,
    theme: &Theme,
) {
    let block = panel(
        Line::styled(format!(" Scaling activities · {} ", g.name), theme.title),
        theme,
    );
    let inner = block.inner(area);
    frame.render_widget(block, area);
    if g.activities.is_empty() {
        frame.render_widget(
            Paragraph::new(Line::styled("no recent scaling activities", theme.muted)),
            inner,
        );
        return;
    }
    let rows = g.activities.iter().take(inner.height as usize).map(|a| {
        let style = match a.status {
            ActivityStatus::Successful => theme.ok,
            ActivityStatus::InProgress => theme.warn,
            ActivityStatus::Failed | ActivityStatus::Cancelled => theme.crit,
        };
        let style = super::unless_stale(state, &[Source::AutoScaling], style, theme);
        let cause = a.cause.split("  ").last().unwrap_or(&a.cause).to_string();
        Row::new(vec![
            Span::raw(format!("{} ago", age_text(state.clock - a.started_at))),
            Span::styled(a.status.as_str(), style),
            Span::raw(a.description.clone()),
            Span::styled(cause, theme.muted),
        ])
        .style(theme.text)
    });
    let table = Table::new(
        rows,
        [
            Constraint::Length(8),
            Constraint::Length(11),
            Constraint::Length(50),
            Constraint::Min(10),
        ],
    );
    frame.render_widget(table, inner);
}
