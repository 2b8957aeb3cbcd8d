//! The rows of view 8, Events: what changed, newest first.

use crate::app::columns::{EventCol, Row, Tone};
use crate::app::table::arrange;
use crate::app::{ListState, View};
use crate::record::{Event, Journal};

/// One event, with its number in the journal (its key).
#[derive(Debug, Clone, Copy)]
pub struct EventRow<'a> {
    pub seq: u64,
    pub event: &'a Event,
}

impl Row for EventRow<'_> {
    type Col = EventCol;

    fn key(&self) -> String {
        self.seq.to_string()
    }

    fn copy_id(&self) -> Option<String> {
        Some(self.event.resource.clone())
    }

    fn cell(&self, c: EventCol) -> String {
        let e = self.event;
        match c {
            EventCol::Time => e.at.format("%H:%M:%S").to_string(),
            EventCol::Kind => e.kind.as_str().to_string(),
            EventCol::Resource => e.resource.clone(),
            EventCol::Name => e.name.clone().unwrap_or_default(),
            EventCol::Zone => e.zone.clone().unwrap_or_default(),
            EventCol::State => e.after.clone(),
            EventCol::From => e.before.clone().unwrap_or_default(),
            EventCol::Detail => e.detail.clone(),
        }
    }

    fn tone(&self, c: EventCol) -> Tone {
        match c {
            EventCol::State => tone_of(&self.event.after),
            EventCol::From => Tone::Muted,
            EventCol::Time => Tone::Muted,
            _ => Tone::Plain,
        }
    }
}

/// The colour of a state word, whatever the resource: bad news red, good news green, a
/// transition amber.
fn tone_of(state: &str) -> Tone {
    match state {
        "unhealthy" | "unavailable" | "failing" | "fail" | "ALARM" | "Failed" | "failed"
        | "not done" | "gone" | "terminated" | "shutting-down" | "stopped" => Tone::Crit,
        "healthy" | "running" | "InService" | "pass" | "OK" | "Successful" | "available"
        | "verified" | "recovered" => Tone::Ok,
        "draining" | "initial" | "pending" | "Pending" | "warn" | "InProgress" | "Standby"
        | "EnteringStandby" | "Terminating" | "unverified" | "unknown" => Tone::Warn,
        _ => Tone::Plain,
    }
}

/// Every event, newest first; then as filtered and sorted.
pub fn event_rows<'a>(journal: &'a Journal, list: &ListState) -> Vec<EventRow<'a>> {
    let rows: Vec<EventRow> = journal
        .newest()
        .map(|(seq, event)| EventRow { seq: *seq, event })
        .collect();
    arrange(rows, View::Events, list)
}
