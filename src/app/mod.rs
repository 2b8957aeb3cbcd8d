//! The console's state and `update`: actions in, effects out; no I/O and no clock reads.

pub mod cards;
pub mod columns;
pub mod command;
pub mod dialog;
mod keys;
pub mod line_edit;
pub mod plan_text;
pub mod rows;
pub mod table;

pub use crate::patterns::short_zone;
pub use cards::view_of;
pub use dialog::{Dialog, Focus, Operation};
pub use keys::{help_lines, HelpLine};

use crate::cloud::{CloudError, Source};
use crate::model::{Snapshot, WorldInfo};
use crate::ops::{OpError, Outcome, Plan};
use crate::patterns::{self, Pattern, Report, Settings};
use crate::playback::PlaybackState;
use crate::poll::{Intervals, Payload, PollEvent};
use chrono::{DateTime, Duration, Utc};
use crossterm::event::KeyEvent;

pub use crate::view::View;

/// Everything that can happen to the console.
#[derive(Debug, Clone)]
pub enum Action {
    Key(KeyEvent),
    Resize(u16, u16),
    /// A frame of this size was drawn: what it showed has been on screen.
    Drawn(u16, u16),
    /// Time passed: the wall clock, the world's clock, and the scenario's narration and
    /// playback (simulator only).
    Tick {
        wall: DateTime<Utc>,
        clock: DateTime<Utc>,
        narration: Option<String>,
        playback: Option<PlaybackState>,
    },
    /// The world was replaced (a switch, a scenario restart): everything shown so far is
    /// dropped.
    WorldReset {
        world: WorldInfo,
        /// The new world's refresh intervals, which say when its data is stale.
        intervals: Intervals,
        /// Actions are refused in it (the flag, the config, or the target says so).
        read_only: bool,
        /// The production target's name, when the target is marked production.
        production: Option<String>,
        /// The new world's clock.
        clock: DateTime<Utc>,
    },
    /// The scenario's playback changed (pause, speed, step): its world badge and state.
    PlaybackChanged {
        world: WorldInfo,
        playback: Option<PlaybackState>,
    },
    /// A one-line message for the operator from the runtime (an export, a theme).
    Notice(String),
    /// The world switch `id` finished: its world is on screen, or it could not be opened
    /// (the old world stays).
    SwitchDone {
        id: u64,
        result: Result<(), String>,
    },
    /// A source's refresh finished.
    Refreshed {
        source: Source,
        epoch: u64,
        generation: u64,
        at: DateTime<Utc>,
        result: Result<Payload, CloudError>,
    },
    /// A source's last refresh failed; it tries again at `at` (wall clock) or when the
    /// endpoint answers again, whichever is first.
    Retrying {
        source: Source,
        epoch: u64,
        at: DateTime<Utc>,
    },
    /// A running operator action reached a step.
    OpStage {
        id: u64,
        stage: String,
    },
    /// A running operator action finished.
    OpDone {
        id: u64,
        result: Result<Outcome, OpError>,
    },
}

/// The poller's events are the console's refresh actions.
impl From<PollEvent> for Action {
    fn from(event: PollEvent) -> Action {
        match event {
            PollEvent::Refreshed {
                source,
                epoch,
                generation,
                at,
                result,
            } => Action::Refreshed {
                source,
                epoch,
                generation,
                at,
                result,
            },
            PollEvent::Retrying { source, epoch, at } => Action::Retrying { source, epoch, at },
        }
    }
}

/// What the runtime must do after an update.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Effect {
    Quit,
    RefreshNow,
    /// Carry out a confirmed plan (through the ops layer).
    Execute {
        id: u64,
        plan: Box<Plan>,
    },
    /// Control the playing scenario (simulator only).
    Playback(PlaybackCommand),
    /// Open another world (AWS profile or region, or a scenario); `id` names the request,
    /// and only the latest one's world is shown.
    Switch {
        id: u64,
        spec: crate::world::WorldSpec,
    },
    /// Load a theme by name or path and use it.
    LoadTheme(String),
    /// Write an export file in the working directory.
    Export {
        file_name: String,
        contents: String,
        rows: usize,
    },
    /// Put text on the terminal's clipboard (OSC 52).
    Copy(String),
}

