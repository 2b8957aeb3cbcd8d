//! The simulated cloud follows AWS semantics: placement, replacement, health checks, outages,
//! Elastic IP reassociation, images, and determinism.

use super::{default_sim, instance_named, secs, snapshot, start};
use patrol::cloud::sim::{Fault, Scenario, SimCloud};
use patrol::cloud::{CloudErrorKind, CreateImageRequest};
use patrol::model::{ImageState, InstanceState, LifecycleState, Snapshot, TargetHealthState};
use patrol::playback::Playback;
use std::collections::BTreeMap;

fn in_service_per_zone(s: &Snapshot, group: &str) -> BTreeMap<String, usize> {
    let g = s
        .auto_scaling_groups
        .iter()
        .find(|g| g.name == group)
        .unwrap();
    let mut counts: BTreeMap<String, usize> = g.zones.iter().map(|z| (z.clone(), 0)).collect();
    for i in g
        .instances
        .iter()
        .filter(|i| i.lifecycle == LifecycleState::InService)
    {
        *counts.get_mut(&i.zone).unwrap() += 1;
    }
    counts
}

fn target_state(s: &Snapshot, group: &str, instance: &str) -> Option<TargetHealthState> {
    s.target_groups
        .iter()
        .find(|g| g.name == group)?
        .targets
        .iter()
        .find(|t| t.target_id == instance)
        .map(|t| t.state)
}

fn healthy_in(s: &Snapshot, group: &str) -> Vec<String> {
    let index = s.instance_index();
    s.target_groups
        .iter()
        .find(|g| g.name == group)
        .unwrap()
        .targets
        .iter()
        .filter(|t| t.state == TargetHealthState::Healthy)
        .map(|t| index[t.target_id.as_str()].zone.clone())
        .collect()
}

#[test]
fn launches_are_balanced_across_zones() {
    let sim = default_sim();
    let counts = in_service_per_zone(&snapshot(&sim), "web-asg");
    assert_eq!(counts.values().sum::<usize>(), 4);
    let (max, min) = (
        counts.values().max().unwrap(),
        counts.values().min().unwrap(),
    );
    assert!(max - min <= 1, "{counts:?}");

    sim.world_mut().set_desired_capacity("web-asg", 9).unwrap();
    sim.advance(secs(120));
    let counts = in_service_per_zone(&snapshot(&sim), "web-asg");
    assert_eq!(
        counts.values().copied().collect::<Vec<_>>(),
        vec![3, 3, 3],
        "{counts:?}"
    );
}

#[test]
fn a_crashed_instance_goes_unhealthy_and_is_replaced() {
    let sim = default_sim();
    let victim = sim.world_mut().oldest_in_service("web-asg").unwrap();
    sim.world_mut().inject(Fault::Crash {
        instance_id: victim.clone(),
    });

    sim.advance(secs(25));
    let s = snapshot(&sim);
    let state = target_state(&s, "web-tg", &victim);
    assert!(
        matches!(
            state,
            Some(TargetHealthState::Unhealthy) | Some(TargetHealthState::Draining)
        ),
        "after two failed checks the target must be out: {state:?}"
    );

    sim.advance(secs(180));
    let s = snapshot(&sim);
    let g = &s.auto_scaling_groups[0];
    assert!(
        g.instances.iter().all(|i| i.instance_id != victim),
        "victim left the group"
    );
    assert_eq!(g.count(&LifecycleState::InService), 4);
    assert_eq!(healthy_in(&s, "web-tg").len(), 4, "replacement is healthy");
    let victim_state = s.instances.iter().find(|i| i.id == victim).map(|i| i.state);
    assert_eq!(victim_state, Some(InstanceState::Terminated));
    let causes: Vec<&str> = g.activities.iter().map(|a| a.cause.as_str()).collect();
    assert!(
        causes
            .iter()
            .any(|c| c.contains("ELB system health check failure")),
        "{causes:?}"
    );
    assert!(
        causes
            .iter()
            .any(|c| c.contains("increasing the capacity from 3 to 4")),
        "{causes:?}"
    );
}

