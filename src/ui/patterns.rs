//! View 7, Patterns: every pattern's findings, worst first within each pattern.

use super::{empty_hint, Spec};
use super::{
    fitted_table, panel, panel_title, render_table, report_badge, report_style, styled_row,
    tone_style,
};
use crate::app::columns::{Column, FindingCol, Row, Width};
use crate::app::rows::{finding_rows, selected_index};
use crate::app::AppState;
use crate::patterns::Verdict;
use crate::theme::Theme;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};
use ratatui::Frame;

pub fn draw(frame: &mut Frame, area: Rect, state: &AppState, theme: &Theme) {
    let rows = finding_rows(&state.patterns, state.list());
    let count = |v: Verdict| state.patterns.iter().filter(|r| r.verdict == v).count();
    let mut summary = format!(
        "· {} fail · {} warn · {} pass · {} n/a",
        count(Verdict::Fail),
        count(Verdict::Warn),
        count(Verdict::Pass),
        count(Verdict::NotApplicable)
    );
    let unknown = count(Verdict::Unknown);
    if unknown > 0 {
        summary.push_str(&format!(" · {unknown} unknown"));
    }
    let block = panel(panel_title("Patterns", summary, state, theme), theme);
    let inner = block.inner(area);
    frame.render_widget(block, area);
    if rows.is_empty() {
        frame.render_widget(empty_hint(state, "findings", theme), inner);
        return;
    }
    let selected = selected_index(state.list(), rows.len(), |k| {
        rows.iter().position(|r| r.key() == k)
    });
    // The pattern's name and overall verdict on its first row only.
    let badge_width = state
        .patterns
        .iter()
        .map(|r| report_badge(r).chars().count() as u16)
        .max()
        .unwrap_or(9)
        .max(9);
    let cols: Vec<FindingCol> = FindingCol::ALL
        .iter()
        .copied()
        .filter(|c| c.drawn())
        .collect();
    let mut previous = None;
    let body = rows.iter().map(|r| {
        let pattern = r.report.pattern;
        let first = previous != Some(pattern);
        previous = Some(pattern);
        styled_row(
            cols.iter()
                .map(|c| match c {
                    FindingCol::Pattern if first => (
                        format!("{:<18} {}", pattern.name(), report_badge(r.report)),
                        report_style(r.report, theme),
                    ),
                    FindingCol::Pattern => (String::new(), theme.text),
                    c => (r.shown(*c, state.clock), tone_style(r.tone(*c), theme)),
                })
                .collect(),
        )
        .style(theme.text)
    });
    // The name and the overall badge share the PATTERN column.
    let specs: Vec<Spec> = cols
        .iter()
        .map(|c| match c {
            FindingCol::Pattern => Spec {
                width: Width::Fixed(19 + badge_width),
                ..Spec::of(*c)
            },
            c => Spec::of(*c),
        })
        .collect();
    let table = fitted_table(body, inner.width, &specs, state, theme);
    // The selected finding in full under the table: long reasons are cut in the row.
    let [list, detail] = Layout::vertical([Constraint::Min(1), Constraint::Length(3)]).areas(inner);
    render_table(frame, list, table, selected, theme);
    if let Some(r) = selected.map(|i| rows[i]) {
        let resources = r.finding.map_or(String::new(), |f| f.resources.join(" · "));
        let mut text = vec![Line::from(vec![
            Span::styled(format!("{} · ", r.report.pattern.name()), theme.title),
            Span::styled(resources, theme.muted),
        ])];
        if let Some(why) = &r.report.stale {
            text.push(Line::styled(format!("STALE: {why}"), theme.stale));
        }
        text.push(Line::styled(
            r.reason().to_string(),
            tone_style(r.tone(FindingCol::State), theme),
        ));
        frame.render_widget(Paragraph::new(text).wrap(Wrap { trim: true }), detail);
    }
}
