//! View -, Health: per target group, the dependency chain as patrol's own probes of the
//! health pages see it, then every target with ELB's verdict beside the probe's and the
//! disagreements called out.

use super::{column_table, empty_hint, panel, panel_title, plural, render_table};
use crate::app::rows::{self, selected_index};
use crate::app::AppState;
use crate::cloud::Source;
use crate::model::{ComponentState, GroupSummary, TargetGroup, TargetHealthState};
use crate::theme::Theme;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use ratatui::Frame;

pub fn draw(frame: &mut Frame, area: Rect, state: &AppState, theme: &Theme) {
    let fleet = &state.fleet;
    // Kept while the fleet is unchanged: the groups' chains and the rows in order; only the
    // rows drawn are made.
    let summaries = rows::health_summaries(state);
    let listing = rows::listing(state);
    let disagree: usize = summaries.iter().map(|g| g.hidden + g.path).sum();
    let summary = format!(
        "· {} · {}",
        plural(fleet.target_groups.len(), "target group"),
        match disagree {
            0 => "ELB and probe agree".to_string(),
            n => format!("{} where ELB and probe disagree", plural(n, "target")),
        }
    );
    let block = panel(panel_title("Health", summary, state, theme), theme);
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let mut lines: Vec<Line> = Vec::new();
    // First: what is cut when there are many groups is the chains, never this.
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
    if listing.is_empty() && lines.is_empty() && summaries.is_empty() {
        let what = "target groups (the Health view compares ELB's checks with patrol's probes)";
        frame.render_widget(empty_hint(state, what, theme), inner);
        return;
    }
    // The chains first (never more than half the view), the table below. Only the groups
    // that fit are drawn; a last line counts the others.
    let room = (inner.height / 2).saturating_sub(1) as usize;
    let pairs = fleet.target_groups.iter().zip(summaries.iter());
    let left = room.saturating_sub(lines.len());
    let fit = if summaries.len() * 2 <= left {
        summaries.len()
    } else {
        left.saturating_sub(1) / 2
    };
    lines.extend(
        pairs
            .take(fit)
            .flat_map(|(g, s)| chain_lines(state, g, s, theme)),
    );
    if fit < summaries.len() {
        lines.push(Line::styled(
            match summaries.len() - fit {
                1 => {
                    "… 1 more target group: its targets are in the table (/ filters it)".to_string()
                }
                n => format!(
                    "… {n} more target groups: their targets are in the table (/ filters it)"
                ),
            },
            theme.muted,
        ));
    }
    let top = (lines.len() as u16 + 1).min(inner.height / 2);
    let [chains, table_area] =
        Layout::vertical([Constraint::Length(top), Constraint::Min(2)]).areas(inner);
    frame.render_widget(Paragraph::new(lines), chains);
    if listing.is_empty() {
        frame.render_widget(empty_hint(state, "targets", theme), table_area);
        return;
    }
    let lookups = rows::lookups(state);
    let probes = rows::probes_by_target(state);
    let selected = selected_index(state.list(), listing.len(), |k| listing.position(k));
    let (start, end) = super::targets::window(
        listing.len(),
        selected,
        table_area.height.saturating_sub(1) as usize,
    );
    let shown: Vec<_> = (listing.keys(start, end))
        .filter_map(|k| rows::health_row_of(fleet, &lookups, &probes, k))
        .collect();
    let t = column_table(&shown, table_area.width, state, theme);
    render_table(frame, table_area, t, selected.map(|s| s - start), theme);
}

/// One group's two lines: its check, ELB's count and the disagreement when there is one;
/// then the chain as the pages report it (`web 4/4 → app 4/4 → db 0/4`).
fn chain_lines<'a>(
    state: &AppState,
    tg: &TargetGroup,
    g: &GroupSummary,
    theme: &Theme,
) -> [Line<'a>; 2] {
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
    let (chain, down, answered) = (&g.chain, &g.down, g.answered);
    let (hidden, path) = (g.hidden, g.path);
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
        let why = g.why.as_deref().unwrap_or("no target to probe");
        tail.push(Span::styled(format!("not probed: {why}"), theme.muted));
        return [Line::from(head), Line::from(tail)];
    }
    tail.push(Span::styled(
        format!("probe {}: ", g.probed_path.as_deref().unwrap_or("")),
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
