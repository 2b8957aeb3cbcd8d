//! Command mode (`:`), its completion, the pickers, export and copy.

use super::rows::{selected_id, table_text};
use super::{AppState, Effect, View};
use crate::model::WorldInfo;
use crate::world::WorldSpec;
use crossterm::event::{KeyCode, KeyEvent};

pub use crate::cloud::aws::REGIONS;

/// Asks the runtime to open another world. Until it is shown (or fails), actions wait: one
/// confirmed now would run on the world still on screen and report into the next one. A
/// later request supersedes an earlier one still opening.
fn switch(state: &mut AppState, spec: WorldSpec) -> Vec<Effect> {
    state.switch_seq += 1;
    let id = state.switch_seq;
    state.message = Some(format!("switching to {}…", spec.describe()));
    state.switching = Some((id, spec.describe()));
    vec![Effect::Switch { id, spec }]
}

/// Names the prompt completes and the pickers offer; gathered once at start.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Choices {
    pub profiles: Vec<String>,
    pub themes: Vec<String>,
    pub scenarios: Vec<String>,
}

/// What a picker picks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PickKind {
    Profile,
    Region,
    Theme,
    Scenario,
}

/// A list to choose from (j/k, Enter, Esc).
#[derive(Debug, Clone, PartialEq)]
pub struct Picker {
    pub kind: PickKind,
    pub items: Vec<String>,
    /// The position among the items the query lets through.
    pub selected: usize,
    /// What the operator typed: only items that contain it (any case) are listed.
    pub query: String,
}

impl Picker {
    /// The items the query lets through, in order.
    pub fn shown(&self) -> Vec<&String> {
        let q = self.query.to_lowercase();
        (self.items.iter())
            .filter(|i| i.to_lowercase().contains(&q))
            .collect()
    }
}

impl PickKind {
    /// The command that the pick runs, with the chosen name.
    fn command(self) -> &'static str {
        match self {
            PickKind::Profile => "profile",
            PickKind::Region => "region",
            PickKind::Theme => "theme",
            PickKind::Scenario => "scenario",
        }
    }

    pub fn title(self) -> &'static str {
        match self {
            PickKind::Profile => "AWS profile",
            PickKind::Region => "AWS region",
            PickKind::Theme => "theme",
            PickKind::Scenario => "scenario",
        }
    }
}

/// Export formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExportFormat {
    Csv,
    Json,
}

const VIEWS: &[(&str, View)] = &[
    ("overview", View::Overview),
    ("targets", View::Targets),
    ("capacity", View::Capacity),
    ("asg", View::Capacity),
    ("eips", View::ElasticIps),
    ("elasticips", View::ElasticIps),
    ("zones", View::Zones),
    ("azs", View::Zones),
    ("images", View::Images),
    ("amis", View::Images),
    ("patterns", View::Patterns),
    ("checks", View::Patterns),
    ("events", View::Events),
    ("instances", View::Instances),
    ("ec2", View::Instances),
    ("nfs", View::Nfs),
    ("health", View::Health),
    ("probes", View::Health),
    ("fleet", View::Fleet),
    ("board", View::Fleet),
];

/// Every command word, for completion.
pub fn command_words() -> Vec<&'static str> {
    let mut words: Vec<&str> = VIEWS.iter().map(|(w, _)| *w).collect();
    words.extend([
        "region", "profile", "theme", "scenario", "export", "copy", "help", "q", "quit", "goto",
    ]);
    words
}

/// Candidates for the word being typed: command words, or the command's arguments.
pub fn completions(state: &AppState, line: &str) -> Vec<String> {
    let mut words = line.split_whitespace();
    let first = words.next().unwrap_or("");
    let typing_first = !line.contains(' ');
    let typed = if typing_first {
        first
    } else {
        line.rsplit(' ').next().unwrap_or("")
    };
    let starts = |c: &str| c.starts_with(typed);
    if typing_first {
        return command_words()
            .into_iter()
            .filter(|w| starts(w))
            .map(str::to_string)
            .collect();
    }
    let args: Vec<String> = match first {
        "region" => REGIONS.iter().map(|r| r.to_string()).collect(),
        "profile" => state.choices.profiles.clone(),
        "theme" => state.choices.themes.clone(),
        "scenario" => state.choices.scenarios.clone(),
        "export" => vec!["csv".into(), "json".into()],
        _ => vec![],
    };
    args.into_iter().filter(|a| starts(a)).collect()
}

