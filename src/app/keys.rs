//! What each key does: the key map's actions, Shift-letter sorting, filter and prompts.

use super::columns::Row;
use super::rows::{listing, selected_index};
use super::table::{column_of_letter, SortBy};
use super::{AppState, Effect, PlaybackCommand, View};
use crate::keymap::{KeyAction, KeyMap, ACTIONS};
use crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};

/// One line of the help overlay: the keys of some actions, and what they do.
pub struct HelpLine {
    pub keys: String,
    pub what: String,
    /// Only offered when actions are allowed (not in read-only mode).
    pub changes_the_cloud: bool,
}

/// The help overlay's lines for this key map: related actions share a line.
pub fn help_lines(keys: &KeyMap) -> Vec<HelpLine> {
    use KeyAction::*;
    let views = View::ALL.map(Show);
    let titles: Vec<&str> = View::ALL.iter().map(|v| v.short_title()).collect();
    let views_what = format!("view: {}", titles.join(" "));
    let groups: &[(&[KeyAction], &str)] = &[
        (&views, &views_what),
        (&[NextView, PrevView], "next / previous view"),
        (&[Down, Up], "move the selection"),
        (
            &[Left, Right],
            "on the Overview: the card to the left / right",
        ),
        (&[PageDown, PageUp], "a page down / up"),
        (&[First, Last], "first / last row"),
        (
            &[Pause, Step, Slower, Faster, Restart],
            "scenario: pause/resume · step 10s · slower · faster · restart",
        ),
    ];
    let first = |a: KeyAction| {
        keys.keys_of(a)
            .into_iter()
            .next()
            .unwrap_or_else(|| "-".into())
    };
    let mut lines: Vec<HelpLine> = groups
        .iter()
        .map(|(actions, what)| HelpLine {
            keys: actions
                .iter()
                .map(|a| first(*a))
                .collect::<Vec<_>>()
                .join(" "),
            what: what.to_string(),
            changes_the_cloud: false,
        })
        .collect();
    lines.push(HelpLine {
        keys: "Shift+letter".into(),
        what: "sort by the column whose letter is underlined in the header".into(),
        changes_the_cloud: false,
    });
    let grouped: Vec<KeyAction> = groups.iter().flat_map(|(a, _)| a.iter().copied()).collect();
    for (action, name, _, what) in ACTIONS.iter().filter(|a| !grouped.contains(&a.0)) {
        let bound = keys.keys_of(*action);
        lines.push(HelpLine {
            keys: if bound.is_empty() {
                // Its default key went to one of the operator's bindings.
                format!("(no key: keys.{name})")
            } else {
                bound.join(" / ")
            },
            what: what.to_string(),
            changes_the_cloud: action.changes_the_cloud(),
        });
    }
    lines.push(HelpLine {
        keys: "in a dialog".into(),
        what: "PgDn/Space read on · a accept · y/n/Tab · Enter · Esc".into(),
        changes_the_cloud: true,
    });
    lines
}

/// The help overlay at this terminal's size: its width, the keys' column width and its
/// lines (keys, text), each description wrapped to the room it has.
pub fn help_rows(state: &AppState) -> (u16, u16, Vec<(String, String)>) {
    let lines: Vec<HelpLine> = help_lines(&state.keymap)
        .into_iter()
        .filter(|l| !(state.read_only && l.changes_the_cloud))
        .collect();
    let key_width = (lines.iter().map(|l| l.keys.chars().count()).max()).unwrap_or(0);
    let longest = (lines.iter().map(|l| l.what.chars().count()).max()).unwrap_or(0);
    // Key column, a gap, the longest line and the borders; no wider than the terminal.
    let width = (key_width + 1 + longest + 2).min(state.size.0 as usize);
    let room = width.saturating_sub(key_width + 3).max(10);
    let mut rows = Vec::new();
    for l in lines {
        let mut keys = l.keys;
        for part in super::detail::wrap(&l.what, room) {
            rows.push((std::mem::take(&mut keys), part));
        }
    }
    (width as u16, key_width as u16, rows)
}

