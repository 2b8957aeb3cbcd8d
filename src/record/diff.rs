//! Events from two consecutive observations of one source: what is new, what changed, what
//! is gone. Pure; the console calls it with what it held and what the refresh brought.

use super::events::{Event, EventKind};
use crate::cloud::Source;
use crate::model::{
    Alarm, AutoScalingGroup, ElasticIp, Image, Instance, ProbeRead, ProbeResult, Snapshot,
    TargetGroup, TargetHealth,
};
use crate::patterns::{Report, Verdict};
use crate::poll::Payload;
use chrono::{DateTime, Utc};
use std::collections::{BTreeMap, HashMap};

/// The events between what `held` shows of a source and what its refresh brought. Call it
/// only from the second observation on: a first refresh is not "everything launched".
pub fn of_refresh(held: &Snapshot, payload: &Payload, at: DateTime<Utc>) -> Vec<Event> {
    let index = Index {
        held,
        map: std::cell::OnceCell::new(),
    };
    match payload {
        Payload::Instances(new) => instances(&held.instances, new, at),
        Payload::TargetGroups(new) => targets(&held.target_groups, new, &index, at),
        Payload::AutoScaling(new) => groups(&held.auto_scaling_groups, new, &index, at),
        Payload::ElasticIps(new) => addresses(&held.elastic_ips, new, &index, at),
        Payload::Images(new) => images(&held.images, new, at),
        Payload::Alarms(new) => alarms(&held.alarms, new, at),
        Payload::Probes(new) => probes(held, new, &index, at),
        Payload::LoadBalancers(_) | Payload::Metrics(..) => vec![],
    }
}

/// Fills in the instance's name and zone, when patrol knows the instance.
/// Instances by id, made the first time an event asks (most refreshes have none).
struct Index<'a> {
    held: &'a Snapshot,
    map: std::cell::OnceCell<HashMap<&'a str, &'a Instance>>,
}

impl<'a> Index<'a> {
    fn get(&self, id: &str) -> Option<&'a Instance> {
        let map = self.map.get_or_init(|| self.held.instance_index());
        map.get(id).copied()
    }
}

fn about(mut e: Event, index: &Index, id: &str) -> Event {
    if let Some(i) = index.get(id) {
        e.name = i.name.clone();
        e.zone = Some(i.zone.clone());
    }
    e
}

/// Items keyed for comparison, in a stable order.
fn keyed<'a, T, K: Ord>(items: &'a [T], key: impl Fn(&'a T) -> K) -> BTreeMap<K, &'a T> {
    items.iter().map(|t| (key(t), t)).collect()
}

fn instances(old: &[Instance], new: &[Instance], at: DateTime<Utc>) -> Vec<Event> {
    // Looked up by hash (at 10,000 instances a tree of each side costs milliseconds on the
    // console's loop); the few events found are put in id order after.
    let (before, after) = (
        hashed(old, |i| i.id.as_str()),
        hashed(new, |i| i.id.as_str()),
    );
    let event = |i: &Instance| Event {
        name: i.name.clone(),
        zone: Some(i.zone.clone()),
        ..Event::seen(Source::Instances, at, EventKind::Instance, i.id.clone())
    };
    let mut seen: Vec<(&str, Event)> = Vec::new();
    for i in new {
        match before.get(i.id.as_str()) {
            None => seen.push((
                &i.id,
                Event {
                    after: i.state.as_str().into(),
                    detail: format!("launched: {} in {}", i.instance_type, i.zone),
                    ..event(i)
                },
            )),
            Some(b) if b.state != i.state => seen.push((
                &i.id,
                Event {
                    before: Some(b.state.as_str().into()),
                    after: i.state.as_str().into(),
                    ..event(i)
                },
            )),
            _ => {}
        }
    }
    let mut gone: Vec<(&str, Event)> = (old.iter())
        .filter(|b| !after.contains_key(b.id.as_str()))
        .map(|b| {
            let e = Event {
                before: Some(b.state.as_str().into()),
                after: "gone".into(),
                detail: "no longer listed by DescribeInstances".into(),
                ..event(b)
            };
            (b.id.as_str(), e)
        })
        .collect();
    in_order(&mut seen);
    in_order(&mut gone);
    seen.into_iter().chain(gone).map(|(_, e)| e).collect()
}

/// Items by key, for lookups.
fn hashed<'a, T, K: std::hash::Hash + Eq>(
    items: &'a [T],
    key: impl Fn(&'a T) -> K,
) -> HashMap<K, &'a T> {
    items.iter().map(|t| (key(t), t)).collect()
}

/// Events found by key, in the keys' order (and for equal keys, as found).
fn in_order<K: Ord, E>(events: &mut [(K, E)]) {
    events.sort_by(|a, b| a.0.cmp(&b.0));
}

