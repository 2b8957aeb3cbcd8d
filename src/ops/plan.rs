//! Plans: what an action will change, in the operator's words and as API calls, what it
//! should lead to, and the preflight checks that can stop it. Pure functions of a snapshot.

use crate::cloud::validate_image_name;
use crate::model::{
    ImageState, Instance, InstanceState, LifecycleState, Snapshot, TargetHealthState,
};
use chrono::{DateTime, Utc};
use serde::Serialize;
use std::collections::BTreeMap;

/// What the operator asked for, with the state the plan was computed from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "action", rename_all = "kebab-case")]
pub enum Request {
    /// Move an Elastic IP to another instance (AssociateAddress with AllowReassociation).
    SwapFloatingIp {
        allocation_id: String,
        public_ip: String,
        /// Where the address was bound when the plan was made.
        from: Option<String>,
        to: String,
        /// Addresses on the standby's primary private IP, which EC2 disassociates.
        displaces: Vec<Displaced>,
    },
    /// Create an AMI from an instance.
    CloneToAmi {
        instance_id: String,
        name: String,
        no_reboot: bool,
    },
    /// Raise an Auto Scaling group's desired capacity.
    ScaleOut { group: String, from: u32, to: u32 },
}

impl Request {
    /// The action's name in the audit log.
    pub fn action(&self) -> &'static str {
        match self {
            Request::SwapFloatingIp { .. } => "swap-floating-ip",
            Request::CloneToAmi { .. } => "clone-to-ami",
            Request::ScaleOut { .. } => "scale-out",
        }
    }

    /// The resources it touches, for the audit log.
    pub fn resources(&self) -> Vec<String> {
        match self {
            Request::SwapFloatingIp {
                allocation_id,
                from,
                to,
                ..
            } => std::iter::once(allocation_id.clone())
                .chain(from.clone())
                .chain(std::iter::once(to.clone()))
                .collect(),
            Request::CloneToAmi { instance_id, .. } => vec![instance_id.clone()],
            Request::ScaleOut { group, .. } => vec![group.clone()],
        }
    }
}

/// An Elastic IP that a swap takes off the standby (it stays allocated, bound to nothing).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Displaced {
    pub allocation_id: String,
    pub public_ip: String,
}

/// How a preflight check stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum CheckLevel {
    Pass,
    /// A consequence the operator must accept explicitly (it is recorded in the audit log).
    Choice,
    /// No way past it.
    Fail,
}

/// One preflight check: what was checked, how it stands, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Check {
    pub what: String,
    pub level: CheckLevel,
    pub detail: String,
}

impl Check {
    /// What the operator accepts with this check: the check and its detail, so a different
    /// consequence is never covered by an earlier acceptance.
    pub fn key(&self) -> String {
        format!("{}: {}", self.what, self.detail)
    }
}

/// A check that passes or fails.
fn check(what: &str, ok: bool, detail: impl Into<String>) -> Check {
    at_level(
        what,
        if ok {
            CheckLevel::Pass
        } else {
            CheckLevel::Fail
        },
        detail,
    )
}

/// A check that passes, or needs the operator's explicit choice.
fn choice(what: &str, clear: bool, detail: impl Into<String>) -> Check {
    let level = if clear {
        CheckLevel::Pass
    } else {
        CheckLevel::Choice
    };
    at_level(what, level, detail)
}

fn at_level(what: &str, level: CheckLevel, detail: impl Into<String>) -> Check {
    Check {
        what: what.to_string(),
        level,
        detail: detail.into(),
    }
}

/// A planned action, ready to show in the confirmation dialog.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Plan {
    pub request: Request,
    pub title: String,
    /// The change in the operator's words.
    pub change: Vec<String>,
    /// The exact API calls.
    pub calls: Vec<String>,
    /// What should follow.
    pub effect: Vec<String>,
    pub checks: Vec<Check>,
    /// Other instances the address could move to (swap only), best first.
    pub candidates: Vec<String>,
    /// The consequences the operator accepted (`Check::key` of `Choice` checks).
    pub accepted: Vec<String>,
}

impl Plan {
    /// A check failed: this plan cannot be carried out.
    pub fn blocked(&self) -> bool {
        self.checks.iter().any(|c| c.level == CheckLevel::Fail)
    }

    /// Whether the operator accepted this check's consequence.
    pub fn accepted(&self, check: &Check) -> bool {
        self.accepted.contains(&check.key())
    }

    /// The checks that need a choice the operator has not made.
    pub fn open_choices(&self) -> impl Iterator<Item = &Check> {
        self.checks
            .iter()
            .filter(|c| c.level == CheckLevel::Choice && !self.accepted(c))
    }

    /// Nothing failed and every consequence was accepted: Yes may carry it out.
    pub fn ready(&self) -> bool {
        !self.blocked() && self.open_choices().next().is_none()
    }

    /// Accepts every open consequence, or, when all are accepted, takes them back.
    pub fn toggle_accept(&mut self) {
        let open: Vec<String> = self.open_choices().map(Check::key).collect();
        if open.is_empty() {
            self.accepted.clear();
        } else {
            self.accepted.extend(open);
        }
    }