#[test]
fn health_checks_follow_interval_and_thresholds() {
    // app-tg: interval 10s, 2 failures to go unhealthy, 3 successes to come back.
    let sim = default_sim();
    let primary = instance_named(&snapshot(&sim), "app-primary");
    sim.world_mut().inject(Fault::Crash {
        instance_id: primary.clone(),
    });
    let mut went_unhealthy = None;
    for t in 1..=40 {
        sim.advance(secs(1));
        let state = target_state(&snapshot(&sim), "app-tg", &primary);
        if state == Some(TargetHealthState::Unhealthy) {
            went_unhealthy = Some(t);
            break;
        }
        assert_eq!(
            state,
            Some(TargetHealthState::Healthy),
            "one failed check is not enough (t={t})"
        );
    }
    let t = went_unhealthy.expect("unhealthy within 40s");
    assert!(
        (11..=20).contains(&t),
        "two checks 10s apart: went unhealthy at {t}s"
    );

    sim.world_mut().inject(Fault::Recover {
        instance_id: primary.clone(),
    });
    let mut back = None;
    for t in 1..=60 {
        sim.advance(secs(1));
        if target_state(&snapshot(&sim), "app-tg", &primary) == Some(TargetHealthState::Healthy) {
            back = Some(t);
            break;
        }
    }
    let t = back.expect("healthy again within 60s");
    assert!(
        (21..=30).contains(&t),
        "three passing checks 10s apart: healthy at {t}s"
    );
}

#[test]
fn new_targets_start_initial_and_turn_healthy() {
    let sim = default_sim();
    sim.world_mut().set_desired_capacity("web-asg", 5).unwrap();
    sim.advance(secs(60));
    let s = snapshot(&sim);
    let g = &s.auto_scaling_groups[0];
    let new = g
        .instances
        .iter()
        .find(|i| {
            !s.target_groups[0]
                .targets
                .iter()
                .any(|t| t.target_id == i.instance_id && t.state == TargetHealthState::Healthy)
        })
        .unwrap();
    assert_eq!(new.lifecycle, LifecycleState::InService);
    assert_eq!(
        target_state(&s, "web-tg", &new.instance_id),
        Some(TargetHealthState::Initial)
    );
    sim.advance(secs(60));
    assert_eq!(
        target_state(&snapshot(&sim), "web-tg", &new.instance_id),
        Some(TargetHealthState::Healthy)
    );
}

#[test]
fn a_zone_outage_is_rebuilt_in_the_surviving_zones() {
    let sim = default_sim();
    sim.world_mut().inject(Fault::ZoneOutage {
        zone: "us-east-1a".into(),
    });
    sim.advance(secs(6 * 60));
    let s = snapshot(&sim);
    let g = &s.auto_scaling_groups[0];
    assert!(g.min <= g.desired && g.desired <= g.max);
    let counts = in_service_per_zone(&s, "web-asg");
    assert_eq!(counts["us-east-1a"], 0, "{counts:?}");
    assert_eq!(
        counts["us-east-1b"] + counts["us-east-1c"],
        g.desired as usize,
        "{counts:?}"
    );
    let healthy = healthy_in(&s, "web-tg");
    assert_eq!(healthy.len(), 4, "{healthy:?}");
    assert!(healthy.iter().all(|z| z != "us-east-1a"));
    // The standalone primary in the failed zone stays unhealthy: nothing replaces it.
    let primary = instance_named(&s, "app-primary");
    assert_eq!(
        target_state(&s, "app-tg", &primary),
        Some(TargetHealthState::Unhealthy)
    );
}

