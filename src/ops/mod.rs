//! Operator actions: plan → preflight → confirm → execute → verify → audit.
//!
//! Each action is one module implementing `Action` (swap, clone, scale_out): it makes the
//! plan and its preflight checks from a snapshot (pure). The console or the runbook command
//! shows it and asks. `Ops::execute` is the boundary every change crosses: it refuses in
//! read-only mode, refuses a second action while one runs, refuses a plan whose world has
//! changed (re-reading the resource first), writes the intent line, makes the call once,
//! re-reads until the new state is seen, and writes the outcome line.

pub mod action;
pub mod audit;
pub mod clone;
pub mod maintenance;
pub mod plan;
pub mod scale_out;
pub mod swap;

pub use action::{Action, Field, FieldValue, Undo};
pub use audit::{default_audit_file, AuditLog, AuditRecord};
pub use clone::{default_image_name, plan_clone, CloneToAmi};
pub use maintenance::{Direction, Maintenance};
pub use plan::{Check, CheckLevel, Plan};
pub use scale_out::{plan_scale_out, ScaleOut};
pub use swap::{plan_swap, Swap};

use crate::cloud::{Cloud, CloudError, Receipt};
use crate::model::WorldInfo;
use serde_json::json;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Why an action was not carried out (or not proven).
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum OpError {
    #[error("read-only: patrol was started with --read-only; nothing was changed")]
    ReadOnly,
    #[error("another action is still running; nothing was changed")]
    Busy,
    #[error("a preflight check failed ({0}); nothing was changed")]
    Preflight(String),
    #[error("not accepted: {0}; nothing was changed")]
    NotAccepted(String),
    #[error("the world changed since the plan: {0}; nothing was changed")]
    Stale(String),
    #[error("{0}")]
    Cloud(CloudError),
    #[error("cannot write the audit log: {0}; nothing was changed")]
    Audit(String),
}

/// What a carried-out action did.
#[derive(Debug, Clone, PartialEq)]
pub struct Outcome {
    pub receipt: Receipt,
    /// The new state was seen by a fresh read before the timeout.
    pub verified: bool,
    /// From the call to the verified new state (or to the timeout).
    pub elapsed: Duration,
    /// The outcome line could not be written (the change itself was made).
    pub audit_error: Option<String>,
}

/// The boundary between the console and every change to the cloud.
pub struct Ops {
    cloud: Arc<dyn Cloud>,
    audit: AuditLog,
    read_only: bool,
    busy: AtomicBool,
}

/// Verification re-reads this often (until the action's `verify_within`).
const VERIFY_EVERY: Duration = Duration::from_millis(250);

/// Clears the busy flag however `execute` ends.
struct Running<'a>(&'a AtomicBool);

impl Drop for Running<'_> {
    fn drop(&mut self) {
        self.0.store(false, Ordering::SeqCst);
    }
}

impl Ops {
    pub fn new(cloud: Arc<dyn Cloud>, audit: AuditLog, read_only: bool) -> Self {
        Self {
            cloud,
            audit,
            read_only,
            busy: AtomicBool::new(false),
        }
    }

    pub fn read_only(&self) -> bool {
        self.read_only
    }

    pub fn audit_log(&self) -> &AuditLog {
        &self.audit
    }

    fn record(&self, op_id: &str, plan: &Plan, phase: &str, outcome: &str) -> AuditRecord {
        let (world, account, region, profile) = match self.cloud.world() {
            WorldInfo::Simulated { region, .. } => ("simulated", None, region, None),
            // Refused before any record is written; named so if it ever were.
            WorldInfo::Replay { from, .. } => ("replay", None, from.region().to_string(), None),
            WorldInfo::Aws {
                account_id,
                region,
                profile,
                ..
            } => ("aws", account_id, region, profile),
        };
        let (before, after) = plan.action.audit();
        AuditRecord {
            time: chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
            op_id: op_id.into(),
            accepted: plan.accepted.clone(),
            phase: phase.into(),
            world: world.into(),
            account,
            region,
            profile,
            action: plan.action.name().into(),
            resources: plan.action.resources(),
            before,
            after,
            request_ids: vec![],
            outcome: outcome.into(),
            error: None,
            elapsed_ms: None,
        }
    }

