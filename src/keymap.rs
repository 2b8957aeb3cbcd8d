//! Key bindings: every console action by name, its default keys, and the operator's own.

use crate::view::View;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use std::collections::BTreeMap;

/// Something a key can do in the console (outside dialogs and prompts).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum KeyAction {
    /// Switch to a view.
    Show(View),
    NextView,
    PrevView,
    Down,
    Up,
    Left,
    Right,
    PageDown,
    PageUp,
    First,
    Last,
    Open,
    Detail,
    Filter,
    ClearFilter,
    ReverseSort,
    Command,
    Refresh,
    Export,
    Copy,
    Help,
    Quit,
    Swap,
    SwapBack,
    Clone,
    ScaleOut,
    Maintenance,
    Pause,
    Step,
    Slower,
    Faster,
    Restart,
    NextEvent,
    PrevEvent,
}

use KeyAction::*;

/// Every action: its name in the config file, its default keys, and what it does.
pub const ACTIONS: &[(KeyAction, &str, &[&str], &str)] = &[
    (Show(View::Overview), "overview", &["1"], "view 1: Overview"),
    (Show(View::Targets), "targets", &["2"], "view 2: Targets"),
    (Show(View::Capacity), "capacity", &["3"], "view 3: Capacity"),
    (
        Show(View::ElasticIps),
        "eips",
        &["4"],
        "view 4: Elastic IPs",
    ),
    (Show(View::Zones), "zones", &["5"], "view 5: Zones"),
    (Show(View::Images), "images", &["6"], "view 6: Images"),
    (Show(View::Patterns), "patterns", &["7"], "view 7: Patterns"),
    (Show(View::Events), "events", &["8"], "view 8: Events"),
    (
        Show(View::Instances),
        "instances",
        &["9"],
        "view 9: Instances",
    ),
    (Show(View::Nfs), "nfs", &["0"], "view 0: NFS"),
    (
        Show(View::Health),
        "health",
        &["-"],
        "view -: Health (ELB's verdict beside patrol's probe)",
    ),
    (
        Show(View::Fleet),
        "fleet",
        &["="],
        "view =: Fleet, every watched target (Esc on a target comes back)",
    ),
    (NextView, "next_view", &["tab"], "next view"),
    (PrevView, "prev_view", &["backtab"], "previous view"),
    (Down, "down", &["j", "down"], "move the selection down"),
    (Up, "up", &["k", "up"], "move the selection up"),
    (
        Left,
        "left",
        &["h", "left"],
        "on the Overview: the card to the left",
    ),
    (
        Right,
        "right",
        &["l", "right"],
        "on the Overview: the card to the right",
    ),
    (PageDown, "page_down", &["pgdown", "ctrl-f"], "a page down"),
    (PageUp, "page_up", &["pgup", "ctrl-b"], "a page up"),
    (First, "first", &["g", "home"], "first row"),
    (Last, "last", &["G", "end"], "last row"),
    (
        Open,
        "open",
        &["enter"],
        "on a card, a finding or an event: its resource; elsewhere: the detail pane",
    ),
    (
        Detail,
        "detail",
        &["d"],
        "the detail pane: every field, the full text, related resources (1-9 open them)",
    ),
    (
        Filter,
        "filter",
        &["/"],
        "filter: text, or key=value (az=us-east-1b state=unhealthy)",
    ),
    (
        ClearFilter,
        "clear_filter",
        &["esc"],
        "clear the filter and the sort",
    ),
    (
        ReverseSort,
        "reverse_sort",
        &["ctrl-s"],
        "reverse the sort (Shift + a header's letter sorts)",
    ),
    (
        Command,
        "command",
        &[":"],
        "command mode: :targets :region NAME :profile NAME :theme NAME :q …",
    ),
    (Refresh, "refresh", &["r"], "refresh every source now"),
    (
        Export,
        "export",
        &["e"],
        "export the view as shown to CSV (or :export json)",
    ),
    (
        Copy,
        "copy",
        &["y"],
        "copy the selected id/ARN to the clipboard (OSC 52)",
    ),
    (Help, "help", &["?"], "this help"),
    (
        Quit,
        "quit",
        &["q", "ctrl-c"],
        "quit (waits for a running action's outcome; Ctrl-C does not)",
    ),
    (
        Swap,
        "swap",
        &["s"],
        "on Elastic IPs: swap the address to its standby",
    ),
    (
        SwapBack,
        "swap_back",
        &["b"],
        "undo the last action: swap it back, or bring the instance back",
    ),
    (
        Clone,
        "clone",
        &["c"],
        "on Targets, Elastic IPs, Instances, NFS: clone the instance to an AMI",
    ),
    (
        ScaleOut,
        "scale_out",
        &["o", "+"],
        "on Capacity: scale the group out",
    ),
    (
        Maintenance,
        "maintenance",
        &["m"],
        "on Targets or Instances: take the instance out of service, or bring it back",
    ),
    (Pause, "pause", &["space"], "scenario: pause / resume"),
    (Step, "step", &["."], "scenario: let 10 seconds pass"),
    (Slower, "slower", &["<"], "scenario: half speed"),
    (Faster, "faster", &[">"], "scenario: double speed"),
    (
        Restart,
        "restart",
        &["ctrl-r"],
        "scenario: restart from the beginning",
    ),
    (
        NextEvent,
        "next_event",
        &["]"],
        "replay: go to the next recorded event (:goto TIME goes to a moment)",
    ),
    (
        PrevEvent,
        "prev_event",
        &["["],
        "replay: go to the previous recorded event",
    ),
];