#[test]
fn elastic_ip_reassociation_moves_the_address() {
    let sim = default_sim();
    let s = snapshot(&sim);
    let (primary, standby) = (
        instance_named(&s, "app-primary"),
        instance_named(&s, "app-standby"),
    );
    let floating = s
        .elastic_ips
        .iter()
        .find(|a| a.public_ip == "203.0.113.10")
        .unwrap();
    assert_eq!(floating.instance_id.as_deref(), Some(primary.as_str()));

    let receipt = sim
        .world_mut()
        .associate_address(&floating.allocation_id, &standby)
        .unwrap();
    assert!(receipt.resource_id.unwrap().starts_with("eipassoc-"));
    assert!(receipt.request_id.is_some());
    let s = snapshot(&sim);
    let moved = s
        .elastic_ips
        .iter()
        .find(|a| a.public_ip == "203.0.113.10")
        .unwrap();
    assert_eq!(moved.instance_id.as_deref(), Some(standby.as_str()));
    let ip_of = |id: &str| {
        s.instances
            .iter()
            .find(|i| i.id == id)
            .unwrap()
            .public_ip
            .clone()
    };
    assert_eq!(ip_of(&standby).as_deref(), Some("203.0.113.10"));
    assert_eq!(ip_of(&primary), None, "the old holder loses the address");
}

#[test]
fn elastic_ip_errors_are_ec2s() {
    let sim = default_sim();
    let s = snapshot(&sim);
    let alloc = s.elastic_ips[0].allocation_id.clone();
    let standby = instance_named(&s, "app-standby");

    let e = sim
        .world_mut()
        .associate_address("eipalloc-0000", &standby)
        .unwrap_err();
    assert_eq!(
        (e.kind, e.code.as_str()),
        (CloudErrorKind::NotFound, "InvalidAllocationID.NotFound")
    );
    let e = sim
        .world_mut()
        .associate_address(&alloc, "i-0000")
        .unwrap_err();
    assert_eq!(
        (e.kind, e.code.as_str()),
        (CloudErrorKind::NotFound, "InvalidInstanceID.NotFound")
    );

    sim.world_mut().set_desired_capacity("web-asg", 5).unwrap();
    sim.advance(secs(11));
    let pending = (snapshot(&sim).instances.iter())
        .find(|i| i.state == InstanceState::Pending)
        .expect("a launch is pending")
        .clone();
    let e = sim
        .world_mut()
        .associate_address(&alloc, &pending.id)
        .unwrap_err();
    assert_eq!(
        (e.kind, e.code.as_str()),
        (CloudErrorKind::Conflict, "IncorrectInstanceState")
    );
    assert!(e.message.contains("pending"), "{}", e.message);
}

#[test]
fn an_image_goes_pending_then_available() {
    let sim = default_sim();
    let s = snapshot(&sim);
    let standby = instance_named(&s, "app-standby");
    let request = CreateImageRequest {
        instance_id: standby.clone(),
        name: "app-standby-clone-1".into(),
        no_reboot: true,
    };
    let id = sim
        .world_mut()
        .create_image(&request)
        .unwrap()
        .resource_id
        .unwrap();
    let state_of = |sim: &SimCloud| {
        snapshot(sim)
            .images
            .into_iter()
            .find(|i| i.id == id)
            .unwrap()
    };
    let image = state_of(&sim);
    assert_eq!(image.state, ImageState::Pending);
    assert_eq!(image.source_instance_id.as_deref(), Some(standby.as_str()));
    sim.advance(secs(119));
    assert_eq!(state_of(&sim).state, ImageState::Pending);
    sim.advance(secs(1));
    assert_eq!(state_of(&sim).state, ImageState::Available);
    // NoReboot: the instance never stopped answering.
    assert_eq!(
        target_state(&snapshot(&sim), "app-tg", &standby),
        Some(TargetHealthState::Healthy)
    );

    let e = sim.world_mut().create_image(&request).unwrap_err();
    assert_eq!(
        (e.kind, e.code.as_str()),
        (CloudErrorKind::Conflict, "InvalidAMIName.Duplicate")
    );
    assert!(e.message.contains(&id));
    let bad = CreateImageRequest {
        name: "x!".into(),
        ..request.clone()
    };
    let e = sim.world_mut().create_image(&bad).unwrap_err();
    assert_eq!(
        (e.kind, e.code.as_str()),
        (CloudErrorKind::Invalid, "InvalidAMIName.Malformed")
    );
}

