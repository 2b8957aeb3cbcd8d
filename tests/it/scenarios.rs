//! Every demonstration scenario, played headless to its end on a fixed seed: the pattern's
//! problem shows, and so does its answer.

use super::{instance_named, secs, snapshot, start};
use patrol::cloud::sim::{Scenario, SimCloud};
use patrol::model::{
    ActivityStatus, AlarmState, ImageState, LifecycleState, Snapshot, TargetHealthState,
    CONTENT_VERSION_TAG, NFS_REPLICA,
};
use patrol::patterns::{self, Pattern, Report, Settings, Verdict};
use patrol::playback::Playback;

fn play(name: &str) -> SimCloud {
    SimCloud::new(&Scenario::load(name).unwrap(), 42, start(), 1.0)
}

/// Lets simulated time pass until `t` since the start.
fn until(sim: &SimCloud, t: u64) -> Snapshot {
    let elapsed = sim.world_mut().elapsed().num_seconds() as u64;
    assert!(t >= elapsed, "already at {elapsed}s");
    sim.advance(secs(t - elapsed));
    snapshot(sim)
}

fn report(s: &Snapshot, p: Pattern) -> Report {
    patterns::check(s, &Settings::default(), s.taken_at)
        .into_iter()
        .find(|r| r.pattern == p)
        .unwrap()
}

/// The first moment (checked every 5s, up to `limit` seconds in) that `done` holds.
fn first_time(sim: &SimCloud, limit: u64, done: impl Fn(&Snapshot) -> bool) -> u64 {
    loop {
        let s = snapshot(sim);
        let now = sim.world_mut().elapsed().num_seconds() as u64;
        if done(&s) {
            return now;
        }
        assert!(now < limit, "not done by {limit}s:\n{:#?}", s.target_groups);
        sim.advance(secs(5));
    }
}

fn states(s: &Snapshot, group: &str) -> Vec<TargetHealthState> {
    let g = s.target_groups.iter().find(|g| g.name == group).unwrap();
    g.targets.iter().map(|t| t.state).collect()
}

fn healthy(s: &Snapshot, group: &str) -> usize {
    states(s, group)
        .iter()
        .filter(|x| **x == TargetHealthState::Healthy)
        .count()
}

#[test]
fn instance_crash_the_others_serve_and_the_group_replaces_it() {
    let sim = play("instance-crash");
    assert_eq!(
        patterns::worst(&patterns::check(
            &snapshot(&sim),
            &Settings::default(),
            start()
        )),
        Verdict::Pass
    );
    // Two failed checks after the crash at 1m: unhealthy, before the group's sweep drains it.
    until(&sim, 60);
    first_time(&sim, 100, |s| {
        states(s, "web-tg").contains(&TargetHealthState::Unhealthy)
    });
    let s = snapshot(&sim);
    let web = s.target_groups.iter().find(|g| g.name == "web-tg").unwrap();
    let sick: Vec<_> = web
        .targets
        .iter()
        .filter(|t| t.state == TargetHealthState::Unhealthy)
        .collect();
    assert_eq!(sick.len(), 1, "{:#?}", web.targets);
    assert_eq!(sick[0].reason.as_deref(), Some("Target.Timeout"));
    assert_eq!(healthy(&s, "web-tg"), 2, "the others keep serving");
    let crashed = sick[0].target_id.clone();
    assert_eq!(report(&s, Pattern::MultiServer).verdict, Verdict::Warn);
    // Replaced within 6 simulated minutes: three healthy targets, none of them the crashed one.
    let at = first_time(&sim, 7 * 60, |s| {
        healthy(s, "web-tg") == 3
            && !s.target_groups[0]
                .targets
                .iter()
                .any(|t| t.target_id == crashed)
    });
    assert!(at <= 6 * 60, "replaced at {at}s");
    let s = snapshot(&sim);
    let group = &s.auto_scaling_groups[0];
    assert!(group
        .activities
        .iter()
        .any(|a| a.cause.contains("ELB system health check") && a.description.contains(&crashed)));
    assert_eq!(report(&s, Pattern::MultiServer).verdict, Verdict::Pass);
}

