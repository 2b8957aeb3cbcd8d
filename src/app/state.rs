//! The whole console state, and how fresh each source's data is.

use super::{cards, command, table, Dialog, Operation, View};
use crate::cloud::{CloudError, Source};
use crate::model::{Snapshot, WorldInfo};
use crate::patterns::{self, Pattern, Report, Settings};
use crate::playback::PlaybackState;
use crate::poll::Intervals;
use chrono::{DateTime, Duration, Utc};

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

/// How often the pattern checks run: after every refresh, but on a fleet of `LARGE`
/// instances and targets or more (where a run costs milliseconds), at most once per
/// `EVERY`. By size, not by measured cost: the same fleet is judged the same way on every
/// machine.
#[derive(Debug, Clone, Default)]
pub struct CheckPace {
    pub last: Option<(std::time::Instant, std::time::Duration)>,
    pub due: bool,
    /// A run is under way away from the console's loop (`CheckJob`).
    pub running: bool,
}

/// The pattern checks of one fleet, ready to run away from the console's loop: on a large
/// fleet they take tens of milliseconds, which a key must never wait behind. The fleet is
/// a copy that shares the big parts, so making one costs nothing at 10,000 instances.
#[derive(Clone)]
pub struct CheckJob {
    epoch: u64,
    fleet: Snapshot,
    settings: Settings,
    clock: DateTime<Utc>,
    /// Each pattern's report when it is not to be judged (a source unread or behind).
    decided: Vec<(Pattern, Option<Report>)>,
}

impl CheckJob {
    /// Judges the patterns left to judge.
    pub fn run(self) -> Checked {
        let started = std::time::Instant::now();
        let reports = (self.decided.into_iter())
            .map(|(p, decided)| {
                decided.unwrap_or_else(|| {
                    patterns::check_pattern(p, &self.fleet, &self.settings, self.clock)
                })
            })
            .collect();
        Checked {
            epoch: self.epoch,
            reports,
            took: started.elapsed(),
        }
    }
}

impl std::fmt::Debug for CheckJob {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "CheckJob(epoch {})", self.epoch)
    }
}

impl PartialEq for CheckJob {
    fn eq(&self, other: &Self) -> bool {
        self.epoch == other.epoch && self.clock == other.clock
    }
}

impl Eq for CheckJob {}

/// The reports of a `CheckJob`, for the world of `epoch`.
#[derive(Debug, Clone)]
pub struct Checked {
    pub epoch: u64,
    pub reports: Vec<Report>,
    pub took: std::time::Duration,
}

impl CheckPace {
    pub const LARGE: usize = 4_000;
    pub const EVERY: std::time::Duration = std::time::Duration::from_secs(1);
}

/// The pace of the checks is not part of what the console shows.
impl PartialEq for CheckPace {
    fn eq(&self, _: &Self) -> bool {
        true
    }
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
    pub lists: [ListState; View::ALL.len()],
    pub filter_editing: bool,
    pub help: bool,
    /// Lines of the help overlay scrolled past.
    pub help_scroll: u16,
    /// The detail pane, when open: which row's resource it shows.
    pub detail: Option<super::detail::DetailState>,
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
    /// Tab cycling through completions: the line as typed before, and the candidate shown.
    pub completing: Option<(String, usize)>,
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
    /// What changed and when, newest last (the Events view shows it newest first).
    pub events: crate::record::Journal,
    /// When the checks last ran and what it cost; whether a run is due.
    pub check_pace: CheckPace,
    /// Every watched target, as the Fleet view shows it (this world's row among them).
    pub board: Vec<super::rows::BoardRow>,
    /// Bumped whenever a part of `fleet` changes, by source: what kept rows are checked by
    /// (`fleet_changed`, `part_changed`, `version_of`).
    pub part_versions: [u64; Source::ALL.len()],
    /// The big views' rows in order and the fleet's lookups, kept while the fleet is
    /// unchanged.
    pub rows: super::rows::RowCache,
}