fn targets(
    old: &[TargetGroup],
    new: &[TargetGroup],
    index: &Index,
    at: DateTime<Utc>,
) -> Vec<Event> {
    // Borrowed, not copied, and looked up by hash: at 20,000 targets a copy or a tree of
    // each side costs milliseconds on the console's loop. The few events found are put in
    // key order after.
    type Key<'a> = (&'a str, &'a str, u16);
    fn flat(groups: &[TargetGroup]) -> Vec<(Key<'_>, &TargetHealth)> {
        groups
            .iter()
            .flat_map(|g| {
                (g.targets.iter()).map(|t| ((g.name.as_str(), t.target_id.as_str(), t.port), t))
            })
            .collect()
    }
    let (old, new) = (flat(old), flat(new));
    let before: HashMap<Key, &TargetHealth> = old.iter().copied().collect();
    let after: HashMap<Key, &TargetHealth> = new.iter().copied().collect();
    let event = |(group, id, port): &Key| {
        about(
            Event::seen(
                Source::TargetGroups,
                at,
                EventKind::Target,
                format!("{group} {id}:{port}"),
            ),
            index,
            id,
        )
    };
    let mut seen: Vec<(Key, Event)> = Vec::new();
    for (key, t) in &new {
        match before.get(key) {
            None => seen.push((
                *key,
                Event {
                    after: t.state.as_str().into(),
                    detail: format!("registered; {}", t.why().unwrap_or_default())
                        .trim_end_matches("; ")
                        .into(),
                    ..event(key)
                },
            )),
            Some(b) if b.state != t.state => seen.push((
                *key,
                Event {
                    before: Some(b.state.as_str().into()),
                    after: t.state.as_str().into(),
                    detail: t.why().unwrap_or_default(),
                    ..event(key)
                },
            )),
            _ => {}
        }
    }
    let mut gone: Vec<(Key, Event)> = (old.iter())
        .filter(|(key, _)| !after.contains_key(key))
        .map(|(key, b)| {
            let e = Event {
                before: Some(b.state.as_str().into()),
                after: "gone".into(),
                detail: "deregistered".into(),
                ..event(key)
            };
            (*key, e)
        })
        .collect();
    in_order(&mut seen);
    in_order(&mut gone);
    seen.into_iter().chain(gone).map(|(_, e)| e).collect()
}

/// A probe whose answer changed in words (`200 pass` → `503 db down`): not its latency,
/// and not a target probed for the first time.
fn probes(held: &Snapshot, new: &[ProbeResult], index: &Index, at: DateTime<Utc>) -> Vec<Event> {
    let key = |p: &ProbeResult| {
        (
            p.target_group_arn.clone(),
            p.target_id.clone(),
            p.port,
            p.path.clone(),
        )
    };
    let before: HashMap<_, &ProbeResult> = held.probes.iter().map(|p| (key(p), p)).collect();
    let group = |arn: &str| {
        (held.target_groups.iter())
            .find(|g| g.arn == arn)
            .map_or(arn.to_string(), |g| g.name.clone())
    };
    let mut out = Vec::new();
    for p in new {
        let Some(b) = before.get(&key(p)) else {
            continue;
        };
        let (was, now) = (ProbeRead::of(b), ProbeRead::of(p));
        let (was_words, now_words) = (was.words(), now.words());
        if was_words == now_words {
            continue;
        }
        let detail = (now.failing.iter())
            .find_map(|c| c.detail.clone())
            .or_else(|| now.why().map(str::to_string))
            .unwrap_or_default();
        out.push(Event {
            before: Some(was_words),
            after: now_words,
            detail,
            ..about(
                Event::seen(
                    Source::Probes,
                    at,
                    EventKind::Probe,
                    format!(
                        "{} {}:{} {}",
                        group(&p.target_group_arn),
                        p.target_id,
                        p.port,
                        p.path
                    ),
                ),
                index,
                &p.target_id,
            )
        });
    }
    out
}

fn groups(
    old: &[AutoScalingGroup],
    new: &[AutoScalingGroup],
    index: &Index,
    at: DateTime<Utc>,
) -> Vec<Event> {
    let before = keyed(old, |g| g.name.as_str());
    let mut out = Vec::new();
    for g in new {
        let event = |kind: EventKind, resource: String| {
            Event::seen(Source::AutoScaling, at, kind, resource)
        };
        let Some(b) = before.get(g.name.as_str()) else {
            out.push(Event {
                after: format!("{}/{}/{}", g.min, g.desired, g.max),
                detail: "new group (min/desired/max)".into(),
                ..event(EventKind::Group, g.name.clone())
            });
            continue;
        };
        if (b.min, b.desired, b.max) != (g.min, g.desired, g.max) {
            out.push(Event {
                before: Some(format!("{}/{}/{}", b.min, b.desired, b.max)),
                after: format!("{}/{}/{}", g.min, g.desired, g.max),
                detail: "min/desired/max".into(),
                ..event(EventKind::Group, g.name.clone())
            });
        }
        // Each instance's lifecycle in the group (InService, Standby, Terminating …).
        let members = keyed(&b.instances, |i| i.instance_id.as_str());
        for m in g.instances.iter() {
            let was = members
                .get(m.instance_id.as_str())
                .map(|x| x.lifecycle.as_str());
            if was != Some(m.lifecycle.as_str()) {
                out.push(about(
                    Event {
                        before: was.map(str::to_string),
                        after: m.lifecycle.as_str().to_string(),
                        detail: format!("in {}", g.name),
                        ..event(EventKind::Group, m.instance_id.clone())
                    },
                    index,
                    &m.instance_id,
                ));
            }
        }
        for (id, x) in &members {
            if !g.instances.iter().any(|m| &m.instance_id == id) {
                out.push(about(
                    Event {
                        before: Some(x.lifecycle.as_str().to_string()),
                        after: "gone".into(),
                        detail: format!("left {}", g.name),
                        ..event(EventKind::Group, id.to_string())
                    },
                    index,
                    id,
                ));
            }
        }
        // Scaling activities: started, and ended.
        let known = keyed(&b.activities, |a| a.id.as_str());
        for a in g.activities.iter().rev() {
            let was = known.get(a.id.as_str()).map(|x| x.status);
            if was != Some(a.status) {
                out.push(Event {
                    before: was.map(|s| s.as_str().to_string()),
                    after: a.status.as_str().to_string(),
                    detail: format!("{} · {}", a.description, a.cause),
                    ..event(EventKind::Activity, g.name.clone())
                });
            }
        }
    }
    for name in before.keys() {
        if !new.iter().any(|g| &g.name == name) {
            out.push(Event {
                after: "gone".into(),
                detail: "no longer listed".into(),
                ..Event::seen(Source::AutoScaling, at, EventKind::Group, name.to_string())
            });
        }
    }
    out
}