/// How many of the help overlay's `rows` lines a terminal `height` tall shows at once.
pub fn help_page(rows: usize, height: u16) -> u16 {
    (rows as u16 + 2).min(height).saturating_sub(2).max(1)
}

/// Applies one key press.
pub fn on_key(state: &mut AppState, key: KeyEvent) -> Vec<Effect> {
    if key.kind == KeyEventKind::Release {
        return vec![];
    }
    state.dirty = true;
    let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
    // Ctrl-C always quits, whatever the bindings.
    if ctrl && matches!(key.code, KeyCode::Char('c')) {
        return vec![Effect::Quit];
    }
    let action = state.keymap.action(&key);
    // Too small to draw the console: nothing on screen, so no key may act. q quits and Esc
    // cancels an open dialog; everything else waits for a bigger terminal.
    if !super::plan_text::fits(state.size) {
        if matches!(key.code, KeyCode::Esc) && state.dialog.is_some() {
            state.dialog = None;
            state.message = Some("cancelled: nothing was changed".into());
        } else if action == Some(KeyAction::Quit) && state.dialog.is_none() {
            return super::dialog::quit(state);
        }
        return vec![];
    }
    if state.help {
        let rows = help_rows(state).2.len();
        let page = help_page(rows, state.size.1) as isize;
        let by = match action {
            _ if matches!(key.code, KeyCode::Esc) => None,
            Some(KeyAction::Help | KeyAction::Quit) => None,
            Some(KeyAction::Down) => Some(1),
            Some(KeyAction::Up) => Some(-1),
            Some(KeyAction::PageDown) => Some(page),
            Some(KeyAction::PageUp) => Some(-page),
            Some(KeyAction::First) => Some(isize::MIN / 2),
            Some(KeyAction::Last) => Some(isize::MAX / 2),
            _ => Some(0),
        };
        match by {
            None => {
                state.help = false;
                state.help_scroll = 0;
            }
            Some(by) => {
                let most = rows.saturating_sub(page.max(0) as usize);
                let to = (state.help_scroll as isize + by).clamp(0, most as isize);
                state.help_scroll = to as u16;
            }
        }
        return vec![];
    }
    if state.detail.is_some() {
        return on_detail_key(state, key, action);
    }
    if state.dialog.is_some() {
        return super::dialog::on_dialog_key(state, key);
    }
    if state.picker.is_some() {
        return super::command::on_picker_key(state, key);
    }
    if state.prompt.is_some() {
        return super::command::on_prompt_key(state, key);
    }
    if state.filter_editing {
        edit_filter(state, key);
        return vec![];
    }
    state.message = None;
    // Shift + a column's letter sorts by it; again reverses.
    if let (KeyCode::Char(c), false) = (key.code, ctrl) {
        if c.is_ascii_uppercase() && state.keymap.sort_letter_free(c) {
            sort_by_letter(state, c);
            return vec![];
        }
    }
    let Some(action) = action else {
        state.dirty = false;
        return vec![];
    };
    if action.changes_the_cloud() {
        if !super::dialog::action_key(state, action) {
            state.dirty = false;
        }
        return vec![];
    }
    run(state, action)
}

