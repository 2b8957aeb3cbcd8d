//! Clone an instance to an AMI (CreateImage), with or without the reboot that makes its
//! file systems consistent, and follow the image to available.

use super::action::{Action, Field, FieldValue};
use super::plan::{check, choice, Plan};
use super::OpError;
use crate::cloud::{validate_image_name, Cloud, CloudError, CreateImageRequest, Receipt, Source};
use crate::model::{ImageState, Instance, InstanceState, Snapshot, TargetHealthState};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::{json, Value};
use std::sync::Arc;

/// Create image `name` from `instance_id`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CloneToAmi {
    pub instance_id: String,
    pub name: String,
    pub no_reboot: bool,
}

impl CloneToAmi {
    pub fn new(instance_id: &str, name: &str, no_reboot: bool) -> CloneToAmi {
        CloneToAmi {
            instance_id: instance_id.to_string(),
            name: name.to_string(),
            no_reboot,
        }
    }

    fn request(&self) -> CreateImageRequest {
        CreateImageRequest {
            instance_id: self.instance_id.clone(),
            name: self.name.clone(),
            no_reboot: self.no_reboot,
        }
    }
}

/// The default image name: `<Name tag>-clone-<UTC timestamp>`.
pub fn default_image_name(instance: &Instance, now: DateTime<Utc>) -> String {
    let base = instance.name.as_deref().unwrap_or(&instance.id);
    format!("{base}-clone-{}", now.format("%Y%m%dT%H%MZ"))
}

/// Plans creating an AMI of `instance_id`.
pub fn plan_clone(s: &Snapshot, instance_id: &str, name: &str, no_reboot: bool) -> Plan {
    CloneToAmi::new(instance_id, name, no_reboot).planned(s)
}

impl CloneToAmi {
    /// The plan; a clone of an instance that is gone is still planned (and fails a check),
    /// so the operator sees why.
    fn planned(&self, s: &Snapshot) -> Plan {
        let (instance_id, name, no_reboot) = (&self.instance_id, &self.name, self.no_reboot);
        let instance = s.instances.iter().find(|i| &i.id == instance_id);
        let mut checks = vec![match instance {
            Some(i) => check(
                "the instance is running or stopped",
                matches!(i.state, InstanceState::Running | InstanceState::Stopped),
                format!("{} is {}", i.label(), i.state.as_str()),
            ),
            None => check(
                "the instance exists",
                false,
                format!("{instance_id} is not in this account and region"),
            ),
        }];
        checks.push(match validate_image_name(name) {
            Ok(()) => check("the name is valid", true, name),
            Err(e) => check("the name is valid", false, e.message),
        });
        let taken = s
            .images
            .iter()
            .find(|i| &i.name == name && i.state != ImageState::Deregistered);
        checks.push(check(
            "the name is unused",
            taken.is_none(),
            match taken {
                Some(i) => format!("{} already has this name", i.id),
                None => "no image of this account has it".to_string(),
            },
        ));
        let who = s.instance_label(instance_id);
        let running = instance.is_some_and(|i| i.state == InstanceState::Running);
        // Only a reboot takes anything down: without one, nothing it serves is touched.
        let served = if running && !no_reboot {
            serves(s, instance_id)
        } else {
            vec![]
        };
        checks.push(choice(
            "the reboot takes down nothing that serves",
            no_reboot || served.is_empty(),
            if no_reboot {
                "NoReboot: the instance keeps serving".to_string()
            } else if served.is_empty() {
                "it holds no Elastic IP, is no healthy target and serves no NFS clients or \
                 replicas"
                    .to_string()
            } else {
                format!(
                    "for about a minute {}; NoReboot (x here, --no-reboot in a runbook) takes the image \
                     without one{}",
                    served.join("; "),
                    s.elastic_ips
                        .iter()
                        .find(|a| a.instance_id.as_deref() == Some(instance_id))
                        .map_or(String::new(), |a| format!(
                            ", or swap {} to its standby first",
                            a.public_ip
                        ))
                )
            },
        ));
        let reboot = if no_reboot {
            "NoReboot: taken live; files being written may be inconsistent in the image"
        } else {
            "reboot: the instance restarts so its file systems are consistent (down for a \
             minute)"
        };
        Plan {
            action: Arc::new(self.clone()),
            title: format!("Clone {who} to an AMI"),
            change: vec![
                format!("create image {name:?} from {who}"),
                reboot.to_string(),
            ],
            calls: vec![format!(
                "ec2:CreateImage InstanceId={instance_id} Name={name} NoReboot={no_reboot} \
                 Tags=[Name, patrol:source-instance={instance_id}] (DryRun first on AWS)"
            )],
            effect: std::iter::once(
                "a new AMI, pending for a few minutes, then available (the Images view)"
                    .to_string(),
            )
            .chain(served.iter().map(|w| format!("during the reboot {w}")))
            .collect(),
            checks,
            fields: vec![
                Field::Text {
                    name: "name",
                    key: 'e',
                    value: name.clone(),
                },
                Field::Flag {
                    name: "NoReboot",
                    key: 'x',
                    value: no_reboot,
                    hint: "without a reboot, files being written may be inconsistent",
                },
            ],
            accepted: vec![],
        }
    }
}