fn addresses(old: &[ElasticIp], new: &[ElasticIp], index: &Index, at: DateTime<Utc>) -> Vec<Event> {
    let before = keyed(old, |a| a.allocation_id.as_str());
    let bound = |a: &ElasticIp| {
        a.instance_id
            .clone()
            .unwrap_or_else(|| "unassociated".into())
    };
    let mut out = Vec::new();
    for a in new {
        let was = before.get(a.allocation_id.as_str()).map(|b| bound(b));
        if was.as_deref() != Some(bound(a).as_str()) {
            let e = Event {
                before: was,
                after: bound(a),
                detail: a.allocation_id.clone(),
                ..Event::seen(
                    Source::ElasticIps,
                    at,
                    EventKind::Address,
                    a.public_ip.clone(),
                )
            };
            let zone = a.instance_id.as_deref().and_then(|id| index.get(id));
            out.push(Event {
                zone: zone.map(|i| i.zone.clone()),
                name: zone.and_then(|i| i.name.clone()),
                ..e
            });
        }
    }
    for (id, b) in &before {
        if !new.iter().any(|a| &a.allocation_id == id) {
            out.push(Event {
                before: Some(bound(b)),
                after: "released".into(),
                detail: id.to_string(),
                ..Event::seen(
                    Source::ElasticIps,
                    at,
                    EventKind::Address,
                    b.public_ip.clone(),
                )
            });
        }
    }
    out
}

fn images(old: &[Image], new: &[Image], at: DateTime<Utc>) -> Vec<Event> {
    let before = keyed(old, |i| i.id.as_str());
    let mut out = Vec::new();
    for i in new {
        let was = before
            .get(i.id.as_str())
            .map(|b| b.state.as_str().to_string());
        if was.as_deref() != Some(i.state.as_str()) {
            out.push(Event {
                name: Some(i.name.clone()),
                before: was,
                after: i.state.as_str().into(),
                detail: i
                    .source_instance_id
                    .as_ref()
                    .map_or(String::new(), |s| format!("made from {s}")),
                ..Event::seen(Source::Images, at, EventKind::Image, i.id.clone())
            });
        }
    }
    out
}

fn alarms(old: &[Alarm], new: &[Alarm], at: DateTime<Utc>) -> Vec<Event> {
    let before = keyed(old, |a| a.name.as_str());
    let mut out = Vec::new();
    for a in new {
        let was = before
            .get(a.name.as_str())
            .map(|b| b.state.as_str().to_string());
        if was.as_deref() != Some(a.state.as_str()) {
            out.push(Event {
                before: was,
                after: a.state.as_str().into(),
                detail: a.state_reason.clone(),
                ..Event::seen(Source::Alarms, at, EventKind::Alarm, a.name.clone())
            });
        }
    }
    out
}

/// A pattern's verdict changed between two runs of the checks. A verdict that was never
/// judged before (not checked yet) is not news.
pub fn verdict_changes(old: &[Report], new: &[Report], at: DateTime<Utc>) -> Vec<Event> {
    new.iter()
        .filter_map(|r| {
            let b = old.iter().find(|o| o.pattern == r.pattern)?;
            let never_judged = b.verdict == Verdict::Unknown && b.findings.is_empty();
            if b.verdict == r.verdict || never_judged || r.verdict == Verdict::Unknown {
                return None;
            }
            Some(Event {
                at,
                kind: EventKind::Pattern,
                resource: r.pattern.name().to_string(),
                name: None,
                zone: None,
                before: Some(b.verdict.as_str().to_string()),
                after: r.verdict.as_str().to_string(),
                detail: r
                    .problems()
                    .next()
                    .map_or_else(|| r.headline.clone(), |f| f.reason.clone()),
                origin: "check".into(),
            })
        })
        .collect()
}
