//! The detail pane: the selected resource in full, over the view it was opened from.

use super::panel;
use crate::app::detail::{self, DetailState, Drawn};
use crate::app::AppState;
use crate::theme::Theme;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph};
use ratatui::Frame;

pub fn draw(frame: &mut Frame, area: Rect, state: &AppState, d: &DetailState, theme: &Theme) {
    let detail = detail::of(state, d);
    // Read from a stale source, nothing in the pane is drawn as news, good or bad.
    let stale = state.any_stale(d.view.sources());
    let value = if stale { theme.stale } else { theme.text };
    let width = area.width.saturating_sub(2) as usize;
    let lines: Vec<Line> = detail::layout(&detail, width, d.link)
        .into_iter()
        .map(|l| match l {
            Drawn::Blank => Line::default(),
            Drawn::Heading(title) => Line::from(Span::styled(title, theme.header)),
            Drawn::Field(label, text) => Line::from(vec![
                Span::styled(label, theme.muted),
                Span::styled(text, value),
            ]),
            Drawn::Text(text) => Line::from(Span::styled(text, value)),
            Drawn::Link(number, on, label, view) => Line::from(vec![
                Span::styled(
                    number.map_or("    ".to_string(), |n| format!("[{n}] ")),
                    theme.info,
                ),
                Span::styled(label, if on { theme.selection } else { theme.text }),
                Span::styled(format!("  {}", view.title()), theme.muted),
            ]),
        })
        .collect();
    let back = if d.back.is_empty() {
        ""
    } else {
        " · Backspace back"
    };
    // Stale sources first, so an 80-column title keeps them when it is cut.
    let mut title = vec![Span::styled(format!(" {} ", detail.title), theme.title)];
    title.extend(super::freshness_spans(
        state,
        d.view.sources(),
        false,
        theme,
    ));
    title.push(Span::styled(
        format!("· j/k scroll · y copy{back} · Esc closes "),
        theme.muted,
    ));
    let title = Line::from(title);
    let paragraph = Paragraph::new(lines)
        .scroll((d.scroll, 0))
        .block(panel(title, theme));
    frame.render_widget(Clear, area);
    frame.render_widget(paragraph, area);
}