/// Carries out a console action (not one that changes the cloud).
fn run(state: &mut AppState, action: KeyAction) -> Vec<Effect> {
    use KeyAction::*;
    let n = View::ALL.len();
    match action {
        Show(view) => state.view = view,
        NextView => state.view = View::ALL[(state.view.index() + 1) % n],
        PrevView => state.view = View::ALL[(state.view.index() + n - 1) % n],
        // The Overview's cards are two to a row: j/k go down and up a row, h/l across.
        Down if state.view == View::Overview => move_selection(state, 2),
        Up if state.view == View::Overview => move_selection(state, -2),
        Left if state.view == View::Overview => move_selection(state, -1),
        Right if state.view == View::Overview => move_selection(state, 1),
        Down => move_selection(state, 1),
        Up => move_selection(state, -1),
        PageDown => move_selection(state, page(state)),
        PageUp => move_selection(state, -page(state)),
        First => move_selection(state, isize::MIN / 2),
        Last => move_selection(state, isize::MAX / 2),
        Open if state.view == View::Overview => open_card(state),
        Open if state.view == View::Patterns => open_finding(state),
        Open if state.view == View::Events => open_event(state),
        Open if state.view == View::Fleet => return open_target(state),
        Open | Detail => open_detail(state),
        Filter => state.filter_editing = true,
        // Nothing to clear: Esc goes back to the board, when there is one.
        ClearFilter
            if state.board.len() > 1
                && state.view != View::Fleet
                && state.list().filter.is_empty()
                && state.list().sort.is_none() =>
        {
            state.view = View::Fleet;
            // The board selects the target just left.
            let here = state
                .board
                .iter()
                .find(|r| r.current)
                .map(|r| r.name.clone());
            state.list_mut().selected_key = here;
        }
        ClearFilter => {
            let list = state.list_mut();
            list.filter.clear();
            list.sort = None;
            reanchor(state);
        }
        ReverseSort => match state.list_mut().sort.as_mut() {
            Some(s) => s.descending = !s.descending,
            None => {
                state.message = Some("no sort to reverse: Shift + a column's letter sorts".into())
            }
        },
        Command => state.prompt = Some(String::new()),
        Refresh => return vec![Effect::RefreshNow],
        Export => return super::command::export(state, super::command::ExportFormat::Csv),
        Copy => return super::command::copy(state),
        Help => {
            state.help = true;
            state.help_scroll = 0;
        }
        Quit => return super::dialog::quit(state),
        Pause => return playback(state, PlaybackCommand::TogglePause),
        Step => return playback(state, PlaybackCommand::Step),
        Slower => return playback(state, PlaybackCommand::Slower),
        Faster => return playback(state, PlaybackCommand::Faster),
        Restart => return playback(state, PlaybackCommand::Restart),
        NextEvent => return playback(state, PlaybackCommand::NextEvent),
        PrevEvent => return playback(state, PlaybackCommand::PrevEvent),
        _ => state.dirty = false,
    }
    vec![]
}

/// Sorts the view by the column with this letter; the same letter again reverses.
fn sort_by_letter(state: &mut AppState, letter: char) {
    let Some(column) = column_of_letter(state.view, letter) else {
        state.message = Some(format!("no column here sorts with Shift-{letter}"));
        return;
    };
    let list = state.list_mut();
    list.sort = Some(match list.sort {
        Some(s) if s.column == column => SortBy {
            column,
            descending: !s.descending,
        },
        _ => SortBy {
            column,
            descending: false,
        },
    });
    reanchor(state);
}

/// A scenario key: passed to the simulator, or explained on AWS.
fn playback(state: &mut AppState, command: PlaybackCommand) -> Vec<Effect> {
    if state.playback.is_none() {
        state.message = Some("scenario keys work on the simulator and in a replay only".into());
        return vec![];
    }
    if command == PlaybackCommand::Restart {
        if super::dialog::refuse_while_running(state, "restart the scenario") {
            return vec![];
        }
        state.message = Some("scenario restarted from its beginning (same seed)".into());
    }
    vec![Effect::Playback(command)]
}

/// `:goto TIME`: a replay moves to that moment.
pub fn goto(state: &mut AppState, moment: &str) -> Vec<Effect> {
    playback(state, PlaybackCommand::Goto(moment.to_string()))
}

fn edit_filter(state: &mut AppState, key: KeyEvent) {
    match key.code {
        KeyCode::Enter => state.filter_editing = false,
        KeyCode::Esc => {
            state.filter_editing = false;
            state.list_mut().filter.clear();
        }
        _ => {
            super::line_edit::edit(&mut state.list_mut().filter, &key);
        }
    }
    reanchor(state);
}

