//! The console's state and `update`: actions in, effects out; no I/O and no clock reads.

mod action;
pub mod cards;
pub mod columns;
pub mod command;
pub mod detail;
pub mod dialog;
mod keys;
pub mod line_edit;
pub mod plan_text;
pub mod prepare;
pub mod rows;
mod state;
pub mod table;

pub use crate::patterns::short_zone;
pub use action::{Action, Effect, PlaybackCommand};
pub use cards::view_of;
pub use dialog::{Dialog, Focus, Operation};
pub use keys::{help_lines, help_page, help_rows, HelpLine};
pub use state::{AppState, CheckJob, Checked, Freshness, ListState, SourceStatus};

use crate::cloud::{CloudError, Source};
use crate::poll::Payload;
use crate::poll::PollEvent;
use crate::record::{Event, EventKind};
use chrono::{DateTime, Utc};

pub use crate::view::View;

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
            // A large fleet's checks run away from the loop.
            (state.recheck_if_due())
                .map(|job| Effect::Check(Box::new(job)))
                .into_iter()
                .collect()
        }
        Action::Checked(done) => {
            state.checked(done);
            vec![]
        }
        Action::Replayed { events, from_start } => {
            if from_start {
                state.events.clear();
            }
            if !events.is_empty() || from_start {
                state.dirty = true;
            }
            state.events.push(events);
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
        Action::Polled(event) => {
            apply_polled(state, event, None);
            dialog::replan(state);
            vec![]
        }
        Action::Prepared(ready) => {
            for r in ready {
                apply_polled(state, r.event, r.seen);
            }
            dialog::replan(state);
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
        Action::Board(rows) => {
            if state.board != rows {
                state.board = rows;
                state.dirty |= state.view == View::Fleet;
            }
            vec![]
        }
    }
}

/// A source began failing, or answers again.
fn source_event(source: Source, at: DateTime<Utc>, after: &str, detail: String) -> Event {
    Event {
        after: after.into(),
        detail,
        ..Event::seen(source, at, EventKind::Source, source.name().into())
    }
}

/// Applies a poller's event; `seen`: the events a refresh brings, when they were already
/// found (`prepare`), else they are found here.
fn apply_polled(state: &mut AppState, event: PollEvent, seen: Option<Vec<Event>>) {
    match event {
        PollEvent::Refreshed {
            source,
            epoch,
            generation,
            at,
            result,
        } => apply_refresh(state, (source, epoch, generation, at), result, seen),
        PollEvent::Retrying { source, epoch, at } => {
            if epoch == state.epoch {
                state.sources[source as usize].retry_at = Some(at);
                state.dirty = true;
            }
        }
    }
}

fn apply_refresh(
    state: &mut AppState,
    (source, epoch, generation, at): (Source, u64, u64, DateTime<Utc>),
    result: Result<Payload, CloudError>,
    seen: Option<Vec<Event>>,
) {
    let wall = state.wall;
    let status = &mut state.sources[source as usize];
    if epoch != state.epoch || generation <= status.generation {
        return;
    }
    status.generation = generation;
    state.dirty = true;
    let was_read = status.fetched_at.is_some();
    let was_failing = status.error.is_some();
    let payload = match result {
        Ok(p) => p,
        Err(e) => {
            status.heard_at = Some(wall);
            status.error = Some((e.clone(), at));
            if !was_failing {
                state
                    .events
                    .push([source_event(source, at, "failing", e.to_string())]);
            }
            state.last_error = Some((source, e));
            state.recheck_soon();
            return;
        }
    };
    if was_failing {
        state.events.push([source_event(
            source,
            at,
            "recovered",
            "answers again".into(),
        )]);
    }
    // From the second observation on: a first read is not "everything launched". A replay
    // shows the events it recorded instead (`Action::Replayed`): what changed across a seek
    // is not an event.
    if was_read && !matches!(state.world, crate::model::WorldInfo::Replay { .. }) {
        let seen = seen.unwrap_or_else(|| crate::record::of_refresh(&state.fleet, &payload, at));
        state.events.push(seen);
    }
    let status = &mut state.sources[source as usize];
    status.error = None;
    status.retry_at = None;
    status.fetched_at = Some(at);
    status.heard_at = Some(wall);
    if state.last_error.as_ref().is_some_and(|(s, _)| *s == source) {
        state.last_error = None;
    }
    state.fleet.taken_at = state.clock;
    if payload.apply_to(&mut state.fleet) {
        state.part_changed(source);
    }
    state.recheck_soon();
}
