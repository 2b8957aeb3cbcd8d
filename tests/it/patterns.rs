//! Every pattern check on a passing fixture and on broken ones, built from scenario
//! snapshots with one thing changed each.

use super::{instance_named, snapshot, start};
use patrol::cloud::sim::{Scenario, SimCloud};
use patrol::model::{
    ActivityStatus, ImageState, InstanceState, LifecycleState, ScalingActivity, Snapshot,
    TargetHealthState, CONTENT_VERSION_TAG, FLOATING_IP_TAG,
};
use patrol::patterns::{self, Pattern, Report, Settings, Verdict};

fn fixture(scenario: &str) -> Snapshot {
    snapshot(&SimCloud::new(
        &Scenario::load(scenario).unwrap(),
        42,
        start(),
        1.0,
    ))
}

fn run(s: &Snapshot, settings: &Settings, p: Pattern) -> Report {
    patterns::check(s, settings, s.taken_at)
        .into_iter()
        .find(|r| r.pattern == p)
        .unwrap()
}

fn verdict(s: &Snapshot, p: Pattern) -> Verdict {
    run(s, &Settings::default(), p).verdict
}

/// The worst finding's reason.
fn worst_reason(s: &Snapshot, p: Pattern) -> String {
    run(s, &Settings::default(), p).findings[0].reason.clone()
}

fn set_targets(s: &mut Snapshot, state: TargetHealthState, reason: &str) {
    for t in s
        .target_groups_mut()
        .iter_mut()
        .flat_map(|g| g.targets.iter_mut())
    {
        t.state = state;
        t.reason = Some(reason.into());
    }
}

#[test]
fn every_pattern_passes_or_is_not_applicable_on_its_healthy_fixture() {
    for (scenario, patterns) in [
        (
            "instance-crash",
            vec![
                Pattern::MultiServer,
                Pattern::MultiDataCenter,
                Pattern::DeepHealthCheck,
                Pattern::ScaleOut,
                Pattern::CloneServer,
            ],
        ),
        ("primary-failure", vec![Pattern::FloatingIp]),
        ("nfs-overload", vec![Pattern::NfsSharing]),
        ("nfs-replica", vec![Pattern::NfsReplica]),
    ] {
        let s = fixture(scenario);
        for p in patterns {
            assert_eq!(
                verdict(&s, p),
                Verdict::Pass,
                "{scenario}: {:#?}",
                run(&s, &Settings::default(), p)
            );
        }
    }
    let s = fixture("instance-crash");
    for p in [
        Pattern::FloatingIp,
        Pattern::NfsSharing,
        Pattern::NfsReplica,
    ] {
        assert_eq!(verdict(&s, p), Verdict::NotApplicable);
    }
}

#[test]
fn multi_server_fails_without_healthy_targets_and_names_the_reason() {
    let mut s = fixture("instance-crash");
    s.target_groups_mut()[0].targets[0].state = TargetHealthState::Unhealthy;
    s.target_groups_mut()[0].targets[0].reason = Some("Target.Timeout".into());
    assert_eq!(verdict(&s, Pattern::MultiServer), Verdict::Warn);
    assert!(worst_reason(&s, Pattern::MultiServer).contains("Target.Timeout"));
    s.target_groups_mut()[0].targets[1].state = TargetHealthState::Unhealthy;
    assert_eq!(
        verdict(&s, Pattern::MultiServer),
        Verdict::Warn,
        "1 healthy left"
    );
    assert!(worst_reason(&s, Pattern::MultiServer).contains("1 healthy target of 3"));
    set_targets(&mut s, TargetHealthState::Unhealthy, "Target.Timeout");
    assert_eq!(verdict(&s, Pattern::MultiServer), Verdict::Fail);
}

