//! The console's recorder: a thread of its own that writes every refresh and event of the
//! world on screen to a recording, so the console never waits on the disk. A new world
//! starts a new file. Recordings older than the retention are removed when it starts.

use super::events::Event;
use super::file::Tape;
use crate::cloud::{CloudError, Source};
use crate::model::WorldInfo;
use crate::poll::Payload;
use chrono::{DateTime, Utc};
use std::path::{Path, PathBuf};
use std::sync::mpsc::{channel, Sender};
use std::sync::{Arc, Mutex};

enum Message {
    World(WorldInfo, DateTime<Utc>),
    Refreshed(Source, DateTime<Utc>, Payload),
    Failed(Source, DateTime<Utc>, CloudError),
    Events(Vec<Event>),
}

/// Where the console's recordings go, and how long they are kept.
#[derive(Debug, Clone, PartialEq)]
pub struct RecordSettings {
    pub dir: PathBuf,
    /// Recordings last written longer ago than this are removed at start.
    pub keep: std::time::Duration,
}

/// The handle the console holds; dropping it ends the recording.
pub struct Recorder {
    tx: Option<Sender<Message>>,
    /// The thread, joined on drop so the file is closed (and its log folded in) before
    /// patrol exits.
    thread: Option<std::thread::JoinHandle<()>>,
    /// The file being written, and the first error that stopped the recording.
    status: Arc<Mutex<(Option<PathBuf>, Option<String>)>>,
}

impl Recorder {
    /// Starts the recorder thread (after removing recordings past their retention).
    pub fn start(settings: &RecordSettings) -> Recorder {
        prune(&settings.dir, settings.keep);
        let (tx, rx) = channel::<Message>();
        let status: Arc<Mutex<(Option<PathBuf>, Option<String>)>> = Default::default();
        let shared = status.clone();
        let dir = settings.dir.clone();
        let thread = std::thread::spawn(move || {
            crate::background::lower_priority();
            let mut tape: Option<Tape> = None;
            let fail = |e: String| {
                tracing::error!(error = %e, "recording stopped");
                if let Ok(mut s) = shared.lock() {
                    s.1.get_or_insert(e);
                }
            };
            for message in rx {
                let result = match (message, tape.as_mut()) {
                    (Message::World(world, at), _) => {
                        let file = dir.join(crate::flight::file_name(&world, Utc::now()));
                        match Tape::create(&file, &world, at) {
                            Ok(t) => {
                                if let Ok(mut s) = shared.lock() {
                                    s.0 = Some(file);
                                }
                                tape = Some(t);
                                Ok(())
                            }
                            Err(e) => {
                                tape = None;
                                Err(e)
                            }
                        }
                    }
                    (Message::Refreshed(source, at, payload), Some(t)) => {
                        t.refreshed(source, at, &payload)
                    }
                    (Message::Failed(source, at, error), Some(t)) => t.failed(source, at, &error),
                    (Message::Events(events), Some(t)) => t.events(&events),
                    (_, None) => Ok(()),
                };
                if let Err(e) = result {
                    fail(e.to_string());
                    tape = None;
                }
            }
        });
        Recorder {
            tx: Some(tx),
            thread: Some(thread),
            status,
        }
    }

    fn send(&self, message: Message) {
        if let Some(tx) = &self.tx {
            let _ = tx.send(message);
        }
    }

    /// A new world is on screen: a new file.
    pub fn world(&self, world: &WorldInfo, at: DateTime<Utc>) {
        self.send(Message::World(world.clone(), at));
    }

    pub fn refreshed(
        &self,
        source: Source,
        at: DateTime<Utc>,
        result: &Result<Payload, CloudError>,
    ) {
        self.send(match result {
            Ok(p) => Message::Refreshed(source, at, p.clone()),
            Err(e) => Message::Failed(source, at, e.clone()),
        });
    }

    pub fn events(&self, events: Vec<Event>) {
        if !events.is_empty() {
            self.send(Message::Events(events));
        }
    }

    /// The file being written, and why recording stopped, if it did.
    pub fn status(&self) -> (Option<PathBuf>, Option<String>) {
        self.status.lock().map(|s| s.clone()).unwrap_or_default()
    }
}

impl Drop for Recorder {
    fn drop(&mut self) {
        // Closing the channel ends the thread once it has written what it was sent.
        self.tx = None;
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// Removes the recordings in `dir` not written to for longer than `keep`.
fn prune(dir: &Path, keep: std::time::Duration) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        let ours = path.file_name().and_then(|n| n.to_str()).is_some_and(|n| {
            n.ends_with(".sqlite") || n.ends_with(".sqlite-wal") || n.ends_with(".sqlite-shm")
        });
        let old = entry
            .metadata()
            .and_then(|m| m.modified())
            .ok()
            .and_then(|t| t.elapsed().ok())
            .is_some_and(|age| age > keep);
        if ours && old {
            if let Err(e) = std::fs::remove_file(&path) {
                tracing::warn!(path = %path.display(), error = %e, "cannot remove an old recording");
            }
        }
    }
}
