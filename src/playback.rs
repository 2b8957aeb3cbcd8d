//! Playback: a capability apart from `Cloud`. A world that plays a timeline (the
//! simulator's scenarios; later, a recorded world) can be paused, stepped, sped up and
//! restarted, and narrates what to look at. AWS has none of it.

use chrono::{DateTime, Utc};
use futures::future::BoxFuture;
use std::time::Duration;

/// Where a timeline is, for the narration line.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PlaybackState {
    /// Timeline time since it started.
    pub elapsed: chrono::Duration,
    pub speed: f64,
    pub paused: bool,
    /// The timeline holds until the operator acts.
    pub awaiting_operator: bool,
    /// Timeline time until the next event, if any is left.
    pub next_event_in: Option<chrono::Duration>,
}

/// A world that plays a timeline.
pub trait Playback: Send + Sync {
    /// Where the timeline is.
    fn playback_state(&self) -> PlaybackState;
    /// What the timeline wants the operator to look at, if anything.
    fn narration(&self) -> Option<String>;
    /// Lets `dt` of timeline time pass at once.
    fn advance(&self, dt: Duration);
    /// Pauses or resumes; returns whether it is now paused.
    fn toggle_pause(&self) -> bool;
    /// Multiplies the speed by `factor` (within the world's limits); returns the new speed.
    fn scale_speed(&self, factor: f64) -> f64;
    /// Starts the timeline again from its beginning, at `start`.
    fn restart(&self, start: DateTime<Utc>);
    /// The clock: timeline time follows real time × speed while this runs.
    fn run_clock(&self) -> BoxFuture<'static, ()>;
    /// Moves to a moment, as the operator wrote it; returns where it is now. A scenario's
    /// time only runs forward: only a replay can seek.
    fn goto(&self, _moment: &str) -> Result<DateTime<Utc>, String> {
        Err("only a replay can go to a moment: a scenario's time only runs forward".into())
    }
    /// Moves to the next (`forward`) or previous event; `None` when there is none (or the
    /// timeline cannot seek).
    fn jump(&self, _forward: bool) -> Option<DateTime<Utc>> {
        None
    }
    /// A recording's events after `after` (from its start when `None`) up to `until`;
    /// `None` for a timeline that records none.
    fn recorded_events(
        &self,
        _after: Option<DateTime<Utc>>,
        _until: DateTime<Utc>,
    ) -> Option<Vec<crate::record::Event>> {
        None
    }
}

/// A speed multiplied by `factor`, within `Speed::RANGE`.
pub fn scaled(speed: f64, factor: f64) -> f64 {
    let (slowest, fastest) = crate::settings::Speed::RANGE;
    (speed * factor).clamp(slowest, fastest)
}

/// A timeline's clock: every 100 ms, the real time that passed × the speed is let pass,
/// unless the timeline is paused. Runs until dropped.
pub fn real_time_clock<P: Playback + 'static>(world: P) -> BoxFuture<'static, ()> {
    Box::pin(async move {
        let mut tick = tokio::time::interval(Duration::from_millis(100));
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let mut last = tokio::time::Instant::now();
        loop {
            tick.tick().await;
            let now = tokio::time::Instant::now();
            let real = now - last;
            last = now;
            let p = world.playback_state();
            if !p.paused {
                world.advance(real.mul_f64(p.speed));
            }
        }
    })
}
