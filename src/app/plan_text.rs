//! The confirmation dialog as text: every row it shows, wrapped at the popup's width, and
//! which rows have been on screen. The UI draws exactly these rows, so `update` knows what
//! the operator has seen: Yes is offered only once every row has been drawn.

use super::{AppState, Dialog, Focus};
use crate::ops::{CheckLevel, Field};
use unicode_width::UnicodeWidthChar;

/// The smallest terminal the console draws in (below it, only q, Ctrl-C and Esc work).
pub const MIN_WIDTH: u16 = 80;
pub const MIN_HEIGHT: u16 = 16;

/// Whether the console can draw in a terminal of this size.
pub fn fits(size: (u16, u16)) -> bool {
    size.0 >= MIN_WIDTH && size.1 >= MIN_HEIGHT
}

/// What a piece of dialog text is, so the theme can colour it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    Header,
    Text,
    Muted,
    Info,
    Ok,
    Warn,
    Crit,
    Danger,
    /// A focused button.
    Selected,
}

/// One drawn row: pieces of text with their roles, and whether it is centred.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    pub pieces: Vec<(String, Role)>,
    pub centred: bool,
}

impl Row {
    fn new(pieces: Vec<(String, Role)>) -> Row {
        Row {
            pieces,
            centred: false,
        }
    }

    fn one(text: impl Into<String>, role: Role) -> Row {
        Row::new(vec![(text.into(), role)])
    }

    fn centred(mut self) -> Row {
        self.centred = true;
        self
    }

    /// The row's text, without roles.
    pub fn text(&self) -> String {
        self.pieces.iter().map(|(t, _)| t.as_str()).collect()
    }
}

/// Where the dialog sits on a terminal of `size`: x, y, width, height (borders included).
pub fn popup(size: (u16, u16), rows: usize) -> (u16, u16, u16, u16) {
    let width = size.0.saturating_sub(4).min(110);
    let height = (rows as u16).saturating_add(2).min(size.1);
    (
        (size.0 - width.min(size.0)) / 2,
        (size.1 - height) / 2,
        width,
        height,
    )
}

/// The width text wraps at inside the popup.
pub fn inner_width(size: (u16, u16)) -> usize {
    (popup(size, 0).2 as usize).saturating_sub(2).max(1)
}

/// How many rows fit inside the popup at once.
pub fn visible_rows(size: (u16, u16), rows: usize) -> usize {
    (popup(size, rows).3 as usize).saturating_sub(2)
}

/// Every row of the dialog, wrapped at `width` columns.
pub fn rows(dialog: &Dialog, production: Option<&str>, width: usize) -> Vec<Row> {
    lines(dialog, production)
        .into_iter()
        .flat_map(|l| wrap(l, width))
        .collect()
}

/// The dialog's lines before wrapping.
fn lines(dialog: &Dialog, production: Option<&str>) -> Vec<Row> {
    let plan = &dialog.plan;
    let mut out = Vec::new();
    if let Some(name) = production {
        out.push(Row::one(
            match &dialog.typed {
                Some(typed) => format!(
                    "PRODUCTION: type {name} and Enter to go ahead (Esc backs out): {typed}▏"
                ),
                None => format!("PRODUCTION target {name}: Yes asks you to type its name"),
            },
            Role::Danger,
        ));
    }
    if let Some(note) = &dialog.note {
        out.push(Row::one(note.as_str(), Role::Warn));
    }
    for (name, items) in plan.sections() {
        out.push(Row::one(name, Role::Header));
        out.extend(items.iter().map(|l| Row::one(format!("  {l}"), Role::Text)));
    }
    out.push(Row::one("Preflight", Role::Header));
    for c in &plan.checks {
        let role = match c.level {
            CheckLevel::Pass => Role::Ok,
            CheckLevel::Choice => Role::Warn,
            CheckLevel::Fail => Role::Crit,
        };
        let mut pieces = vec![
            (format!("  {} {}", plan.mark(c), c.what), role),
            (format!(": {}", c.detail), Role::Text),
        ];
        if c.level == CheckLevel::Choice {
            pieces.push(if plan.accepted(c) {
                (" (accepted: a takes it back)".to_string(), Role::Warn)
            } else {
                (" (a accepts it, or Esc)".to_string(), Role::Warn)
            });
        }
        out.push(Row::new(pieces));
    }
    out.push(Row::one("", Role::Text));
    out.extend(choice_lines(dialog));
    out.extend(buttons(dialog));
    out
}

