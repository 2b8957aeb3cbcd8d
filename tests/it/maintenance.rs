//! Maintenance mode: the plan and its preflight, the way out through draining and the way
//! back into exactly what it left, the audit pair, read-only refusal, the simulator's
//! Standby rules, and the maintenance-window scenario driven by a scripted operator.

use crate::{default_sim, instance_named, secs, snapshot, start};
use patrol::cloud::sim::{Scenario, SimCloud};
use patrol::cloud::{Cloud, CloudErrorKind};
use patrol::model::{
    LifecycleState, MaintenanceNote, Snapshot, TargetHealthState, MAINTENANCE_TAG,
};
use patrol::ops::{Action, AuditLog, Direction, Maintenance, OpError, Ops, Plan};
use patrol::playback::Playback;
use std::sync::Arc;

fn window(speed: f64) -> SimCloud {
    SimCloud::new(
        &Scenario::load("maintenance-window").unwrap(),
        42,
        start(),
        speed,
    )
}

/// The maintenance-window fleet without its timeline: nothing is patched (its application
/// restarted) behind a test's back, however slowly the test runs.
fn quiet_window(speed: f64) -> SimCloud {
    let text = include_str!("../../assets/scenarios/maintenance-window.toml");
    let fleet = &text[..text.find("[[events]]").unwrap()];
    SimCloud::new(
        &Scenario::parse("maintenance-window (no events)", fleet).unwrap(),
        42,
        start(),
        speed,
    )
}

fn plan(s: &Snapshot, id: &str, direction: Direction, decrement: bool) -> Plan {
    Maintenance::new(id, direction, decrement).plan(s).unwrap()
}

fn ops(sim: &SimCloud, dir: &tempfile::TempDir, read_only: bool) -> Ops {
    Ops::new(
        Arc::new(sim.clone()),
        AuditLog::new(dir.path().join("audit.jsonl")),
        read_only,
    )
}

fn audit(dir: &tempfile::TempDir) -> Vec<serde_json::Value> {
    std::fs::read_to_string(dir.path().join("audit.jsonl"))
        .unwrap_or_default()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

fn check<'a>(p: &'a Plan, what: &str) -> &'a patrol::ops::Check {
    p.checks
        .iter()
        .find(|c| c.what == what)
        .unwrap_or_else(|| panic!("no check {what:?} in {:#?}", p.checks))
}

/// The web instance in `zone`.
fn web_in(s: &Snapshot, zone: &str) -> String {
    s.instances
        .iter()
        .find(|i| i.name.as_deref() == Some("web") && i.zone == zone)
        .unwrap_or_else(|| panic!("no web instance in {zone}"))
        .id
        .clone()
}

fn lifecycle(s: &Snapshot, id: &str) -> Option<LifecycleState> {
    s.group_member(id).map(|(_, l)| l.clone())
}

fn target(s: &Snapshot, tg: &str, id: &str) -> Option<TargetHealthState> {
    s.target_groups
        .iter()
        .find(|t| t.name == tg)
        .and_then(|t| t.targets.iter().find(|t| t.target_id == id))
        .map(|t| t.state)
}

/// An instance of `group` that is InService.
fn in_service(s: &Snapshot, group: &str) -> String {
    s.auto_scaling_groups
        .iter()
        .find(|g| g.name == group)
        .and_then(|g| {
            g.instances
                .iter()
                .find(|i| i.lifecycle == LifecycleState::InService)
        })
        .map(|i| i.instance_id.clone())
        .unwrap_or_else(|| panic!("nothing in service in {group}"))
}

fn healthy(s: &Snapshot, tg: &str) -> usize {
    let g = s.target_groups.iter().find(|t| t.name == tg).unwrap();
    s.healthy_targets(g)
}