/// What the scenario keys ask of the simulator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PlaybackCommand {
    TogglePause,
    /// Let 10 seconds of scenario time pass at once.
    Step,
    Slower,
    Faster,
    Restart,
}

/// How fresh one source's data is.
#[derive(Debug, Clone, PartialEq)]
pub struct SourceStatus {
    /// The generation of the last result applied; older ones are dropped.
    pub generation: u64,
    /// When the data was read, by the world's clock (simulated time on the simulator).
    pub fetched_at: Option<DateTime<Utc>>,
    /// When the console last heard from the source, by the wall clock: a poller that has
    /// gone quiet for three intervals is stale, however the world's clock runs.
    pub heard_at: Option<DateTime<Utc>>,
    /// The last refresh failed: the error and when. The last good data stays.
    pub error: Option<(CloudError, DateTime<Utc>)>,
    /// After a failure: when the next try is (wall clock).
    pub retry_at: Option<DateTime<Utc>>,
    pub interval: std::time::Duration,
}

/// The freshness of a source as the screen says it.
#[derive(Debug, Clone, PartialEq)]
pub enum Freshness {
    Loading,
    Fresh {
        age: Duration,
    },
    Stale {
        age: Option<Duration>,
        error: Option<CloudError>,
    },
}

impl SourceStatus {
    /// Fresh until three intervals pass without news (wall clock), or while the last refresh
    /// failed. The age is in the world's clock: `clock` is the world's now.
    pub fn freshness(&self, clock: DateTime<Utc>, wall: DateTime<Utc>) -> Freshness {
        let age = self.fetched_at.map(|t| (clock - t).max(Duration::zero()));
        let limit = Duration::from_std(self.interval * 3).unwrap_or(Duration::MAX);
        let quiet = self.heard_at.is_some_and(|h| wall - h > limit);
        match (&self.error, age) {
            (Some((e, _)), age) => Freshness::Stale {
                age,
                error: Some(e.clone()),
            },
            (None, None) => Freshness::Loading,
            (None, Some(a)) if quiet => Freshness::Stale {
                age: Some(a),
                error: None,
            },
            (None, Some(a)) => Freshness::Fresh { age: a },
        }
    }
}

/// Selection and filter of one view; both survive refreshes.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ListState {
    /// The selected row's key, so the same resource stays selected as rows move.
    pub selected_key: Option<String>,
    /// Where the selection was, used when its row disappears.
    pub selected_index: usize,
    pub filter: String,
    /// The column the operator sorted by (Shift + its letter), if any.
    pub sort: Option<table::SortBy>,
}

/// The whole console state.
#[derive(Debug, Clone, PartialEq)]
pub struct AppState {
    pub world: WorldInfo,
    /// Which world results belong to; bumped when the world changes.
    pub epoch: u64,
    pub fleet: Snapshot,
    pub sources: Vec<SourceStatus>,
    pub view: View,
    pub lists: [ListState; 7],
    pub filter_editing: bool,
    pub help: bool,
    pub wall: DateTime<Utc>,
    pub clock: DateTime<Utc>,
    pub narration: Option<String>,
    /// Where the scenario is, on the simulator.
    pub playback: Option<PlaybackState>,
    /// The most recent refresh error, for the status bar.
    pub last_error: Option<(Source, CloudError)>,
    /// Something on screen changed since the last draw.
    pub dirty: bool,
    pub size: (u16, u16),
    /// Actions are refused and their keys hidden.
    pub read_only: bool,
    /// The confirmation dialog of an action, when one is open.
    pub dialog: Option<Dialog>,
    /// The action running or last run.
    pub operation: Option<Operation>,
    /// After a verified action that can be undone (a swap): the action that undoes it.
    pub undo: Option<crate::ops::Undo>,
    /// A one-line message for the operator (e.g. "cancelled: nothing was changed").
    pub message: Option<String>,
    /// What the pattern checks compare against.
    pub checks: Settings,
    /// Which key does what.
    pub keymap: crate::keymap::KeyMap,
    /// The `:` command line being typed.
    pub prompt: Option<String>,
    /// A list to pick a profile, region, theme or scenario from.
    pub picker: Option<command::Picker>,
    /// Names the prompt completes.
    pub choices: command::Choices,
    /// The name of the production target on screen: shown loudly, and typed to confirm.
    pub production: Option<String>,
    /// The pattern checks of the current fleet, run again on every refresh.
    pub patterns: Vec<Report>,
    /// q was pressed while an action ran: quit when it has finished.
    pub quit_pending: bool,
    /// A world switch still opening: its id and the world in words. Actions wait for it.
    pub switching: Option<(u64, String)>,
    /// The id of the latest switch requested.
    pub switch_seq: u64,
}

