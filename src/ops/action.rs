//! The one trait every operator action implements, and what its dialog lets the operator
//! change. An action is one file (`swap.rs`, `clone.rs`, `scale_out.rs`): the console's
//! dialog, the runbook commands and `Ops::execute` only ever speak to this trait.

use super::{OpError, Plan};
use crate::cloud::{Cloud, CloudError, Receipt};
use crate::model::Snapshot;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use serde_json::Value;
use std::fmt::Debug;
use std::sync::Arc;

/// An operator action: what the operator chose, and, once planned, what the plan saw.
///
/// The pure half (`plan`, `fields`, `with`, `audit`, `follow`) makes and explains the plan;
/// the cloud half (`still_current`, `dry_run`, `call`, `seen`) is used by `Ops::execute`
/// only, on the action a plan carries.
#[async_trait]
pub trait Action: Debug + Send + Sync + 'static {
    /// The action's name in the audit log, e.g. `swap-floating-ip`.
    fn name(&self) -> &'static str;

    /// The plan, from a snapshot and the choices in `self` (pure): what changes, the calls,
    /// what should follow, the preflight checks and the fields the dialog offers. `None`
    /// when the resource the operator chose is gone.
    fn plan(&self, s: &Snapshot) -> Option<Plan>;

    /// The same action with one field changed by the operator (`Field::name`).
    fn with(&self, field: &str, value: FieldValue) -> Arc<dyn Action>;

    /// The resources it touches, for the audit log.
    fn resources(&self) -> Vec<String>;

    /// The audit log's `before` and `after` of a planned action.
    fn audit(&self) -> (Value, Value);

    /// Under which key of `after` the outcome line records the call's resource id.
    fn result_key(&self) -> &'static str;

    /// Re-reads what the plan was computed from; a difference refuses the plan.
    async fn still_current(&self, cloud: &dyn Cloud) -> Result<(), OpError>;

    /// The call with DryRun, where the API has one: `Ok(Some(call))` names the call that
    /// said it would succeed, `Ok(None)` means the API offers no DryRun. Nothing changes.
    async fn dry_run(&self, cloud: &dyn Cloud) -> Result<Option<&'static str>, CloudError>;

    /// The one call that makes the change.
    async fn call(&self, cloud: &dyn Cloud) -> Result<Receipt, CloudError>;

    /// One fresh read: has the change been made?
    async fn seen(&self, cloud: &dyn Cloud, receipt: &Receipt) -> Result<bool, CloudError>;

    /// How long verification waits for `seen` before the outcome is "unverified" (a
    /// drain takes the target group's deregistration delay).
    fn verify_within(&self) -> std::time::Duration {
        std::time::Duration::from_secs(60)
    }

    /// What has happened since the action, from the latest data, for the action line
    /// (`resource` is the id the call returned; `now` is the world's clock). Empty when
    /// there is nothing to add.
    fn follow(&self, s: &Snapshot, now: DateTime<Utc>, resource: Option<&str>) -> String;

    /// The action that undoes this one once it was verified (a swap's way back), with
    /// the words for the key that offers it.
    fn undo(&self) -> Option<Undo> {
        None
    }

    /// The action as JSON: the runbook's `--json`, the plan's equality, the audit.
    fn json(&self) -> Value;
}

/// An action that undoes the last one.
#[derive(Debug, Clone)]
pub struct Undo {
    /// What it is called, on the dialog it opens, e.g. "swap back".
    pub name: &'static str,
    /// What the key does, on the action line, e.g. "swaps back".
    pub does: &'static str,
    pub action: Arc<dyn Action>,
}

impl PartialEq for Undo {
    fn eq(&self, other: &Self) -> bool {
        self.name == other.name && self.action.json() == other.action.json()
    }
}

/// Two actions are the same when they say the same: same kind, same choices, same view of
/// the world.
impl PartialEq for dyn Action {
    fn eq(&self, other: &Self) -> bool {
        self.name() == other.name() && self.json() == other.json()
    }
}

/// One thing the dialog (and the runbook command's flags) let the operator change.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Field {
    /// One of several values: j/k (or ↑/↓) chooses when there is more than one.
    Pick {
        name: &'static str,
        /// What one option is called, plural, e.g. "candidates".
        noun: &'static str,
        value: String,
        options: Vec<String>,
    },
    /// Free text: `key` starts typing, Enter ends it.
    Text {
        name: &'static str,
        key: char,
        value: String,
    },
    /// On or off: `key` toggles.
    Flag {
        name: &'static str,
        key: char,
        value: bool,
        /// What the operator should know about it.
        hint: &'static str,
    },
    /// A number: + and - step it, digits type it.
    Count { name: &'static str, value: u32 },
}

impl Field {
    pub fn name(&self) -> &'static str {
        match self {
            Field::Pick { name, .. }
            | Field::Text { name, .. }
            | Field::Flag { name, .. }
            | Field::Count { name, .. } => name,
        }
    }
}

/// A new value for a field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FieldValue {
    Text(String),
    Flag(bool),
    Count(u32),
}
