//! The confirmation dialog of an action, and the line that follows the action on every view.

use crate::app::plan_text::{self, Role};
use crate::app::{AppState, Dialog};
use crate::ops::OpError;
use crate::theme::Theme;
use ratatui::layout::{Alignment, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Clear, Paragraph};
use ratatui::Frame;

fn style_of(role: Role, theme: &Theme) -> Style {
    match role {
        Role::Header => theme.header,
        Role::Text => theme.text,
        Role::Muted => theme.muted,
        Role::Info => theme.info,
        Role::Ok => theme.ok,
        Role::Warn => theme.warn,
        Role::Crit => theme.crit,
        Role::Danger => theme.danger,
        Role::Selected => theme.selection,
    }
}

/// Draws the dialog: exactly the rows `plan_text` laid out, from its scroll position, with
/// what is above and below said on the border.
pub fn draw(frame: &mut Frame, area: Rect, state: &AppState, dialog: &Dialog, theme: &Theme) {
    let size = (area.width, area.height);
    let rows = plan_text::current_rows(state);
    let (x, y, width, height) = plan_text::popup(size, rows.len());
    let popup = Rect {
        x: area.x + x,
        y: area.y + y,
        width,
        height,
    };
    let visible = plan_text::visible_rows(size, rows.len());
    let lines: Vec<Line> = rows
        .iter()
        .skip(dialog.scroll)
        .take(visible)
        .map(|r| {
            let line = Line::from(
                r.pieces
                    .iter()
                    .map(|(t, role)| Span::styled(t.clone(), style_of(*role, theme)))
                    .collect::<Vec<_>>(),
            );
            if r.centred {
                line.alignment(Alignment::Center)
            } else {
                line
            }
        })
        .collect();
    let below = rows.len().saturating_sub(dialog.scroll + visible);
    let mut block = Block::bordered()
        .border_type(BorderType::Double)
        .border_style(theme.danger)
        .title(Span::styled(
            format!(" {} ", dialog.plan.title),
            theme.danger,
        ))
        .title_alignment(Alignment::Center);
    if dialog.scroll > 0 {
        block = block.title(
            Line::styled(format!(" ↑ {} more (PgUp) ", dialog.scroll), theme.warn)
                .alignment(Alignment::Right),
        );
    }
    // Why a key did nothing (Yes before every row was shown, a failed check) is said on
    // the dialog itself: on a small terminal the dialog covers the message line.
    let bottom = match (&state.message, below) {
        (Some(message), _) => Some(format!(" {message} ")),
        (None, 0) => None,
        (None, below) => Some(format!(
            " ↓ {below} more rows: PgDn/Space · Yes once every row was shown "
        )),
    };
    if let Some(text) = bottom {
        // Centred unless it is too wide, so a cut one keeps its beginning.
        let fits = text.chars().count() + 2 <= popup.width as usize;
        let line = Line::styled(text, theme.warn.reversed());
        block = block.title_bottom(if fits {
            line.alignment(Alignment::Center)
        } else {
            line.alignment(Alignment::Left)
        });
    }
    frame.render_widget(Clear, popup);
    frame.render_widget(Paragraph::new(lines).block(block), popup);
}

pub fn draw_operation(frame: &mut Frame, area: Rect, state: &AppState, theme: &Theme) {
    if area.height == 0 {
        return;
    }
    let line = match (&state.operation, &state.message) {
        (_, Some(message)) => Line::styled(format!(" {message}"), theme.info),
        (Some(op), None) => match &op.result {
            None => Line::styled(format!(" ● {}: {}", op.title, op.stage), theme.info),
            Some(Ok(outcome)) => {
                let resource = outcome.receipt.resource_id.as_deref();
                let (mark, style, what) = if outcome.verified {
                    (
                        "✓",
                        theme.ok,
                        format!("verified in {}", crate::ops::took(outcome.elapsed)),
                    )
                } else {
                    (
                        "▲",
                        theme.warn,
                        "made, but the new state was not seen yet".into(),
                    )
                };
                let mut text = format!(
                    " {mark} {}: {what}{}",
                    op.title,
                    op.action.follow(&state.fleet, state.clock, resource)
                );
                if let Some(undo) = state.undo.as_ref().filter(|_| !state.read_only) {
                    text.push_str(&format!(" · b {}", undo.does));
                }
                if let Some(e) = &outcome.audit_error {
                    text.push_str(&format!(" · AUDIT LOG NOT WRITTEN: {e}"));
                }
                Line::styled(text, style)
            }
            Some(Err(OpError::Stale(_))) => Line::styled(
                format!(" ▲ {}: re-planned, confirm again", op.title),
                theme.warn,
            ),
            Some(Err(e)) => Line::styled(format!(" ✗ {}: {e}", op.title), theme.crit),
        },
        (None, None) => return,
    };
    frame.render_widget(Paragraph::new(line), area);
}
