//! View 6, Images: the account's AMIs, newest first, with the instance each was made from.

use super::{column_table, empty_hint, panel, panel_title, render_table};
use crate::app::rows::{image_rows, selected_index};
use crate::app::AppState;
use crate::model::ImageState;
use crate::theme::Theme;
use ratatui::layout::Rect;
use ratatui::Frame;

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
    let table = column_table(&rows, inner.width, state, theme);
    render_table(frame, inner, table, selected, theme);
}
