//! What each key does: navigation, views, filter, help, quit.

use super::rows::{row_keys, selected_index};
use super::{overview_cards, AppState, Effect, PlaybackCommand, View};
use crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};

/// Every key the console answers to, for the help overlay and the README.
pub const KEY_HELP: &[(&str, &str)] = &[
    (
        "1-7",
        "switch view: Overview, Targets, Capacity, Elastic IPs, Zones, Images, Patterns",
    ),
    ("Tab / Shift-Tab", "next / previous view"),
    ("j k / ↓ ↑", "move the selection"),
    ("PgDn PgUp", "move a page"),
    ("g G / Home End", "first / last row"),
    (
        "Enter",
        "on an Overview card or a Patterns row: open its view",
    ),
    ("/", "filter the view (Enter keeps it, Esc clears it)"),
    ("Esc", "clear the filter, close help"),
    ("r", "refresh every source now"),
    (
        "Space . < > Ctrl-R",
        "scenario: pause/resume · step 10s · slower · faster · restart",
    ),
    ("?", "this help"),
    ("q / Ctrl-C", "quit"),
];

/// The action keys, listed only when actions are allowed (not in --read-only).
pub const ACTION_KEY_HELP: &[(&str, &str)] = &[
    ("s", "on Elastic IPs: swap the address to its standby"),
    ("b", "after a swap: swap it back"),
    (
        "c",
        "on Targets or Elastic IPs: clone the instance to an AMI",
    ),
    ("+ / o", "on Capacity: scale the group out"),
    (
        "in a dialog",
        "Tab focus No/Yes · y/n · Enter does the focused · Esc cancels",
    ),
];

/// Applies one key press.
pub fn on_key(state: &mut AppState, key: KeyEvent) -> Vec<Effect> {
    if key.kind == KeyEventKind::Release {
        return vec![];
    }
    state.dirty = true;
    let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
    if ctrl && matches!(key.code, KeyCode::Char('c')) {
        return vec![Effect::Quit];
    }
    if state.help {
        if matches!(
            key.code,
            KeyCode::Esc | KeyCode::Char('?') | KeyCode::Char('q')
        ) {
            state.help = false;
        }
        return vec![];
    }
    if state.dialog.is_some() {
        return super::dialog::on_dialog_key(state, key);
    }
    if state.filter_editing {
        edit_filter(state, key);
        return vec![];
    }
    state.message = None;
    if super::dialog::action_key(state, key.code) {
        return vec![];
    }
    match key.code {
        KeyCode::Char('q') => return vec![Effect::Quit],
        KeyCode::Char('?') => state.help = true,
        KeyCode::Char('r') if ctrl => return playback(state, PlaybackCommand::Restart),
        KeyCode::Char('r') => return vec![Effect::RefreshNow],
        KeyCode::Char(' ') => return playback(state, PlaybackCommand::TogglePause),
        KeyCode::Char('.') => return playback(state, PlaybackCommand::Step),
        KeyCode::Char('<') => return playback(state, PlaybackCommand::Slower),
        KeyCode::Char('>') => return playback(state, PlaybackCommand::Faster),
        KeyCode::Char('/') => state.filter_editing = true,
        KeyCode::Esc => state.list_mut().filter.clear(),
        KeyCode::Char(c @ '1'..='7') => state.view = View::ALL[c as usize - '1' as usize],
        KeyCode::Tab => state.view = View::ALL[(state.view.index() + 1) % View::ALL.len()],
        KeyCode::BackTab => {
            state.view = View::ALL[(state.view.index() + View::ALL.len() - 1) % View::ALL.len()]
        }
        KeyCode::Char('j') | KeyCode::Down => move_selection(state, 1),
        KeyCode::Char('k') | KeyCode::Up => move_selection(state, -1),
        KeyCode::PageDown => move_selection(state, page(state)),
        KeyCode::PageUp => move_selection(state, -page(state)),
        KeyCode::Char('g') | KeyCode::Home => move_selection(state, isize::MIN / 2),
        KeyCode::Char('G') | KeyCode::End => move_selection(state, isize::MAX / 2),
        KeyCode::Enter if state.view == View::Overview => open_card(state),
        KeyCode::Enter if state.view == View::Patterns => open_finding(state),
        _ => state.dirty = false,
    }
    vec![]
}

/// A scenario key: passed to the simulator, or explained on AWS.
fn playback(state: &mut AppState, command: PlaybackCommand) -> Vec<Effect> {
    if state.playback.is_none() {
        state.message = Some("scenario keys work on the simulator only".into());
        return vec![];
    }
    if command == PlaybackCommand::Restart {
        state.message = Some("scenario restarted from its beginning (same seed)".into());
    }
    vec![Effect::Playback(command)]
}

fn edit_filter(state: &mut AppState, key: KeyEvent) {
    match key.code {
        KeyCode::Enter => state.filter_editing = false,
        KeyCode::Esc => {
            state.filter_editing = false;
            state.list_mut().filter.clear();
        }
        KeyCode::Backspace => {
            state.list_mut().filter.pop();
        }
        KeyCode::Char('u') if key.modifiers.contains(KeyModifiers::CONTROL) => {
            state.list_mut().filter.clear()
        }
        KeyCode::Char(c) => state.list_mut().filter.push(c),
        _ => {}
    }
}

/// Rows that fit on one page of a table at the current terminal height.
fn page(state: &AppState) -> isize {
    (state.size.1 as isize - 8).max(1)
}

/// Moves the selection by `delta` rows (clamped) and remembers the row's key.
fn move_selection(state: &mut AppState, delta: isize) {
    let keys = row_keys(state);
    let Some(current) = selected_index(state.list(), keys.len(), |k| {
        keys.iter().position(|x| x == k)
    }) else {
        return;
    };
    let next = (current as isize)
        .saturating_add(delta)
        .clamp(0, keys.len() as isize - 1) as usize;
    let list = state.list_mut();
    list.selected_index = next;
    list.selected_key = Some(keys[next].clone());
}

fn open_card(state: &mut AppState) {
    let cards = overview_cards(state);
    let at = selected_index(state.list(), cards.len(), |k| {
        cards.iter().position(|c| c.pattern.name() == k)
    });
    if let Some(i) = at {
        state.view = cards[i].view;
    }
}

fn open_finding(state: &mut AppState) {
    let rows = super::rows::finding_rows(&state.patterns, &state.list().filter);
    let at = selected_index(state.list(), rows.len(), |k| {
        rows.iter().position(|r| r.key() == k)
    });
    if let Some(r) = at.map(|i| rows[i]) {
        let view = super::view_of(r.report.pattern);
        if view != View::Patterns {
            state.view = view;
        }
    }
}
