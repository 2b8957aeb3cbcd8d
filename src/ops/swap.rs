//! Swap a floating IP: move an Elastic IP from the active instance to a standby, in one
//! AssociateAddress call with AllowReassociation, and back.

use super::action::{Action, Field, FieldValue, Undo};
use super::plan::{check, choice, Plan};
use super::OpError;
use crate::cloud::{Cloud, CloudError, Receipt, Source};
use crate::model::{InstanceState, Snapshot, Standbys, TargetHealthState};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::{json, Value};
use std::sync::Arc;

/// Move the Elastic IP `allocation_id` to `to`, or to the best standby.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Swap {
    pub allocation_id: String,
    /// The instance the operator chose; `None` takes the best candidate.
    pub to: Option<String>,
    /// It undoes the last swap (after it, there is nothing left to undo).
    pub back: bool,
    /// What the plan saw; set by `plan`.
    seen: Option<Seen>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
struct Seen {
    public_ip: String,
    /// Where the address was bound when the plan was made.
    from: Option<String>,
    /// The standby the plan moves it to.
    to: String,
    /// Addresses on the standby's primary private IP, which EC2 disassociates.
    displaces: Vec<Displaced>,
}

/// An Elastic IP that a swap takes off the standby (it stays allocated, bound to nothing).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Displaced {
    pub allocation_id: String,
    pub public_ip: String,
}

impl Swap {
    pub fn new(allocation_id: &str, to: Option<&str>) -> Swap {
        Swap {
            allocation_id: allocation_id.to_string(),
            to: to.map(str::to_string),
            back: false,
            seen: None,
        }
    }

    /// Where the address was bound when the plan was made.
    fn from(&self) -> Option<&str> {
        self.seen.as_ref().and_then(|s| s.from.as_deref())
    }

    fn seen(&self) -> Result<&Seen, OpError> {
        self.seen
            .as_ref()
            .filter(|s| !s.to.is_empty())
            .ok_or_else(|| OpError::Preflight("the swap has no standby to move to".into()))
    }
}

/// Plans moving an Elastic IP to `to` (or to the best candidate).
pub fn plan_swap(s: &Snapshot, allocation_id: &str, to: Option<&str>) -> Option<Plan> {
    Swap::new(allocation_id, to).plan(s)
}

/// The other addresses EC2 takes off `to` when `allocation_id` is associated with it: those
/// on its primary private IP (AssociateAddress without a private IP uses that one).
pub fn displaced_by(s: &Snapshot, allocation_id: &str, to: &str) -> Vec<Displaced> {
    let primary = s.instance(to).and_then(|i| i.private_ip.as_deref());
    s.elastic_ips
        .iter()
        .filter(|a| a.allocation_id != allocation_id && a.instance_id.as_deref() == Some(to))
        .filter(|a| a.private_ip.is_none() || a.private_ip.as_deref() == primary)
        .map(|a| Displaced {
            allocation_id: a.allocation_id.clone(),
            public_ip: a.public_ip.clone(),
        })
        .collect()
}

fn ips(d: &[Displaced]) -> String {
    let v: Vec<&str> = d.iter().map(|d| d.public_ip.as_str()).collect();
    if v.is_empty() {
        "none".to_string()
    } else {
        v.join(", ")
    }
}

/// The sources a plan reads: the addresses, the instances and their target health.
pub const SOURCES: &[Source] = &[Source::ElasticIps, Source::Instances, Source::TargetGroups];

