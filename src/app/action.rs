//! What can happen to the console (`Action`) and what the runtime must do after it
//! (`Effect`).

use crate::model::WorldInfo;
use crate::ops::{OpError, Outcome, Plan};
use crate::playback::PlaybackState;
use crate::poll::{Intervals, PollEvent};
use chrono::{DateTime, Utc};
use crossterm::event::KeyEvent;

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
    /// A replay's recorded events up to its cursor: appended, or (`from_start`, after a
    /// seek back) in place of what the journal held.
    Replayed {
        events: Vec<crate::record::Event>,
        from_start: bool,
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
    /// The poller's word: a source's refresh finished, or when it tries again.
    Polled(PollEvent),
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
    /// Every watched target's row, for the Fleet view.
    Board(Vec<crate::app::rows::BoardRow>),
    /// A run of the pattern checks away from the loop finished (`Effect::Check`).
    Checked(super::state::Checked),
    /// Refreshes made ready away from the loop (`prepare`), in the order they arrived.
    Prepared(Vec<super::prepare::Ready>),
}

impl Action {
    /// The action's name, for the log.
    pub fn kind(&self) -> &'static str {
        match self {
            Action::Key(_) => "key",
            Action::Resize(..) => "resize",
            Action::Drawn(..) => "drawn",
            Action::Tick { .. } => "tick",
            Action::Replayed { .. } => "replayed",
            Action::WorldReset { .. } => "world reset",
            Action::PlaybackChanged { .. } => "playback changed",
            Action::Notice(_) => "notice",
            Action::SwitchDone { .. } => "switch done",
            Action::Polled(crate::poll::PollEvent::Refreshed { source, .. }) => source.name(),
            Action::Polled(_) => "polled",
            Action::OpStage { .. } => "op stage",
            Action::OpDone { .. } => "op done",
            Action::Board(_) => "board",
            Action::Checked(_) => "checked",
            Action::Prepared(_) => "prepared",
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
    /// Show another watched target (by its name on the board).
    Dive(String),
    /// Run the pattern checks of a large fleet away from the console's loop, and give
    /// their reports back as `Action::Checked`.
    Check(Box<super::state::CheckJob>),
}

/// What the scenario keys ask of the simulator (or of a replay).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PlaybackCommand {
    TogglePause,
    /// Let 10 seconds of scenario time pass at once.
    Step,
    Slower,
    Faster,
    Restart,
    /// A replay: move to this moment (`:goto 14:03:10`, `:goto +5m`).
    Goto(String),
    /// A replay: move to the next (or previous) recorded event.
    NextEvent,
    PrevEvent,
}