/// A key while the `:` prompt is open.
pub fn on_prompt_key(state: &mut AppState, key: KeyEvent) -> Vec<Effect> {
    let Some(line) = state.prompt.as_mut() else {
        return vec![];
    };
    if key.code != KeyCode::Tab {
        state.completing = None;
    }
    match key.code {
        KeyCode::Esc => state.prompt = None,
        // Backspace on an empty line closes the prompt; otherwise the editor deletes.
        KeyCode::Backspace if line.is_empty() => state.prompt = None,
        KeyCode::Tab => {
            // Cycling goes on from the line as it was typed; else the line as it is.
            let (base, turn) = match &state.completing {
                Some((base, n)) => (base.clone(), Some(n + 1)),
                None => (line.clone(), None),
            };
            let found = completions(state, &base);
            let head = match base.rfind(' ') {
                Some(p) => base[..=p].to_string(),
                None => String::new(),
            };
            let typed = &base[head.len()..];
            let Some(common) = common_prefix(&found) else {
                state.message = Some(format!("nothing completes {typed:?}"));
                return vec![];
            };
            if turn.is_none() && (found.len() == 1 || common.len() > typed.len()) {
                // The candidates share more than was typed: complete that much.
                let mut next = format!("{head}{common}");
                if found.len() == 1 && !next.contains(' ') {
                    next.push(' ');
                }
                state.prompt = Some(next);
            } else {
                // Nothing more in common: each Tab shows the next candidate.
                let n = turn.unwrap_or(0) % found.len();
                state.prompt = Some(format!("{head}{}", found[n]));
                state.completing = Some((base, n));
                state.message = Some(format!("{} of {}: {}", n + 1, found.len(), found.join(" ")));
            }
        }
        KeyCode::Enter => {
            let line = line.trim().to_string();
            state.prompt = None;
            return execute(state, &line);
        }
        _ => {
            super::line_edit::edit(line, &key);
        }
    }
    vec![]
}

fn common_prefix(words: &[String]) -> Option<String> {
    let first = words.first()?;
    let mut n = first.len();
    for w in &words[1..] {
        n = n.min(
            first
                .chars()
                .zip(w.chars())
                .take_while(|(a, b)| a == b)
                .count(),
        );
    }
    Some(first.chars().take(n).collect())
}

/// Carries out one command line.
pub fn execute(state: &mut AppState, line: &str) -> Vec<Effect> {
    let mut words = line.split_whitespace();
    let Some(command) = words.next() else {
        return vec![];
    };
    let arg = words.next();
    if let Some((_, view)) = VIEWS.iter().find(|(w, _)| *w == command) {
        state.view = *view;
        return vec![];
    }
    let switches = matches!(command, "scenario" | "region" | "profile") && arg.is_some();
    if switches && super::dialog::refuse_while_running(state, "switch worlds") {
        return vec![];
    }
    match (command, arg) {
        ("q" | "quit", _) => super::dialog::quit(state),
        ("help", _) => {
            state.help = true;
            state.help_scroll = 0;
            vec![]
        }
        ("export", None | Some("csv")) => export(state, ExportFormat::Csv),
        ("export", Some("json")) => export(state, ExportFormat::Json),
        ("export", Some(other)) => say(state, format!("export writes csv or json, not {other:?}")),
        ("copy", _) => copy(state),
        ("goto", Some(moment)) => super::keys::goto(state, moment),
        ("goto", None) => say(
            state,
            "goto needs a moment: 14:03:10, +5m or an RFC 3339 time".into(),
        ),
        ("theme", Some(name)) => vec![Effect::LoadTheme(name.to_string())],
        ("scenario", Some(name)) => {
            if !state.choices.scenarios.iter().any(|s| s == name) && !name.ends_with(".toml") {
                return say(
                    state,
                    format!("no scenario named {name:?}; :scenario and Tab lists them"),
                );
            }
            switch(
                state,
                WorldSpec::Simulator {
                    scenario: name.to_string(),
                },
            )
        }
        ("region", Some(region)) => {
            let (profile, endpoint_url) = aws_now(state);
            switch(
                state,
                WorldSpec::Aws {
                    profile,
                    region: Some(region.to_string()),
                    endpoint_url,
                },
            )
        }
        ("profile", Some(profile)) => {
            let (_, endpoint_url) = aws_now(state);
            switch(
                state,
                WorldSpec::Aws {
                    profile: Some(profile.to_string()),
                    region: None,
                    endpoint_url,
                },
            )
        }
        ("profile", None) => pick(state, PickKind::Profile),
        ("region", None) => pick(state, PickKind::Region),
        ("theme", None) => pick(state, PickKind::Theme),
        ("scenario", None) => pick(state, PickKind::Scenario),
        _ => say(
            state,
            format!("unknown command :{line} (Tab completes; :help lists the keys)"),
        ),
    }
}