#[test]
fn az_outage_capacity_is_rebuilt_in_the_surviving_zones() {
    let sim = play("az-outage");
    until(&sim, 60);
    first_time(&sim, 100, |s| {
        states(s, "web-tg").contains(&TargetHealthState::Unhealthy)
    });
    let s = snapshot(&sim);
    let index = s.instance_index();
    let web = &s.target_groups[0];
    for t in &web.targets {
        let zone = &index[t.target_id.as_str()].zone;
        if zone == "us-east-1a" {
            // Failing its checks, or already being drained by the group's replacement.
            assert!(
                matches!(
                    t.state,
                    TargetHealthState::Unhealthy | TargetHealthState::Draining
                ),
                "{zone}: {:?}",
                t.state
            );
        } else {
            assert_eq!(t.state, TargetHealthState::Healthy, "{zone}");
        }
    }
    let mdc = report(&s, Pattern::MultiDataCenter);
    assert!(
        mdc.problems()
            .any(|f| f.reason.starts_with("us-east-1a: no healthy target")),
        "{mdc:#?}"
    );
    // Within 8 simulated minutes the desired 6 are in service, all in 1b and 1c, and healthy.
    let at = first_time(&sim, 9 * 60, |s| {
        let g = &s.auto_scaling_groups[0];
        let in_service: Vec<_> = g
            .instances
            .iter()
            .filter(|i| i.lifecycle == LifecycleState::InService)
            .collect();
        in_service.len() == g.desired as usize
            && in_service.iter().all(|i| i.zone != "us-east-1a")
            && healthy(s, "web-tg") == 6
    });
    assert!(at <= 8 * 60, "rebuilt at {at}s");
    let s = snapshot(&sim);
    let g = &s.auto_scaling_groups[0];
    assert_eq!(g.desired, 6);
    assert_eq!(report(&s, Pattern::MultiServer).verdict, Verdict::Pass);
    // 1a holds nothing now: the group is imbalanced, and the check says so.
    assert!(report(&s, Pattern::MultiDataCenter)
        .problems()
        .any(|f| f.reason.contains("imbalanced")));

    // 1a returns at 12m and the group rebalances (AZRebalance): launch in 1a first, then
    // terminate in the crowded zones, so fewer than 6 are never in service.
    until(&sim, 12 * 60);
    let per_zone = |s: &Snapshot| {
        let mut n = std::collections::BTreeMap::new();
        for i in &s.auto_scaling_groups[0].instances {
            if i.lifecycle == LifecycleState::InService {
                *n.entry(i.zone.clone()).or_insert(0) += 1;
            }
        }
        n
    };
    // What the operator is told at 12m is what happens next: a dip in healthy targets.
    assert!(
        sim.narration().is_some_and(|n| n.contains("dip to 5")),
        "{:?}",
        sim.narration()
    );
    // AZRebalance terminates once the new instance is InService, before its target is
    // healthy (as AWS does): in-service never drops below 6, healthy targets dip by one.
    let fewest_healthy = std::cell::Cell::new(usize::MAX);
    let at = first_time(&sim, 30 * 60, |s| {
        let in_service: usize = per_zone(s).values().sum();
        assert!(in_service >= 6, "capacity dipped: {:?}", per_zone(s));
        fewest_healthy.set(fewest_healthy.get().min(healthy(s, "web-tg")));
        per_zone(s).values().all(|n| *n == 2) && per_zone(s).len() == 3
    });
    assert!(at <= 20 * 60, "balanced at {at}s");
    assert_eq!(
        fewest_healthy.get(),
        5,
        "the narration and the README promise a dip to 5 healthy, never lower"
    );
    // The last one terminated drains, then leaves: no extra is left behind.
    first_time(&sim, at + 600, |s| {
        let g = &s.auto_scaling_groups[0];
        (g.desired, g.instances.len()) == (6, 6)
    });
    let s = snapshot(&sim);
    let g = &s.auto_scaling_groups[0];
    assert!(g.activities.iter().any(|a| a
        .cause
        .contains("to balance instances across Availability Zones")));
    let until_healthy = first_time(&sim, at + 900, |s| healthy(s, "web-tg") == 6);
    let s = snapshot(&sim);
    assert_eq!(
        report(&s, Pattern::MultiDataCenter).verdict,
        Verdict::Pass,
        "balanced and healthy at {until_healthy}s"
    );
}

#[test]
fn primary_failure_waits_for_the_operator_to_swap() {
    let sim = play("primary-failure");
    let s0 = snapshot(&sim);
    let eip = s0.elastic_ips[0].allocation_id.clone();
    let standby = instance_named(&s0, "app-standby");
    let s = until(&sim, 180);
    assert!(sim.playback_state().awaiting_operator);
    assert!(sim.narration().unwrap().starts_with("YOUR MOVE"));
    let fip = report(&s, Pattern::FloatingIp);
    assert_eq!(fip.verdict, Verdict::Fail, "{fip:#?}");
    // It keeps waiting: nothing after the wait fires on its own.
    until(&sim, 400);
    assert!(sim.playback_state().awaiting_operator);
    assert!(sim.narration().unwrap().starts_with("YOUR MOVE"));
    sim.world_mut().associate_address(&eip, &standby).unwrap();
    let s = until(&sim, 410);
    assert!(!sim.playback_state().awaiting_operator);
    assert!(
        sim.narration().unwrap().starts_with("Swapped"),
        "{:?}",
        sim.narration()
    );
    assert_eq!(
        s.elastic_ips[0].instance_id.as_deref(),
        Some(standby.as_str())
    );
    assert_ne!(report(&s, Pattern::FloatingIp).verdict, Verdict::Fail);
    // The recovery keeps its spacing from the wait (1m30s → 3m): about 90s after the swap.
    let at = first_time(&sim, 600, |s| {
        healthy(s, "app-tg") == 2 && report(s, Pattern::FloatingIp).verdict == Verdict::Pass
    });
    assert!(
        (480..=560).contains(&at),
        "primary back and a standby again at {at}s"
    );
}