    /// Keeps the acceptances of `old` that still name a consequence of this plan.
    pub fn keep_accepted(&mut self, old: &Plan) {
        let keys: Vec<String> = self
            .checks
            .iter()
            .filter(|c| c.level == CheckLevel::Choice)
            .map(Check::key)
            .collect();
        self.accepted = old
            .accepted
            .iter()
            .filter(|k| keys.contains(k))
            .cloned()
            .collect();
    }
}

/// Plans moving an Elastic IP to `to` (or to the best candidate).
pub fn plan_swap(s: &Snapshot, allocation_id: &str, to: Option<&str>) -> Option<Plan> {
    let address = s
        .elastic_ips
        .iter()
        .find(|a| a.allocation_id == allocation_id)?;
    let standbys = s.standbys();
    let candidates: Vec<String> = standbys
        .for_address(allocation_id)
        .map(|i| i.id.clone())
        .collect();
    let to = to
        .map(str::to_string)
        .or_else(|| candidates.first().cloned());
    let from = address.instance_id.clone();
    let ip = &address.public_ip;
    let mut checks = vec![check(
        "the address is an allocation of this account",
        !address.allocation_id.is_empty(),
        format!("{ip} is {}", address.allocation_id),
    )];
    let Some(to) = to else {
        checks.push(check(
            "a standby to move to",
            false,
            "no instance is tagged patrol:floating-ip=standby, and no running, healthy peer \
             in the same VPC",
        ));
        return Some(Plan {
            request: Request::SwapFloatingIp {
                allocation_id: allocation_id.to_string(),
                public_ip: ip.clone(),
                from,
                to: String::new(),
                displaces: vec![],
            },
            title: format!("Swap floating IP {ip}"),
            change: vec![format!("move {ip}: no standby to move it to")],
            calls: vec![],
            effect: vec![],
            checks,
            candidates,
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
    let displaced_ips: Vec<&str> = displaces.iter().map(|d| d.public_ip.as_str()).collect();
    checks.push(choice(
        "the standby holds no other Elastic IP",
        displaces.is_empty(),
        if displaces.is_empty() {
            format!("{to_words} has no address on its primary private IP")
        } else {
            format!(
                "{} is on {to_words}: EC2 disassociates it when {ip} arrives",
                displaced_ips.join(", ")
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
            "{} will be disassociated from {to_words}: it stays allocated, bound to nothing, \
             and answers nowhere",
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
        request: Request::SwapFloatingIp {
            allocation_id: allocation_id.to_string(),
            public_ip: ip.clone(),
            from,
            to,
            displaces,
        },
        checks,
        candidates,
        accepted: vec![],
    })
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

/// The default image name: `<Name tag>-clone-<UTC timestamp>`.
pub fn default_image_name(instance: &Instance, now: DateTime<Utc>) -> String {
    let base = instance.name.as_deref().unwrap_or(&instance.id);
    format!("{base}-clone-{}", now.format("%Y%m%dT%H%MZ"))
}

/// Plans creating an AMI of `instance_id`.
pub fn plan_clone(s: &Snapshot, instance_id: &str, name: &str, no_reboot: bool) -> Plan {
    let instance = s.instances.iter().find(|i| i.id == instance_id);
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
        .find(|i| i.name == name && i.state != ImageState::Deregistered);
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
    let served = if running {
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
            "it holds no Elastic IP and is no healthy target".to_string()
        } else {
            format!(
                "for about a minute {}; x takes the image without a reboot{}",
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
        "reboot: the instance restarts so its file systems are consistent (down for a minute)"
    };
    Plan {
        request: Request::CloneToAmi {
            instance_id: instance_id.to_string(),
            name: name.to_string(),
            no_reboot,
        },
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
            "a new AMI, pending for a few minutes, then available (Images view, 6)".to_string(),
        )
        .chain(served.iter().map(|w| format!("during the reboot {w}")))
        .collect(),
        checks,
        candidates: vec![],
        accepted: vec![],
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
    for g in &s.target_groups {
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
    out
}

/// Instances per zone of a group after adding `extra` more, placed as Auto Scaling does:
/// each to the zone with the fewest, ties to the first zone.
pub fn predicted_zones(
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

/// Plans raising a group's desired capacity to `to`.
pub fn plan_scale_out(s: &Snapshot, group: &str, to: u32) -> Option<Plan> {
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
    Some(Plan {
        request: Request::ScaleOut {
            group: group.to_string(),
            from,
            to,
        },
        title: format!("Scale out {group}"),
        change: vec![format!(
            "{group} desired {from} → {to} (min {}, max {}); {}",
            g.min,
            g.max,
            short(&after)
        )],
        calls: vec![format!(
            "autoscaling:SetDesiredCapacity AutoScalingGroupName={group} DesiredCapacity={to} \
             HonorCooldown=false"
        )],
        effect: vec![format!(
            "{} new instance{}: pending → InService → healthy targets{}",
            to.saturating_sub(from),
            if to.saturating_sub(from) == 1 {
                ""
            } else {
                "s"
            },
            if g.target_group_arns.is_empty() {
                String::new()
            } else {
                " in the group's target groups".to_string()
            }
        )],
        checks,
        candidates: vec![],
        accepted: vec![],
    })
}