/// The profile and endpoint of the AWS world on screen (none on the simulator).
fn aws_now(state: &AppState) -> (Option<String>, Option<String>) {
    match &state.world {
        WorldInfo::Aws {
            profile,
            endpoint_url,
            ..
        } => (profile.clone(), endpoint_url.clone()),
        WorldInfo::Simulated { .. } | WorldInfo::Replay { .. } => (None, None),
    }
}

fn say(state: &mut AppState, message: String) -> Vec<Effect> {
    state.message = Some(message);
    vec![]
}

fn pick(state: &mut AppState, kind: PickKind) -> Vec<Effect> {
    let items: Vec<String> = match kind {
        PickKind::Profile => state.choices.profiles.clone(),
        PickKind::Region => REGIONS.iter().map(|r| r.to_string()).collect(),
        PickKind::Theme => state.choices.themes.clone(),
        PickKind::Scenario => state.choices.scenarios.clone(),
    };
    if items.is_empty() {
        return say(state, format!("no {} to choose from", kind.title()));
    }
    // It opens on the value in use, so Enter alone keeps it.
    let current = match (kind, &state.world) {
        (PickKind::Region, w) => Some(w.region().to_string()),
        (PickKind::Profile, crate::model::WorldInfo::Aws { profile, .. }) => profile.clone(),
        (PickKind::Scenario, crate::model::WorldInfo::Simulated { scenario, .. }) => {
            Some(scenario.clone())
        }
        _ => None,
    };
    let selected = (current.and_then(|c| items.iter().position(|i| *i == c))).unwrap_or(0);
    state.picker = Some(Picker {
        kind,
        items,
        selected,
        query: String::new(),
    });
    vec![]
}

/// A key while a picker is open.
pub fn on_picker_key(state: &mut AppState, key: KeyEvent) -> Vec<Effect> {
    let Some(p) = state.picker.as_mut() else {
        return vec![];
    };
    // Letters filter (so j and k are typed, not moves): the arrows move.
    let shown = p.shown().len();
    match key.code {
        KeyCode::Esc if !p.query.is_empty() => {
            p.query.clear();
            p.selected = 0;
        }
        KeyCode::Esc => state.picker = None,
        KeyCode::Down | KeyCode::Tab => p.selected = (p.selected + 1).min(shown.saturating_sub(1)),
        KeyCode::Up | KeyCode::BackTab => p.selected = p.selected.saturating_sub(1),
        KeyCode::Enter => {
            let Some(choice) = p.shown().get(p.selected).map(|c| c.to_string()) else {
                state.message = Some(format!("nothing matches {:?}", p.query));
                return vec![];
            };
            let command = p.kind.command();
            state.picker = None;
            return execute(state, &format!("{command} {choice}"));
        }
        _ => {
            super::line_edit::edit(&mut p.query, &key);
            p.selected = 0;
        }
    }
    vec![]
}

/// Writes the current view, as filtered and sorted, to a file in the working directory.
pub fn export(state: &mut AppState, format: ExportFormat) -> Vec<Effect> {
    let Some(table) = table_text(state) else {
        return say(
            state,
            format!(
                "the Overview has no table to export; {} has its findings",
                state.keymap.view_label(View::Patterns)
            ),
        );
    };
    let (ext, contents) = match format {
        ExportFormat::Csv => ("csv", table.csv()),
        ExportFormat::Json => ("json", table.json(state.view)),
    };
    let name = state.view.title().to_lowercase().replace(' ', "-");
    let file_name = format!(
        "patrol-{name}-{}.{ext}",
        state.clock.format("%Y%m%dT%H%M%SZ")
    );
    vec![Effect::Export {
        file_name,
        contents,
        rows: table.rows.len(),
    }]
}

/// Copies the selected resource's id or ARN to the clipboard.
pub fn copy(state: &mut AppState) -> Vec<Effect> {
    match selected_id(state) {
        Some(id) if !id.is_empty() => vec![Effect::Copy(id)],
        _ => say(state, "nothing selected to copy".into()),
    }
}
