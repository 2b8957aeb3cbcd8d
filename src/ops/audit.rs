//! The audit log: one JSON line before each change (intent) and one after (outcome), in a
//! file only the user can read, flushed to disk before the call is made.

use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::fs::OpenOptions;
use std::io::Write;
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

/// One line of the audit log.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AuditRecord {
    /// When it was written, RFC 3339, UTC.
    pub time: String,
    /// The operation both lines of one action share (intent and outcome); empty on lines
    /// written before patrol recorded it.
    #[serde(default)]
    pub op_id: String,
    /// The consequences the operator accepted in the plan (e.g. a displaced address).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub accepted: Vec<String>,
    /// `intent` (before the call) or `outcome` (after it, and after verification).
    pub phase: String,
    /// `simulated` or `aws`.
    pub world: String,
    pub account: Option<String>,
    pub region: String,
    pub profile: Option<String>,
    pub action: String,
    pub resources: Vec<String>,
    pub before: serde_json::Value,
    pub after: serde_json::Value,
    pub request_ids: Vec<String>,
    /// `planned` on intent lines; `verified`, `unverified` or `failed` on outcome lines.
    pub outcome: String,
    pub error: Option<String>,
    /// Call to verified new state, on outcome lines.
    pub elapsed_ms: Option<f64>,
}

/// Where the audit log is kept: `$XDG_STATE_HOME/patrol/audit.jsonl`.
pub fn default_audit_file() -> PathBuf {
    dirs::state_dir()
        .or_else(dirs::cache_dir)
        .unwrap_or_else(std::env::temp_dir)
        .join("patrol")
        .join("audit.jsonl")
}