/// What the operator can change, one row per field (a pick only when there is a choice).
fn choice_lines(dialog: &Dialog) -> Vec<Row> {
    dialog
        .plan
        .fields
        .iter()
        .filter_map(|field| match field {
            Field::Pick {
                name,
                noun,
                options,
                ..
            } => (options.len() > 1).then(|| {
                Row::one(
                    format!("j/k: choose the {name} ({} {noun})", options.len()),
                    Role::Muted,
                )
            }),
            Field::Text { name, key, value } => {
                let typing = dialog.editing == Some(*name);
                Some(Row::new(vec![
                    (format!("{name}: "), Role::Muted),
                    (
                        format!("{value}{}", if typing { "▏" } else { "" }),
                        Role::Info,
                    ),
                    (
                        if typing {
                            "  (typing; Enter ends)".to_string()
                        } else {
                            format!("  ({key} edits)")
                        },
                        Role::Muted,
                    ),
                ]))
            }
            Field::Flag {
                name,
                key,
                value,
                hint,
            } => Some(Row::new(vec![
                (format!("{name}: "), Role::Muted),
                (if *value { "yes" } else { "no" }.into(), Role::Info),
                (format!("  ({key} toggles; {hint})"), Role::Muted),
            ])),
            Field::Count { name, value } => Some(Row::new(vec![
                (format!("{name}: "), Role::Muted),
                (value.to_string(), Role::Info),
                ("  (+/- or type a number)".into(), Role::Muted),
            ])),
        })
        .collect()
}

fn buttons(dialog: &Dialog) -> Vec<Row> {
    let plan = &dialog.plan;
    if plan.blocked() {
        return vec![Row::one(
            "A preflight check failed: this cannot be done. Esc closes.",
            Role::Crit,
        )
        .centred()];
    }
    let button = |label: &str, focused: bool| {
        (
            format!("[ {label} ]"),
            if focused { Role::Selected } else { Role::Text },
        )
    };
    let yes = if !plan.ready() {
        "Yes (accept every ? first)"
    } else {
        "Yes, do it"
    };
    vec![
        Row::new(vec![
            button("No", dialog.focus == Focus::No),
            ("   ".into(), Role::Text),
            button(yes, dialog.focus == Focus::Yes),
        ])
        .centred(),
        Row::one(
            "Tab or y/n chooses a button · Enter does the chosen one · Esc cancels",
            Role::Muted,
        )
        .centred(),
    ]
}

/// Splits a line into rows of at most `width` columns, at spaces where it can.
fn wrap(line: Row, width: usize) -> Vec<Row> {
    let chars: Vec<(char, Role)> = line
        .pieces
        .iter()
        .flat_map(|(t, r)| t.chars().map(move |c| (c, *r)))
        .collect();
    let mut rows: Vec<Vec<(char, Role)>> = Vec::new();
    let mut current: Vec<(char, Role)> = Vec::new();
    let mut used = 0;
    for (c, role) in chars {
        let w = c.width().unwrap_or(0);
        if used + w > width && !current.is_empty() {
            // Break after the last space, if the row has one; else mid-word.
            let cut = current
                .iter()
                .rposition(|(ch, _)| *ch == ' ')
                .filter(|&p| p > 0)
                .map_or(current.len(), |p| p + 1);
            let rest = current.split_off(cut);
            rows.push(std::mem::replace(&mut current, rest));
            used = current.iter().map(|(ch, _)| ch.width().unwrap_or(0)).sum();
        }
        current.push((c, role));
        used += w;
    }
    rows.push(current);
    rows.into_iter()
        .map(|row| {
            let mut pieces: Vec<(String, Role)> = Vec::new();
            for (c, role) in row {
                match pieces.last_mut() {
                    Some((text, r)) if *r == role => text.push(c),
                    _ => pieces.push((c.to_string(), role)),
                }
            }
            Row {
                pieces,
                centred: line.centred,
            }
        })
        .collect()
}

