//! Operator actions: plan → preflight → confirm → execute → verify → audit.
//!
//! `plan` makes the plan and its preflight checks from a snapshot (pure). The console shows
//! it and asks. `Ops::execute` is the boundary every change crosses: it refuses in
//! read-only mode, refuses a second action while one runs, refuses a plan whose world has
//! changed (re-reading the resource first), writes the intent line, makes the call once,
//! re-reads until the new state is seen, and writes the outcome line.

pub mod audit;
pub mod plan;

pub use audit::{default_audit_file, AuditLog, AuditRecord};
pub use plan::{
    default_image_name, displaced_by, plan_clone, plan_scale_out, plan_swap, Check, CheckLevel,
    Displaced, Plan, Request,
};

use crate::cloud::{Cloud, CloudError, CreateImageRequest, Receipt};
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

/// Verification re-reads this often, and gives up after this long.
const VERIFY_EVERY: Duration = Duration::from_millis(250);
const VERIFY_TIMEOUT: Duration = Duration::from_secs(60);

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
            WorldInfo::Aws {
                account_id,
                region,
                profile,
                ..
            } => ("aws", account_id, region, profile),
        };
        let (before, after) = match &plan.request {
            Request::SwapFloatingIp {
                public_ip,
                from,
                to,
                displaces,
                ..
            } => {
                let displaced: Vec<&str> = displaces.iter().map(|d| d.public_ip.as_str()).collect();
                let mut before = json!({ "address": public_ip, "instance": from });
                let mut after = json!({ "address": public_ip, "instance": to });
                if !displaced.is_empty() {
                    before["on_standby"] = json!(displaced);
                    after["disassociated"] = json!(displaced);
                }
                (before, after)
            }
            Request::CloneToAmi {
                instance_id,
                name,
                no_reboot,
            } => (
                json!({ "instance": instance_id }),
                json!({ "image_name": name, "no_reboot": no_reboot }),
            ),
            Request::ScaleOut { group, from, to } => (
                json!({ "group": group, "desired": from }),
                json!({ "group": group, "desired": to }),
            ),
        };
        AuditRecord {
            time: chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
            op_id: op_id.into(),
            accepted: plan.accepted.clone(),
            phase: phase.into(),
            world: world.into(),
            account,
            region,
            profile,
            action: plan.request.action().into(),
            resources: plan.request.resources(),
            before,
            after,
            request_ids: vec![],
            outcome: outcome.into(),
            error: None,
            elapsed_ms: None,
        }
    }

    /// Re-reads what the plan was computed from; a difference refuses the plan.
    async fn still_current(&self, plan: &Plan) -> Result<(), OpError> {
        match &plan.request {
            Request::SwapFloatingIp {
                allocation_id,
                public_ip,
                from,
                to,
                displaces,
            } => {
                let (addresses, instances) =
                    futures::try_join!(self.cloud.elastic_ips(), self.cloud.instances())
                        .map_err(OpError::Cloud)?;
                let address = addresses
                    .iter()
                    .find(|a| &a.allocation_id == allocation_id)
                    .ok_or_else(|| OpError::Stale(format!("{public_ip} is no longer allocated")))?;
                if &address.instance_id != from {
                    return Err(OpError::Stale(format!(
                        "{public_ip} is now on {}, the plan saw {}",
                        address.instance_id.as_deref().unwrap_or("nothing"),
                        from.as_deref().unwrap_or("nothing")
                    )));
                }
                let mut now = crate::model::Snapshot::empty(self.cloud.world(), self.cloud.clock());
                now.elastic_ips = addresses;
                now.instances = instances;
                let displaced_now = displaced_by(&now, allocation_id, to);
                if &displaced_now != displaces {
                    let ips = |d: &[Displaced]| {
                        let v: Vec<&str> = d.iter().map(|d| d.public_ip.as_str()).collect();
                        if v.is_empty() {
                            "none".to_string()
                        } else {
                            v.join(", ")
                        }
                    };
                    return Err(OpError::Stale(format!(
                        "the standby now holds {}, the plan saw {}",
                        ips(&displaced_now),
                        ips(displaces)
                    )));
                }
            }
            Request::ScaleOut { group, from, .. } => {
                let g = self
                    .cloud
                    .auto_scaling_group(group)
                    .await
                    .map_err(OpError::Cloud)?
                    .ok_or_else(|| OpError::Stale(format!("{group} no longer exists")))?;
                if g.desired != *from {
                    return Err(OpError::Stale(format!(
                        "{group}'s desired capacity is now {}, the plan saw {from}",
                        g.desired
                    )));
                }
            }
            Request::CloneToAmi { name, .. } => {
                let images = self.cloud.images().await.map_err(OpError::Cloud)?;
                if let Some(i) = images.iter().find(|i| &i.name == name) {
                    return Err(OpError::Stale(format!("{} now has the name {name}", i.id)));
                }
            }
        }
        Ok(())
    }

    async fn call(&self, plan: &Plan) -> Result<Receipt, CloudError> {
        match &plan.request {
            Request::SwapFloatingIp {
                allocation_id, to, ..
            } => self.cloud.associate_address(allocation_id, to).await,
            Request::CloneToAmi {
                instance_id,
                name,
                no_reboot,
            } => {
                self.cloud
                    .create_image(&CreateImageRequest {
                        instance_id: instance_id.clone(),
                        name: name.clone(),
                        no_reboot: *no_reboot,
                    })
                    .await
            }
            Request::ScaleOut { group, to, .. } => {
                self.cloud.set_desired_capacity(group, *to).await
            }
        }
    }

    /// One fresh read: has the change been made?
    async fn seen(&self, plan: &Plan, receipt: &Receipt) -> Result<bool, CloudError> {
        Ok(match &plan.request {
            Request::SwapFloatingIp {
                allocation_id,
                to,
                displaces,
                ..
            } => {
                let now = self.cloud.elastic_ips().await?;
                let moved = now.iter().any(|a| {
                    &a.allocation_id == allocation_id && a.instance_id.as_deref() == Some(to)
                });
                // The displaced addresses are off the standby, as EC2 does it.
                let displaced = displaces.iter().all(|d| {
                    now.iter().any(|a| {
                        a.allocation_id == d.allocation_id && a.instance_id.as_deref() != Some(to)
                    })
                });
                moved && displaced
            }
            Request::CloneToAmi { name, .. } => self
                .cloud
                .images()
                .await?
                .iter()
                .any(|i| Some(&i.id) == receipt.resource_id.as_ref() || &i.name == name),
            Request::ScaleOut { group, to, .. } => self
                .cloud
                .auto_scaling_group(group)
                .await?
                .is_some_and(|g| g.desired == *to),
        })
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
        if let Some(failed) = plan.checks.iter().find(|c| c.level == CheckLevel::Fail) {
            return Err(OpError::Preflight(format!(
                "{}: {}",
                failed.what, failed.detail
            )));
        }
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
        self.still_current(plan).await?;

        let op_id = audit::new_operation_id();
        self.audit
            .append(&self.record(&op_id, plan, "intent", "planned"))
            .map_err(|e| OpError::Audit(format!("{}: {e}", self.audit.path().display())))?;

        progress(format!("calling {}", plan.request.action()));
        let started = Instant::now();
        let receipt = match self.call(plan).await {
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
        while started.elapsed() < VERIFY_TIMEOUT {
            match self.seen(plan, &receipt).await {
                Ok(true) => {
                    verified = true;
                    break;
                }
                Ok(false) => {}
                Err(e) => tracing::warn!(error = %e, "verification read failed; retrying"),
            }
            tokio::time::sleep(VERIFY_EVERY).await;
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
            let key = match plan.request {
                Request::SwapFloatingIp { .. } => "association_id",
                Request::CloneToAmi { .. } => "image_id",
                Request::ScaleOut { .. } => "group",
            };
            after.insert(key.into(), json!(id));
        }
        if !verified {
            line.error = Some(format!(
                "the new state was not seen within {}s",
                VERIFY_TIMEOUT.as_secs()
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
}