impl AppState {
    /// A console on `world` that has not heard from any source yet.
    pub fn new(world: WorldInfo, intervals: &Intervals, now: DateTime<Utc>) -> Self {
        let mut state = AppState {
            fleet: Snapshot::empty(world.clone(), now),
            world,
            epoch: 0,
            sources: Source::ALL
                .iter()
                .map(|s| SourceStatus {
                    generation: 0,
                    fetched_at: None,
                    heard_at: None,
                    error: None,
                    retry_at: None,
                    interval: intervals.of(*s),
                })
                .collect(),
            view: View::Overview,
            lists: Default::default(),
            filter_editing: false,
            help: false,
            wall: now,
            clock: now,
            narration: None,
            playback: None,
            last_error: None,
            dirty: true,
            size: (120, 40),
            read_only: false,
            dialog: None,
            operation: None,
            undo: None,
            message: None,
            checks: Settings::default(),
            patterns: Vec::new(),
            keymap: crate::keymap::KeyMap::default(),
            prompt: None,
            picker: None,
            choices: command::Choices::default(),
            production: None,
            quit_pending: false,
            switching: None,
            switch_seq: 0,
        };
        state.recheck();
        state
    }

    /// Shows a new world: a new epoch, so results still on their way from the old one are
    /// dropped, and nothing of the old world stays on screen.
    pub fn reset_world(&mut self, world: WorldInfo, intervals: &Intervals) {
        self.epoch += 1;
        self.fleet = Snapshot::empty(world.clone(), self.clock);
        self.world = world;
        for (s, source) in self.sources.iter_mut().zip(Source::ALL) {
            s.generation = 0;
            s.fetched_at = None;
            s.heard_at = None;
            s.error = None;
            s.retry_at = None;
            s.interval = intervals.of(source);
        }
        self.last_error = None;
        self.recheck();
        self.dialog = None;
        // A finished action's result line belongs to the old world. (A running one cannot
        // be here: switching and restarting are refused while it runs.)
        self.operation = self.operation.take().filter(|o| o.running());
        self.undo = None;
        self.narration = None;
        self.playback = None;
        self.picker = None;
        self.dirty = true;
    }

    /// Runs the pattern checks over the current fleet. A pattern whose sources have not all
    /// answered once is not judged: it says what it waits for, or which source failed. One
    /// whose sources contradict each other waits for the one that is behind.
    pub fn recheck(&mut self) {
        let contradictions = cards::contradictions(self);
        self.patterns = Pattern::ALL
            .iter()
            .map(|&p| {
                let sources = cards::sources_of(p);
                if let Some(why) = self.unread(sources) {
                    return Report::unknown(p, why);
                }
                if let Some(why) = cards::contradiction(&contradictions, sources) {
                    return Report::unknown(p, why);
                }
                patterns::check_pattern(p, &self.fleet, &self.checks, self.clock)
            })
            .collect();
        self.mark_stale();
    }

