//! Maintenance: take an instance out of service and bring it back. In an Auto Scaling
//! group it goes to Standby (EnterStandby / ExitStandby); from target groups outside its
//! group it is deregistered and registered again. What it left is remembered on the
//! instance itself (the `patrol:maintenance` tag), so coming back puts it into exactly the
//! target groups and ports it left, whoever brings it back.

mod back;
mod out;
mod run;

use super::action::{Action, Field, FieldValue, Undo};
use super::plan::{Check, Plan};
use super::OpError;
use crate::cloud::{Cloud, CloudError, Receipt, Source};
use crate::model::{MaintenanceNote, Snapshot, TargetGroup, TargetHealthState};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::{json, Value};
use std::sync::Arc;
use std::time::Duration;

/// Out of service, or back.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Direction {
    Start,
    End,
}

/// Take `instance` out of service (`Start`) or bring it back (`End`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Maintenance {
    pub instance: String,
    pub direction: Direction,
    /// EnterStandby's ShouldDecrementDesiredCapacity: the group shrinks by one while the
    /// instance is out, instead of launching a replacement.
    pub decrement: bool,
    /// What the plan saw and will do; set by `plan`.
    seen: Option<Seen>,
}

/// One target: a target group and the port the instance serves it on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub(super) struct Leg {
    arn: String,
    name: String,
    port: u16,
    /// The group's deregistration delay, when it could be read.
    delay: Option<u32>,
    /// Its Auto Scaling group registers and deregisters it (not patrol).
    by_group: bool,
}

impl Leg {
    fn label(&self) -> String {
        format!("{}:{}", self.name, self.port)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub(super) struct Seen {
    /// Its Auto Scaling group, as the plan saw it.
    group: Option<GroupSeen>,
    /// Every target it leaves (start) or returns to (end).
    legs: Vec<Leg>,
    /// EnterStandby (start) or ExitStandby (end) is part of the plan.
    standby_call: bool,
    /// The tag as it is on the instance (end), or the tag to write minus its time (start).
    tag: Option<String>,
}

/// The instance's Auto Scaling group as the plan saw it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub(super) struct GroupSeen {
    name: String,
    desired: u32,
    /// The instance's lifecycle state in it.
    lifecycle: String,
}

impl GroupSeen {
    fn of(
        g: &crate::model::AutoScalingGroup,
        lifecycle: Option<&crate::model::LifecycleState>,
    ) -> GroupSeen {
        GroupSeen {
            name: g.name.clone(),
            desired: g.desired,
            lifecycle: lifecycle.map_or("?", |l| l.as_str()).to_string(),
        }
    }
}

/// AWS's deregistration delay when a target group's attributes cannot be read.
pub(super) const AWS_DEFAULT_DELAY: u32 = 300;

impl Maintenance {
    pub fn new(instance: &str, direction: Direction, decrement: bool) -> Maintenance {
        Maintenance {
            instance: instance.to_string(),
            direction,
            decrement,
            seen: None,
        }
    }

    /// Out of service when it is in service, back when it is out.
    pub fn toggle(s: &Snapshot, instance: &str) -> Maintenance {
        let direction = match s.maintenance_of(instance) {
            Some(_) => Direction::End,
            None => Direction::Start,
        };
        Maintenance::new(instance, direction, true)
    }

    fn seen(&self) -> Result<&Seen, OpError> {
        self.seen
            .as_ref()
            .ok_or_else(|| OpError::Preflight("the maintenance was not planned".into()))
    }

    /// The longest drain of the targets it leaves.
    fn longest_drain(&self) -> u32 {
        self.seen.as_ref().map_or(AWS_DEFAULT_DELAY, |s| {
            s.legs
                .iter()
                .map(|l| l.delay.unwrap_or(AWS_DEFAULT_DELAY))
                .max()
                .unwrap_or(0)
        })
    }

    /// The tag written on the way out, with the time of the call.
    fn note(&self, since: DateTime<Utc>) -> MaintenanceNote {
        let seen = self.seen.as_ref();
        MaintenanceNote {
            since,
            group: seen.and_then(|s| s.group.as_ref().map(|g| g.name.clone())),
            decremented: self.decrement,
            targets: seen.map_or(vec![], |s| {
                s.legs.iter().map(|l| (l.name.clone(), l.port)).collect()
            }),
        }
    }
}

/// The sources a plan reads: the instance and its tags, its group, its targets, and the
/// addresses it may hold.
pub const SOURCES: &[Source] = &[
    Source::Instances,
    Source::TargetGroups,
    Source::AutoScaling,
    Source::ElasticIps,
];

pub(super) fn delay_words(delay: Option<u32>) -> String {
    match delay {
        Some(d) => format!("{d}s"),
        None => format!("up to {AWS_DEFAULT_DELAY}s (delay unknown)"),
    }
}

pub(super) fn leg(tg: &TargetGroup, port: u16, group_tgs: &[String]) -> Leg {
    Leg {
        arn: tg.arn.clone(),
        name: tg.name.clone(),
        port,
        delay: tg.deregistration_delay_seconds,
        by_group: group_tgs.contains(&tg.arn),
    }
}

/// A plan being written: its parts in the order the dialog shows them.
#[derive(Default)]
pub(super) struct Draft {
    pub change: Vec<String>,
    pub calls: Vec<String>,
    pub effect: Vec<String>,
    pub checks: Vec<Check>,
    pub fields: Vec<Field>,
}

impl Draft {
    pub fn plan(self, action: Maintenance, title: String) -> Plan {
        Plan {
            action: Arc::new(action),
            title,
            change: self.change,
            calls: self.calls,
            effect: self.effect,
            checks: self.checks,
            fields: self.fields,
            accepted: vec![],
        }
    }
}

#[async_trait]
impl Action for Maintenance {
    fn name(&self) -> &'static str {
        match self.direction {
            Direction::Start => "maintenance-start",
            Direction::End => "maintenance-end",
        }
    }