#[test]
fn the_plan_in_a_group_says_the_calls_the_drain_and_what_remains() {
    let sim = default_sim();
    sim.advance(secs(60));
    let s = snapshot(&sim);
    let id = web_in(&s, "us-east-1b");
    let p = plan(&s, &id, Direction::Start, true);
    let text = p.text().join("\n");
    for want in [
        format!("Take web ({id}) out of service"),
        "web-asg: InService → Standby; desired 4 → 3 (min 2): the group shrinks by one".into(),
        "web-tg:80 drains it for 30s (its group deregisters it); healthy left: 3".into(),
        format!("ec2:CreateTags Resources={id} Tags=[patrol:maintenance=since=<the time of the call> asg=web-asg decrement=yes tg=web-tg:80]"),
        format!("autoscaling:EnterStandby AutoScalingGroupName=web-asg InstanceIds={id} ShouldDecrementDesiredCapacity=true"),
        "web-asg in service while it is out: 3".into(),
        format!("patrol maintenance end {id}"),
    ] {
        assert!(text.contains(&want), "{want:?} not in\n{text}");
    }
    // The group deregisters it: patrol sends no DeregisterTargets of its own.
    assert!(!text.contains("DeregisterTargets"), "{text}");
    // Its zone has no other web target: a consequence to accept, not a failure.
    assert!(!p.blocked());
    let zone = check(&p, "web-tg keeps a healthy target in us-east-1b");
    assert_eq!(zone.level, patrol::ops::CheckLevel::Choice);

    // Without decrementing, the plan says a replacement launches and the group grows.
    let keep = plan(&s, &id, Direction::Start, false);
    let text = keep.text().join("\n");
    assert!(
        text.contains("desired stays 4: the group launches a replacement"),
        "{text}"
    );
    assert!(
        text.contains("ShouldDecrementDesiredCapacity=false"),
        "{text}"
    );
    assert!(text.contains("desired becomes 5"), "{text}");
}

#[test]
fn the_plan_outside_a_group_deregisters_with_the_target_groups_delay() {
    let sim = default_sim();
    sim.advance(secs(60));
    let s = snapshot(&sim);
    let standby = instance_named(&s, "app-standby");
    let p = plan(&s, &standby, Direction::Start, true);
    let text = p.text().join("\n");
    let arn = &s
        .target_groups
        .iter()
        .find(|t| t.name == "app-tg")
        .unwrap()
        .arn;
    assert!(text.contains(&format!(
        "elasticloadbalancing:DeregisterTargets TargetGroupArn={arn} Targets=[Id={standby},Port=8080]"
    )), "{text}");
    // app-tg's delay is the scenario's default, 30 s.
    assert!(text.contains("app-tg:8080 drains it for 30s"), "{text}");
    assert!(!text.contains("EnterStandby"), "{text}");
    assert!(p.fields.is_empty(), "no group: nothing to decrement");
    // app-primary stays: one healthy target is left, which the operator must accept.
    assert_eq!(
        check(&p, "app-tg keeps two healthy targets").level,
        patrol::ops::CheckLevel::Choice
    );
}

#[test]
fn each_preflight_failure_explains_itself_and_cannot_be_accepted() {
    let sim = default_sim();
    sim.advance(secs(60));
    let s = snapshot(&sim);
    let dir = tempfile::tempdir().unwrap();
    let ops = ops(&sim, &dir, false);

    // It holds the floating IP: swap first.
    let primary = instance_named(&s, "app-primary");
    let mut p = plan(&s, &primary, Direction::Start, true);
    let c = check(&p, "it holds no floating IP");
    assert!(c.detail.contains("203.0.113.10") && c.detail.contains("swap it to the standby first"));
    p.toggle_accept();
    assert!(matches!(
        crate::on_tokio(ops.execute(&p, &|_| {})),
        Err(OpError::Preflight(_))
    ));

    // It would leave a target group with no healthy target: app-primary leaves app-tg
    // (by hand), then app-standby is the last one.
    let app_tg = s
        .target_groups
        .iter()
        .find(|t| t.name == "app-tg")
        .unwrap()
        .arn
        .clone();
    crate::on_tokio(sim.deregister_target(&app_tg, &primary, 8080)).unwrap();
    sim.advance(secs(31));
    let s2 = snapshot(&sim);
    let standby = instance_named(&s2, "app-standby");
    let p = plan(&s2, &standby, Direction::Start, true);
    let c = check(&p, "app-tg keeps a healthy target");
    assert_eq!(c.level, patrol::ops::CheckLevel::Fail, "{c:?}");
    assert!(c.detail.contains("0 healthy targets stay in app-tg"));

    // The group would drop below min in service.
    crate::on_tokio(sim.set_desired_capacity("web-asg", 2)).unwrap();
    sim.advance(secs(120));
    let s3 = snapshot(&sim);
    let web = in_service(&s3, "web-asg");
    let p = plan(&s3, &web, Direction::Start, true);
    let c = check(&p, "web-asg keeps its minimum in service");
    assert_eq!(c.level, patrol::ops::CheckLevel::Fail);
    assert!(
        c.detail.contains("1 in service while it is out, min 2"),
        "{c:?}"
    );
    let c = check(&p, "desired minus one stays at or above min");
    assert!(c.detail.contains("AWS refuses"), "{c:?}");
    assert!(p.blocked());
    assert!(audit(&dir).is_empty(), "nothing was tried");
}

