//! A recording: the fleet over time and its events, in one SQLite file.
//!
//! Schema (version 1, in `meta.schema_version`); times are RFC 3339 in UTC with
//! microseconds, so they sort as text:
//!
//! ```text
//! meta(key PRIMARY KEY, value)          schema_version, world (JSON), started_at
//! reads(at, source, error)              every refresh; error NULL when it answered
//! frames(at, source)                    a key frame: every item of the source written at `at`
//! items(at, source, key, body)          an item that changed (body: JSON), or left (NULL)
//! orders(at, source, keys)              the source's items in the order the API listed them
//! events(at, kind, resource, body)      the events (body: JSON)
//! ```
//!
//! A source's first read and then one read every `KEY_FRAME_EVERY` are written whole; in
//! between, only what changed. The fleet at a moment is the latest key frame before it plus
//! the changes up to it. Each refresh is one transaction (write-ahead log): a crash loses at
//! most the refresh being written.

use super::events::Event;
use crate::cloud::{CloudError, Source};
use crate::model::{Snapshot, WorldInfo};
use crate::poll::Payload;
use chrono::{DateTime, SecondsFormat, Utc};
use rusqlite::{params, Connection, OptionalExtension};
use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// The recording format's version; a file of another version is refused by name.
pub const SCHEMA_VERSION: u32 = 1;
/// A source is written whole at least this often (world time), so a seek reads little.
pub const KEY_FRAME_EVERY: chrono::Duration = chrono::Duration::minutes(10);

/// The tables (and their columns, in order) and indexes of a recording.
const SCHEMA: &str = "
    CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
    CREATE TABLE reads (at TEXT NOT NULL, source TEXT NOT NULL, error TEXT);
    CREATE TABLE frames (at TEXT NOT NULL, source TEXT NOT NULL);
    CREATE TABLE items (at TEXT NOT NULL, source TEXT NOT NULL, key TEXT NOT NULL, body TEXT);
    CREATE TABLE orders (at TEXT NOT NULL, source TEXT NOT NULL, keys TEXT NOT NULL);
    CREATE TABLE events (at TEXT NOT NULL, kind TEXT NOT NULL, resource TEXT NOT NULL, body TEXT NOT NULL);
    CREATE INDEX items_by_time ON items (source, at);
    CREATE INDEX frames_by_time ON frames (source, at);
    CREATE INDEX orders_by_time ON orders (source, at);
    CREATE INDEX events_by_time ON events (at);";

/// The tables that hold the recording over time, with their columns (`at` first).
const TIMED: [(&str, &str); 5] = [
    ("reads", "at, source, error"),
    ("frames", "at, source"),
    ("items", "at, source, key, body"),
    ("orders", "at, source, keys"),
    ("events", "at, kind, resource, body"),
];

/// What went wrong with a recording, naming the file.
#[derive(Debug, thiserror::Error)]
#[error("recording {path}: {what}")]
pub struct RecordError {
    pub path: PathBuf,
    pub what: String,
}

fn stamp(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Micros, true)
}

fn time(text: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(text)
        .ok()
        .map(|t| t.with_timezone(&Utc))
}

/// What the tape last wrote of one source.
#[derive(Default)]
struct Held {
    /// Each item's body, as a hash, by its key's hash: what is compared to see what
    /// changed (the bodies themselves are in the file; a large fleet's would be megabytes
    /// held twice, and 20,000 probes' keys are megabytes too).
    items: HashMap<u64, u64>,
    /// The keys, in the order the source listed them.
    order: Vec<String>,
    frame_at: Option<DateTime<Utc>>,
}

/// A body's hash (the same in every run: no random keys).
fn body_hash(body: &str) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    body.hash(&mut h);
    h.finish()
}

/// The writing end: one per recording.
pub struct Tape {
    conn: Connection,
    path: PathBuf,
    held: HashMap<Source, Held>,
}