#[test]
fn db_down_fails_every_deep_check_while_the_shallow_one_stays_green() {
    let sim = play("db-down");
    let s = until(&sim, 100);
    assert!(states(&s, "web-tg")
        .iter()
        .all(|x| *x == TargetHealthState::Unhealthy));
    assert!(s.target_groups[0]
        .targets
        .iter()
        .all(|t| t.reason.as_deref() == Some("Target.ResponseCodeMismatch")));
    assert_eq!(
        healthy(&s, "web-static-tg"),
        4,
        "the shallow check sees nothing wrong"
    );
    let deep = report(&s, Pattern::DeepHealthCheck);
    assert_eq!(deep.verdict, Verdict::Fail);
    let f = deep.problems().next().unwrap();
    assert!(
        f.reason.contains("shared dependency") && f.reason.contains("web-static-tg"),
        "{f:?}"
    );
    // EC2 health checks: the group does not churn while the database is down.
    assert!(s.auto_scaling_groups[0].activities.is_empty());
    let at = first_time(&sim, 8 * 60, |s| healthy(s, "web-tg") == 4);
    assert!((300..=360).contains(&at), "recovered at {at}s");
    let s = snapshot(&sim);
    assert_eq!(
        report(&s, Pattern::DeepHealthCheck).verdict,
        Verdict::Warn,
        "only the shallow path warns"
    );
    assert_eq!(report(&s, Pattern::MultiServer).verdict, Verdict::Pass);
}

#[test]
fn traffic_spike_scales_out_and_cpu_settles() {
    let sim = play("traffic-spike");
    let cpu = |s: &Snapshot| s.metrics[0].latest().unwrap();
    assert!(cpu(&snapshot(&sim)) < 60.0);
    let fired = first_time(&sim, 6 * 60, |s| s.alarms[0].state == AlarmState::Alarm);
    assert!(fired <= 5 * 60, "alarm at {fired}s");
    let s = until(&sim, 12 * 60);
    let g = &s.auto_scaling_groups[0];
    assert_eq!(g.desired, 6, "{:#?}", g.activities);
    assert_eq!(g.count(&LifecycleState::InService), 6);
    assert!(g
        .activities
        .iter()
        .any(|a| a.cause.contains("web-cpu-high")));
    assert!(cpu(&s) < 70.0, "CPU settled: {}", cpu(&s));
    assert_eq!(s.alarms[0].state, AlarmState::Ok);
    assert_eq!(report(&s, Pattern::ScaleOut).verdict, Verdict::Pass);

    // From 12m the load falls back to 1×: CPU drops under web-cpu-low's 30%, the scale-in
    // policy takes one instance per cooldown, and stops once CPU is back over 30%.
    let low = |s: &Snapshot| s.alarms.iter().find(|a| a.name == "web-cpu-low").cloned();
    assert_eq!(low(&s).unwrap().comparison.symbol(), "<");
    let fired = first_time(&sim, 20 * 60, |s| {
        low(s).is_some_and(|a| a.state == AlarmState::Alarm)
    });
    assert!(
        low(&snapshot(&sim))
            .unwrap()
            .state_reason
            .contains("less than the threshold (30.0)"),
        "{:?}",
        low(&snapshot(&sim))
    );
    let mut desired = vec![6];
    let mut t = fired;
    while t < 45 * 60 {
        t += 30;
        let s = until(&sim, t);
        let d = s.auto_scaling_groups[0].desired;
        if Some(&d) != desired.last() {
            desired.push(d);
        }
    }
    assert_eq!(desired, [6, 5, 4], "one at a time, then it holds");
    let s = snapshot(&sim);
    let g = &s.auto_scaling_groups[0];
    assert_eq!(g.instances.len(), 4, "the others terminated");
    assert!(g
        .activities
        .iter()
        .any(|a| a.cause.contains("web-cpu-low") && a.cause.contains("from 5 to 4")));
    assert!((30.0..70.0).contains(&cpu(&s)), "CPU {}", cpu(&s));
    assert_eq!(low(&s).unwrap().state, AlarmState::Ok);
    assert_eq!(report(&s, Pattern::ScaleOut).verdict, Verdict::Pass);
}