/// What a running instance serves that a reboot takes down: the Elastic IPs it holds and
/// the target groups it is a healthy target of (saying when it is the last one).
fn serves(s: &Snapshot, instance_id: &str) -> Vec<String> {
    let mut out: Vec<String> = s
        .elastic_ips
        .iter()
        .filter(|a| a.instance_id.as_deref() == Some(instance_id))
        .map(|a| format!("{} points at a rebooting host", a.public_ip))
        .collect();
    for g in s.target_groups.iter() {
        let healthy = |t: &&crate::model::TargetHealth| t.state == TargetHealthState::Healthy;
        if !g
            .targets
            .iter()
            .filter(healthy)
            .any(|t| t.target_id == instance_id)
        {
            continue;
        }
        let n = g.targets.iter().filter(healthy).count();
        out.push(if n == 1 {
            format!(
                "{} loses its last healthy target: the service is down",
                g.name
            )
        } else {
            format!(
                "{} is down to {} healthy target{} of {}",
                g.name,
                n - 1,
                if n == 2 { "" } else { "s" },
                g.targets.len()
            )
        });
    }
    // An NFS server in use: its clients' mounts, its replicas' copies.
    let nfs = s.nfs();
    if nfs.active.is_some_and(|a| a.id == instance_id) && !nfs.clients.is_empty() {
        out.push(format!(
            "{} lose their files (it is the NFS server they mount)",
            crate::model::plural(nfs.clients.len(), "NFS client")
        ));
    }
    if nfs.source.is_some_and(|a| a.id == instance_id) && !nfs.replicas.is_empty() {
        out.push(format!(
            "{} cannot copy the content from it",
            crate::model::plural(nfs.replicas.len(), "replica")
        ));
    }
    out
}

/// The sources a plan reads: the instance, the names taken, and what it serves.
pub const SOURCES: &[Source] = &[
    Source::Instances,
    Source::Images,
    Source::ElasticIps,
    Source::TargetGroups,
];

#[async_trait]
impl Action for CloneToAmi {
    fn name(&self) -> &'static str {
        "clone-to-ami"
    }

    fn plan(&self, s: &Snapshot) -> Option<Plan> {
        Some(self.planned(s))
    }

    fn with(&self, field: &str, value: FieldValue) -> Arc<dyn Action> {
        let mut next = self.clone();
        match (field, value) {
            ("name", FieldValue::Text(name)) => next.name = name,
            ("NoReboot", FieldValue::Flag(on)) => next.no_reboot = on,
            _ => {}
        }
        Arc::new(next)
    }

    fn resources(&self) -> Vec<String> {
        vec![self.instance_id.clone()]
    }

    fn audit(&self) -> (Value, Value) {
        (
            json!({ "instance": self.instance_id }),
            json!({ "image_name": self.name, "no_reboot": self.no_reboot }),
        )
    }

    fn result_key(&self) -> &'static str {
        "image_id"
    }

    async fn still_current(&self, cloud: &dyn Cloud) -> Result<(), OpError> {
        let images = cloud.images().await.map_err(OpError::Cloud)?;
        if let Some(i) = images
            .iter()
            .find(|i| i.name == self.name && i.state != ImageState::Deregistered)
        {
            return Err(OpError::Stale(format!(
                "{} now has the name {}",
                i.id, self.name
            )));
        }
        Ok(())
    }

    async fn dry_run(&self, cloud: &dyn Cloud) -> Result<Option<&'static str>, CloudError> {
        cloud.create_image_dry_run(&self.request()).await?;
        Ok(Some("ec2:CreateImage DryRun=true"))
    }

    async fn call(&self, cloud: &dyn Cloud) -> Result<Receipt, CloudError> {
        cloud.create_image(&self.request()).await
    }

    async fn seen(&self, cloud: &dyn Cloud, receipt: &Receipt) -> Result<bool, CloudError> {
        Ok(cloud
            .images()
            .await?
            .iter()
            .any(|i| Some(&i.id) == receipt.resource_id.as_ref() || i.name == self.name))
    }

    fn follow(&self, s: &Snapshot, now: DateTime<Utc>, resource: Option<&str>) -> String {
        let image = s
            .images
            .iter()
            .find(|i| Some(i.id.as_str()) == resource || i.name == self.name);
        match image {
            Some(i) if i.state == ImageState::Pending => format!(
                " · {} pending for {}",
                i.id,
                crate::model::age_text(now - i.created_at)
            ),
            Some(i) => format!(" · {} {}", i.id, i.state.as_str()),
            None => " · waiting for the image to be listed".into(),
        }
    }

    fn json(&self) -> Value {
        json!({
            "action": self.name(),
            "instance_id": self.instance_id,
            "name": self.name,
            "no_reboot": self.no_reboot,
        })
    }
}