impl AppState {
    /// How often each source is now read: its own interval, or no more often than `floor`
    /// (a target on the board, not on screen). Staleness is judged against this, so a
    /// target read at the board's pace is not called stale between its reads.
    pub fn set_pace(&mut self, intervals: &Intervals, floor: Option<std::time::Duration>) {
        for (status, source) in self.sources.iter_mut().zip(Source::ALL) {
            let own = intervals.of(source);
            status.interval = floor.map_or(own, |f| own.max(f));
        }
        self.dirty = true;
    }

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
            help_scroll: 0,
            detail: None,
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
            completing: None,
            picker: None,
            choices: command::Choices::default(),
            production: None,
            quit_pending: false,
            switching: None,
            switch_seq: 0,
            board: Vec::new(),
            events: Default::default(),
            check_pace: CheckPace::default(),
            part_versions: [0; Source::ALL.len()],
            rows: Default::default(),
        };
        state.recheck();
        state
    }

    /// Shows a new world: a new epoch, so results still on their way from the old one are
    /// dropped, and nothing of the old world stays on screen.
    pub fn reset_world(&mut self, world: WorldInfo, intervals: &Intervals) {
        self.epoch += 1;
        self.fleet = Snapshot::empty(world.clone(), self.clock);
        self.fleet_changed();
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
        // The story of another world is not this one's.
        self.events.clear();
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
        let started = std::time::Instant::now();
        self.recheck_now();
        self.check_pace = CheckPace {
            last: Some((started, started.elapsed())),
            due: false,
            running: self.check_pace.running,
        };
    }

    /// After a refresh: the checks run now; but on a large fleet, when they ran less than
    /// `CheckPace::EVERY` ago, at a tick a moment later, so that refreshes arriving together
    /// are judged once and the keys are never kept waiting behind them.
    pub fn recheck_soon(&mut self) {
        let targets: usize = (self.fleet.target_groups.iter())
            .map(|g| g.targets.len())
            .sum();
        let large = self.fleet.instances.len() + targets >= CheckPace::LARGE;
        match self.check_pace.last {
            // On a large fleet, after the first run: at a tick, away from the loop.
            Some(_) if large => self.check_pace.due = true,
            _ => self.recheck(),
        }
    }

    /// At a tick: a deferred run of the checks once it is due (and `CheckPace::EVERY` has
    /// passed since the last began), as a job for the runtime to run away from the
    /// console's loop; its reports come back as `Action::Checked`.
    pub fn recheck_if_due(&mut self) -> Option<CheckJob> {
        let pace = &self.check_pace;
        let waited = (pace.last).is_none_or(|(at, _)| at.elapsed() >= CheckPace::EVERY);
        if !pace.due || !waited || pace.running {
            return None;
        }
        self.check_pace.due = false;
        self.check_pace.running = true;
        Some(self.check_job())
    }

    /// The reports of a job: shown if they are of this world (a job of an old world is
    /// dropped).
    pub fn checked(&mut self, done: Checked) {
        self.check_pace.running = false;
        if done.epoch != self.epoch {
            return;
        }
        let now = std::time::Instant::now();
        self.check_pace.last = Some((now.checked_sub(done.took).unwrap_or(now), done.took));
        self.show_checks(done.reports);
        self.dirty = true;
    }

    /// The checks of the fleet as it is now, to run.
    fn check_job(&self) -> CheckJob {
        let contradictions = cards::contradictions(self);
        let decided = (Pattern::ALL.iter())
            .map(|&p| {
                let sources = cards::sources_of(p);
                let why = (self.unread(sources))
                    .or_else(|| cards::contradiction(&contradictions, sources));
                (p, why.map(|why| Report::unknown(p, why)))
            })
            .collect();
        CheckJob {
            epoch: self.epoch,
            fleet: self.fleet.clone(),
            settings: self.checks.clone(),
            clock: self.clock,
            decided,
        }
    }

    fn recheck_now(&mut self) {
        let reports = self.check_job().run().reports;
        self.show_checks(reports);
    }

    /// Puts new reports on screen, with the events of the verdicts that changed.
    fn show_checks(&mut self, reports: Vec<Report>) {
        let before = std::mem::replace(&mut self.patterns, reports);
        // A verdict changes when the data that changes it arrives: at the latest read, which
        // the console's clock (ticked a few times a second) may not have reached yet.
        let at = self
            .sources
            .iter()
            .filter_map(|s| s.fetched_at)
            .max()
            .map_or(self.clock, |read| read.max(self.clock));
        if !matches!(self.world, crate::model::WorldInfo::Replay { .. }) {
            let changed = crate::record::verdict_changes(&before, &self.patterns, at);
            self.events.push(changed);
        }
        self.mark_stale();
    }

    /// Marks each verdict whose sources are stale (failed, or quiet too long), so it never
    /// looks like a confident pass or fail.
    pub(super) fn mark_stale(&mut self) {
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
    /// Whether any of `sources` is stale.
    pub fn any_stale(&self, sources: &[Source]) -> bool {
        sources
            .iter()
            .any(|s| matches!(self.freshness(*s), Freshness::Stale { .. }))
    }

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

    /// Says the whole fleet changed (replaced): everything kept for the old one is made
    /// again.
    pub fn fleet_changed(&mut self) {
        for v in self.part_versions.iter_mut() {
            *v += 1;
        }
        self.rows.forget();
    }

    /// Says the part of the fleet that `source` reads changed: what was made of it is made
    /// again, what was made of the other parts only is kept.
    pub fn part_changed(&mut self, source: Source) {
        self.part_versions[source as usize] += 1;
    }

    /// A version of the fleet's `parts`: it changes whenever one of them does (each part's
    /// version only grows).
    pub fn version_of(&self, parts: &[Source]) -> u64 {
        (parts.iter())
            .map(|s| self.part_versions[*s as usize])
            .sum()
    }

    /// Selection and filter of the current view.
    pub fn list(&self) -> &ListState {
        &self.lists[self.view.index()]
    }

    pub fn list_mut(&mut self) -> &mut ListState {
        &mut self.lists[self.view.index()]
    }
}