/// After the operator changed what the table lists (filter, sort): when the selected
/// resource is no longer listed, select the row where it was, so the mark stays on screen.
/// (A refresh never does this: the selection never moves to another resource by itself.)
/// Enter on the board: the selected target, opened as the ordinary console (the one on
/// screen already: its Overview).
fn open_target(state: &mut AppState) -> Vec<Effect> {
    let rows = super::rows::board_rows(&state.board, state.list());
    let at = selected_index(state.list(), rows.len(), |k| {
        rows.iter().position(|r| r.name == k)
    });
    let Some(row) = at.map(|i| &rows[i]) else {
        state.message = Some("no target selected".into());
        return vec![];
    };
    match (&row.world, row.current) {
        (None, _) => {
            state.message = Some(format!(
                "{} cannot be opened: {}",
                row.name,
                row.error.clone().unwrap_or_default()
            ));
            vec![]
        }
        (Some(_), true) => {
            state.view = View::Overview;
            vec![]
        }
        // An action's outcome and a world switch come back to the target that asked:
        // while one is under way, the screen stays on it.
        (Some(_), false) => {
            let name = row.name.clone();
            if super::dialog::refuse_while_running(state, &format!("open {name}")) {
                return vec![];
            }
            if let Some((_, words)) = &state.switching {
                state.message = Some(format!("still opening {words}: open {name} when it has"));
                return vec![];
            }
            vec![Effect::Dive(name)]
        }
    }
}

/// The target in a probe event's resource (`web-tg i-…:80 /health/deep`).
fn id_of_probe(resource: &str) -> String {
    (resource.split_whitespace().nth(1))
        .and_then(|t| t.rsplit_once(':'))
        .map_or(String::new(), |(id, _)| id.to_string())
}

fn reanchor(state: &mut AppState) {
    let rows = listing(state);
    let list = state.list_mut();
    if rows.is_empty() || (list.selected_key.as_ref()).is_some_and(|k| rows.position(k).is_some()) {
        return;
    }
    let at = list.selected_index.min(rows.len() - 1);
    list.selected_index = at;
    list.selected_key = rows.key(at).map(str::to_string);
}

/// Gives the current view's selection a resource from the first frame its rows are drawn,
/// so the mark the operator sees on the first row stays on that resource when rows move.
pub fn pin_selection(state: &mut AppState) {
    if state.list().selected_key.is_some() {
        return;
    }
    let rows = listing(state);
    if rows.is_empty() {
        return;
    }
    let list = state.list_mut();
    let at = list.selected_index.min(rows.len() - 1);
    list.selected_index = at;
    list.selected_key = rows.key(at).map(str::to_string);
}

/// Rows that fit on one page of a table at the current terminal height.
fn page(state: &AppState) -> isize {
    (state.size.1 as isize - 8).max(1)
}

/// Moves the selection by `delta` rows (clamped) and remembers the row's key. When the
/// selected resource has gone, it moves from where that row was.
fn move_selection(state: &mut AppState, delta: isize) {
    let rows = listing(state);
    if rows.is_empty() {
        return;
    }
    let current = selected_index(state.list(), rows.len(), |k| rows.position(k))
        .unwrap_or_else(|| state.list().selected_index.min(rows.len() - 1));
    let next = (current as isize)
        .saturating_add(delta)
        .clamp(0, rows.len() as isize - 1) as usize;
    let list = state.list_mut();
    list.selected_index = next;
    list.selected_key = rows.key(next).map(str::to_string);
}

/// `d` (or Enter in a view of resources): the detail pane of the selected row.
fn open_detail(state: &mut AppState) {
    match super::detail::selected(state) {
        Some(d) => state.detail = Some(d),
        None if state.view == View::Overview => {
            state.message = Some("d describes a row: open a view (Enter on a card)".into())
        }
        None => state.message = Some("nothing selected to describe".into()),
    }
}