/// The dialog's rows at the current terminal size.
pub fn current_rows(state: &AppState) -> Vec<Row> {
    match &state.dialog {
        Some(d) => rows(d, state.production.as_deref(), inner_width(state.size)),
        None => Vec::new(),
    }
}

/// Keeps the dialog's scroll within its rows and forgets what was seen when the rows
/// changed (a new plan, another width): those rows have not been on screen yet. Moving the
/// focus or typing the production name changes no row that needs reading again.
pub fn sync(state: &mut AppState) {
    let Some(d) = &state.dialog else { return };
    let mut plain = d.clone();
    plain.typed = None;
    plain.focus = Focus::Unfocused;
    let text: Vec<String> = rows(&plain, state.production.as_deref(), inner_width(state.size))
        .iter()
        .map(Row::text)
        .collect();
    let size = state.size;
    let Some(d) = state.dialog.as_mut() else {
        return;
    };
    if d.shown != text {
        // A row already on screen with exactly this text stays seen (accepting a
        // consequence rewrites only its own rows); every changed or new row must be shown.
        let mut before: std::collections::HashMap<&str, usize> = Default::default();
        for (row, seen) in d.shown.iter().zip(&d.seen) {
            if *seen {
                *before.entry(row.as_str()).or_default() += 1;
            }
        }
        let seen: Vec<bool> = text
            .iter()
            .map(|row| match before.get_mut(row.as_str()) {
                Some(n) if *n > 0 => {
                    *n -= 1;
                    true
                }
                _ => false,
            })
            .collect();
        d.seen = seen;
        d.shown = text;
        if d.focus == Focus::Yes {
            d.focus = Focus::Unfocused;
        }
    }
    let visible = visible_rows(size, d.shown.len());
    d.scroll = d.scroll.min(d.shown.len().saturating_sub(visible));
}

/// A frame was drawn at `size`: the dialog rows it showed have been on screen.
pub fn drawn(state: &mut AppState, size: (u16, u16)) {
    state.size = size;
    sync(state);
    if !fits(size) {
        return;
    }
    let Some(d) = state.dialog.as_mut() else {
        return;
    };
    let visible = visible_rows(size, d.shown.len());
    let end = (d.scroll + visible).min(d.seen.len());
    for s in &mut d.seen[d.scroll..end] {
        *s = true;
    }
}

impl Dialog {
    /// Every row of the dialog has been on screen.
    pub fn wholly_seen(&self) -> bool {
        !self.seen.is_empty() && self.seen.iter().all(|s| *s)
    }

    /// Rows below the window that have not been drawn yet.
    pub fn unseen(&self) -> usize {
        self.seen.iter().filter(|s| !**s).count()
    }
}

/// Scrolls the dialog by `delta` rows (a page with PgDn/PgUp).
pub fn scroll(state: &mut AppState, delta: isize) {
    let size = state.size;
    if let Some(d) = state.dialog.as_mut() {
        let visible = visible_rows(size, d.shown.len());
        let max = d.shown.len().saturating_sub(visible);
        d.scroll = (d.scroll as isize + delta).clamp(0, max as isize) as usize;
    }
}

/// One page of the dialog at the current size.
pub fn page(state: &AppState) -> isize {
    let rows = state.dialog.as_ref().map_or(0, |d| d.shown.len());
    visible_rows(state.size, rows).saturating_sub(1).max(1) as isize
}