/// The items of a refresh: each with its key, as JSON, in the order the API listed them.
/// Each item of a payload as (key, JSON body, what tells a change), one at a time, to `f`
/// (a large fleet's bodies are never all held at once).
fn each_item(
    payload: &Payload,
    f: &mut dyn FnMut(String, String, u64) -> rusqlite::Result<()>,
) -> Result<(), ItemError> {
    fn each<T: serde::Serialize>(
        items: &[T],
        key: impl Fn(&T) -> String,
        f: &mut dyn FnMut(String, String, u64) -> rusqlite::Result<()>,
    ) -> Result<(), ItemError> {
        for i in items {
            let body = serde_json::to_string(i).map_err(ItemError::Json)?;
            let change = body_hash(&body);
            f(key(i), body, change).map_err(ItemError::Sql)?;
        }
        Ok(())
    }
    if let Payload::Probes(v) = payload {
        // A probe's time and exact latency move every round: written again only when its
        // answer changes, or its latency doubles or halves (a replay shows it as of then).
        for p in v.iter() {
            let body = serde_json::to_string(p).map_err(ItemError::Json)?;
            let mut steady = p.clone();
            steady.at = DateTime::<Utc>::UNIX_EPOCH;
            if let crate::model::ProbeOutcome::Answered { latency_ms, .. } = &mut steady.outcome {
                *latency_ms = (*latency_ms + 1.0).log2().floor();
            }
            let change = body_hash(&serde_json::to_string(&steady).map_err(ItemError::Json)?);
            let key = format!(
                "{} {}:{} {}",
                p.target_group_arn, p.target_id, p.port, p.path
            );
            f(key, body, change).map_err(ItemError::Sql)?;
        }
        return Ok(());
    }
    match payload {
        Payload::Instances(v) => each(v, |i| i.id.clone(), f),
        Payload::LoadBalancers(v) => each(v, |l| l.arn.clone(), f),
        Payload::TargetGroups(v) => each(v, |t| t.arn.clone(), f),
        Payload::AutoScaling(v) => each(v, |g| g.name.clone(), f),
        Payload::ElasticIps(v) => each(v, |a| a.allocation_id.clone(), f),
        Payload::Images(v) => each(v, |i| i.id.clone(), f),
        Payload::Alarms(v) => each(v, |a| a.name.clone(), f),
        Payload::Probes(_) => Ok(()),
        Payload::Metrics(cpu, per_instance) => {
            each(cpu, |m| format!("cpu:{}", m.auto_scaling_group), f)?;
            each(
                per_instance,
                |m| format!("instance:{}:{}", m.instance_id, m.metric),
                f,
            )
        }
    }
}

/// Why an item could not be written.
enum ItemError {
    Json(serde_json::Error),
    Sql(rusqlite::Error),
}

impl std::fmt::Display for ItemError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ItemError::Json(e) => e.fmt(f),
            ItemError::Sql(e) => e.fmt(f),
        }
    }
}

/// A source's payload from its items' JSON, in order.
fn payload_of(source: Source, items: &[(String, String)]) -> Result<Payload, serde_json::Error> {
    fn all<T: serde::de::DeserializeOwned>(
        items: &[(String, String)],
    ) -> Result<Vec<T>, serde_json::Error> {
        items.iter().map(|(_, b)| serde_json::from_str(b)).collect()
    }
    Ok(match source {
        Source::Instances => Payload::Instances(std::sync::Arc::new(all(items)?)),
        Source::LoadBalancers => Payload::LoadBalancers(all(items)?),
        Source::TargetGroups => Payload::TargetGroups(std::sync::Arc::new(all(items)?)),
        Source::AutoScaling => Payload::AutoScaling(std::sync::Arc::new(all(items)?)),
        Source::ElasticIps => Payload::ElasticIps(all(items)?),
        Source::Images => Payload::Images(all(items)?),
        Source::Alarms => Payload::Alarms(all(items)?),
        Source::Probes => Payload::Probes(std::sync::Arc::new(all(items)?)),
        Source::Metrics => {
            let (cpu, per): (Vec<_>, Vec<_>) = items
                .iter()
                .cloned()
                .partition(|(k, _)| k.starts_with("cpu:"));
            Payload::Metrics(all(&cpu)?, all(&per)?)
        }
    })
}

