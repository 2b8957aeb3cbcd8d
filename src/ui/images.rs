//! View 6, Images: the account's AMIs, newest first, with the instance each was made from.

use super::{
    age_text, cells_row, columns_header, empty_hint, fitted_table, panel, panel_title, render_table,
};
use crate::app::rows::{image_rows, selected_index, TableRow};
use crate::app::AppState;
use crate::model::ImageState;
use crate::theme::Theme;
use ratatui::layout::{Constraint, Rect};
use ratatui::style::Style;
use ratatui::Frame;

/// Columns of `table::columns(View::Images)` drawn differently from their cell.
const STATE: usize = 2;
const CREATED: usize = 4;

pub fn draw(frame: &mut Frame, area: Rect, state: &AppState, theme: &Theme) {
    let rows = image_rows(&state.fleet, state.list());
    let pending = state
        .fleet
        .images
        .iter()
        .filter(|i| i.state == ImageState::Pending)
        .count();
    let summary = format!(
        "· {} · {pending} pending",
        super::plural(state.fleet.images.len(), "image")
    );
    let block = panel(panel_title("Images", summary, state, theme), theme);
    let inner = block.inner(area);
    frame.render_widget(block, area);
    if rows.is_empty() {
        frame.render_widget(empty_hint(state, "images", theme), inner);
        return;
    }
    let selected = selected_index(state.list(), rows.len(), |k| {
        rows.iter().position(|r| r.image.id == k)
    });
    let body = rows.iter().map(|r| {
        let i = r.image;
        let state_style = match i.state {
            ImageState::Available => theme.ok,
            ImageState::Pending => theme.warn,
            ImageState::Failed | ImageState::Deregistered => theme.crit,
        };
        // The cell is the creation time (it sorts and exports); the screen shows the age.
        let mut cells = r.cells();
        cells[CREATED] = age_text(state.clock - i.created_at);
        cells_row(cells, |c| match c {
            STATE => state_style,
            _ => Style::default(),
        })
        .style(theme.text)
    });
    let table = fitted_table(
        body,
        inner.width,
        [
            Constraint::Min(24),
            Constraint::Length(22),
            Constraint::Length(10),
            Constraint::Min(20),
            Constraint::Length(6),
        ],
        // The image id is never squeezed.
        &[1],
    )
    .header(columns_header(state, theme));
    render_table(frame, inner, table, selected, theme);
}