impl Swap {
    /// The plan, with the snapshot's standbys already indexed: one index serves every
    /// address of a view (the Elastic IPs view previews each address's swap).
    pub fn plan_with(&self, s: &Snapshot, standbys: &Standbys<'_>) -> Option<Plan> {
        let allocation_id = self.allocation_id.as_str();
        let address = s
            .elastic_ips
            .iter()
            .find(|a| a.allocation_id == allocation_id)?;
        let candidates: Vec<String> = standbys
            .for_address(allocation_id)
            .map(|i| i.id.clone())
            .collect();
        let to = self.to.clone().or_else(|| candidates.first().cloned());
        let from = address.instance_id.clone();
        let ip = &address.public_ip;
        let mut checks = vec![check(
            "the address is an allocation of this account",
            !address.allocation_id.is_empty(),
            format!("{ip} is {}", address.allocation_id),
        )];
        let planned = |to: String, displaces: Vec<Displaced>| -> Arc<dyn Action> {
            Arc::new(Swap {
                seen: Some(Seen {
                    public_ip: ip.clone(),
                    from: from.clone(),
                    to,
                    displaces,
                }),
                ..self.clone()
            })
        };
        let fields = |to: &str| {
            vec![Field::Pick {
                name: "standby",
                noun: "candidates",
                value: to.to_string(),
                options: candidates.clone(),
            }]
        };
        let Some(to) = to else {
            checks.push(check(
                "a standby to move to",
                false,
                "no instance is tagged patrol:floating-ip=standby, and no running, healthy \
                 peer in the same VPC",
            ));
            return Some(Plan {
                action: planned(String::new(), vec![]),
                title: format!("Swap floating IP {ip}"),
                change: vec![format!("move {ip}: no standby to move it to")],
                calls: vec![],
                effect: vec![],
                checks,
                fields: fields(""),
                accepted: vec![],
            });
        };
        let standby = s.instances.iter().find(|i| i.id == to);
        let holder = from
            .as_deref()
            .and_then(|id| s.instances.iter().find(|i| i.id == id));
        match standby {
            None => checks.push(check(
                "the standby exists",
                false,
                format!("{to} is not an instance of this account and region"),
            )),
            Some(sb) => {
                checks.push(check(
                    "the standby is running",
                    sb.state == InstanceState::Running,
                    format!("{} is {}", sb.label(), sb.state.as_str()),
                ));
                checks.push(check(
                    "the standby is in the same VPC",
                    holder.is_none_or(|h| h.vpc_id == sb.vpc_id),
                    match holder {
                        Some(h) if h.vpc_id != sb.vpc_id => {
                            format!(
                                "{} is in {}, the address's instance in {}",
                                sb.id, sb.vpc_id, h.vpc_id
                            )
                        }
                        _ => sb.vpc_id.clone(),
                    },
                ));
                let states = standbys.target_states(&sb.id);
                let unhealthy: Vec<String> = states
                    .iter()
                    .filter(|(_, st)| *st != TargetHealthState::Healthy)
                    .map(|(g, st)| format!("{} on {g}", st.as_str()))
                    .collect();
                checks.push(check(
                    "the standby is healthy in its target groups",
                    unhealthy.is_empty(),
                    if states.is_empty() {
                        "not a target of any group: its health cannot be seen".to_string()
                    } else if unhealthy.is_empty() {
                        format!(
                            "healthy on {}",
                            states
                                .iter()
                                .map(|(g, _)| *g)
                                .collect::<Vec<_>>()
                                .join(", ")
                        )
                    } else {
                        unhealthy.join(", ")
                    },
                ));
            }
        }
        let from_words = from
            .as_deref()
            .map(|id| s.instance_label(id))
            .unwrap_or_else(|| "nothing".into());
        let to_words = s.instance_label(&to);
        let displaces = displaced_by(s, allocation_id, &to);
        checks.push(choice(
            "the standby holds no other Elastic IP",
            displaces.is_empty(),
            if displaces.is_empty() {
                format!("{to_words} has no address on its primary private IP")
            } else {
                format!(
                    "{} is on {to_words}: EC2 disassociates it when {ip} arrives",
                    ips(&displaces)
                )
            },
        ));
        let mut effect = vec![
            format!("{ip} answers on {to_words} within seconds"),
            match &from {
                Some(_) => format!("{from_words} keeps running, without the address"),
                None => "no instance loses an address".to_string(),
            },
        ];
        for d in &displaces {
            effect.push(format!(
                "{} will be disassociated from {to_words}: it stays allocated, bound to \
                 nothing, and answers nowhere",
                d.public_ip
            ));
        }
        Some(Plan {
            title: format!("Swap floating IP {ip}"),
            change: vec![format!("move {ip} from {from_words} to {to_words}")],
            calls: vec![format!(
                "ec2:AssociateAddress AllocationId={allocation_id} InstanceId={to} \
                 AllowReassociation=true (one call; never disassociated first)"
            )],
            effect,
            fields: fields(&to),
            action: planned(to, displaces),
            checks,
            accepted: vec![],
        })
    }
}