impl Tape {
    /// Starts a new recording at `path` (a file already there is refused, not overwritten).
    pub fn create(path: &Path, world: &WorldInfo, at: DateTime<Utc>) -> Result<Tape, RecordError> {
        let fail = |what: String| RecordError {
            path: path.to_path_buf(),
            what,
        };
        if path.exists() {
            return Err(fail(
                "already exists: a recording is never overwritten".into(),
            ));
        }
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir)
                .map_err(|e| fail(format!("cannot create its folder: {e}")))?;
        }
        let conn = Connection::open(path).map_err(|e| fail(e.to_string()))?;
        let world_json = serde_json::to_string(world).map_err(|e| fail(e.to_string()))?;
        conn.execute_batch("PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;")
            .and_then(|()| conn.execute_batch(SCHEMA))
            .map_err(|e| fail(e.to_string()))?;
        conn.execute(
            "INSERT INTO meta (key, value) VALUES ('schema_version', ?1), ('world', ?2), ('started_at', ?3)",
            params![SCHEMA_VERSION.to_string(), world_json, stamp(at)],
        )
        .map_err(|e| fail(e.to_string()))?;
        Ok(Tape {
            conn,
            path: path.to_path_buf(),
            held: HashMap::new(),
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    fn fail(&self, what: impl std::fmt::Display) -> RecordError {
        RecordError {
            path: self.path.clone(),
            what: what.to_string(),
        }
    }

    /// One refresh that answered: what changed since the last is written, or the whole
    /// source when a key frame is due.
    pub fn refreshed(
        &mut self,
        source: Source,
        at: DateTime<Utc>,
        payload: &Payload,
    ) -> Result<(), RecordError> {
        let name = source.name();
        let held = self.held.entry(source).or_default();
        let frame = held.frame_at.is_none_or(|f| at - f >= KEY_FRAME_EVERY);
        let when = stamp(at);
        let tx = self.conn.transaction().map_err(|e| RecordError {
            path: self.path.clone(),
            what: e.to_string(),
        })?;
        let mut order: Vec<String> = Vec::new();
        let mut now: HashMap<u64, u64> = HashMap::new();
        let result = (|| -> Result<(), ItemError> {
            tx.execute(
                "INSERT INTO reads (at, source, error) VALUES (?1, ?2, NULL)",
                params![when, name],
            )
            .map_err(ItemError::Sql)?;
            let mut put = tx
                .prepare_cached("INSERT INTO items (at, source, key, body) VALUES (?1, ?2, ?3, ?4)")
                .map_err(ItemError::Sql)?;
            if frame {
                tx.execute(
                    "INSERT INTO frames (at, source) VALUES (?1, ?2)",
                    params![when, name],
                )
                .map_err(ItemError::Sql)?;
            }
            // Written as each is serialized: in a key frame all, otherwise what changed.
            each_item(payload, &mut |k, b, h| {
                let key = body_hash(&k);
                if frame || held.items.get(&key) != Some(&h) {
                    put.execute(params![when, name, k, b])?;
                }
                order.push(k);
                now.insert(key, h);
                Ok(())
            })?;
            if !frame {
                for k in &held.order {
                    if !now.contains_key(&body_hash(k)) {
                        put.execute(params![when, name, k, Option::<String>::None])
                            .map_err(ItemError::Sql)?;
                    }
                }
            }
            if frame || order != held.order {
                let keys = serde_json::to_string(&order).unwrap_or_else(|_| "[]".into());
                tx.execute(
                    "INSERT INTO orders (at, source, keys) VALUES (?1, ?2, ?3)",
                    params![when, name, keys],
                )
                .map_err(ItemError::Sql)?;
            }
            Ok(())
        })();
        let result = result.and_then(|()| tx.commit().map_err(ItemError::Sql));
        if let Err(e) = result {
            return Err(match e {
                ItemError::Json(e) => self.fail(e),
                ItemError::Sql(e) => RecordError {
                    path: self.path.clone(),
                    what: e.to_string(),
                },
            });
        }
        let held = self.held.entry(source).or_default();
        if frame {
            held.frame_at = Some(at);
        }
        held.items = now;
        held.order = order;
        Ok(())
    }

    /// One refresh that failed (the fleet stays as last read).
    pub fn failed(
        &mut self,
        source: Source,
        at: DateTime<Utc>,
        error: &CloudError,
    ) -> Result<(), RecordError> {
        self.conn
            .execute(
                "INSERT INTO reads (at, source, error) VALUES (?1, ?2, ?3)",
                params![stamp(at), source.name(), error.to_string()],
            )
            .map(|_| ())
            .map_err(|e| self.fail(e))
    }

    /// Events, as they were derived.
    pub fn events(&mut self, events: &[Event]) -> Result<(), RecordError> {
        if events.is_empty() {
            return Ok(());
        }
        let path = self.path.clone();
        let fail = |e: rusqlite::Error| RecordError {
            path: path.clone(),
            what: e.to_string(),
        };
        let tx = self.conn.transaction().map_err(fail)?;
        {
            let mut put = tx
                .prepare_cached(
                    "INSERT INTO events (at, kind, resource, body) VALUES (?1, ?2, ?3, ?4)",
                )
                .map_err(fail)?;
            for e in events {
                let body = serde_json::to_string(e).unwrap_or_default();
                put.execute(params![stamp(e.at), e.kind.as_str(), e.resource, body])
                    .map_err(fail)?;
            }
        }
        tx.commit().map_err(fail)
    }
}

/// SQLite's own check of the file's structure: `Err` with its first complaint.
fn check(conn: &Connection) -> Result<(), String> {
    let first: rusqlite::Result<String> = conn.query_row("PRAGMA quick_check(1)", [], |r| r.get(0));
    match first {
        Ok(ok) if ok == "ok" => Ok(()),
        Ok(complaint) => Err(one_line(&complaint)),
        Err(e) => Err(e.to_string()),
    }
}

/// SQLite's complaint without its banner, on one line.
fn one_line(complaint: &str) -> String {
    let text = complaint.replace("*** in database main ***", "");
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Copies what can be read of a damaged recording into memory: each table row by row until
/// the first row that cannot be read. Everything from the moment of the earliest such row on
/// is dropped, in every table, so the copy is the recording as it was up to the damage, whole.
/// Returns the copy and, when rows were lost, the last moment kept (`Some(None)`: none).
type Cut = Option<Option<DateTime<Utc>>>;
fn salvage(src: &Connection) -> rusqlite::Result<(Connection, Cut)> {
    let copy = Connection::open_in_memory()?;
    copy.execute_batch(SCHEMA)?;
    copy.execute(
        "INSERT INTO meta (key, value) SELECT ?1, ?2",
        params!["schema_version", SCHEMA_VERSION.to_string()],
    )?;
    for key in ["world", "started_at"] {
        let value: String =
            src.query_row("SELECT value FROM meta WHERE key = ?1", [key], |r| r.get(0))?;
        copy.execute(
            "INSERT INTO meta (key, value) VALUES (?1, ?2)",
            params![key, value],
        )?;
    }
    // The moment of the first row that could not be read, over every table.
    let mut broken_at: Option<String> = None;
    for (table, columns) in TIMED {
        let n = columns.split(',').count();
        let marks = (1..=n)
            .map(|i| format!("?{i}"))
            .collect::<Vec<_>>()
            .join(", ");
        let mut put = copy.prepare(&format!("INSERT INTO {table} ({columns}) VALUES ({marks})"))?;
        let mut last_good = String::new();
        let read = (|| -> rusqlite::Result<()> {
            let mut q = src.prepare(&format!("SELECT {columns} FROM {table} ORDER BY rowid"))?;
            let mut rows = q.query([])?;
            while let Some(row) = rows.next()? {
                let values: Vec<rusqlite::types::Value> = (0..n)
                    .map(|i| row.get(i))
                    .collect::<rusqlite::Result<_>>()?;
                if let rusqlite::types::Value::Text(at) = &values[0] {
                    last_good = at.clone();
                }
                put.execute(rusqlite::params_from_iter(values))?;
            }
            Ok(())
        })();
        if read.is_err() {
            // The moment being read when the damage began may be partly lost: it goes too.
            let at = last_good;
            if broken_at.as_ref().is_none_or(|b| at < *b) {
                broken_at = Some(at);
            }
        }
    }
    let Some(cut) = broken_at else {
        return Ok((copy, None));
    };
    for (table, _) in TIMED {
        copy.execute(&format!("DELETE FROM {table} WHERE at >= ?1"), [&cut])?;
    }
    let kept: Option<String> = copy.query_row("SELECT max(at) FROM reads", [], |r| r.get(0))?;
    Ok((copy, Some(kept.as_deref().and_then(time))))
}

/// The first and the last moment of something.
pub type Span = (DateTime<Utc>, DateTime<Utc>);

/// The reading end: a recording opened to look back.
pub struct Recording {
    conn: Connection,
    path: PathBuf,
    pub world: WorldInfo,
    pub started_at: DateTime<Utc>,
    /// Set when the file is damaged: what could be read of it is what it replays.
    pub damage: Option<Damage>,
}

/// Where a damaged recording stops being readable, and why.
#[derive(Debug, Clone, PartialEq)]
pub struct Damage {
    /// The last moment read whole; `None` when only indexes were damaged (nothing lost).
    pub readable_until: Option<DateTime<Utc>>,
    /// What SQLite said.
    pub why: String,
}

impl std::fmt::Display for Damage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.readable_until {
            Some(t) => write!(
                f,
                "damaged after {} ({}): it replays up to there",
                t.format("%Y-%m-%d %H:%M:%S"),
                self.why
            ),
            None => write!(
                f,
                "its indexes were damaged ({}) and are rebuilt in memory: nothing is lost",
                self.why
            ),
        }
    }
}