impl KeyAction {
    /// Its name in the config file's `[keys]` table.
    pub fn name(self) -> &'static str {
        ACTIONS.iter().find(|a| a.0 == self).map_or("?", |a| a.1)
    }

    /// Whether it changes the cloud (hidden and refused in read-only mode).
    pub fn changes_the_cloud(self) -> bool {
        matches!(self, Swap | SwapBack | Clone | ScaleOut | Maintenance)
    }
}

/// One key with its modifiers, as the config file writes it (`q`, `ctrl-r`, `pgdown`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct KeySpec {
    pub code: KeyCodeKey,
    pub ctrl: bool,
}

/// The part of a key code a binding names (ordered, so maps print stably).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum KeyCodeKey {
    Char(char),
    Named(&'static str),
}

const NAMED: &[(&str, KeyCode)] = &[
    ("space", KeyCode::Char(' ')),
    ("enter", KeyCode::Enter),
    ("esc", KeyCode::Esc),
    ("tab", KeyCode::Tab),
    ("backtab", KeyCode::BackTab),
    ("up", KeyCode::Up),
    ("down", KeyCode::Down),
    ("left", KeyCode::Left),
    ("right", KeyCode::Right),
    ("pgup", KeyCode::PageUp),
    ("pgdown", KeyCode::PageDown),
    ("home", KeyCode::Home),
    ("end", KeyCode::End),
    ("backspace", KeyCode::Backspace),
    ("delete", KeyCode::Delete),
];

impl KeySpec {
    /// Parses `q`, `?`, `G`, `ctrl-r`, `space`, `pgdown`, `f5`.
    pub fn parse(text: &str) -> Result<KeySpec, String> {
        let (ctrl, rest) = match text.strip_prefix("ctrl-") {
            Some(r) if !r.is_empty() => (true, r),
            _ => (false, text),
        };
        let mut chars = rest.chars();
        let code = match (chars.next(), chars.next()) {
            (Some(' '), None) => KeyCodeKey::Named("space"),
            (Some(c), None) => KeyCodeKey::Char(c),
            _ => match NAMED.iter().find(|(n, _)| *n == rest) {
                Some((n, _)) => KeyCodeKey::Named(n),
                None => {
                    return Err(format!(
                        "{text:?} is not a key: write one character, ctrl-<char>, or one of {}",
                        NAMED.iter().map(|(n, _)| *n).collect::<Vec<_>>().join(", ")
                    ))
                }
            },
        };
        Ok(KeySpec { code, ctrl })
    }

    /// The binding a key press matches, if it can match one.
    pub fn of(key: &KeyEvent) -> Option<KeySpec> {
        let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
        let code = match key.code {
            KeyCode::Char(' ') => KeyCodeKey::Named("space"),
            KeyCode::Char(c) => KeyCodeKey::Char(c),
            other => NAMED
                .iter()
                .find(|(_, k)| *k == other)
                .map(|(n, _)| KeyCodeKey::Named(n))?,
        };
        Some(KeySpec { code, ctrl })
    }