#[test]
fn multi_datacenter_catches_one_zone_imbalance_mismatch_and_loss() {
    // Everything in one zone: the group cannot survive losing it.
    let mut s = fixture("instance-crash");
    for i in s.instances_mut().iter_mut() {
        i.zone = "us-east-1a".into();
    }
    for gi in s.auto_scaling_groups_mut()[0].instances.iter_mut() {
        gi.zone = "us-east-1a".into();
    }
    let r = run(&s, &Settings::default(), Pattern::MultiDataCenter);
    assert_eq!(r.verdict, Verdict::Fail, "{r:#?}");
    assert!(r
        .problems()
        .any(|f| f.reason.contains("leaves 0 of 3 in service, nothing left")));
    assert!(r
        .problems()
        .any(|f| f.reason.contains("every healthy target sits in us-east-1a")));
    assert!(r.problems().any(|f| f.reason.contains("imbalanced")));
    // The load balancer is not enabled in one of the group's zones.
    let mut s = fixture("instance-crash");
    s.load_balancers[0].zones.retain(|z| z != "us-east-1c");
    let r = run(&s, &Settings::default(), Pattern::MultiDataCenter);
    assert_eq!(r.verdict, Verdict::Warn);
    assert!(
        r.problems()
            .any(|f| f.reason.contains("us-east-1c where web-alb is not enabled")),
        "{r:#?}"
    );
    // Losing the largest zone leaves less than min.
    let mut s = fixture("instance-crash");
    s.auto_scaling_groups_mut()[0].min = 3;
    assert!(worst_reason(&s, Pattern::MultiDataCenter).contains("below min 3"));
}

#[test]
fn floating_ip_fails_on_a_dead_holder_and_warns_without_standby() {
    let base = fixture("primary-failure");
    let primary = instance_named(&base, "app-primary");
    let standby = instance_named(&base, "app-standby");
    let mut s = base.clone();
    s.instances_mut()
        .iter_mut()
        .find(|i| i.id == primary)
        .unwrap()
        .state = InstanceState::Stopped;
    assert_eq!(verdict(&s, Pattern::FloatingIp), Verdict::Fail);
    assert!(worst_reason(&s, Pattern::FloatingIp).contains("which is stopped"));
    let mut s = base.clone();
    let t = s.target_groups_mut()[0]
        .targets
        .iter_mut()
        .find(|t| t.target_id == primary)
        .unwrap();
    t.state = TargetHealthState::Unhealthy;
    assert_eq!(verdict(&s, Pattern::FloatingIp), Verdict::Fail);
    let mut s = base.clone();
    let sb = s
        .instances_mut()
        .iter_mut()
        .find(|i| i.id == standby)
        .unwrap();
    sb.tags.remove(FLOATING_IP_TAG);
    sb.state = InstanceState::Stopped;
    assert_eq!(verdict(&s, Pattern::FloatingIp), Verdict::Warn);
    assert!(worst_reason(&s, Pattern::FloatingIp).contains("no standby ready"));
    let mut s = base;
    s.elastic_ips[0].instance_id = None;
    assert!(worst_reason(&s, Pattern::FloatingIp).contains("bound to nothing"));
}

#[test]
fn deep_health_check_warns_on_shallow_paths_and_fails_on_all_at_once() {
    let mut s = fixture("instance-crash");
    for path in ["/", "/index.html", "/ping.txt"] {
        s.target_groups_mut()[0].health_check.path = Some(path.into());
        assert_eq!(
            verdict(&s, Pattern::DeepHealthCheck),
            Verdict::Warn,
            "{path}"
        );
        assert!(worst_reason(&s, Pattern::DeepHealthCheck).contains("shallow"));
    }
    s.target_groups_mut()[0].health_check.protocol = "TCP".into();
    assert!(worst_reason(&s, Pattern::DeepHealthCheck).contains("checks only that port"));
    let mut s = fixture("instance-crash");
    set_targets(
        &mut s,
        TargetHealthState::Unhealthy,
        "Target.ResponseCodeMismatch",
    );
    assert_eq!(verdict(&s, Pattern::DeepHealthCheck), Verdict::Fail);
    assert!(worst_reason(&s, Pattern::DeepHealthCheck).contains("shared dependency is down"));
    // A custom deep path that is not shallow passes.
    let mut s = fixture("instance-crash");
    s.target_groups_mut()[0].health_check.path = Some("/healthz/full".into());
    assert_eq!(verdict(&s, Pattern::DeepHealthCheck), Verdict::Pass);
}

