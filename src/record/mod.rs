//! The flight recorder: what changed and when, derived from consecutive refreshes and from
//! patrol's own actions (`events`), and kept in a bounded journal (`Journal`).

mod diff;
mod events;
mod file;
mod recorder;
mod replay;

pub use diff::{of_refresh, verdict_changes};
pub use events::{Event, EventKind, Journal, JOURNAL_LENGTH};
pub use file::{Damage, RecordError, Recording, Tape, KEY_FRAME_EVERY, SCHEMA_VERSION};
pub use recorder::{RecordSettings, Recorder};
pub use replay::Replay;