    /// As the help overlay shows it.
    pub fn label(&self) -> String {
        let base = match self.code {
            KeyCodeKey::Char(c) => c.to_string(),
            KeyCodeKey::Named(n) => match n {
                "space" => "Space".into(),
                "enter" => "Enter".into(),
                "esc" => "Esc".into(),
                "tab" => "Tab".into(),
                "backtab" => "Shift-Tab".into(),
                "up" => "↑".into(),
                "down" => "↓".into(),
                "pgup" => "PgUp".into(),
                "pgdown" => "PgDn".into(),
                "home" => "Home".into(),
                "end" => "End".into(),
                other => other.into(),
            },
        };
        if self.ctrl {
            format!("Ctrl-{}", base.to_uppercase())
        } else {
            base
        }
    }
}

/// Which action each key does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyMap {
    keys: BTreeMap<KeySpec, KeyAction>,
    /// Each action's keys in the order they were written.
    order: BTreeMap<KeyAction, Vec<KeySpec>>,
}

impl Default for KeyMap {
    fn default() -> Self {
        KeyMap::with(&BTreeMap::new()).unwrap_or_else(|e| panic!("default keys conflict: {e}"))
    }
}

impl KeyMap {
    /// The defaults with the operator's bindings in place of an action's defaults.
    /// `custom` maps an action name to its keys. Errors name the key (`keys.NAME`).
    pub fn with(custom: &BTreeMap<String, Vec<String>>) -> Result<KeyMap, String> {
        for name in custom.keys() {
            if !ACTIONS.iter().any(|a| a.1 == name) {
                return Err(format!(
                    "keys.{name}: unknown action; known: {}",
                    ACTIONS.iter().map(|a| a.1).collect::<Vec<_>>().join(", ")
                ));
            }
        }
        let mut keys: BTreeMap<KeySpec, KeyAction> = BTreeMap::new();
        let mut order: BTreeMap<KeyAction, Vec<KeySpec>> = BTreeMap::new();
        // The operator's keys first: a default key they bound elsewhere (say, `m` before
        // the maintenance action had it) yields to their binding.
        let mut theirs: Vec<KeySpec> = Vec::new();
        for (name, texts) in custom {
            for text in texts {
                theirs.push(KeySpec::parse(text).map_err(|e| format!("keys.{name}: {e}"))?);
            }
        }
        for (action, name, defaults, _) in ACTIONS {
            let specs: Vec<String> = match custom.get(*name) {
                Some(mine) => mine.clone(),
                None => defaults
                    .iter()
                    .filter(|d| KeySpec::parse(d).is_ok_and(|k| !theirs.contains(&k)))
                    .map(|s| s.to_string())
                    .collect(),
            };
            for text in specs {
                let spec = KeySpec::parse(&text).map_err(|e| format!("keys.{name}: {e}"))?;
                if let KeyCodeKey::Char(c) = spec.code {
                    if c.is_ascii_uppercase() && !spec.ctrl && *action != Last {
                        return Err(format!(
                            "keys.{name}: {text:?} is Shift + a letter, which sorts tables by \
                             the column with that letter"
                        ));
                    }
                }
                order.entry(*action).or_default().push(spec);
                if let Some(other) = keys.insert(spec, *action) {
                    if other != *action {
                        return Err(format!(
                            "keys.{name} and keys.{} are both bound to {text:?}",
                            other.name()
                        ));
                    }
                }
            }
        }
        Ok(KeyMap { keys, order })
    }

    /// The action of a key press, if any.
    pub fn action(&self, key: &KeyEvent) -> Option<KeyAction> {
        let spec = KeySpec::of(key)?;
        self.keys.get(&spec).copied()
    }

    /// The keys of an action, as the help overlay shows them.
    pub fn keys_of(&self, action: KeyAction) -> Vec<String> {
        self.order
            .get(&action)
            .map(|specs| specs.iter().map(KeySpec::label).collect())
            .unwrap_or_default()
    }

    /// What opens a view, as its tab shows it: its key (the first, if one is a single
    /// character), else its `:` command.
    pub fn view_key(&self, view: View) -> String {
        let action = KeyAction::Show(view);
        let keys = self.keys_of(action);
        (keys.iter().find(|k| k.chars().count() == 1))
            .cloned()
            .unwrap_or_else(|| format!(":{}", action.name()))
    }

    /// A view as the operator reaches it: "4 Elastic IPs", or ":eips Elastic IPs".
    pub fn view_label(&self, view: View) -> String {
        format!("{} {}", self.view_key(view), view.title())
    }

    /// Whether Shift + this letter is free to sort by.
    pub fn sort_letter_free(&self, letter: char) -> bool {
        let spec = KeySpec {
            code: KeyCodeKey::Char(letter.to_ascii_uppercase()),
            ctrl: false,
        };
        !self.keys.contains_key(&spec)
    }
}
