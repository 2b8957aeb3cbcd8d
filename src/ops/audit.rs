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
            .append(true)
            .mode(0o600)
            .open(&self.path)?;
        // A file made by someone else (or before) is narrowed to the user too.
        file.set_permissions(std::fs::Permissions::from_mode(0o600))?;
        Ok(file)
    }

    /// Appends one record and waits until it is on disk.
    pub fn append(&self, record: &AuditRecord) -> std::io::Result<()> {
        let mut line = serde_json::to_string(record).map_err(std::io::Error::other)?;
        line.push('\n');
        let mut file = self.open()?;
        file.write_all(line.as_bytes())?;
        file.flush()?;
        file.sync_data()
    }

    /// Every record, oldest first. A line that does not parse is an error naming its number.
    pub fn read(&self) -> Result<Vec<AuditRecord>, String> {
        let text = match std::fs::read_to_string(&self.path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => return Err(format!("{}: {e}", self.path.display())),
        };
        text.lines()
            .enumerate()
            .filter(|(_, l)| !l.trim().is_empty())
            .map(|(n, l)| {
                serde_json::from_str(l)
                    .map_err(|e| format!("{}: line {}: {e}", self.path.display(), n + 1))
            })
            .collect()
    }
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

/// The log as a table for `patrol audit`: time, phase, outcome, action, world, what changed.
pub fn table(records: &[AuditRecord]) -> String {
    let mut out = format!(
        "{:<20} {:<7} {:<10} {:<16} {:<24} {}\n",
        "TIME", "PHASE", "OUTCOME", "ACTION", "WORLD", "CHANGE"
    );
    let unanswered = unanswered(records);
    for (n, r) in records.iter().enumerate() {
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
        if unanswered[n] {
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

/// What a record is about: the action, its resources, and the world (kind, region, account).
type Subject<'a> = (&'a str, &'a [String], &'a str, &'a str, Option<&'a str>);

/// For each record, whether it is an intent that no outcome followed: the next record
/// about the same action on the same resources in the same world is not its outcome (or
/// there is none). That happens when patrol was stopped (Ctrl-C, a signal, a crash)
/// between the two lines. One pass over the log.
pub fn unanswered(records: &[AuditRecord]) -> Vec<bool> {
    let mut flags = vec![false; records.len()];
    // The intent still waiting for its outcome, per action, resources and world.
    let mut waiting: HashMap<Subject, usize> = HashMap::new();
    for (n, r) in records.iter().enumerate() {
        let key = (
            r.action.as_str(),
            r.resources.as_slice(),
            r.world.as_str(),
            r.region.as_str(),
            r.account.as_deref(),
        );
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
