//! View 6, Images: the account's AMIs, newest first, with the instance each was made from.

use crate::app::rows::image_rows;
use crate::app::AppState;
use crate::model::ImageState;
use crate::theme::Theme;
use ratatui::layout::Rect;
use ratatui::Frame;

pub fn draw(frame: &mut Frame, area: Rect, state: &AppState, theme: &Theme) {
    let rows = image_rows(&state.fleet, state.list());
    let pending = (state.fleet.images.iter())
        .filter(|i| i.state == ImageState::Pending)
        .count();
    let summary = format!(
        "· {} · {pending} pending",
        super::plural(state.fleet.images.len(), "image")
    );
    super::table::draw_rows_view(
        frame,
        area,
        state,
        theme,
        ("Images", summary, "images"),
        &rows,
    );
}