    /// Marks each verdict whose sources are stale (failed, or quiet too long), so it never
    /// looks like a confident pass or fail.
    fn mark_stale(&mut self) {
        let stale: Vec<Option<String>> = self
            .patterns
            .iter()
            .map(|r| self.stale_reason(cards::sources_of(r.pattern)))
            .collect();
        for (report, stale) in self.patterns.iter_mut().zip(stale) {
            if report.stale != stale {
                report.stale = stale;
                self.dirty = true;
            }
        }
    }

    /// Why data from `sources` is stale ("target_groups throttled, 45s old"), if it is.
    pub fn stale_reason(&self, sources: &[Source]) -> Option<String> {
        let parts: Vec<String> = sources
            .iter()
            .filter_map(|s| match self.freshness(*s) {
                Freshness::Stale { age, error } => Some(format!(
                    "{} {}{}",
                    s.name(),
                    error.map_or("quiet", |e| e.kind.in_words()),
                    age.map_or(String::new(), |a| format!(
                        ", {} old",
                        crate::model::age_text(a)
                    ))
                )),
                _ => None,
            })
            .collect();
        (!parts.is_empty()).then(|| parts.join("; "))
    }

    /// How fresh a source is now: its age in the world's clock.
    pub fn freshness(&self, s: Source) -> Freshness {
        self.source(s).freshness(self.clock, self.wall)
    }

    /// Why `sources` cannot be judged yet, or None when each has answered at least once.
    fn unread(&self, sources: &[Source]) -> Option<String> {
        let never = |s: &&Source| self.source(**s).fetched_at.is_none();
        // Failed sources grouped by why: "cannot read instances, alarms (network error)".
        let mut failed: Vec<(&str, Vec<&str>)> = Vec::new();
        for s in sources.iter().filter(never) {
            let Some((e, _)) = &self.source(*s).error else {
                continue;
            };
            let why = e.kind.in_words();
            match failed.iter_mut().find(|(w, _)| *w == why) {
                Some((_, names)) => names.push(s.name()),
                None => failed.push((why, vec![s.name()])),
            }
        }
        if !failed.is_empty() {
            let parts: Vec<String> = failed
                .iter()
                .map(|(why, names)| format!("{} ({why})", names.join(", ")))
                .collect();
            return Some(format!("cannot read {}", parts.join("; ")));
        }
        let waiting: Vec<&str> = sources.iter().filter(never).map(|s| s.name()).collect();
        (!waiting.is_empty()).then(|| format!("waiting for {}", waiting.join(", ")))
    }

    /// A frame must be drawn before the next key is read: while a dialog is open, a key
    /// typed ahead must not act on rows the operator has not been shown yet.
    pub fn must_draw_now(&self) -> bool {
        self.dirty && self.dialog.is_some()
    }

    /// The action still running, if any.
    pub fn running_operation(&self) -> Option<&Operation> {
        self.operation.as_ref().filter(|o| o.running())
    }

    /// The status of one source.
    pub fn source(&self, s: Source) -> &SourceStatus {
        &self.sources[s as usize]
    }

    /// Selection and filter of the current view.
    pub fn list(&self) -> &ListState {
        &self.lists[self.view.index()]
    }

    pub fn list_mut(&mut self) -> &mut ListState {
        &mut self.lists[self.view.index()]
    }
}

/// Applies one action to the state and says what the runtime must do next.
pub fn update(state: &mut AppState, action: Action) -> Vec<Effect> {
    let effects = apply(state, action);
    keys::pin_selection(state);
    plan_text::sync(state);
    effects
}

