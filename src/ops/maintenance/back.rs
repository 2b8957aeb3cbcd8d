//! The way back: ExitStandby and RegisterTargets into exactly what the instance left, as
//! its `patrol:maintenance` tag remembers, then the tag is removed.

use super::{leg, Draft, GroupSeen, Leg, Maintenance, Seen};
use crate::model::{
    age_text, AutoScalingGroup, Instance, InstanceState, LifecycleState, MaintenanceNote,
    OutOfService, Snapshot, TargetHealthState, MAINTENANCE_TAG,
};
use crate::ops::plan::{check, choice, Plan};

/// The plan of bringing an instance back into exactly what it left.
pub(super) fn plan(m: &Maintenance, s: &Snapshot) -> Option<Plan> {
    let id = m.instance.as_str();
    let i = s.instance(id)?;
    let out = s.maintenance_of(id);
    let note = out.as_ref().and_then(|o| o.note.clone());
    let group = s
        .auto_scaling_groups
        .iter()
        .find(|g| g.instances.iter().any(|x| x.instance_id == id));
    let lifecycle = s.group_member(id).map(|(_, l)| l.clone());
    let group_tgs: Vec<String> = group.map_or(vec![], |g| g.target_group_arns.clone());
    let legs: Vec<Leg> = out
        .as_ref()
        .map(|o| o.left(s))
        .unwrap_or_default()
        .into_iter()
        .map(|(tg, port)| leg(tg, port, &group_tgs))
        .collect();

    let mut d = Draft::default();
    d.change.push(match (&out, &note) {
        (None, _) => format!(
            "{} is in service: there is nothing to bring back",
            i.label()
        ),
        (Some(_), Some(n)) => format!(
            "{} returns to service after {} out (since {})",
            i.label(),
            age_text(s.taken_at - n.since),
            n.since.format("%H:%M:%S UTC")
        ),
        (Some(_), None) => format!(
            "{} returns to service (Standby, not put there by patrol)",
            i.label()
        ),
    });
    standing_checks(&mut d, s, i, out.as_ref(), note.as_ref());
    let standby_call = match (group, &lifecycle) {
        (Some(g), Some(l)) => group_part(&mut d, g, i, l, note.as_ref()),
        _ => false,
    };
    for l in &legs {
        target_part(&mut d, s, i, l);
    }
    let tag = i.tags.get(MAINTENANCE_TAG).cloned();
    if tag.is_some() {
        d.change
            .push(format!("the {MAINTENANCE_TAG} tag is removed"));
        d.calls.push(format!(
            "ec2:DeleteTags Resources={id} Tags=[{MAINTENANCE_TAG}]"
        ));
    }
    d.effect.push(format!(
        "verified when it is {}healthy in {}",
        if group.is_some() {
            "InService and "
        } else {
            ""
        },
        if legs.is_empty() {
            "its group".to_string()
        } else {
            legs.iter().map(Leg::label).collect::<Vec<_>>().join(", ")
        }
    ));
    let planned = Maintenance {
        seen: Some(Seen {
            group: group.map(|g| GroupSeen::of(g, lifecycle.as_ref())),
            legs,
            standby_call,
            tag,
        }),
        ..m.clone()
    };
    Some(d.plan(planned, format!("Bring {} back into service", i.label())))
}

/// It is out, its tag is readable, it is running, and what it left still exists.
fn standing_checks(
    d: &mut Draft,
    s: &Snapshot,
    i: &Instance,
    out: Option<&OutOfService>,
    note: Option<&MaintenanceNote>,
) {
    d.checks.push(check(
        "it is out for maintenance",
        out.is_some(),
        match out {
            Some(o) => match (&o.note, &o.lifecycle) {
                (Some(_), Some(l)) => format!("{MAINTENANCE_TAG} is set; {}", l.as_str()),
                (Some(_), None) => format!("{MAINTENANCE_TAG} is set"),
                (None, _) => "in Standby".to_string(),
            },
            None => "no patrol:maintenance tag and not in Standby: it is in service".to_string(),
        },
    ));
    if let Some(why) = out.and_then(|o| o.unreadable.as_ref()) {
        d.checks.push(check(
            "its patrol:maintenance tag is readable",
            false,
            format!("{why}: fix or delete the tag by hand"),
        ));
    }
    let running = i.state == InstanceState::Running;
    d.checks.push(check(
        "it is running",
        running,
        if running {
            "it is running".to_string()
        } else {
            format!(
                "it is {}: start it first; registration and health checks need it running",
                i.state.as_str()
            )
        },
    ));
    for (name, port) in note.map_or(&[][..], |n| n.targets.as_slice()) {
        if !s.target_groups.iter().any(|t| &t.name == name) {
            d.checks.push(choice(
                &format!("{name} still exists"),
                false,
                format!("{name} is gone: it cannot go back there (port {port})"),
            ));
        }
    }
}

/// ExitStandby when it is in Standby (desired + 1 within max). Whether the call is made.
fn group_part(
    d: &mut Draft,
    g: &AutoScalingGroup,
    i: &Instance,
    lifecycle: &LifecycleState,
    note: Option<&MaintenanceNote>,
) -> bool {
    match lifecycle {
        LifecycleState::Standby => {
            d.checks.push(check(
                "coming back stays within max",
                g.desired < g.max,
                format!(
                    "desired {} → {} against max {}{}",
                    g.desired,
                    g.desired + 1,
                    g.max,
                    if g.desired < g.max {
                        ""
                    } else {
                        ": AWS refuses; lower desired first"
                    }
                ),
            ));
            d.change.push(format!(
                "{}: Standby → Pending → InService; desired {} → {}{}",
                g.name,
                g.desired,
                g.desired + 1,
                if note.is_some_and(|n| !n.decremented) {
                    " (it left without lowering desired: the group is one larger after)"
                } else {
                    ""
                }
            ));
            d.calls.push(format!(
                "autoscaling:ExitStandby AutoScalingGroupName={} InstanceIds={}",
                g.name, i.id
            ));
            true
        }
        LifecycleState::EnteringStandby => {
            d.checks.push(check(
                "it has finished leaving",
                false,
                "it is EnteringStandby: its targets are still draining; wait for Standby",
            ));
            false
        }
        other => {
            d.change.push(format!(
                "{}: already {} (ExitStandby not needed)",
                g.name,
                other.as_str()
            ));
            false
        }
    }
}

/// One target group it returns to: registered by its group, by patrol, or already there.
fn target_part(d: &mut Draft, s: &Snapshot, i: &Instance, l: &Leg) {
    let tg = s.target_groups.iter().find(|t| t.arn == l.arn);
    let registered = tg.is_some_and(|tg| {
        tg.targets.iter().any(|t| {
            t.target_id == i.id && t.port == l.port && t.state != TargetHealthState::Draining
        })
    });
    let checks_needed = tg.map_or(String::new(), |tg| {
        format!(
            "; healthy after {} checks {}s apart",
            tg.health_check.healthy_threshold, tg.health_check.interval_seconds
        )
    });
    if registered {
        d.change.push(format!("{}: already registered", l.label()));
    } else if l.by_group {
        d.change.push(format!(
            "{}: its group registers it again{checks_needed}",
            l.label()
        ));
    } else {
        d.change
            .push(format!("{}: registered again{checks_needed}", l.label()));
        d.calls.push(format!(
            "elasticloadbalancing:RegisterTargets TargetGroupArn={} Targets=[Id={},Port={}]",
            l.arn, i.id, l.port
        ));
    }
}
