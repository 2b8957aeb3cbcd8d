//! The way out: what leaves, what drains and for how long, what remains, and the checks
//! that stop it (a target group left with nothing, a group below min, a floating IP).

use super::{delay_words, leg, Draft, GroupSeen, Leg, Maintenance, Seen, AWS_DEFAULT_DELAY};
use crate::model::{
    serves, AutoScalingGroup, Instance, LifecycleState, Snapshot, TargetGroup, TargetHealthState,
    MAINTENANCE_TAG, TAG_VALUE_MAX,
};
use crate::ops::action::Field;
use crate::ops::plan::{check, choice, Plan};

/// Healthy targets of `tg` other than `instance`: in all, and in `zone`.
fn remaining(s: &Snapshot, tg: &TargetGroup, instance: &str, zone: &str) -> (usize, usize) {
    let index = s.instance_index();
    let others: Vec<_> = tg
        .targets
        .iter()
        .filter(|t| t.target_id != instance && serves(&index, t))
        .collect();
    let here = others
        .iter()
        .filter(|t| {
            index
                .get(t.target_id.as_str())
                .is_some_and(|i| i.zone == zone)
        })
        .count();
    (others.len(), here)
}

/// Healthy targets of `tg` per zone (last letter), other than `instance`: `a:2 b:1 c:1`.
fn per_zone(s: &Snapshot, tg: &TargetGroup, instance: &str) -> String {
    let index = s.instance_index();
    let mut zones: std::collections::BTreeMap<String, usize> = Default::default();
    for t in &tg.targets {
        let Some(i) = index.get(t.target_id.as_str()) else {
            continue;
        };
        let n = zones.entry(i.zone.clone()).or_default();
        if t.target_id != instance && serves(&index, t) {
            *n += 1;
        }
    }
    zones
        .iter()
        .map(|(z, n)| format!("{}:{n}", z.chars().last().unwrap_or('?')))
        .collect::<Vec<_>>()
        .join(" ")
}

/// The plan of taking an instance out of service.
pub(super) fn plan(m: &Maintenance, s: &Snapshot) -> Option<Plan> {
    let id = m.instance.as_str();
    let i = s.instance(id)?;
    let group = s
        .auto_scaling_groups
        .iter()
        .find(|g| g.instances.iter().any(|x| x.instance_id == id));
    let lifecycle = s.group_member(id).map(|(_, l)| l.clone());
    let group_tgs: Vec<String> = group.map_or(vec![], |g| g.target_group_arns.clone());
    // Every target it serves on now (a draining one is already leaving).
    let legs: Vec<Leg> = s
        .target_groups
        .iter()
        .flat_map(|tg| {
            tg.targets
                .iter()
                .filter(|t| t.target_id == id && t.state != TargetHealthState::Draining)
                .map(|t| leg(tg, t.port, &group_tgs))
                .collect::<Vec<_>>()
        })
        .collect();
    let planned = Maintenance {
        seen: Some(Seen {
            group: group.map(|g| GroupSeen::of(g, lifecycle.as_ref())),
            legs: legs.clone(),
            standby_call: group.is_some(),
            tag: None,
        }),
        ..m.clone()
    };
    let mut d = Draft::default();
    d.change.push(format!(
        "{} in {} leaves service for maintenance",
        i.label(),
        i.zone
    ));
    instance_checks(&mut d, s, i, group, &legs);
    // The tag, written first: its time is the call's.
    let tag = planned.note(s.taken_at).to_tag();
    let length = tag.chars().count();
    d.checks.push(check(
        "what it leaves fits in one tag",
        length <= TAG_VALUE_MAX,
        format!("{length} of {TAG_VALUE_MAX} characters"),
    ));
    let tag_words = match tag.split_once(' ') {
        Some((_, rest)) => format!("since=<the time of the call> {rest}"),
        None => "since=<the time of the call>".to_string(),
    };
    d.calls.push(format!(
        "ec2:CreateTags Resources={id} Tags=[{MAINTENANCE_TAG}={tag_words}]"
    ));
    if let Some(g) = group {
        let lifecycle = lifecycle.unwrap_or(LifecycleState::InService);
        group_part(&mut d, m, i, g, &lifecycle);
    }
    for l in &legs {
        if let Some(tg) = s.target_groups.iter().find(|t| t.arn == l.arn) {
            target_part(&mut d, s, i, tg, l);
        }
    }
    let others: Vec<String> = s
        .out_of_service()
        .iter()
        .filter(|o| o.instance_id != id)
        .map(|o| {
            format!(
                "{} ({})",
                s.instance_label(&o.instance_id),
                o.words(s.taken_at)
            )
        })
        .collect();
    if !others.is_empty() {
        d.checks.push(check(
            "others already out",
            true,
            format!("note: {} already out", others.join(", ")),
        ));
    }
    d.change.push(format!(
        "remembered on the instance: {MAINTENANCE_TAG} = {tag_words}"
    ));
    let left = if legs.is_empty() {
        "its group".to_string()
    } else {
        legs.iter().map(Leg::label).collect::<Vec<_>>().join(", ")
    };
    let longest = legs
        .iter()
        .map(|l| l.delay.unwrap_or(AWS_DEFAULT_DELAY))
        .max();
    let unknown = legs.iter().any(|l| l.delay.is_none());
    let mut effect = vec![
        format!(
            "the load balancer sends it no new requests; in-flight ones finish within {}",
            delay_words(if unknown { None } else { longest })
        ),
        format!(
            "verified when it is gone from {left}{}",
            if group.is_some() {
                " and Standby in its group"
            } else {
                ""
            }
        ),
    ];
    effect.append(&mut d.effect);
    effect.push(format!(
        "m on it again (or patrol maintenance end {id}) brings it back into exactly {left}"
    ));
    d.effect = effect;
    Some(d.plan(planned, format!("Take {} out of service", i.label())))
}