#[test]
fn clone_and_scale_grows_a_group_from_the_new_image() {
    let sim = play("clone-and-scale");
    let s = snapshot(&sim);
    assert_eq!(
        report(&s, Pattern::CloneServer).verdict,
        Verdict::Warn,
        "no image yet"
    );
    let s = until(&sim, 150);
    let image = s.images.iter().find(|i| i.name == "shop-master").unwrap();
    assert_eq!(image.state, ImageState::Pending);
    let g = &s.auto_scaling_groups[0];
    assert!(
        g.activities
            .iter()
            .any(|a| a.status == ActivityStatus::Failed && a.cause.contains("not available")),
        "{:#?}",
        g.activities
    );
    assert_eq!(g.count(&LifecycleState::InService), 0);
    let at = first_time(&sim, 9 * 60, |s| healthy(s, "shop-tg") == 4);
    assert!(at <= 7 * 60, "four healthy at {at}s");
    let s = snapshot(&sim);
    assert_eq!(s.images[0].state, ImageState::Available);
    assert_eq!(
        s.auto_scaling_groups[0].count(&LifecycleState::InService),
        3
    );
    assert_eq!(report(&s, Pattern::CloneServer).verdict, Verdict::Pass);
    assert_eq!(report(&s, Pattern::MultiServer).verdict, Verdict::Pass);
}

#[test]
fn nfs_overload_latency_rises_with_the_clients() {
    let sim = play("nfs-overload");
    let latency_of = |s: &Snapshot, name: &str| {
        let id = instance_named(s, name);
        s.nfs_latency(&id).unwrap().points.last().unwrap().value
    };
    let latency = |s: &Snapshot| latency_of(s, "nfs-1");
    let mut seen = Vec::new();
    for t in [0, 3 * 60, 6 * 60, 10 * 60] {
        let s = if t == 0 {
            snapshot(&sim)
        } else {
            until(&sim, t)
        };
        seen.push((latency(&s), report(&s, Pattern::NfsSharing).verdict));
    }
    assert!(
        seen.windows(2).all(|w| w[0].0 < w[1].0),
        "latency rises: {seen:?}"
    );
    assert_eq!(seen[0].1, Verdict::Pass);
    assert!(seen[3].0 > 20.0, "{seen:?}");
    assert_eq!(seen[3].1, Verdict::Fail, "18 clients on one server");
    // The clients mount nfs-1: its standby idles, whatever their number.
    let s = until(&sim, 10 * 60);
    assert!(latency_of(&s, "nfs-2") < 3.0, "{}", latency_of(&s, "nfs-2"));
}

#[test]
fn nfs_replica_goes_stale_then_every_replica_resyncs() {
    let sim = play("nfs-replica");
    let mut verdicts = vec![report(&snapshot(&sim), Pattern::NfsReplica).verdict];
    let source = instance_named(&snapshot(&sim), "nfs-source");
    while sim.world_mut().elapsed().num_seconds() < 7 * 60 {
        sim.advance(secs(10));
        let v = report(&snapshot(&sim), Pattern::NfsReplica).verdict;
        if verdicts.last() != Some(&v) {
            verdicts.push(v);
        }
    }
    assert_eq!(verdicts.first(), Some(&Verdict::Pass));
    assert_eq!(
        verdicts[1],
        Verdict::Fail,
        "every replica stale right after the update: {verdicts:?}"
    );
    assert!(
        verdicts.contains(&Verdict::Warn),
        "some stale, some not: {verdicts:?}"
    );
    assert_eq!(verdicts.last(), Some(&Verdict::Pass), "{verdicts:?}");
    let s = snapshot(&sim);
    let replicas: Vec<_> = s
        .instances
        .iter()
        .filter(|i| {
            i.role() == Some(NFS_REPLICA) && i.state == patrol::model::InstanceState::Running
        })
        .collect();
    assert_eq!(replicas.len(), 6);
    assert!(replicas
        .iter()
        .all(|i| i.tags.get(CONTENT_VERSION_TAG).map(String::as_str) == Some("v2")));
    assert_eq!(
        s.instance(&source)
            .unwrap()
            .tags
            .get(CONTENT_VERSION_TAG)
            .unwrap(),
        "v2"
    );
}

#[test]
fn new_replicas_copy_the_current_content_at_boot() {
    let sim = play("nfs-replica");
    let s = until(&sim, 200);
    let fresh: Vec<_> = s
        .instances
        .iter()
        .filter(|i| {
            i.role() == Some(NFS_REPLICA) && i.launched_at >= start() + chrono::Duration::minutes(2)
        })
        .collect();
    assert_eq!(fresh.len(), 2);
    // Running by 2m50s at the latest, copied 20s later.
    for i in fresh {
        assert_eq!(
            i.tags.get(CONTENT_VERSION_TAG).map(String::as_str),
            Some("v2"),
            "{i:#?}"
        );
    }
}
