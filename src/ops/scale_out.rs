//! Scale out: raise an Auto Scaling group's desired capacity (SetDesiredCapacity), and
//! follow the new instances to InService and healthy targets.

use super::action::{Action, Field, FieldValue};
use super::plan::{check, Plan};
use super::OpError;
use crate::cloud::{Cloud, CloudError, Receipt, Source};
use crate::model::{LifecycleState, Snapshot};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::sync::Arc;

/// Raise `group`'s desired capacity to `to`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ScaleOut {
    pub group: String,
    pub to: u32,
    /// The desired capacity the plan saw; set by `plan`.
    from: Option<u32>,
}

impl ScaleOut {
    pub fn new(group: &str, to: u32) -> ScaleOut {
        ScaleOut {
            group: group.to_string(),
            to,
            from: None,
        }
    }
}

/// Plans raising a group's desired capacity to `to`.
pub fn plan_scale_out(s: &Snapshot, group: &str, to: u32) -> Option<Plan> {
    ScaleOut::new(group, to).plan(s)
}

/// Instances per zone of a group after adding `extra` more, placed as Auto Scaling does:
/// each to the zone with the fewest, ties to the first zone.
fn predicted_zones(
    zones: &[String],
    current: &BTreeMap<String, u32>,
    extra: u32,
) -> BTreeMap<String, u32> {
    let mut out: BTreeMap<String, u32> = zones
        .iter()
        .map(|z| (z.clone(), current.get(z).copied().unwrap_or(0)))
        .collect();
    for _ in 0..extra {
        if let Some(z) = zones
            .iter()
            .min_by_key(|z| out.get(*z).copied().unwrap_or(0))
        {
            *out.entry(z.clone()).or_default() += 1;
        }
    }
    out
}

/// The sources a plan reads: the group.
pub const SOURCES: &[Source] = &[Source::AutoScaling];