/// Not already out, holds no floating IP, serves something.
fn instance_checks(
    d: &mut Draft,
    s: &Snapshot,
    i: &Instance,
    group: Option<&AutoScalingGroup>,
    legs: &[Leg],
) {
    d.checks.push(check(
        "it is not already out",
        i.maintenance_note().is_none(),
        match i.tags.get(MAINTENANCE_TAG) {
            Some(v) => format!("it is tagged {MAINTENANCE_TAG}={v}: m brings it back"),
            None => "no patrol:maintenance tag".into(),
        },
    ));
    let eip = s
        .elastic_ips
        .iter()
        .find(|a| a.instance_id.as_deref() == Some(i.id.as_str()));
    d.checks.push(check(
        "it holds no floating IP",
        eip.is_none(),
        match eip {
            Some(a) => format!(
                "it holds {} ({}): swap it to the standby first (s on Elastic IPs), then take \
                 this one out",
                a.public_ip, a.allocation_id
            ),
            None => "no Elastic IP is bound to it".into(),
        },
    ));
    let serves_in: Vec<String> = group
        .map(|g| g.name.clone())
        .into_iter()
        .chain(legs.iter().map(Leg::label))
        .collect();
    d.checks.push(check(
        "it serves something",
        !serves_in.is_empty(),
        if serves_in.is_empty() {
            "in no Auto Scaling group and no target group: there is nothing to take it out of"
                .to_string()
        } else {
            format!("in {}", serves_in.join(", "))
        },
    ));
}