#[test]
fn an_image_with_reboot_takes_the_instance_down_briefly() {
    let sim = default_sim();
    let standby = instance_named(&snapshot(&sim), "app-standby");
    let request = CreateImageRequest {
        instance_id: standby.clone(),
        name: "with-reboot".into(),
        no_reboot: false,
    };
    sim.world_mut().create_image(&request).unwrap();
    sim.advance(secs(30));
    assert_eq!(
        target_state(&snapshot(&sim), "app-tg", &standby),
        Some(TargetHealthState::Unhealthy)
    );
    sim.advance(secs(60));
    assert_eq!(
        target_state(&snapshot(&sim), "app-tg", &standby),
        Some(TargetHealthState::Healthy)
    );
}

#[test]
fn desired_capacity_outside_min_max_is_refused() {
    let sim = default_sim();
    let e = sim
        .world_mut()
        .set_desired_capacity("web-asg", 11)
        .unwrap_err();
    assert_eq!(e.kind, CloudErrorKind::Invalid);
    assert_eq!(
        e.message,
        "New SetDesiredCapacity value 11 is above max value 10 for the AutoScalingGroup."
    );
    let e = sim
        .world_mut()
        .set_desired_capacity("web-asg", 1)
        .unwrap_err();
    assert!(e.message.contains("below min value 2"), "{}", e.message);
    let e = sim.world_mut().set_desired_capacity("nope", 3).unwrap_err();
    assert_eq!(e.kind, CloudErrorKind::NotFound);
    assert_eq!(
        snapshot(&sim).auto_scaling_groups[0].desired,
        4,
        "nothing changed"
    );
}

#[test]
fn scale_in_terminates_from_the_fullest_zone() {
    let sim = default_sim();
    sim.world_mut().set_desired_capacity("web-asg", 3).unwrap();
    sim.advance(secs(120));
    let counts = in_service_per_zone(&snapshot(&sim), "web-asg");
    assert_eq!(
        counts.values().copied().collect::<Vec<_>>(),
        vec![1, 1, 1],
        "{counts:?}"
    );
}

#[test]
fn the_same_seed_gives_the_same_world() {
    let scenario = Scenario::load("default").unwrap();
    let a = SimCloud::new(&scenario, 7, start(), 1.0);
    let b = SimCloud::new(&scenario, 7, start(), 1.0);
    // Sliced differently, the same total time.
    for _ in 0..600 {
        a.advance(std::time::Duration::from_millis(1000));
    }
    b.advance(secs(300));
    b.advance(std::time::Duration::from_millis(299_500));
    b.advance(std::time::Duration::from_millis(500));
    let (sa, sb) = (snapshot(&a), snapshot(&b));
    assert_eq!(
        serde_json::to_string(&sa).unwrap(),
        serde_json::to_string(&sb).unwrap()
    );
    assert!(
        !sa.auto_scaling_groups[0].activities.is_empty(),
        "the 4m crash happened"
    );

    let c = SimCloud::new(&scenario, 8, start(), 1.0);
    assert_ne!(
        snapshot(&c).instances[0].id,
        snapshot(&SimCloud::new(&scenario, 7, start(), 1.0)).instances[0].id
    );
}

#[test]
fn a_dependency_outage_fails_deep_checks_only() {
    let sim = default_sim();
    sim.world_mut()
        .inject(Fault::DependencyDown { name: "db".into() });
    sim.advance(secs(25));
    let s = snapshot(&sim);
    let web = s.target_groups.iter().find(|g| g.name == "web-tg").unwrap();
    // Every deep check fails; with ELB health checks the group has started replacing them
    // (the deep-health-check trap on AWS too), so each target is unhealthy or draining.
    assert!(
        web.targets
            .iter()
            .all(|t| t.state != TargetHealthState::Healthy),
        "{:?}",
        web.targets
    );
    assert!(web
        .targets
        .iter()
        .any(|t| t.reason.as_deref() == Some("Target.ResponseCodeMismatch")));
    let app = s.target_groups.iter().find(|g| g.name == "app-tg").unwrap();
    assert!(
        app.targets
            .iter()
            .all(|t| t.state == TargetHealthState::Healthy),
        "shallow / stays green"
    );
}