    fn plan(&self, s: &Snapshot) -> Option<Plan> {
        match self.direction {
            Direction::Start => out::plan(self, s),
            Direction::End => back::plan(self, s),
        }
    }

    fn with(&self, field: &str, value: FieldValue) -> Arc<dyn Action> {
        let mut next = self.clone();
        if let ("decrement desired", FieldValue::Flag(on)) = (field, value) {
            next.decrement = on;
        }
        Arc::new(next)
    }

    fn resources(&self) -> Vec<String> {
        let mut out = vec![self.instance.clone()];
        if let Some(seen) = &self.seen {
            out.extend(seen.group.iter().map(|g| g.name.clone()));
            out.extend(seen.legs.iter().map(|l| l.arn.clone()));
        }
        out
    }

    fn audit(&self) -> (Value, Value) {
        let seen = self.seen.as_ref();
        let group = seen.and_then(|s| s.group.as_ref());
        let name = group.map(|g| &g.name);
        let targets: Vec<String> = seen.map_or(vec![], |s| s.legs.iter().map(Leg::label).collect());
        let desired = group.map(|g| g.desired);
        let before = json!({
            "instance": self.instance,
            "group": name,
            "lifecycle": group.map(|g| &g.lifecycle),
            "desired": desired,
        });
        let mut before = before;
        let after = match self.direction {
            Direction::Start => {
                before["targets"] = json!(targets);
                let to = desired.map(|d| {
                    if self.decrement {
                        d.saturating_sub(1)
                    } else {
                        d
                    }
                });
                json!({
                    "instance": self.instance,
                    "group": name,
                    "lifecycle": group.map(|_| "Standby"),
                    "desired": to,
                    "decrement": self.decrement,
                    "targets": [],
                    "left": targets,
                })
            }
            Direction::End => {
                before["tag"] = json!(seen.and_then(|s| s.tag.clone()));
                let exits = seen.is_some_and(|s| s.standby_call);
                json!({
                    "instance": self.instance,
                    "group": name,
                    "lifecycle": group.map(|_| "InService"),
                    "desired": desired.map(|d| if exits { d + 1 } else { d }),
                    "targets": targets,
                })
            }
        };
        (before, after)
    }

    fn result_key(&self) -> &'static str {
        "instance"
    }
    async fn still_current(&self, cloud: &dyn Cloud) -> Result<(), OpError> {
        self.current(cloud).await
    }

    /// Neither Auto Scaling nor ELBv2 has DryRun: the preflight is all there is.
    async fn dry_run(&self, _cloud: &dyn Cloud) -> Result<Option<&'static str>, CloudError> {
        Ok(None)
    }

    async fn call(&self, cloud: &dyn Cloud) -> Result<Receipt, CloudError> {
        self.make(cloud).await
    }

    async fn seen(&self, cloud: &dyn Cloud, _receipt: &Receipt) -> Result<bool, CloudError> {
        self.done(cloud).await
    }

    fn verify_within(&self) -> Duration {
        match self.direction {
            // Draining takes the deregistration delay; then the group's next pass.
            Direction::Start => Duration::from_secs(self.longest_drain() as u64 + 60),
            // Pending → InService, then the health checks that make it healthy.
            Direction::End => Duration::from_secs(180),
        }
    }

    fn follow(&self, s: &Snapshot, now: DateTime<Utc>, _resource: Option<&str>) -> String {
        let id = &self.instance;
        let Some(seen) = &self.seen else {
            return String::new();
        };
        let mut parts = Vec::new();
        if let Some((_, l)) = s.group_member(id) {
            parts.push(l.as_str().to_string());
        }
        for l in &seen.legs {
            let t = s
                .target_groups
                .iter()
                .find(|t| t.arn == l.arn)
                .and_then(|tg| {
                    tg.targets
                        .iter()
                        .find(|t| &t.target_id == id && t.port == l.port)
                });
            let state = match t {
                None => "gone".to_string(),
                Some(t) if t.state == TargetHealthState::Draining => {
                    let since = s
                        .instance(id)
                        .and_then(|i| i.maintenance_note())
                        .and_then(Result::ok)
                        .map(|n| n.since);
                    match (since, l.delay) {
                        (Some(since), Some(d)) => {
                            let left = (since + chrono::Duration::seconds(d as i64) - now)
                                .num_seconds()
                                .max(0);
                            format!("draining, ~{left}s left")
                        }
                        _ => "draining".to_string(),
                    }
                }
                Some(t) => t.state.as_str().to_string(),
            };
            parts.push(format!("{} {state}", l.label()));
        }
        if parts.is_empty() {
            String::new()
        } else {
            format!(" · {}", parts.join(" · "))
        }
    }

    fn undo(&self) -> Option<Undo> {
        (self.direction == Direction::Start).then(|| Undo {
            name: "bring back",
            does: "brings it back",
            action: Arc::new(Maintenance::new(&self.instance, Direction::End, true)),
        })
    }

    fn json(&self) -> Value {
        json!({
            "action": self.name(),
            "instance": self.instance,
            "decrement": self.decrement,
            "seen": self.seen,
        })
    }
}