#[async_trait]
impl Action for ScaleOut {
    fn name(&self) -> &'static str {
        "scale-out"
    }

    fn plan(&self, s: &Snapshot) -> Option<Plan> {
        let (group, to) = (self.group.as_str(), self.to);
        let g = s.auto_scaling_groups.iter().find(|g| g.name == group)?;
        let from = g.desired;
        let mut checks = vec![
            check(
                "the new desired capacity is within max",
                to <= g.max,
                if to <= g.max {
                    format!("{to} ≤ max {}", g.max)
                } else {
                    format!("{group}'s max is {}: {to} is above it", g.max)
                },
            ),
            check(
                "it is a scale out",
                to > from,
                format!("desired is {from} now; {to} must be more"),
            ),
        ];
        let live: Vec<_> = g
            .instances
            .iter()
            .filter(|i| {
                matches!(
                    i.lifecycle,
                    LifecycleState::Pending | LifecycleState::InService
                )
            })
            .collect();
        let mut current: BTreeMap<String, u32> = BTreeMap::new();
        for i in &live {
            *current.entry(i.zone.clone()).or_default() += 1;
        }
        let moving = live.len() as u32 != from;
        checks.push(check(
            "the group is not mid-change",
            true,
            if moving {
                format!(
                    "note: {} of {from} instances are pending or in service; Auto Scaling is \
                     still converging",
                    live.len()
                )
            } else {
                format!("{from} of {from} pending or in service")
            },
        ));
        let after = predicted_zones(&g.zones, &current, to.saturating_sub(live.len() as u32));
        let short = |m: &BTreeMap<String, u32>| {
            let names: Vec<String> = m
                .keys()
                .map(|z| z.chars().last().map(String::from).unwrap_or_default())
                .collect();
            let counts: Vec<String> = m.values().map(u32::to_string).collect();
            format!("AZ {} would hold {}", names.join("/"), counts.join("/"))
        };
        let new = to.saturating_sub(from);
        Some(Plan {
            action: Arc::new(ScaleOut {
                from: Some(from),
                ..self.clone()
            }),
            title: format!("Scale out {group}"),
            change: vec![format!(
                "{group} desired {from} → {to} (min {}, max {}); {}",
                g.min,
                g.max,
                short(&after)
            )],
            calls: vec![format!(
                "autoscaling:SetDesiredCapacity AutoScalingGroupName={group} \
                 DesiredCapacity={to} HonorCooldown=false"
            )],
            effect: vec![format!(
                "{new} new instance{}: pending → InService → healthy targets{}",
                if new == 1 { "" } else { "s" },
                if g.target_group_arns.is_empty() {
                    ""
                } else {
                    " in the group's target groups"
                }
            )],
            checks,
            fields: vec![Field::Count {
                name: "desired",
                value: to,
            }],
            accepted: vec![],
        })
    }

    fn with(&self, field: &str, value: FieldValue) -> Arc<dyn Action> {
        let mut next = self.clone();
        if let ("desired", FieldValue::Count(to)) = (field, value) {
            next.to = to;
        }
        Arc::new(next)
    }

    fn resources(&self) -> Vec<String> {
        vec![self.group.clone()]
    }

    fn audit(&self) -> (Value, Value) {
        (
            json!({ "group": self.group, "desired": self.from }),
            json!({ "group": self.group, "desired": self.to }),
        )
    }

    fn result_key(&self) -> &'static str {
        "group"
    }

    async fn still_current(&self, cloud: &dyn Cloud) -> Result<(), OpError> {
        let group = &self.group;
        let g = cloud
            .auto_scaling_group(group)
            .await
            .map_err(OpError::Cloud)?
            .ok_or_else(|| OpError::Stale(format!("{group} no longer exists")))?;
        let from = self
            .from
            .ok_or_else(|| OpError::Preflight("the scale out was not planned".into()))?;
        if g.desired != from {
            return Err(OpError::Stale(format!(
                "{group}'s desired capacity is now {}, the plan saw {from}",
                g.desired
            )));
        }
        Ok(())
    }

    /// Auto Scaling has no DryRun: the preflight is all there is.
    async fn dry_run(&self, _cloud: &dyn Cloud) -> Result<Option<&'static str>, CloudError> {
        Ok(None)
    }

    async fn call(&self, cloud: &dyn Cloud) -> Result<Receipt, CloudError> {
        cloud.set_desired_capacity(&self.group, self.to).await
    }

    async fn seen(&self, cloud: &dyn Cloud, _receipt: &Receipt) -> Result<bool, CloudError> {
        Ok(cloud
            .auto_scaling_group(&self.group)
            .await?
            .is_some_and(|g| g.desired == self.to))
    }

    fn follow(&self, s: &Snapshot, _now: DateTime<Utc>, _resource: Option<&str>) -> String {
        let Some(g) = s.auto_scaling_groups.iter().find(|g| g.name == self.group) else {
            return String::new();
        };
        let in_service = g.count(&LifecycleState::InService);
        let pending = g.count(&LifecycleState::Pending);
        let healthy = s
            .target_groups
            .iter()
            .filter(|t| g.target_group_arns.contains(&t.arn))
            .map(|t| s.healthy_targets(t))
            .sum::<usize>();
        let zones: Vec<String> = g
            .in_service_by_zone()
            .iter()
            .map(|(z, n)| format!("{}:{n}", z.chars().last().unwrap_or('?')))
            .collect();
        // What is true now: if something else changed desired since, say so.
        let since = if g.desired != self.to {
            let by = g
                .activities
                .first()
                .map_or(String::new(), |a| format!(" ({})", a.description));
            format!(" · SINCE CHANGED: desired is now {}{by}", g.desired)
        } else {
            String::new()
        };
        format!(
            "{since} · {in_service}/{} in service, {pending} pending, {healthy} healthy targets · {}",
            g.desired,
            zones.join(" ")
        )
    }

    fn json(&self) -> Value {
        json!({
            "action": self.name(),
            "group": self.group,
            "from": self.from,
            "to": self.to,
        })
    }
}