#[tokio::test]
async fn out_through_draining_and_back_into_exactly_what_it_left() {
    let sim = quiet_window(40.0);
    sim.advance(secs(60));
    let clock = tokio::spawn(sim.run_clock());
    let dir = tempfile::tempdir().unwrap();
    let ops = ops(&sim, &dir, false);
    let s = snapshot(&sim);
    let id = web_in(&s, "us-east-1a");

    let mut out = plan(&s, &id, Direction::Start, true);
    out.toggle_accept();
    let outcome = ops.execute(&out, &|_| {}).await.unwrap();
    assert!(outcome.verified, "verified once drained");
    let s = snapshot(&sim);
    assert_eq!(lifecycle(&s, &id), Some(LifecycleState::Standby));
    assert_eq!(
        target(&s, "web-tg", &id),
        None,
        "gone from web-tg, not draining"
    );
    let g = s
        .auto_scaling_groups
        .iter()
        .find(|g| g.name == "web-asg")
        .unwrap();
    assert_eq!(g.desired, 2, "decremented as planned");
    let tag = s.instance(&id).unwrap().tags.get(MAINTENANCE_TAG).unwrap();
    let note = MaintenanceNote::parse(tag).unwrap();
    assert_eq!(note.group.as_deref(), Some("web-asg"));
    assert_eq!(note.targets, vec![("web-tg".to_string(), 80)]);
    assert!(note.decremented);
    assert_eq!(s.maintenance_of(&id).unwrap().instance_id, id);

    // The way back is planned from what the tag remembers.
    let back = plan(&s, &id, Direction::End, true);
    let text = back.text().join("\n");
    assert!(
        text.contains(&format!(
            "autoscaling:ExitStandby AutoScalingGroupName=web-asg InstanceIds={id}"
        )),
        "{text}"
    );
    assert!(
        text.contains("web-tg:80: its group registers it again"),
        "{text}"
    );
    assert!(
        text.contains(&format!(
            "ec2:DeleteTags Resources={id} Tags=[patrol:maintenance]"
        )),
        "{text}"
    );
    assert!(back.ready(), "{:#?}", back.checks);
    let outcome = ops.execute(&back, &|_| {}).await.unwrap();
    assert!(outcome.verified);
    let s = snapshot(&sim);
    assert_eq!(lifecycle(&s, &id), Some(LifecycleState::InService));
    assert_eq!(target(&s, "web-tg", &id), Some(TargetHealthState::Healthy));
    assert!(!s.instance(&id).unwrap().tags.contains_key(MAINTENANCE_TAG));
    let g = s
        .auto_scaling_groups
        .iter()
        .find(|g| g.name == "web-asg")
        .unwrap();
    assert_eq!(g.desired, 3);
    assert_eq!(g.instances.len(), 3, "nothing launched, nothing terminated");
    clock.abort();

    // The audit pair, twice: intent and outcome of each, with what changed.
    let l = audit(&dir);
    assert_eq!(l.len(), 4, "{l:#?}");
    let phases: Vec<(&str, &str, &str)> = l
        .iter()
        .map(|x| {
            (
                x["action"].as_str().unwrap(),
                x["phase"].as_str().unwrap(),
                x["outcome"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        phases,
        vec![
            ("maintenance-start", "intent", "planned"),
            ("maintenance-start", "outcome", "verified"),
            ("maintenance-end", "intent", "planned"),
            ("maintenance-end", "outcome", "verified"),
        ]
    );
    assert_eq!(l[0]["before"]["desired"], 3);
    assert_eq!(l[1]["after"]["desired"], 2);
    assert_eq!(l[1]["after"]["lifecycle"], "Standby");
    assert_eq!(l[1]["after"]["left"][0], "web-tg:80");
    assert_eq!(l[3]["after"]["desired"], 3);
    assert_eq!(l[3]["after"]["targets"][0], "web-tg:80");
    assert!(
        l[1]["accepted"].as_array().unwrap().len() == 1,
        "the empty zone was accepted"
    );
    assert!(!l[1]["request_ids"].as_array().unwrap().is_empty());
}

#[tokio::test]
async fn outside_a_group_it_deregisters_and_registers_on_the_same_port() {
    let sim = default_sim();
    sim.advance(secs(60));
    let dir = tempfile::tempdir().unwrap();
    let ops = ops(&sim, &dir, false);
    let s = snapshot(&sim);
    let standby = instance_named(&s, "app-standby");
    let mut out = plan(&s, &standby, Direction::Start, true);
    out.toggle_accept();
    // The clock runs only while the drain is followed (the default scenario's crash at 4m
    // is far away at this pace).
    let driver = {
        let sim = sim.clone();
        tokio::spawn(async move {
            loop {
                tokio::time::sleep(std::time::Duration::from_millis(20)).await;
                sim.advance(secs(5));
            }
        })
    };
    let outcome = ops.execute(&out, &|_| {}).await.unwrap();
    assert!(outcome.verified);
    let s = snapshot(&sim);
    assert_eq!(target(&s, "app-tg", &standby), None);
    let back = plan(&s, &standby, Direction::End, true);
    assert!(
        back.text().join("\n").contains("RegisterTargets"),
        "{:?}",
        back.calls
    );
    let outcome = ops.execute(&back, &|_| {}).await.unwrap();
    driver.abort();
    assert!(outcome.verified);
    let s = snapshot(&sim);
    let t = s
        .target_groups
        .iter()
        .find(|t| t.name == "app-tg")
        .unwrap()
        .targets
        .iter()
        .find(|t| t.target_id == standby)
        .unwrap();
    assert_eq!((t.port, t.state), (8080, TargetHealthState::Healthy));
}

#[test]
fn read_only_refuses_maintenance_at_the_boundary() {
    let sim = default_sim();
    sim.advance(secs(60));
    let s = snapshot(&sim);
    let dir = tempfile::tempdir().unwrap();
    let ops = ops(&sim, &dir, true);
    let mut p = plan(&s, &web_in(&s, "us-east-1c"), Direction::Start, true);
    p.toggle_accept();
    assert_eq!(
        crate::on_tokio(ops.execute(&p, &|_| {})),
        Err(OpError::ReadOnly)
    );
    assert!(audit(&dir).is_empty());
    assert_eq!(snapshot(&sim), s, "nothing changed");
    assert!(patrol::keymap::KeyAction::Maintenance.changes_the_cloud());
}

#[test]
fn a_plan_whose_instance_was_taken_out_meanwhile_is_refused() {
    let sim = default_sim();
    sim.advance(secs(60));
    let s = snapshot(&sim);
    let id = web_in(&s, "us-east-1c");
    let mut p = plan(&s, &id, Direction::Start, true);
    p.toggle_accept();
    crate::on_tokio(sim.enter_standby("web-asg", &id, true)).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let err = crate::on_tokio(ops(&sim, &dir, false).execute(&p, &|_| {})).unwrap_err();
    assert!(matches!(err, OpError::Stale(_)), "{err}");
}

#[test]
fn the_simulator_keeps_auto_scalings_standby_rules() {
    let sim = default_sim();
    sim.advance(secs(60));
    let s = snapshot(&sim);
    let id = web_in(&s, "us-east-1b");
    let run = |f: std::pin::Pin<Box<dyn std::future::Future<Output = _> + '_>>| crate::on_tokio(f);

    // ExitStandby of an instance that is not in Standby.
    let e = run(Box::pin(sim.exit_standby("web-asg", &id))).unwrap_err();
    assert_eq!(
        (e.kind, e.code.as_str()),
        (CloudErrorKind::Invalid, "ValidationError")
    );
    assert!(e.message.contains("is not in Standby"), "{e}");

    // Without decrementing, a replacement launches; the Standby instance is never
    // replaced for its own health, even when it stops answering.
    run(Box::pin(sim.enter_standby("web-asg", &id, false))).unwrap();
    let s = snapshot(&sim);
    assert_eq!(lifecycle(&s, &id), Some(LifecycleState::EnteringStandby));
    assert_eq!(target(&s, "web-tg", &id), Some(TargetHealthState::Draining));
    // A second EnterStandby: it is no longer InService.
    let e = run(Box::pin(sim.enter_standby("web-asg", &id, true))).unwrap_err();
    assert!(e.message.contains("is not in InService"), "{e}");
    sim.world_mut().inject(patrol::cloud::sim::Fault::Crash {
        instance_id: id.clone(),
    });
    sim.advance(secs(180));
    let s = snapshot(&sim);
    assert_eq!(lifecycle(&s, &id), Some(LifecycleState::Standby));
    let g = s
        .auto_scaling_groups
        .iter()
        .find(|g| g.name == "web-asg")
        .unwrap();
    assert_eq!(g.desired, 4);
    assert_eq!(
        g.count(&LifecycleState::InService),
        4,
        "a replacement is in service"
    );
    assert_eq!(g.instances.len(), 5);
    assert!(g
        .activities
        .iter()
        .any(|a| a.description == format!("Moving EC2 instance to Standby: {id}")));

    // Decrementing below min is refused; so is coming back above max.
    crate::on_tokio(sim.set_desired_capacity("web-asg", 2)).unwrap();
    sim.advance(secs(120));
    let s = snapshot(&sim);
    let other = in_service(&s, "web-asg");
    let e = run(Box::pin(sim.enter_standby("web-asg", &other, true))).unwrap_err();
    assert!(
        e.message.contains("min-size=2") && e.message.contains("desired-size=2"),
        "{e}"
    );
    crate::on_tokio(sim.set_desired_capacity("web-asg", 10)).unwrap();
    let e = run(Box::pin(sim.exit_standby("web-asg", &id))).unwrap_err();
    assert!(e.message.contains("To exit standby"), "{e}");
    crate::on_tokio(sim.set_desired_capacity("web-asg", 4)).unwrap();
    run(Box::pin(sim.exit_standby("web-asg", &id))).unwrap();
    let s = snapshot(&sim);
    assert_eq!(lifecycle(&s, &id), Some(LifecycleState::Pending));
    assert_eq!(
        s.auto_scaling_groups
            .iter()
            .find(|g| g.name == "web-asg")
            .unwrap()
            .desired,
        5,
        "ExitStandby raises desired by one"
    );
}

/// The default fleet is 2/1/1 over three zones: taking the us-east-1c server out leaves
/// 2/1/0, which must not set off a rebalance that launches in 1c and terminates a server in
/// 1a while the operator patches. The group stands still until the instance is back.
#[test]
fn a_standby_instance_does_not_set_off_a_rebalance() {
    let sim = default_sim();
    sim.advance(secs(60));
    let s = snapshot(&sim);
    let id = web_in(&s, "us-east-1c");
    let ids = |s: &Snapshot| {
        let mut v: Vec<String> = s.auto_scaling_groups[0]
            .instances
            .iter()
            .map(|i| i.instance_id.clone())
            .collect();
        v.sort();
        v
    };
    crate::on_tokio(sim.enter_standby("web-asg", &id, true)).unwrap();
    // (The default scenario crashes a web instance at 4m: this test ends before.)
    sim.advance(secs(120));
    let during = snapshot(&sim);
    assert_eq!(
        ids(&during),
        ids(&s),
        "nothing launched, nothing terminated"
    );
    assert_eq!(lifecycle(&during, &id), Some(LifecycleState::Standby));
    crate::on_tokio(sim.exit_standby("web-asg", &id)).unwrap();
    sim.advance(secs(40));
    let after = snapshot(&sim);
    assert_eq!(ids(&after), ids(&s));
    assert_eq!(lifecycle(&after, &id), Some(LifecycleState::InService));
}

#[test]
fn the_simulator_registers_and_deregisters_as_elbv2_does() {
    let sim = default_sim();
    sim.advance(secs(60));
    let s = snapshot(&sim);
    let app_tg = s
        .target_groups
        .iter()
        .find(|t| t.name == "app-tg")
        .unwrap()
        .arn
        .clone();
    let db = instance_named(&s, "db-primary");
    let standby = instance_named(&s, "app-standby");
    // Deregistering a target that is not registered "returns successfully".
    crate::on_tokio(sim.deregister_target(&app_tg, &db, 8080)).unwrap();
    // An unknown target group, an unknown instance.
    let e = crate::on_tokio(sim.register_target("arn:nope", &db, 80)).unwrap_err();
    assert_eq!(e.code, "TargetGroupNotFound");
    let e = crate::on_tokio(sim.register_target(&app_tg, "i-0000000000000000", 80)).unwrap_err();
    assert_eq!(e.code, "InvalidTarget");
    // The same instance on a second port is a second target.
    crate::on_tokio(sim.register_target(&app_tg, &standby, 9090)).unwrap();
    let ports = |s: &Snapshot| -> Vec<(u16, TargetHealthState)> {
        s.target_groups
            .iter()
            .find(|t| t.name == "app-tg")
            .unwrap()
            .targets
            .iter()
            .filter(|t| t.target_id == standby)
            .map(|t| (t.port, t.state))
            .collect()
    };
    let on = |s: &Snapshot| -> Vec<u16> { ports(s).into_iter().map(|(p, _)| p).collect() };
    assert_eq!(on(&snapshot(&sim)), vec![8080, 9090]);
    // Deregistered: draining for the delay, then gone; the other port is untouched.
    crate::on_tokio(sim.deregister_target(&app_tg, &standby, 9090)).unwrap();
    sim.advance(secs(29));
    let on_9090: Vec<_> = ports(&snapshot(&sim))
        .into_iter()
        .filter(|(p, _)| *p == 9090)
        .collect();
    assert_eq!(on_9090, vec![(9090, TargetHealthState::Draining)]);
    sim.advance(secs(2));
    assert_eq!(on(&snapshot(&sim)), vec![8080]);
    // An instance that is not running cannot be registered: one web-asg scales in.
    crate::on_tokio(sim.set_desired_capacity("web-asg", 3)).unwrap();
    sim.advance(secs(60));
    let s = snapshot(&sim);
    let gone = s
        .instances
        .iter()
        .find(|i| {
            i.state != patrol::model::InstanceState::Running && i.name.as_deref() == Some("web")
        })
        .expect("a web instance shutting down");
    let e = crate::on_tokio(sim.register_target(&app_tg, &gone.id, 8080)).unwrap_err();
    assert!(e.message.contains("not in a running state"), "{e}");
}

/// A scripted operator walks the maintenance-window scenario: at each "your move" it takes
/// the zone's server out or brings it back, exactly as the console would. web-tg never has
/// fewer than two healthy targets, and every server ends patched and in service.
#[tokio::test]
async fn the_maintenance_window_patches_every_server_and_keeps_two_healthy() {
    let sim = window(1.0);
    let cloud: Arc<dyn Cloud> = Arc::new(sim.clone());
    let mut fewest = usize::MAX;
    let mut moves = 0;
    for second in 0..900 {
        sim.advance(secs(1));
        let s = snapshot(&sim);
        if second > 60 {
            fewest = fewest.min(healthy(&s, "web-tg"));
        }
        if !sim.playback_state().awaiting_operator {
            continue;
        }
        let say = sim.narration().unwrap_or_default();
        // "select web in us-east-1b" names the next one; "1a is patched" the one to bring back.
        let zones = ["us-east-1a", "us-east-1b", "us-east-1c"];
        let zone = zones
            .into_iter()
            .find(|z| say.contains(&format!("web in {z}")))
            .or_else(|| zones.into_iter().find(|z| say.starts_with(&z[8..])))
            .unwrap_or_else(|| panic!("which zone? {say}"));
        let id = web_in(&s, zone);
        let direction = if say.contains("brings it back") {
            Direction::End
        } else {
            Direction::Start
        };
        let mut p = plan(&s, &id, direction, true);
        p.toggle_accept();
        if !p.ready() {
            continue;
        }
        // Each action runs to its call; the world moves on in this loop, not in verification.
        p.action.still_current(cloud.as_ref()).await.unwrap();
        p.action.call(cloud.as_ref()).await.unwrap();
        moves += 1;
    }
    assert_eq!(moves, 6, "three out, three back");
    assert!(fewest >= 2, "web-tg dropped to {fewest} healthy");
    let s = snapshot(&sim);
    assert_eq!(healthy(&s, "web-tg"), 3);
    for i in s
        .instances
        .iter()
        .filter(|i| i.name.as_deref() == Some("web"))
    {
        assert_eq!(
            i.tags.get("patrol:patch-level").map(String::as_str),
            Some("2026-12"),
            "{}",
            i.id
        );
        assert!(!i.tags.contains_key(MAINTENANCE_TAG));
    }
    assert!(sim.narration().unwrap().starts_with("Done"));
}

fn key(state: &mut patrol::app::AppState, code: crossterm::event::KeyCode) {
    crate::press_key(state, code);
}

/// In the console: `m` on a target opens the plan of taking its instance out, `d` flips
/// the decrement (and the plan with it), read-only offers nothing; once it is out, its row
/// stays listed as `out` and `m` there opens the way back.
#[test]
fn m_on_targets_opens_the_way_out_and_on_an_out_row_the_way_back() {
    use crossterm::event::KeyCode;
    let sim = window(1.0);
    sim.advance(secs(60));
    let s = snapshot(&sim);
    let mut state = crate::state_of(&s);
    key(&mut state, KeyCode::Char('2'));
    key(&mut state, KeyCode::Char('m'));
    let dialog = state
        .dialog
        .clone()
        .expect("m opens the maintenance dialog");
    assert!(
        dialog.plan.title.starts_with("Take web ("),
        "{}",
        dialog.plan.title
    );
    assert!(dialog
        .plan
        .change
        .iter()
        .any(|c| c.contains("desired 3 → 2")));
    key(&mut state, KeyCode::Char('d'));
    let shown = &state.dialog.as_ref().unwrap().plan;
    assert!(
        shown.change.iter().any(|c| c.contains("desired stays 3")),
        "{:?}",
        shown.change
    );
    key(&mut state, KeyCode::Esc);
    assert!(state.dialog.is_none());
    assert_eq!(snapshot(&sim), s, "nothing changed");

    // Read-only: the key does nothing.
    state.read_only = true;
    key(&mut state, KeyCode::Char('m'));
    assert!(state.dialog.is_none());
    state.read_only = false;

    // Out (by the runbook's way, the same action): the row stays, marked out.
    let id = state_selected_instance(&state);
    let mut p = plan(&s, &id, Direction::Start, true);
    p.toggle_accept();
    crate::on_tokio(p.action.call(&sim)).unwrap();
    sim.advance(secs(60));
    let s = snapshot(&sim);
    let wall = state.wall;
    patrol::app::update(
        &mut state,
        patrol::app::Action::Tick {
            wall,
            clock: s.taken_at,
            narration: None,
            playback: None,
        },
    );
    crate::refresh_all(&mut state, &s, 2, s.taken_at);
    let rows = patrol::app::rows::target_rows(&state.fleet, state.list());
    let row = rows
        .iter()
        .find(|r| r.target_id == id)
        .expect("its row stays");
    assert_eq!(row.state_text(), "out");
    assert!(row.detail().contains("maintenance 60s"), "{}", row.detail());
    let screen = crate::screen_text(&state, 120, 30);
    assert!(screen.contains("out for maintenance"), "{screen}");
    key(&mut state, KeyCode::Char('m'));
    let dialog = state.dialog.clone().expect("m on the out row");
    assert!(
        dialog.plan.title.starts_with("Bring web ("),
        "{}",
        dialog.plan.title
    );
    assert!(dialog.plan.ready(), "{:#?}", dialog.plan.checks);
}

fn state_selected_instance(state: &patrol::app::AppState) -> String {
    let rows = patrol::app::rows::target_rows(&state.fleet, state.list());
    let key = state.list().selected_key.clone().unwrap_or_else(|| {
        use patrol::app::columns::Row;
        rows[0].key()
    });
    use patrol::app::columns::Row;
    rows.iter()
        .find(|r| r.key() == key)
        .unwrap()
        .target_id
        .to_string()
}