/// A key while the detail pane is open: it scrolls, follows links, goes back, copies, or
/// closes the pane. Nothing else acts while it covers the view.
fn on_detail_key(state: &mut AppState, key: KeyEvent, action: Option<KeyAction>) -> Vec<Effect> {
    use KeyAction::*;
    let Some(d) = state.detail.clone() else {
        return vec![];
    };
    let detail = super::detail::of(state, &d);
    let page = page(state).max(1) as i64;
    let width = state.size.0.saturating_sub(2) as usize;
    let lines = super::detail::layout(&detail, width, d.link).len() as i64;
    // The pane covers the view: the screen less the tab bar, the status lines, its borders.
    let shown = state.size.1 as i64 - 6;
    let scroll = |state: &mut AppState, by: i64| {
        if let Some(d) = state.detail.as_mut() {
            d.scroll = (d.scroll as i64 + by).clamp(0, (lines - shown).max(0)) as u16;
        }
    };
    let links = detail.links.len();
    match (key.code, action) {
        (KeyCode::Esc, _) | (_, Some(Detail | Quit | ClearFilter)) => state.detail = None,
        (KeyCode::Backspace | KeyCode::Left | KeyCode::Char('h'), _) => {
            let mut d = d;
            match d.back.pop() {
                Some((view, key)) => {
                    select(state, view, &key);
                    d.view = view;
                    d.key = key;
                    d.scroll = 0;
                    d.link = 0;
                    state.detail = Some(d);
                }
                None => state.detail = None,
            }
        }
        (KeyCode::Char(c @ '1'..='9'), _) => {
            let n = c as usize - '1' as usize;
            match detail.links.get(n) {
                Some(link) => follow(state, d, link),
                None => state.message = Some(format!("no related resource {}", n + 1)),
            }
        }
        (KeyCode::Tab | KeyCode::BackTab, _) if links > 0 => {
            let step = if key.code == KeyCode::Tab {
                1
            } else {
                links - 1
            };
            if let Some(d) = state.detail.as_mut() {
                d.link = (d.link + step) % links;
            }
        }
        (KeyCode::Enter, _) => match detail.links.get(d.link) {
            Some(link) => follow(state, d.clone(), link),
            None => state.message = Some("nothing related to open".into()),
        },
        (_, Some(Down)) => scroll(state, 1),
        (_, Some(Up)) => scroll(state, -1),
        (_, Some(PageDown | Pause)) => scroll(state, page),
        (_, Some(PageUp)) => scroll(state, -page),
        (_, Some(First)) => scroll(state, -lines),
        (_, Some(Last)) => scroll(state, lines),
        (_, Some(Copy)) => {
            return match detail.copy_id {
                Some(id) => vec![Effect::Copy(id)],
                None => {
                    state.message = Some("nothing to copy here".into());
                    vec![]
                }
            }
        }
        _ => {
            state.message = Some(
                "detail: j/k scroll · 1-9 or Tab, Enter open a related resource · \
                 Backspace back · y copy · Esc closes"
                    .into(),
            )
        }
    }
    vec![]
}

/// Opens a related resource: its view, its row selected (a filter that hides it is
/// cleared), and its detail pane, remembering the way back.
fn follow(state: &mut AppState, mut d: super::detail::DetailState, link: &super::detail::Link) {
    d.back.push((d.view, d.key.clone()));
    select(state, link.view, &link.key);
    d.view = link.view;
    d.key = link.key.clone();
    d.scroll = 0;
    d.link = 0;
    state.detail = Some(d);
}

/// Shows `view` with the row `key` selected, clearing a filter that would hide it.
fn select(state: &mut AppState, view: View, key: &str) {
    state.view = view;
    if listing(state).position(key).is_none() {
        state.list_mut().filter.clear();
    }
    state.list_mut().selected_key = Some(key.to_string());
}

