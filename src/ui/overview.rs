//! View 1, Overview: one card per pattern with its headline, coloured by its verdict.

use super::{panel, panel_title, report_badge, report_style, verdict_style};
use crate::app::rows::selected_index;
use crate::app::Freshness;
use crate::app::{view_of, AppState, View};
use crate::patterns::Verdict;
use crate::theme::Theme;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};
use ratatui::Frame;

pub fn draw(frame: &mut Frame, area: Rect, state: &AppState, theme: &Theme) {
    let cards = &state.patterns;
    let failing = cards.iter().filter(|c| c.verdict == Verdict::Fail).count();
    let warning = cards.iter().filter(|c| c.verdict == Verdict::Warn).count();
    let unknown = cards
        .iter()
        .filter(|c| c.verdict == Verdict::Unknown)
        .count();
    let mut summary = format!(
        "· {} patterns · {failing} failing · {warning} warning",
        cards.len()
    );
    if unknown > 0 {
        summary.push_str(&format!(" · {unknown} not checked yet"));
    }
    let out = crate::app::rows::lookups(state).outs.len();
    if out > 0 {
        summary.push_str(&format!(" · {out} out for maintenance"));
    }
    let outer = panel(panel_title("Overview", summary, state, theme), theme);
    let inner = outer.inner(area);
    frame.render_widget(outer, area);
    let selected = selected_index(state.list(), cards.len(), |k| {
        cards.iter().position(|c| c.pattern.name() == k)
    });
    // The latest events under the cards, when there are any and there is room.
    let latest: Vec<&crate::record::Event> =
        state.events.newest().map(|(_, e)| e).take(3).collect();
    let strip = if latest.is_empty() || inner.height < 20 {
        0
    } else {
        latest.len() as u16 + 1
    };
    let [cards_area, events_area] =
        Layout::vertical([Constraint::Min(0), Constraint::Length(strip)]).areas(inner);
    if strip > 0 {
        let mut lines = vec![Line::styled(
            format!(
                "Latest events ({} lists them all)",
                state.keymap.view_label(View::Events)
            ),
            theme.header,
        )];
        lines.extend(latest.iter().map(|e| {
            Line::from(vec![
                Span::styled(format!("{} ", e.at.format("%H:%M:%S")), theme.muted),
                Span::styled(format!("{:<9}", e.kind.as_str()), theme.text),
                Span::styled(format!("{} ", e.resource), theme.title),
                Span::styled(e.change(), theme.text),
                Span::styled(format!("  {}", e.detail), theme.muted),
            ])
        }));
        frame.render_widget(Paragraph::new(lines), events_area);
    }
    let rows = Layout::vertical([Constraint::Ratio(1, 4); 4]).split(cards_area);
    for (i, card) in cards.iter().enumerate() {
        let [left, right] = Layout::horizontal([Constraint::Ratio(1, 2); 2]).areas(rows[i / 2]);
        let cell = if i % 2 == 0 { left } else { right };
        let style = report_style(card, theme);
        let mut title = vec![
            Span::styled(format!(" {} ", card.pattern.name()), theme.title),
            Span::styled(format!("{} ", report_badge(card)), style),
        ];
        if let Some(age) = card_age(state, card.pattern) {
            title.push(Span::styled(format!("{age} "), theme.muted));
        }
        let title = Line::from(title);
        let mut block = panel(title, theme);
        if selected == Some(i) {
            block = block.border_style(theme.header);
        }
        let mut lines = Vec::new();
        if let Some(why) = &card.stale {
            lines.push(Line::styled(format!("STALE: {why}"), theme.stale));
        }
        lines.push(Line::styled(card.headline.as_str(), style));
        if selected == Some(i) {
            let patterns = state.keymap.view_label(View::Patterns);
            let hint = match view_of(card.pattern) {
                View::Patterns => format!("Enter opens {patterns}"),
                v => format!(
                    "Enter opens {} · {patterns}: every finding",
                    state.keymap.view_label(v)
                ),
            };
            lines.push(Line::styled(hint, theme.muted));
        }
        // Problems first (the findings are worst first); passes fill what room is left. Each
        // line takes at least one row: no more than the card's rows are laid out (a card on a
        // large fleet may hold hundreds).
        let room = block.inner(cell).height as usize;
        lines.extend(card.findings.iter().take(room).map(|f| {
            let style = match f.verdict {
                Verdict::Warn | Verdict::Fail => verdict_style(f.verdict, theme),
                _ => theme.text,
            };
            Line::styled(f.reason.as_str(), style)
        }));
        frame.render_widget(
            Paragraph::new(lines).wrap(Wrap { trim: true }).block(block),
            cell,
        );
    }
}

/// The age of the data a card's verdict rests on: its oldest source, in the world's clock.
fn card_age(state: &AppState, pattern: crate::patterns::Pattern) -> Option<String> {
    let oldest = crate::app::cards::sources_of(pattern)
        .iter()
        .filter_map(|s| match state.freshness(*s) {
            Freshness::Fresh { age } | Freshness::Stale { age: Some(age), .. } => Some(age),
            _ => None,
        })
        .max()?;
    Some(format!("· {} old", super::age_text(oldest)))
}
