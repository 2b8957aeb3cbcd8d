//! patrol: a terminal operations console for the AWS high-availability patterns.

pub mod app;
pub mod background;
pub mod board;
pub mod cli;
pub mod cloud;
pub mod config;
pub mod duration;
pub mod flight;
pub mod keymap;
pub mod model;
pub mod ops;
pub mod patterns;
pub mod playback;
pub mod poll;
pub mod probe;
pub mod record;
pub mod runbook;
pub mod settings;
pub mod theme;
pub mod tui;
pub mod ui;
pub mod view;
pub mod world;

/// One line for a TOML error: where (line and column) and what, without toml's source excerpt.
pub fn toml_error(text: &str, e: &toml::de::Error) -> String {
    let message = e.message().trim_end();
    match e.span() {
        Some(span) => {
            let before = &text[..span.start.min(text.len())];
            let line = before.matches('\n').count() + 1;
            let column = before.len() - before.rfind('\n').map_or(0, |p| p + 1) + 1;
            format!("line {line}, column {column}: {message}")
        }
        None => message.to_string(),
    }
}