impl Recording {
    /// Opens a recording read-only; the error says what is wrong with the file.
    pub fn open(path: &Path) -> Result<Recording, RecordError> {
        let fail = |what: String| RecordError {
            path: path.to_path_buf(),
            what,
        };
        if !path.is_file() {
            return Err(fail("no such file".into()));
        }
        let conn = Connection::open_with_flags(path, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
            .map_err(|e| fail(e.to_string()))?;
        // A file cut short is shorter than its header says; SQLite then refuses to read even
        // its first pages unless told to take the file's own length (the connection is
        // read-only: nothing is ever written).
        conn.execute_batch("PRAGMA writable_schema = ON;")
            .map_err(|e| fail(e.to_string()))?;
        let meta = |key: &str| -> Result<String, RecordError> {
            conn.query_row("SELECT value FROM meta WHERE key = ?1", [key], |r| r.get(0))
                .optional()
                .map_err(|e| fail(format!("not a patrol recording ({e})")))?
                .ok_or_else(|| fail(format!("not a patrol recording (no {key})")))
        };
        let version = meta("schema_version")?;
        if version != SCHEMA_VERSION.to_string() {
            return Err(fail(format!(
                "recording format {version}; this patrol reads format {SCHEMA_VERSION}"
            )));
        }
        let world = serde_json::from_str(&meta("world")?)
            .map_err(|e| fail(format!("its world cannot be read: {e}")))?;
        let started = meta("started_at")?;
        let started_at =
            time(&started).ok_or_else(|| fail(format!("bad start time {started:?}")))?;
        let (conn, damage) = match check(&conn) {
            Ok(()) => (conn, None),
            Err(why) => {
                let (copy, readable_until) =
                    salvage(&conn).map_err(|e| fail(format!("damaged beyond reading: {e}")))?;
                let readable_until = match readable_until {
                    Some(None) => {
                        return Err(fail(format!(
                            "damaged before its first refresh ({why}): there is nothing to replay"
                        )))
                    }
                    Some(Some(t)) => Some(t),
                    None => None,
                };
                tracing::warn!(file = %path.display(), %why, ?readable_until, "damaged recording");
                (
                    copy,
                    Some(Damage {
                        readable_until,
                        why,
                    }),
                )
            }
        };
        Ok(Recording {
            conn,
            path: path.to_path_buf(),
            world,
            started_at,
            damage,
        })
    }

    fn fail(&self, what: impl std::fmt::Display) -> RecordError {
        RecordError {
            path: self.path.clone(),
            what: what.to_string(),
        }
    }

    /// The first and the last refresh recorded.
    pub fn span(&self) -> Result<Option<Span>, RecordError> {
        let (first, last): (Option<String>, Option<String>) = self
            .conn
            .query_row("SELECT min(at), max(at) FROM reads", [], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })
            .map_err(|e| self.fail(e))?;
        Ok(
            match (
                first.as_deref().and_then(time),
                last.as_deref().and_then(time),
            ) {
                (Some(a), Some(b)) => Some((a, b)),
                _ => None,
            },
        )
    }