fn apply(state: &mut AppState, action: Action) -> Vec<Effect> {
    match action {
        Action::Key(key) => keys::on_key(state, key),
        Action::Resize(w, h) => {
            state.size = (w, h);
            state.dirty = true;
            vec![]
        }
        Action::Drawn(w, h) => {
            state.dirty = false;
            let unseen = state.dialog.as_ref().map(Dialog::unseen);
            plan_text::drawn(state, (w, h));
            // Rows newly seen change the buttons: draw again.
            if state.dialog.as_ref().map(Dialog::unseen) != unseen {
                state.dirty = true;
            }
            vec![]
        }
        Action::Tick {
            wall,
            clock,
            narration,
            playback,
        } => {
            // Ages and the clock are shown to the second: redraw when a second turns over.
            if wall.timestamp() != state.wall.timestamp()
                || clock.timestamp() != state.clock.timestamp()
                || narration != state.narration
                || playback.map(|p| (p.paused, p.speed, p.awaiting_operator))
                    != state
                        .playback
                        .map(|p| (p.paused, p.speed, p.awaiting_operator))
            {
                state.dirty = true;
            }
            let second = wall.timestamp() != state.wall.timestamp();
            state.wall = wall;
            state.clock = clock;
            state.narration = narration;
            state.playback = playback;
            if second {
                state.mark_stale();
            }
            vec![]
        }
        Action::WorldReset {
            world,
            intervals,
            read_only,
            production,
            clock,
        } => {
            state.read_only = read_only;
            state.production = production;
            state.clock = clock;
            state.reset_world(world, &intervals);
            vec![]
        }
        Action::PlaybackChanged { world, playback } => {
            state.world = world;
            state.playback = playback;
            state.dirty = true;
            vec![]
        }
        Action::Notice(text) => {
            state.message = Some(text);
            state.dirty = true;
            vec![]
        }
        Action::SwitchDone { id, result } => {
            // Only the latest request speaks; an older one was superseded.
            if let Some((_, words)) = state.switching.take_if(|(s, _)| *s == id) {
                state.message = Some(match result {
                    Ok(()) => format!("now showing {words}"),
                    Err(e) => {
                        format!("cannot switch to {words}: {e}; still showing the world above")
                    }
                });
                state.dirty = true;
            }
            vec![]
        }
        Action::Refreshed {
            source,
            epoch,
            generation,
            at,
            result,
        } => {
            apply_refresh(state, source, epoch, generation, at, result);
            dialog::replan(state);
            vec![]
        }
        Action::Retrying { source, epoch, at } => {
            if epoch == state.epoch {
                state.sources[source as usize].retry_at = Some(at);
                state.dirty = true;
            }
            vec![]
        }
        Action::OpStage { id, stage } => {
            dialog::on_stage(state, id, stage);
            vec![]
        }
        Action::OpDone { id, result } => {
            let effects = dialog::on_done(state, id, result);
            if state.quit_pending && state.running_operation().is_none() {
                return vec![Effect::Quit];
            }
            effects
        }
    }
}

fn apply_refresh(
    state: &mut AppState,
    source: Source,
    epoch: u64,
    generation: u64,
    at: DateTime<Utc>,
    result: Result<Payload, CloudError>,
) {
    let wall = state.wall;
    let status = &mut state.sources[source as usize];
    if epoch != state.epoch || generation <= status.generation {
        return;
    }
    status.generation = generation;
    state.dirty = true;
    let payload = match result {
        Ok(p) => p,
        Err(e) => {
            status.heard_at = Some(wall);
            status.error = Some((e.clone(), at));
            state.last_error = Some((source, e));
            state.recheck();
            return;
        }
    };
    status.error = None;
    status.retry_at = None;
    status.fetched_at = Some(at);
    status.heard_at = Some(wall);
    if state.last_error.as_ref().is_some_and(|(s, _)| *s == source) {
        state.last_error = None;
    }
    let fleet = &mut state.fleet;
    fleet.taken_at = state.clock;
    match payload {
        Payload::Instances(v) => fleet.instances = v,
        Payload::LoadBalancers(v) => fleet.load_balancers = v,
        Payload::TargetGroups(v) => fleet.target_groups = v,
        Payload::AutoScaling(v) => fleet.auto_scaling_groups = v,
        Payload::ElasticIps(v) => fleet.elastic_ips = v,
        Payload::Images(v) => fleet.images = v,
        Payload::Metrics(cpu, per_instance) => {
            fleet.metrics = cpu;
            fleet.instance_metrics = per_instance;
        }
        Payload::Alarms(v) => fleet.alarms = v,
    }
    state.recheck();
}