#[test]
fn scale_out_catches_max_below_min_unwatched_and_unanswered_alarms() {
    let base = fixture("instance-crash");
    let mut s = base.clone();
    s.auto_scaling_groups_mut()[0].desired = s.auto_scaling_groups_mut()[0].max;
    assert_eq!(verdict(&s, Pattern::ScaleOut), Verdict::Warn);
    assert!(worst_reason(&s, Pattern::ScaleOut).contains("at its max"));
    let mut s = base.clone();
    for i in s.auto_scaling_groups_mut()[0].instances.iter_mut().take(2) {
        i.lifecycle = LifecycleState::Pending;
    }
    assert_eq!(verdict(&s, Pattern::ScaleOut), Verdict::Fail);
    let mut s = base.clone();
    s.alarms.clear();
    assert!(worst_reason(&s, Pattern::ScaleOut).contains("no CloudWatch alarm watches it"));
    // CPU above the threshold, and no activity in the last 10 minutes.
    let mut s = base.clone();
    s.metrics[0].points.last_mut().unwrap().value = 95.0;
    assert_eq!(verdict(&s, Pattern::ScaleOut), Verdict::Warn);
    assert!(worst_reason(&s, Pattern::ScaleOut).contains("with no scaling activity"));
    let started_at = s.taken_at;
    s.auto_scaling_groups_mut()[0]
        .activities
        .push(ScalingActivity {
            id: "a".into(),
            description: "Launching a new EC2 instance".into(),
            cause: "alarm".into(),
            status: ActivityStatus::InProgress,
            started_at,
            ended_at: None,
        });
    assert_eq!(
        verdict(&s, Pattern::ScaleOut),
        Verdict::Pass,
        "scaling under way"
    );
    s.auto_scaling_groups_mut()[0].desired = s.auto_scaling_groups_mut()[0].max;
    assert_eq!(
        verdict(&s, Pattern::ScaleOut),
        Verdict::Fail,
        "hot and at max"
    );
}

#[test]
fn clone_server_wants_a_recent_available_image_per_serving_role() {
    let base = fixture("instance-crash");
    let mut s = base.clone();
    s.images.clear();
    assert_eq!(verdict(&s, Pattern::CloneServer), Verdict::Warn);
    assert!(worst_reason(&s, Pattern::CloneServer).contains("web: no image of this role"));
    let short = Settings {
        max_image_age: chrono::Duration::hours(1),
        ..Settings::default()
    };
    let r = run(&base, &short, Pattern::CloneServer);
    assert_eq!(r.verdict, Verdict::Warn);
    assert!(
        r.findings[0].reason.contains("20h old, older than 60m"),
        "{r:#?}"
    );
    let mut s = base.clone();
    s.images[0].state = ImageState::Failed;
    assert_eq!(verdict(&s, Pattern::CloneServer), Verdict::Fail);
    s.images[0].state = ImageState::Pending;
    assert!(worst_reason(&s, Pattern::CloneServer).contains("still pending"));
}