#[async_trait]
impl Action for Swap {
    fn name(&self) -> &'static str {
        "swap-floating-ip"
    }

    fn plan(&self, s: &Snapshot) -> Option<Plan> {
        self.plan_with(s, &s.standbys())
    }

    fn with(&self, field: &str, value: FieldValue) -> Arc<dyn Action> {
        let mut next = self.clone();
        if let ("standby", FieldValue::Text(to)) = (field, value) {
            next.to = Some(to);
        }
        Arc::new(next)
    }

    fn resources(&self) -> Vec<String> {
        let seen = self.seen.as_ref();
        std::iter::once(self.allocation_id.clone())
            .chain(seen.and_then(|s| s.from.clone()))
            .chain(seen.map(|s| s.to.clone()))
            .collect()
    }

    fn audit(&self) -> (Value, Value) {
        let Some(seen) = &self.seen else {
            return (json!({}), json!({}));
        };
        let displaced: Vec<&str> = seen
            .displaces
            .iter()
            .map(|d| d.public_ip.as_str())
            .collect();
        let mut before = json!({ "address": seen.public_ip, "instance": seen.from });
        let mut after = json!({ "address": seen.public_ip, "instance": seen.to });
        if !displaced.is_empty() {
            before["on_standby"] = json!(displaced);
            after["disassociated"] = json!(displaced);
        }
        (before, after)
    }

    fn result_key(&self) -> &'static str {
        "association_id"
    }

    async fn still_current(&self, cloud: &dyn Cloud) -> Result<(), OpError> {
        let seen = self.seen()?;
        let (addresses, instances) =
            futures::try_join!(cloud.elastic_ips(), cloud.instances()).map_err(OpError::Cloud)?;
        let public_ip = &seen.public_ip;
        let address = addresses
            .iter()
            .find(|a| a.allocation_id == self.allocation_id)
            .ok_or_else(|| OpError::Stale(format!("{public_ip} is no longer allocated")))?;
        if address.instance_id != seen.from {
            return Err(OpError::Stale(format!(
                "{public_ip} is now on {}, the plan saw {}",
                address.instance_id.as_deref().unwrap_or("nothing"),
                seen.from.as_deref().unwrap_or("nothing")
            )));
        }
        let mut now = Snapshot::empty(cloud.world(), cloud.clock());
        now.elastic_ips = addresses;
        now.instances = instances.into();
        let displaced_now = displaced_by(&now, &self.allocation_id, &seen.to);
        if displaced_now != seen.displaces {
            return Err(OpError::Stale(format!(
                "the standby now holds {}, the plan saw {}",
                ips(&displaced_now),
                ips(&seen.displaces)
            )));
        }
        Ok(())
    }

    async fn dry_run(&self, cloud: &dyn Cloud) -> Result<Option<&'static str>, CloudError> {
        let to = self.seen.as_ref().map_or("", |s| s.to.as_str());
        cloud
            .associate_address_dry_run(&self.allocation_id, to)
            .await?;
        Ok(Some("ec2:AssociateAddress DryRun=true"))
    }

    async fn call(&self, cloud: &dyn Cloud) -> Result<Receipt, CloudError> {
        let to = self.seen.as_ref().map_or("", |s| s.to.as_str());
        cloud.associate_address(&self.allocation_id, to).await
    }

    async fn seen(&self, cloud: &dyn Cloud, _receipt: &Receipt) -> Result<bool, CloudError> {
        let Some(seen) = &self.seen else {
            return Ok(false);
        };
        let now = cloud.elastic_ips().await?;
        let to = Some(seen.to.as_str());
        let moved = now
            .iter()
            .any(|a| a.allocation_id == self.allocation_id && a.instance_id.as_deref() == to);
        // The displaced addresses are off the standby, as EC2 does it.
        let displaced = seen.displaces.iter().all(|d| {
            now.iter()
                .any(|a| a.allocation_id == d.allocation_id && a.instance_id.as_deref() != to)
        });
        Ok(moved && displaced)
    }

    fn follow(&self, s: &Snapshot, _now: DateTime<Utc>, _resource: Option<&str>) -> String {
        let Some(seen) = &self.seen else {
            return String::new();
        };
        let public_ip = &seen.public_ip;
        let now = s
            .elastic_ips
            .iter()
            .find(|a| a.allocation_id == self.allocation_id)
            .and_then(|a| a.instance_id.as_deref());
        match now {
            Some(id) if id == seen.to => String::new(),
            Some(id) => format!(
                " · SINCE CHANGED: {public_ip} is now on {}",
                s.instance_label(id)
            ),
            None => format!(" · SINCE CHANGED: {public_ip} is now bound to nothing"),
        }
    }

    /// After a swap, the way back to where the address was; after the swap back, nothing.
    fn undo(&self) -> Option<Undo> {
        let from = self.from()?;
        (!self.back).then(|| Undo {
            name: "swap back",
            does: "swaps back",
            action: Arc::new(Swap {
                allocation_id: self.allocation_id.clone(),
                to: Some(from.to_string()),
                back: true,
                seen: None,
            }),
        })
    }

    fn json(&self) -> Value {
        let seen = self.seen.as_ref();
        json!({
            "action": self.name(),
            "allocation_id": self.allocation_id,
            "public_ip": seen.map(|s| &s.public_ip),
            "from": seen.and_then(|s| s.from.as_ref()),
            "to": seen.map_or(self.to.clone(), |s| Some(s.to.clone())),
            "chosen_to": self.to,
            "back": self.back,
            "displaces": seen.map(|s| &s.displaces),
        })
    }
}
