//! View -, Health: per target group, the dependency chain as patrol's own probes of the
//! health pages see it, then every target with ELB's verdict beside the probe's and the
//! disagreements called out.

use super::{column_table, empty_hint, panel, panel_title, plural, render_table};
use crate::app::columns::Row as _;
use crate::app::rows::{health_rows_of, selected_index};
use crate::app::AppState;
use crate::cloud::Source;
use crate::model::{Agreement, ComponentState, GroupHealth, TargetHealthState};
use crate::theme::Theme;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use ratatui::Frame;

pub fn draw(frame: &mut Frame, area: Rect, state: &AppState, theme: &Theme) {
    let fleet = &state.fleet;
    let groups = fleet.deep_health();
    let disagree: usize = (groups.iter())
        .map(|g| g.count(Agreement::HiddenFailure) + g.count(Agreement::PathProblem))
        .sum();
    let summary = format!(
        "· {} · {}",
        plural(groups.len(), "target group"),
        match disagree {
            0 => "ELB and probe agree".to_string(),
            n => format!("{} where ELB and probe disagree", plural(n, "target")),
        }
    );
    let block = panel(panel_title("Health", summary, state, theme), theme);
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let mut lines: Vec<Line> = (groups.iter())
        .flat_map(|g| chain_lines(state, g, theme))
        .collect();
    if fleet.probing_off() {
        lines.push(Line::styled(
            "probing is off: patrol sends nothing to the targets; to read their pages,",
            theme.warn,
        ));
        lines.push(Line::styled(
            "set [probe] enabled = true, allow = [\"10.0.0.0/16\"] in the config (README: Deep health)",
            theme.warn,
        ));
    }
    let rows = health_rows_of(groups, state.list());
    if rows.is_empty() && lines.is_empty() {
        let what = "target groups (the Health view compares ELB's checks with patrol's probes)";
        frame.render_widget(empty_hint(state, what, theme), inner);
        return;
    }
    // The chains first (never more than half the view), the table below.
    let top = (lines.len() as u16 + 1).min(inner.height / 2);
    let [chains, table_area] =
        Layout::vertical([Constraint::Length(top), Constraint::Min(2)]).areas(inner);
    frame.render_widget(Paragraph::new(lines), chains);
    if rows.is_empty() {
        frame.render_widget(empty_hint(state, "targets", theme), table_area);
        return;
    }
    let selected = selected_index(state.list(), rows.len(), |k| {
        rows.iter().position(|r| r.key() == k)
    });
    let t = column_table(&rows, table_area.width, state, theme);
    render_table(frame, table_area, t, selected, theme);
}

/// One group's two lines: its check, ELB's count and the disagreement when there is one;
/// then the chain as the pages report it (`web 4/4 → app 4/4 → db 0/4`).
fn chain_lines<'a>(state: &AppState, g: &GroupHealth, theme: &Theme) -> [Line<'a>; 2] {
    let tg = g.group;
    let own = (tg.health_check.path.clone()).unwrap_or_else(|| tg.health_check.protocol.clone());
    let healthy = tg.count(TargetHealthState::Healthy);
    let elb_style = if tg.targets.is_empty() {
        theme.muted
    } else if healthy == tg.targets.len() {
        theme.ok
    } else if healthy == 0 {
        theme.crit
    } else {
        theme.warn
    };
    let elb_style = super::unless_stale(state, &[Source::TargetGroups], elb_style, theme);
    let probes_style =
        |style: Style| -> Style { super::unless_stale(state, &[Source::Probes], style, theme) };
    let mut head = vec![
        Span::styled(format!("{:<14} ", tg.name), theme.title),
        Span::styled(format!("{own:<14} "), theme.text),
        Span::styled(
            format!("ELB {healthy}/{} healthy  ", tg.targets.len()),
            elb_style,
        ),
    ];
    let chain = g.chain();
    let (down, answered) = g.failing_everywhere();
    let hidden = g.count(Agreement::HiddenFailure);
    let path = g.count(Agreement::PathProblem);
    if hidden > 0 {
        let what = if down.is_empty() {
            "it fails".to_string()
        } else {
            format!("{} down", down.join(", "))
        };
        head.push(Span::styled(
            format!("ELB healthy, probe says {what} ({hidden})  "),
            probes_style(theme.crit),
        ));
    } else if !down.is_empty() {
        head.push(Span::styled(
            format!(
                "every page: {} down ({answered}/{answered})  ",
                down.join(", ")
            ),
            probes_style(theme.crit),
        ));
    }
    if path > 0 {
        head.push(Span::styled(
            format!("ELB unhealthy, probe OK from here ({path})"),
            probes_style(theme.warn),
        ));
    }
    if hidden == 0 && path == 0 && down.is_empty() && !chain.is_empty() {
        head.push(Span::styled("ELB and probe agree", theme.muted));
    }
    let mut tail = vec![Span::styled("  └ ", theme.muted)];
    if chain.is_empty() {
        let why = (g.targets.iter())
            .filter_map(|t| t.deepest())
            .find_map(|p| p.why())
            .unwrap_or("no target to probe");
        tail.push(Span::styled(format!("not probed: {why}"), theme.muted));
        return [Line::from(head), Line::from(tail)];
    }
    tail.push(Span::styled(
        format!("probe {}: ", g.probed_path().unwrap_or("")),
        theme.muted,
    ));
    for (n, link) in chain.iter().enumerate() {
        if n > 0 {
            tail.push(Span::styled(" → ", theme.muted));
        }
        let style = match link.state() {
            ComponentState::Pass => theme.ok,
            ComponentState::Warn => theme.warn,
            ComponentState::Fail => theme.crit,
            ComponentState::Unknown => theme.muted,
        };
        tail.push(Span::styled(
            format!("{} {}/{}", link.name, link.pass, link.of),
            probes_style(style),
        ));
    }
    [Line::from(head), Line::from(tail)]
}