    /// One source as it was at `at`: `None` when it had not been read yet.
    pub fn source_at(
        &self,
        source: Source,
        at: DateTime<Utc>,
    ) -> Result<Option<Payload>, RecordError> {
        let (name, until) = (source.name(), stamp(at));
        let frame: Option<String> = self
            .conn
            .query_row(
                "SELECT max(at) FROM frames WHERE source = ?1 AND at <= ?2",
                params![name, until],
                |r| r.get(0),
            )
            .map_err(|e| self.fail(e))?;
        let Some(frame) = frame else {
            return Ok(None);
        };
        let mut items: HashMap<String, String> = HashMap::new();
        let mut rows = self
            .conn
            .prepare_cached(
                "SELECT key, body FROM items WHERE source = ?1 AND at >= ?2 AND at <= ?3 ORDER BY rowid",
            )
            .map_err(|e| self.fail(e))?;
        let changes = rows
            .query_map(params![name, frame, until], |r| {
                Ok((r.get::<_, String>(0)?, r.get::<_, Option<String>>(1)?))
            })
            .map_err(|e| self.fail(e))?;
        for change in changes {
            match change.map_err(|e| self.fail(e))? {
                (k, Some(body)) => {
                    items.insert(k, body);
                }
                (k, None) => {
                    items.remove(&k);
                }
            }
        }
        let keys: String = self
            .conn
            .query_row(
                "SELECT keys FROM orders WHERE source = ?1 AND at <= ?2 ORDER BY at DESC, rowid DESC LIMIT 1",
                params![name, until],
                |r| r.get(0),
            )
            .map_err(|e| self.fail(e))?;
        let order: Vec<String> = serde_json::from_str(&keys).map_err(|e| self.fail(e))?;
        let ordered: Vec<(String, String)> = order
            .into_iter()
            .filter_map(|k| items.remove(&k).map(|b| (k, b)))
            .collect();
        payload_of(source, &ordered)
            .map(Some)
            .map_err(|e| self.fail(format!("{} at {until}: {e}", source.name())))
    }

