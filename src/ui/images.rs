//! View 6, Images: the account's AMIs, newest first, with the instance each was made from.

use super::{age_text, columns_header, empty_hint, panel, panel_title, render_table};
use crate::app::rows::{image_rows, selected_index};
use crate::app::AppState;
use crate::model::ImageState;
use crate::theme::Theme;
use ratatui::layout::{Constraint, Rect};
use ratatui::text::Span;
use ratatui::widgets::{Row, Table};
use ratatui::Frame;

pub fn draw(frame: &mut Frame, area: Rect, state: &AppState, theme: &Theme) {
    let rows = image_rows(&state.fleet, state.list());
    let pending = state
        .fleet
        .images
        .iter()
        .filter(|i| i.state == ImageState::Pending)
        .count();
    let summary = format!("· {} images · {pending} pending", state.fleet.images.len());
    let block = panel(panel_title("Images", summary, state, theme), theme);
    let inner = block.inner(area);
    frame.render_widget(block, area);
    if rows.is_empty() {
        frame.render_widget(empty_hint(state, "images", theme), inner);
        return;
    }
    let selected = selected_index(state.list(), rows.len(), |k| {
        rows.iter().position(|i| i.id == k)
    });
    let index = state.fleet.instance_index();
    let body = rows.iter().map(|i| {
        let style = match i.state {
            ImageState::Available => theme.ok,
            ImageState::Pending => theme.warn,
            ImageState::Failed | ImageState::Deregistered => theme.crit,
        };
        let source = match i.source_instance_id.as_deref() {
            Some(id) => match index.get(id).and_then(|x| x.name.as_deref()) {
                Some(name) => format!("{name} ({id})"),
                None => id.to_string(),
            },
            None => String::new(),
        };
        Row::new(vec![
            Span::raw(i.name.clone()),
            Span::raw(i.id.clone()),
            Span::styled(i.state.as_str(), style),
            Span::raw(source),
            Span::raw(age_text(state.clock - i.created_at)),
        ])
        .style(theme.text)
    });
    let table = Table::new(
        body,
        [
            Constraint::Min(24),
            Constraint::Length(22),
            Constraint::Length(10),
            Constraint::Min(20),
            Constraint::Length(6),
        ],
    )
    .header(columns_header(state, theme));
    render_table(frame, inner, table, selected, theme);
}