/// A new operation id: unique across processes appending to the same log (process id,
/// time and a counter).
pub fn new_operation_id() -> String {
    use std::sync::atomic::{AtomicU64, Ordering};
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    format!(
        "op-{:x}-{nanos:x}-{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    )
}

/// One line of the log as read back: a record, or a damaged line (cut off by a crash
/// mid-write, or edited by hand) with its number and why it does not parse.
#[derive(Debug, Clone, PartialEq)]
pub enum AuditLine {
    Record(Box<AuditRecord>),
    Damaged {
        line: usize,
        text: String,
        error: String,
    },
}

/// An append-only JSON-lines file with mode 0600.
#[derive(Debug, Clone)]
pub struct AuditLog {
    path: PathBuf,
}

impl AuditLog {
    pub fn new(path: impl Into<PathBuf>) -> Self {
        Self { path: path.into() }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Checks that the log can be written, before the console starts.
    pub fn check_writable(&self) -> std::io::Result<()> {
        self.open().map(|_| ())
    }

    fn open(&self) -> std::io::Result<std::fs::File> {
        if let Some(dir) = self.path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        let file = OpenOptions::new()
            .create(true)
            .read(true)
            .append(true)
            .mode(0o600)
            .open(&self.path)?;
        // A file made by someone else (or before) is narrowed to the user too.
        file.set_permissions(std::fs::Permissions::from_mode(0o600))?;
        Ok(file)
    }

    /// Appends one record and waits until it is on disk. Writers hold an exclusive lock,
    /// so two patrol processes never interleave; a line cut off by a crash is ended first,
    /// so the new record starts on a line of its own.
    pub fn append(&self, record: &AuditRecord) -> std::io::Result<()> {
        use std::io::{Read, Seek, SeekFrom};
        let mut line = serde_json::to_string(record).map_err(std::io::Error::other)?;
        line.push('\n');
        let mut file = self.open()?;
        file.lock()?;
        let len = file.metadata()?.len();
        if len > 0 {
            let mut last = [0u8; 1];
            file.seek(SeekFrom::Start(len - 1))?;
            file.read_exact(&mut last)?;
            if last[0] != b'\n' {
                line.insert(0, '\n');
            }
        }
        file.write_all(line.as_bytes())?;
        file.flush()?;
        let synced = file.sync_data();
        file.unlock()?;
        synced
    }

    /// Every line, oldest first: the records, and each damaged line flagged with its number.
    /// Only a file that cannot be read at all is an error.
    pub fn read(&self) -> Result<Vec<AuditLine>, String> {
        let bytes = match std::fs::read(&self.path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => return Err(format!("{}: {e}", self.path.display())),
        };
        let text = String::from_utf8_lossy(&bytes);
        Ok(text
            .lines()
            .enumerate()
            .filter(|(_, l)| !l.trim().is_empty())
            .map(|(n, l)| match serde_json::from_str(l) {
                Ok(r) => AuditLine::Record(Box::new(r)),
                Err(e) => AuditLine::Damaged {
                    line: n + 1,
                    text: l.to_string(),
                    error: e.to_string(),
                },
            })
            .collect())
    }
}

/// The records of a log read back, without its damaged lines.
pub fn records(lines: &[AuditLine]) -> Vec<AuditRecord> {
    lines
        .iter()
        .filter_map(|l| match l {
            AuditLine::Record(r) => Some(r.as_ref().clone()),
            AuditLine::Damaged { .. } => None,
        })
        .collect()
}

fn brief(value: &serde_json::Value) -> String {
    match value {
        serde_json::Value::Null => "-".into(),
        serde_json::Value::Object(map) => map
            .iter()
            .map(|(k, v)| match v {
                serde_json::Value::String(s) => format!("{k}={s}"),
                other => format!("{k}={other}"),
            })
            .collect::<Vec<_>>()
            .join(" "),
        other => other.to_string(),
    }
}

/// The log as a table for `patrol audit`: time, phase, outcome, action, world, what changed;
/// a damaged line is shown in its place, flagged, with its number.
pub fn table(lines: &[AuditLine]) -> String {
    let mut out = format!(
        "{:<20} {:<7} {:<10} {:<16} {:<24} {}\n",
        "TIME", "PHASE", "OUTCOME", "ACTION", "WORLD", "CHANGE"
    );
    let records = records(lines);
    let unanswered = unanswered(&records);
    let mut n = 0;
    for line in lines {
        let r = match line {
            AuditLine::Record(r) => r,
            AuditLine::Damaged { line, text, error } => {
                let start: String = text.chars().take(60).collect();
                out.push_str(&format!(
                    "{:<20} {:<7} {:<10} line {line} cannot be read ({error}): {start}\n",
                    "?", "?", "DAMAGED"
                ));
                continue;
            }
        };
        let flagged = unanswered[n];
        n += 1;
        let world = match (&r.account, &r.profile) {
            (Some(a), _) => format!("{} {a} {}", r.world, r.region),
            (None, Some(p)) => format!("{} {p} {}", r.world, r.region),
            (None, None) => format!("{} {}", r.world, r.region),
        };
        let mut change = format!("{} → {}", brief(&r.before), brief(&r.after));
        if let Some(ms) = r.elapsed_ms {
            change.push_str(&format!(" ({ms:.1} ms)"));
        }
        if let Some(e) = &r.error {
            change.push_str(&format!(" error: {e}"));
        }
        let time = r.time.get(..19).unwrap_or(&r.time).replace('T', " ");
        let mut outcome = r.outcome.as_str();
        if !r.accepted.is_empty() {
            change.push_str(&format!(" accepted: {}", r.accepted.join("; ")));
        }
        if flagged {
            outcome = "NO OUTCOME";
            change.push_str(" (patrol stopped before the outcome: check the resource)");
        }
        out.push_str(&format!(
            "{time:<20} {:<7} {outcome:<10} {:<16} {world:<24} {change}\n",
            r.phase, r.action
        ));
    }
    out
}

/// For each record, whether it is an intent that no outcome followed. Intent and outcome
/// share an operation id; lines written before patrol recorded one are paired by action,
/// resources and world instead. An intent with no outcome means patrol was stopped
/// (Ctrl-C, a signal, a crash) between the two lines. One pass over the log.
pub fn unanswered(records: &[AuditRecord]) -> Vec<bool> {
    let mut flags = vec![false; records.len()];
    let mut waiting: HashMap<String, usize> = HashMap::new();
    for (n, r) in records.iter().enumerate() {
        let key = if r.op_id.is_empty() {
            format!(
                "{}|{}|{}|{}|{}",
                r.action,
                r.resources.join(","),
                r.world,
                r.region,
                r.account.as_deref().unwrap_or("")
            )
        } else {
            r.op_id.clone()
        };
        // An intent waits (a later intent for the same key leaves it unanswered); an
        // outcome answers the intent waiting for it.
        if r.phase == "intent" {
            flags[n] = true;
            waiting.insert(key, n);
        } else if let Some(i) = waiting.remove(&key) {
            flags[i] = false;
        }
    }
    flags
}
