//! One event: what changed, on which resource, from what to what, when (in the world's
//! clock) and where patrol learned it; and the journal that keeps the latest ones.

use crate::cloud::Source;
use chrono::{DateTime, Utc};
use serde::Serialize;
use std::collections::VecDeque;

/// What an event is about.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, serde::Deserialize,
)]
#[serde(rename_all = "kebab-case")]
pub enum EventKind {
    /// A target's health in a target group.
    Target,
    /// What patrol's own probe of a target's health page says.
    Probe,
    /// An instance launched, changed state or went away.
    Instance,
    /// An Auto Scaling group's capacity, or an instance's lifecycle in it.
    Group,
    /// A scaling activity started or ended.
    Activity,
    /// An Elastic IP's association.
    Address,
    Image,
    Alarm,
    /// A pattern check's verdict.
    Pattern,
    /// A source of data failing or recovering.
    Source,
    /// An operator action: its intent and its outcome.
    Action,
}

impl EventKind {
    /// The word the Events view shows and its `kind=` filter matches.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Target => "target",
            Self::Probe => "probe",
            Self::Instance => "instance",
            Self::Group => "group",
            Self::Activity => "activity",
            Self::Address => "address",
            Self::Image => "image",
            Self::Alarm => "alarm",
            Self::Pattern => "pattern",
            Self::Source => "source",
            Self::Action => "action",
        }
    }
}

/// One change, as patrol saw it.
#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize)]
pub struct Event {
    /// When it was seen, in the world's clock (the refresh that saw it, or the action).
    pub at: DateTime<Utc>,
    pub kind: EventKind,
    /// The resource: an instance id, `web-tg i-…:80`, a group, an address, an image id, an
    /// alarm, a pattern, a source.
    pub resource: String,
    /// The instance's or resource's name, when it has one.
    pub name: Option<String>,
    pub zone: Option<String>,
    /// The state before; `None` when it is new.
    pub before: Option<String>,
    /// The state after (`gone` when it is no longer listed).
    pub after: String,
    /// Why, in the cloud's words: a reason code, a cause, an error.
    pub detail: String,
    /// Where patrol learned it: the source whose refresh showed it, `check`, or `action`.
    pub origin: String,
}

impl Event {
    /// An event seen in the refresh of `source`.
    pub fn seen(source: Source, at: DateTime<Utc>, kind: EventKind, resource: String) -> Event {
        Event {
            at,
            kind,
            resource,
            name: None,
            zone: None,
            before: None,
            after: String::new(),
            detail: String::new(),
            origin: source.name().to_string(),
        }
    }

    /// `before → after`, or just `after` for something new.
    pub fn change(&self) -> String {
        match &self.before {
            Some(b) => format!("{b} → {}", self.after),
            None => self.after.clone(),
        }
    }
}

/// How many events the console keeps (the oldest go first).
pub const JOURNAL_LENGTH: usize = 10_000;

/// The latest events, oldest first, at most `JOURNAL_LENGTH`, each with its number in the
/// journal (a row's key: it stays the same as newer events arrive).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Journal {
    events: VecDeque<(u64, Event)>,
    next: u64,
    /// How many were dropped for space, so the view can say so.
    pub dropped: u64,
}

impl Journal {
    pub fn push(&mut self, events: impl IntoIterator<Item = Event>) {
        for e in events {
            if self.events.len() == JOURNAL_LENGTH {
                self.events.pop_front();
                self.dropped += 1;
            }
            self.events.push_back((self.next, e));
            self.next += 1;
        }
    }

    /// Newest first, with their numbers.
    pub fn newest(&self) -> impl Iterator<Item = &(u64, Event)> {
        self.events.iter().rev()
    }

    pub fn len(&self) -> usize {
        self.events.len()
    }

    /// How many events were ever pushed: the number the next one gets.
    pub fn total(&self) -> u64 {
        self.next
    }

    /// The events pushed since `total()` was `mark`, oldest first.
    pub fn since(&self, mark: u64) -> Vec<Event> {
        let mut out: Vec<Event> = self
            .newest()
            .take_while(|(seq, _)| *seq >= mark)
            .map(|(_, e)| e.clone())
            .collect();
        out.reverse();
        out
    }

    pub fn is_empty(&self) -> bool {
        self.events.is_empty()
    }

    /// Forgets everything (another world is on screen).
    pub fn clear(&mut self) {
        self.events.clear();
        self.dropped = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(n: usize) -> Event {
        Event::seen(
            Source::Instances,
            chrono::DateTime::UNIX_EPOCH,
            EventKind::Instance,
            format!("i-{n}"),
        )
    }

    /// A full journal drops its oldest, and what came since a mark is still all there:
    /// the recorder counts by number, not by length.
    #[test]
    fn since_a_mark_survives_a_full_journal() {
        let mut j = Journal::default();
        j.push((0..JOURNAL_LENGTH).map(event));
        let mark = j.total();
        j.push((0..5).map(|n| event(JOURNAL_LENGTH + n)));
        assert_eq!(j.len(), JOURNAL_LENGTH);
        assert_eq!(j.dropped, 5);
        let since = j.since(mark);
        assert_eq!(since.len(), 5);
        assert_eq!(since[0].resource, format!("i-{JOURNAL_LENGTH}"));
    }
}