#[test]
fn injected_api_errors_fail_reads_for_a_while() {
    let sim = default_sim();
    let error = patrol::cloud::sim::faults::error_of("throttled").unwrap();
    sim.world_mut().inject(Fault::ApiErrors {
        source: patrol::cloud::Source::TargetGroups,
        error,
        duration: chrono::Duration::seconds(30),
    });
    use patrol::cloud::Cloud;
    let e = futures::executor::block_on(sim.target_groups()).unwrap_err();
    assert_eq!(e.kind, CloudErrorKind::Throttled);
    assert!(
        futures::executor::block_on(sim.instances()).is_ok(),
        "other sources unaffected"
    );
    sim.advance(secs(31));
    assert!(futures::executor::block_on(sim.target_groups()).is_ok());
}

#[test]
fn playback_pauses_changes_speed_and_restarts_the_same_world() {
    use patrol::cloud::Cloud;
    let sim = default_sim();
    let first = snapshot(&sim);
    assert!(sim.toggle_pause());
    assert!(sim.playback_state().paused);
    assert!(!sim.toggle_pause());
    assert_eq!(sim.scale_speed(2.0), 2.0);
    assert_eq!(sim.scale_speed(1e6), 1000.0, "clamped to the fastest");
    assert!(
        matches!(sim.world(), patrol::model::WorldInfo::Simulated { speed, .. } if speed == 1000.0)
    );
    sim.advance(secs(300));
    assert_eq!(sim.playback_state().elapsed.num_seconds(), 300);
    assert_eq!(
        sim.playback_state().next_event_in,
        None,
        "the crash at 4m fired"
    );
    sim.restart(start());
    let again = snapshot(&sim);
    assert_eq!(
        again.instances, first.instances,
        "same scenario, same seed, same world"
    );
    assert_eq!(
        sim.playback_state().next_event_in.map(|d| d.num_seconds()),
        Some(240)
    );
}

/// EC2 never gives a private address held by a live instance to another: at 10,000
/// instances (more launches than one subnet's made-up addresses before this was kept), and
/// through the replacements of crashes and an AZ outage, where the surviving zones'
/// subnets fill up and launches fail, as EC2 refuses them.
#[test]
fn no_two_live_instances_share_a_private_address_at_ten_thousand() {
    let sim = SimCloud::new(&Scenario::load("large-fleet").unwrap(), 42, start(), 1.0);
    for minute in [0, 5, 10] {
        if minute > 0 {
            sim.advance(secs(if minute == 5 { 260 } else { 300 }));
        }
        let s = snapshot(&sim);
        let live: Vec<&String> = (s.instances.iter())
            .filter(|i| i.state != InstanceState::Terminated)
            .filter_map(|i| i.private_ip.as_ref())
            .collect();
        if minute == 0 {
            assert!(live.len() >= 10_000, "{} live", live.len());
            // Every member launched before the scenario starts (none in the future), so
            // every target is healthy before the first crash.
            assert!(s.instances.iter().all(|i| i.launched_at <= s.taken_at));
            sim.advance(secs(40));
            let s = snapshot(&sim);
            let targets: Vec<_> = s.target_groups.iter().flat_map(|g| &g.targets).collect();
            assert!(targets.len() >= 20_000);
            assert!(targets
                .iter()
                .all(|t| t.state == TargetHealthState::Healthy));
        }
        if minute == 10 {
            let refused = (s.auto_scaling_groups.iter())
                .flat_map(|g| &g.activities)
                .any(|a| a.cause.contains("not enough free addresses in subnet"));
            assert!(refused, "no launch refused for a full subnet");
        }
        let distinct: std::collections::HashSet<&&String> = live.iter().collect();
        assert_eq!(
            distinct.len(),
            live.len(),
            "a private address twice at {minute}m"
        );
    }
}