/// EnterStandby: InService only, min in service, and what happens to desired.
fn group_part(
    d: &mut Draft,
    m: &Maintenance,
    i: &Instance,
    g: &AutoScalingGroup,
    lifecycle: &LifecycleState,
) {
    let ok = *lifecycle == LifecycleState::InService;
    d.checks.push(check(
        &format!("it is InService in {}", g.name),
        ok,
        if ok {
            "it is InService".to_string()
        } else {
            format!(
                "it is {}: EnterStandby takes only InService instances",
                lifecycle.as_str()
            )
        },
    ));
    let after = g.count(&LifecycleState::InService).saturating_sub(1);
    d.checks.push(check(
        &format!("{} keeps its minimum in service", g.name),
        after as u32 >= g.min,
        format!("{after} in service while it is out, min {}", g.min),
    ));
    let zones: Vec<String> = g
        .in_service_by_zone()
        .iter()
        .map(|(z, n)| {
            let n = if *z == i.zone {
                n.saturating_sub(1)
            } else {
                *n
            };
            format!("{}:{n}", z.chars().last().unwrap_or('?'))
        })
        .collect();
    d.change.push(format!(
        "{} in service while it is out: {after} ({}), min {}",
        g.name,
        zones.join(" "),
        g.min
    ));
    d.fields.push(Field::Flag {
        name: "decrement desired",
        key: 'd',
        value: m.decrement,
        hint: "on: the group shrinks by one while it is out (desired-1, never below min); \
               off: the group launches a replacement now, and grows by one when it is back",
    });
    if m.decrement {
        d.checks.push(check(
            "desired minus one stays at or above min",
            g.desired > g.min,
            format!(
                "desired {} → {} against min {}{}",
                g.desired,
                g.desired.saturating_sub(1),
                g.min,
                if g.desired > g.min {
                    ""
                } else {
                    ": AWS refuses; d keeps desired (a replacement launches)"
                }
            ),
        ));
        d.change.push(format!(
            "{}: InService → Standby; desired {} → {} (min {}): the group shrinks by one and \
             launches nothing",
            g.name,
            g.desired,
            g.desired.saturating_sub(1),
            g.min
        ));
    } else {
        d.change.push(format!(
            "{}: InService → Standby; desired stays {}: the group launches a replacement now \
             (d: shrink instead)",
            g.name, g.desired
        ));
        d.checks.push(choice(
            "coming back stays within max",
            g.desired < g.max,
            format!(
                "coming back raises desired to {} above max {}: ExitStandby is refused until \
                 desired is lowered",
                g.desired + 1,
                g.max
            ),
        ));
        d.effect.push(format!(
            "a replacement launches in {}; when {} comes back, desired becomes {}",
            g.name,
            i.id,
            g.desired + 1
        ));
    }
    d.calls.push(format!(
        "autoscaling:EnterStandby AutoScalingGroupName={} InstanceIds={} \
         ShouldDecrementDesiredCapacity={}",
        g.name, i.id, m.decrement
    ));
}

/// One target group it leaves: the drain, what remains, and whether that is enough.
fn target_part(d: &mut Draft, s: &Snapshot, i: &Instance, tg: &TargetGroup, l: &Leg) {
    let (left, here) = remaining(s, tg, &i.id, &i.zone);
    d.change.push(format!(
        "{} drains it for {}{}; healthy left: {left} ({})",
        l.label(),
        delay_words(l.delay),
        if l.by_group {
            " (its group deregisters it)"
        } else {
            ""
        },
        per_zone(s, tg, &i.id)
    ));
    if !l.by_group {
        d.calls.push(format!(
            "elasticloadbalancing:DeregisterTargets TargetGroupArn={} Targets=[Id={},Port={}]",
            l.arn, i.id, l.port
        ));
    }
    d.checks.push(check(
        &format!("{} keeps a healthy target", l.name),
        left > 0,
        format!(
            "{left} healthy target{} stay{} in {}",
            if left == 1 { "" } else { "s" },
            if left == 1 { "s" } else { "" },
            l.name
        ),
    ));
    if left == 1 {
        d.checks.push(choice(
            &format!("{} keeps two healthy targets", l.name),
            false,
            format!(
                "only 1 healthy target stays in {}: one more failure takes it down",
                l.name
            ),
        ));
    }
    let before_here = remaining(s, tg, "", &i.zone).1;
    if here == 0 && before_here > 0 {
        d.checks.push(choice(
            &format!("{} keeps a healthy target in {}", l.name, i.zone),
            false,
            format!(
                "while it is out, {} has no healthy {} target: one more zone lost and {} runs \
                 in fewer zones than it was built for",
                i.zone, l.name, l.name
            ),
        ));
    }
    if l.delay.is_none() {
        d.checks.push(choice(
            &format!("{}'s deregistration delay is known", l.name),
            false,
            format!(
                "cannot read it (elasticloadbalancing:DescribeTargetGroupAttributes): AWS's \
                 default is {AWS_DEFAULT_DELAY}s"
            ),
        ));
    }
}