    /// Carries out a confirmed plan. `progress` hears each step as it happens.
    pub async fn execute(
        &self,
        plan: &Plan,
        progress: &(dyn Fn(String) + Send + Sync),
    ) -> Result<Outcome, OpError> {
        if self.read_only {
            return Err(OpError::ReadOnly);
        }
        preflight(plan)?;
        if let Some(open) = plan.open_choices().next() {
            return Err(OpError::NotAccepted(open.key()));
        }
        if self
            .busy
            .compare_exchange(false, true, Ordering::SeqCst, Ordering::SeqCst)
            .is_err()
        {
            return Err(OpError::Busy);
        }
        let _running = Running(&self.busy);

        progress("checking the plan is still current".into());
        plan.action.still_current(self.cloud.as_ref()).await?;

        let op_id = audit::new_operation_id();
        self.audit
            .append(&self.record(&op_id, plan, "intent", "planned"))
            .map_err(|e| OpError::Audit(format!("{}: {e}", self.audit.path().display())))?;

        progress(format!("calling {}", plan.action.name()));
        let started = Instant::now();
        let receipt = match plan.action.call(self.cloud.as_ref()).await {
            Ok(r) => r,
            Err(e) => {
                let mut line = self.record(&op_id, plan, "outcome", "failed");
                line.error = Some(e.to_string());
                line.request_ids = e.request_id.iter().cloned().collect();
                if let Err(a) = self.audit.append(&line) {
                    tracing::error!(error = %a, "cannot write the audit outcome");
                }
                return Err(OpError::Cloud(e));
            }
        };

        progress("verifying".into());
        let mut verified = false;
        let within = plan.action.verify_within();
        while started.elapsed() < within {
            match plan.action.seen(self.cloud.as_ref(), &receipt).await {
                Ok(true) => {
                    verified = true;
                    break;
                }
                Ok(false) => {}
                Err(e) => tracing::warn!(error = %e, "verification read failed; retrying"),
            }
            // Quick at first (most changes show within seconds), then gently: a drain can
            // take minutes, and each read is a call.
            let pause = if started.elapsed() < Duration::from_secs(10) {
                VERIFY_EVERY
            } else {
                VERIFY_EVERY * 8
            };
            tokio::time::sleep(pause).await;
        }
        // From the changing call itself (not the DryRun or the pre-reads before it).
        let elapsed = receipt.sent_at.unwrap_or(started).elapsed();

        let mut line = self.record(
            &op_id,
            plan,
            "outcome",
            if verified { "verified" } else { "unverified" },
        );
        line.request_ids = receipt.request_id.iter().cloned().collect();
        line.elapsed_ms = Some(elapsed.as_secs_f64() * 1e3);
        if let (Some(id), Some(after)) = (&receipt.resource_id, line.after.as_object_mut()) {
            after.insert(plan.action.result_key().into(), json!(id));
        }
        if !verified {
            line.error = Some(format!(
                "the new state was not seen within {}s",
                within.as_secs()
            ));
        }
        let audit_error = self
            .audit
            .append(&line)
            .err()
            .map(|e| format!("{}: {e}", self.audit.path().display()));
        Ok(Outcome {
            receipt,
            verified,
            elapsed,
            audit_error,
        })
    }

    /// A rehearsal: the preflight, "is the plan still current", and the API's DryRun where
    /// it has one. Nothing changes and nothing is written to the audit log, so it is
    /// allowed in read-only mode. `Ok(Some(call))` names the DryRun that said yes.
    pub async fn dry_run(&self, plan: &Plan) -> Result<Option<&'static str>, OpError> {
        preflight(plan)?;
        plan.action.still_current(self.cloud.as_ref()).await?;
        plan.action
            .dry_run(self.cloud.as_ref())
            .await
            .map_err(OpError::Cloud)
    }
}

/// How long a change took to be seen: milliseconds for the quick ones (a swap's timing
/// matters to the millisecond), seconds once it is a drain.
pub fn took(elapsed: Duration) -> String {
    if elapsed < Duration::from_secs(10) {
        format!("{:.1} ms", elapsed.as_secs_f64() * 1e3)
    } else {
        format!("{:.1} s", elapsed.as_secs_f64())
    }
}

/// A failed preflight check stops the plan.
pub fn preflight(plan: &Plan) -> Result<(), OpError> {
    match plan.checks.iter().find(|c| c.level == CheckLevel::Fail) {
        Some(failed) => Err(OpError::Preflight(format!(
            "{}: {}",
            failed.what, failed.detail
        ))),
        None => Ok(()),
    }
}