    /// The fleet as it was at `at` (each source as of its last read by then).
    pub fn snapshot_at(&self, at: DateTime<Utc>) -> Result<Snapshot, RecordError> {
        let mut s = Snapshot::empty(self.world.clone(), at);
        for source in Source::ALL {
            if let Some(payload) = self.source_at(source, at)? {
                payload.apply_to(&mut s);
            }
        }
        Ok(s)
    }

    /// The events from `since` to `until` (both included), oldest first.
    pub fn events(
        &self,
        since: Option<DateTime<Utc>>,
        until: Option<DateTime<Utc>>,
    ) -> Result<Vec<Event>, RecordError> {
        let since = since.map_or_else(String::new, stamp);
        let until = until.map_or_else(|| "~".to_string(), stamp);
        let mut q = self
            .conn
            .prepare("SELECT body FROM events WHERE at >= ?1 AND at <= ?2 ORDER BY at, rowid")
            .map_err(|e| self.fail(e))?;
        let rows = q
            .query_map(params![since, until], |r| r.get::<_, String>(0))
            .map_err(|e| self.fail(e))?;
        let mut out = Vec::new();
        for body in rows {
            let body = body.map_err(|e| self.fail(e))?;
            out.push(serde_json::from_str(&body).map_err(|e| self.fail(format!("an event: {e}")))?);
        }
        Ok(out)
    }
}
