//! Refreshes made ready away from the console's loop. On a fleet of 10,000 instances a
//! refresh changes what every view is made of: the events it brings (a comparison of the
//! old and new fleet), the lookups, each view's rows in order. Made on the loop, that work
//! is what a key pressed just after a refresh waits for (tens of milliseconds).
//!
//! So the loop does not apply a refresh as it arrives: it hands it, with a copy of its
//! state, to a `Preparation` on a blocking thread. The copy applies it and draws every view
//! the operator has shown, and every view made of the fleet, into a buffer nobody sees,
//! which leaves in the state's kept rows (shared with the copy, `RowCache::share`)
//! everything those frames need at the versions
//! the state will have; the events are found there too. The loop then applies the refresh
//! itself, with those events, and its next frame finds everything made. Meanwhile it keeps
//! drawing (and answering keys on) the fleet it had, a few tens of milliseconds older.

use super::{AppState, View};
use crate::poll::{Payload, PollEvent};
use crate::record::Event;
use crate::theme::Theme;

/// A refresh with the events it brings, when they were found away from the loop.
#[derive(Debug, Clone)]
pub struct Ready {
    pub event: PollEvent,
    pub seen: Option<Vec<Event>>,
}

/// Refreshes to apply to a copy of the state, and the views to make ready in it.
pub struct Preparation {
    copy: AppState,
    events: Vec<PollEvent>,
    views: Vec<View>,
    theme: Theme,
}

impl std::fmt::Debug for Preparation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Preparation({} refreshes)", self.events.len())
    }
}

/// Whether a poller's event is worth preparing: a refresh with data (a failure or a retry
/// changes no rows).
pub fn worth_preparing(event: &PollEvent) -> bool {
    matches!(event, PollEvent::Refreshed { result: Ok(_), .. })
}

impl Preparation {
    /// `events` (in the order they arrived) for `state`, with the views it has shown and
    /// the one on screen.
    pub fn new(state: &mut AppState, events: Vec<PollEvent>, theme: &Theme) -> Preparation {
        // The views shown, the one on screen, and every view made of the fleet alone even
        // if not shown yet: the first visit of a view at 10,000 instances made its rows on
        // the loop (Health 100 ms, Targets 50 ms), and this work runs below the console's
        // priority (`background`).
        let mut views = state.rows.shown_views();
        let wanted = std::iter::once(state.view).chain(
            (View::ALL.into_iter())
                .filter(|v| *v == View::Overview || super::rows::of_fleet_only(*v)),
        );
        for view in wanted {
            if !views.contains(&view) {
                views.push(view);
            }
        }
        // The journal and the board are not drawn by the views made ready, and the journal
        // holds up to 10,000 events: they are left out of the copy.
        let journal = std::mem::take(&mut state.events);
        let board = std::mem::take(&mut state.board);
        let mut copy = state.clone();
        state.events = journal;
        state.board = board;
        copy.rows = state.rows.share();
        copy.dialog = None;
        Preparation {
            copy,
            events,
            views,
            theme: theme.clone(),
        }
    }

    /// Applies the refreshes to the copy, finding each one's events, then draws each view.
    pub fn run(mut self) -> Vec<Ready> {
        let copy = &mut self.copy;
        let ready: Vec<Ready> = (self.events.into_iter())
            .map(|event| {
                let seen = seen(copy, &event);
                super::apply_polled(copy, event.clone(), Some(seen.clone().unwrap_or_default()));
                Ready { event, seen }
            })
            .collect();
        // Tables first: the views that have one list their rows from it.
        super::rows::make_tables(copy);
        let (w, h) = copy.size;
        let backend = ratatui::backend::TestBackend::new(w.max(1), h.max(1));
        let Ok(mut terminal) = ratatui::Terminal::new(backend);
        for view in self.views {
            copy.view = view;
            let _ = terminal.draw(|f| crate::ui::draw(f, copy, &self.theme));
            // A view's frame may not list its rows (the Zones view draws its figures), but
            // its first key does: the listing is kept too.
            super::rows::listing(copy);
        }
        ready
    }
}

/// The events a refresh brings to `state`, when it would look for them (`apply_refresh`).
fn seen(state: &AppState, event: &PollEvent) -> Option<Vec<Event>> {
    let PollEvent::Refreshed {
        source,
        epoch,
        generation,
        at,
        result: Ok(payload),
    } = event
    else {
        return None;
    };
    let status = &state.sources[*source as usize];
    let applies = *epoch == state.epoch && *generation > status.generation;
    let was_read = status.fetched_at.is_some();
    let replay = matches!(state.world, crate::model::WorldInfo::Replay { .. });
    (applies && was_read && !replay).then(|| events_of(state, payload, *at))
}

fn events_of(state: &AppState, payload: &Payload, at: chrono::DateTime<chrono::Utc>) -> Vec<Event> {
    crate::record::of_refresh(&state.fleet, payload, at)
}
