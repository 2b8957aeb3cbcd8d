//! View 1, Overview: one card per pattern with its headline, coloured by its state.

use super::{panel, panel_title, status_style};
use crate::app::rows::selected_index;
use crate::app::{overview_cards, AppState, Status};
use crate::theme::Theme;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};
use ratatui::Frame;

fn badge(status: Status) -> &'static str {
    match status {
        Status::Ok => "● OK",
        Status::Warn => "▲ WARN",
        Status::Crit => "✖ FAIL",
        Status::Unknown => "○ n/a",
    }
}

pub fn draw(frame: &mut Frame, area: Rect, state: &AppState, theme: &Theme) {
    let cards = overview_cards(state);
    let failing = cards.iter().filter(|c| c.status == Status::Crit).count();
    let warning = cards.iter().filter(|c| c.status == Status::Warn).count();
    let summary = format!(
        "· {} patterns · {failing} failing · {warning} warning",
        cards.len()
    );
    let outer = panel(panel_title("Overview", summary, state, theme), theme);
    let inner = outer.inner(area);
    frame.render_widget(outer, area);
    let selected = selected_index(state.list(), cards.len(), |k| {
        cards.iter().position(|c| c.pattern == k)
    });
    let rows = Layout::vertical([Constraint::Ratio(1, 4); 4]).split(inner);
    for (i, card) in cards.iter().enumerate() {
        let [left, right] = Layout::horizontal([Constraint::Ratio(1, 2); 2]).areas(rows[i / 2]);
        let cell = if i % 2 == 0 { left } else { right };
        let style = status_style(card.status, theme);
        let title = Line::from(vec![
            Span::styled(format!(" {} ", card.pattern), theme.title),
            Span::styled(format!("{} ", badge(card.status)), style),
        ]);
        let mut block = panel(title, theme);
        if selected == Some(i) {
            block = block.border_style(theme.header);
        }
        let mut lines = vec![Line::styled(card.headline.clone(), style)];
        lines.extend(
            card.details
                .iter()
                .map(|d| Line::styled(d.clone(), theme.text)),
        );
        if selected == Some(i) && card.view.is_some() {
            lines.push(Line::styled("Enter opens the view", theme.muted));
        }
        frame.render_widget(
            Paragraph::new(lines).wrap(Wrap { trim: true }).block(block),
            cell,
        );
    }
}