#[test]
fn nfs_sharing_needs_a_running_server_a_standby_and_few_clients() {
    let base = fixture("nfs-overload");
    let nfs1 = instance_named(&base, "nfs-1");
    let nfs2 = instance_named(&base, "nfs-2");
    let mut s = base.clone();
    s.instances_mut().retain(|i| i.id != nfs2);
    assert_eq!(verdict(&s, Pattern::NfsSharing), Verdict::Warn);
    assert!(worst_reason(&s, Pattern::NfsSharing).contains("has no standby"));
    let mut s = base.clone();
    for i in s
        .instances_mut()
        .iter_mut()
        .filter(|i| i.id == nfs1 || i.id == nfs2)
    {
        i.state = InstanceState::Stopped;
    }
    assert_eq!(verdict(&s, Pattern::NfsSharing), Verdict::Fail);
    assert!(worst_reason(&s, Pattern::NfsSharing).contains("no running NFS server"));
    let three = Settings {
        max_nfs_clients: 3,
        ..Settings::default()
    };
    assert_eq!(
        run(&base, &three, Pattern::NfsSharing).verdict,
        Verdict::Warn
    );
    let one = Settings {
        max_nfs_clients: 1,
        ..Settings::default()
    };
    assert_eq!(run(&base, &one, Pattern::NfsSharing).verdict, Verdict::Fail);
    // Latency: above the limit warns, above twice it fails; the limit is a setting.
    let mut s = base;
    s.instance_metrics[0].points.last_mut().unwrap().value = 30.0;
    assert_eq!(verdict(&s, Pattern::NfsSharing), Verdict::Warn);
    assert!(worst_reason(&s, Pattern::NfsSharing).contains("30.0 ms, above 20 ms"));
    s.instance_metrics[0].points.last_mut().unwrap().value = 45.0;
    assert_eq!(verdict(&s, Pattern::NfsSharing), Verdict::Fail);
    assert!(worst_reason(&s, Pattern::NfsSharing).contains("more than twice the 20 ms"));
    let relaxed = Settings {
        max_nfs_latency_ms: 50.0,
        ..Settings::default()
    };
    let report = run(&s, &relaxed, Pattern::NfsSharing);
    assert!(
        (report.findings.iter())
            .any(|f| f.reason.contains("answers in 45.0 ms") && f.verdict == Verdict::Pass),
        "{report:?}"
    );
}

#[test]
fn nfs_replica_finds_stale_replicas_and_a_missing_source() {
    let base = fixture("nfs-replica");
    let source = instance_named(&base, "nfs-source");
    let mut s = base.clone();
    s.instances_mut()
        .iter_mut()
        .find(|i| i.id == source)
        .unwrap()
        .tags
        .insert(CONTENT_VERSION_TAG.into(), "v9".into());
    assert_eq!(
        verdict(&s, Pattern::NfsReplica),
        Verdict::Fail,
        "every replica behind"
    );
    let mut s = base.clone();
    let replica = s
        .instances_mut()
        .iter_mut()
        .find(|i| i.role() == Some("nfs-replica"))
        .unwrap();
    replica.tags.insert(CONTENT_VERSION_TAG.into(), "v0".into());
    assert_eq!(verdict(&s, Pattern::NfsReplica), Verdict::Warn);
    assert!(
        worst_reason(&s, Pattern::NfsReplica).contains("serves content v0, behind the source's v1")
    );
    let mut s = base;
    s.instances_mut().retain(|i| i.role() != Some("nfs-server"));
    assert_eq!(verdict(&s, Pattern::NfsReplica), Verdict::Fail);
    assert!(worst_reason(&s, Pattern::NfsReplica).contains("no running nfs-server"));
}

#[test]
fn a_standby_behind_the_source_warns_until_it_syncs() {
    use patrol::cloud::sim::{Scenario, SimCloud};
    use patrol::playback::Playback;
    let sim = SimCloud::new(
        &Scenario::load("nfs-replica").unwrap(),
        42,
        crate::start(),
        1.0,
    );
    let sharing = |sim: &SimCloud| {
        let s = crate::snapshot(sim);
        patrol::patterns::check_pattern(
            patrol::patterns::Pattern::NfsSharing,
            &s,
            &patrol::patterns::Settings::default(),
            s.taken_at,
        )
    };
    assert_eq!(sharing(&sim).verdict, patrol::patterns::Verdict::Pass);
    // v2 lands on the source at 1m; the standby still has v1.
    sim.advance(crate::secs(120));
    let r = sharing(&sim);
    assert_eq!(r.verdict, patrol::patterns::Verdict::Warn);
    let behind = r.problems().next().unwrap();
    assert!(
        behind.reason.starts_with("standby nfs-source-standby")
            && behind.reason.contains("has content v1, the source has v2"),
        "{behind:?}"
    );
    // It syncs at 3m.
    sim.advance(crate::secs(90));
    assert_eq!(sharing(&sim).verdict, patrol::patterns::Verdict::Pass);
}