/// Enter on an Overview card: the resource of its worst finding (or its view).
fn open_card(state: &mut AppState) {
    let cards = &state.patterns;
    let at = selected_index(state.list(), cards.len(), |k| {
        cards.iter().position(|c| c.pattern.name() == k)
    });
    let Some(report) = at.map(|i| &cards[i]) else {
        return;
    };
    let pattern = report.pattern;
    // The worst finding, and of those the most precise (a target rather than its group);
    // when all is well, the pattern's view.
    let worst = (report.findings.iter())
        .filter(|f| f.verdict > crate::patterns::Verdict::Pass)
        .max_by_key(|f| (f.verdict, f.resources.len()));
    match worst {
        Some(f) => {
            let resources = f.resources.clone();
            open_resources(state, pattern, &resources)
        }
        None => state.view = super::view_of(pattern),
    }
}

/// Enter on a finding: its resource, selected, in the view that shows it.
fn open_finding(state: &mut AppState) {
    let rows = super::rows::finding_rows(&state.patterns, state.list());
    let at = selected_index(state.list(), rows.len(), |k| {
        rows.iter().position(|r| r.key() == k)
    });
    if let Some(r) = at.map(|i| rows[i]) {
        let resources = r.finding.map(|f| f.resources.clone()).unwrap_or_default();
        open_resources(state, r.report.pattern, &resources);
    }
}

/// Opens the view that shows a pattern's resources with them selected (one) or listed by a
/// filter (several); the pattern's own view when they are shown nowhere.
fn open_resources(state: &mut AppState, pattern: crate::patterns::Pattern, resources: &[String]) {
    let view = super::view_of(pattern);
    match super::rows::locate(state, view, resources) {
        Some(found) => {
            state.view = found.view;
            let list = state.list_mut();
            list.filter = found.filter;
            list.sort = None;
            list.selected_key = Some(found.select);
        }
        None if view != View::Patterns => state.view = view,
        None => {
            state.message = Some(format!(
                "{} has no view of its own yet: its findings are listed here",
                pattern.name()
            ))
        }
    }
}

/// Enter on an event: the view that shows its resource, filtered to it.
fn open_event(state: &mut AppState) {
    use crate::record::EventKind;
    let rows = super::rows::event_rows(&state.events, state.list());
    let at = selected_index(state.list(), rows.len(), |k| {
        rows.iter().position(|r| r.key() == k)
    });
    let Some(e) = at.map(|i| rows[i].event.clone()) else {
        return;
    };
    // The instance or resource id in the event (a target is `group id:port`).
    let id = e
        .resource
        .split_whitespace()
        .last()
        .and_then(|t| t.split(':').next())
        .unwrap_or_default()
        .to_string();
    let (view, filter) = match e.kind {
        EventKind::Target | EventKind::Instance => (View::Targets, id),
        EventKind::Probe => (View::Health, id_of_probe(&e.resource)),
        EventKind::Group if id.starts_with("i-") => (View::Targets, id),
        EventKind::Group | EventKind::Activity => (View::Capacity, e.resource.clone()),
        EventKind::Alarm => (View::Capacity, String::new()),
        EventKind::Address => (View::ElasticIps, e.resource.clone()),
        EventKind::Image => (View::Images, e.resource.clone()),
        EventKind::Pattern => (View::Patterns, e.resource.clone()),
        EventKind::Source => (View::Overview, String::new()),
        EventKind::Action => match e.name.as_deref() {
            Some("swap-floating-ip") => (View::ElasticIps, e.resource.clone()),
            Some("clone-to-ami") => (View::Images, String::new()),
            Some("scale-out") => (View::Capacity, e.resource.clone()),
            _ => (View::Targets, id),
        },
    };
    state.view = view;
    if view != View::Overview {
        let list = state.list_mut();
        list.filter = filter;
        list.sort = None;
        reanchor(state);
    }
}
