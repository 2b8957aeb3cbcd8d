//! View 7, Patterns: every pattern's findings, worst first within each pattern.

use super::{
    empty_hint, header, panel, panel_title, render_table, report_badge, report_style, verdict_style,
};
use crate::app::rows::{finding_rows, selected_index, TableRow};
use crate::app::AppState;
use crate::patterns::Verdict;
use crate::theme::Theme;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell, Paragraph, Row, Table, Wrap};
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
    let mut previous = None;
    let body = rows.iter().map(|r| {
        let pattern = r.report.pattern;
        // The pattern's name and overall verdict on its first row only.
        let first = previous != Some(pattern);
        previous = Some(pattern);
        let (name, overall) = if first {
            (
                Span::styled(pattern.name(), theme.title),
                Span::styled(report_badge(r.report), report_style(r.report, theme)),
            )
        } else {
            (Span::raw(""), Span::raw(""))
        };
        let verdict = r.verdict();
        Row::new(vec![
            Cell::from(name),
            Cell::from(overall),
            Cell::from(Span::styled(
                verdict.as_str(),
                verdict_style(verdict, theme),
            )),
            Cell::from(Span::styled(r.reason().to_string(), theme.text)),
        ])
    });
    let table = Table::new(
        body,
        [
            Constraint::Length(18),
            // As wide as the widest badge ("? UNKNOWN", or "◌ STALE ? UNKNOWN").
            Constraint::Length(
                state
                    .patterns
                    .iter()
                    .map(|r| report_badge(r).chars().count() as u16)
                    .max()
                    .unwrap_or(9)
                    .max(9),
            ),
            Constraint::Length(7),
            Constraint::Min(30),
        ],
    )
    .header(header(&["PATTERN", "STATE", "", "FINDING"], state, theme));
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
        text.extend([Line::styled(
            r.reason().to_string(),
            verdict_style(r.verdict(), theme),
        )]);
        frame.render_widget(Paragraph::new(text).wrap(Wrap { trim: true }), detail);
    }
}
