//! Operator actions on the simulator: plans, preflight failures, cancel, confirm, verify,
//! the audit log, double press, stale plans and read-only mode.

use crate::{default_sim, instance_named, secs, snapshot, state_of};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use patrol::app::{update, Action, AppState, Effect, Focus, View};
use patrol::cloud::sim::SimCloud;
use patrol::cloud::Cloud;
use patrol::model::{ImageState, InstanceState, Snapshot};
use patrol::ops::{plan_clone, plan_scale_out, plan_swap, AuditLog, OpError, Ops, Plan};
use patrol::playback::Playback;
use std::os::unix::fs::PermissionsExt;
use std::sync::Arc;

fn floating(s: &Snapshot) -> String {
    s.elastic_ips
        .iter()
        .find(|a| a.public_ip == "203.0.113.10")
        .unwrap()
        .allocation_id
        .clone()
}

fn ops(sim: &SimCloud, dir: &tempfile::TempDir, read_only: bool) -> Ops {
    let cloud: Arc<dyn Cloud> = Arc::new(sim.clone());
    Ops::new(
        cloud,
        AuditLog::new(dir.path().join("audit.jsonl")),
        read_only,
    )
}

fn lines(dir: &tempfile::TempDir) -> Vec<serde_json::Value> {
    let path = dir.path().join("audit.jsonl");
    match std::fs::read_to_string(path) {
        Ok(text) => text
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect(),
        Err(_) => vec![],
    }
}

fn run(ops: &Ops, plan: &Plan) -> Result<patrol::ops::Outcome, OpError> {
    crate::on_tokio(ops.execute(plan, &|_| {}))
}

/// Two lines, intent then outcome, with every field the issue names, in a 0600 file.
fn assert_audited(dir: &tempfile::TempDir, action: &str, outcome: &str) -> Vec<serde_json::Value> {
    let l = lines(dir);
    assert_eq!(l.len(), 2, "{l:#?}");
    assert_eq!(l[0]["phase"], "intent");
    assert_eq!(l[0]["outcome"], "planned");
    assert_eq!(l[1]["phase"], "outcome");
    assert_eq!(l[1]["outcome"], outcome);
    for line in &l {
        assert_eq!(line["action"], action);
        assert_eq!(line["world"], "simulated");
        assert_eq!(line["region"], "us-east-1");
        for key in [
            "time",
            "account",
            "profile",
            "resources",
            "before",
            "after",
            "request_ids",
            "error",
        ] {
            assert!(line.get(key).is_some(), "{key} in {line}");
        }
        chrono::DateTime::parse_from_rfc3339(line["time"].as_str().unwrap()).unwrap();
    }
    assert!(!l[1]["request_ids"].as_array().unwrap().is_empty());
    let mode = std::fs::metadata(dir.path().join("audit.jsonl"))
        .unwrap()
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o600);
    l
}

#[test]
fn swap_plans_checks_executes_verifies_and_audits() {
    let sim = default_sim();
    sim.advance(secs(60));
    let s = snapshot(&sim);
    let (primary, standby, address) = (
        instance_named(&s, "app-primary"),
        instance_named(&s, "app-standby"),
        floating(&s),
    );

    let plan = plan_swap(&s, &address, None).unwrap();
    assert!(plan.ready(), "{:#?}", plan.checks);
    assert_eq!(
        plan.change,
        vec![format!(
            "move 203.0.113.10 from app-primary ({primary}) to app-standby ({standby})"
        )]
    );
    assert!(plan.calls[0].starts_with(&format!(
        "ec2:AssociateAddress AllocationId={address} InstanceId={standby} AllowReassociation=true"
    )));
    assert_eq!(
        plan.candidates()[0],
        standby,
        "the tagged standby comes first"
    );

    let dir = tempfile::tempdir().unwrap();
    let ops = ops(&sim, &dir, false);
    let outcome = run(&ops, &plan).unwrap();
    assert!(outcome.verified);
    let after = snapshot(&sim);
    let moved = after
        .elastic_ips
        .iter()
        .find(|a| a.allocation_id == address)
        .unwrap();
    assert_eq!(moved.instance_id.as_deref(), Some(standby.as_str()));
    // Exactly what the plan said: the other address did not move.
    let spare_before = s
        .elastic_ips
        .iter()
        .find(|a| a.allocation_id != address)
        .unwrap();
    let spare_after = after
        .elastic_ips
        .iter()
        .find(|a| a.allocation_id != address)
        .unwrap();
    assert_eq!(spare_before, spare_after);
    let l = assert_audited(&dir, "swap-floating-ip", "verified");
    assert_eq!(l[0]["before"]["instance"], primary.as_str());
    assert_eq!(l[1]["after"]["instance"], standby.as_str());
    assert!(l[1]["elapsed_ms"].as_f64().is_some());
}

#[test]
fn swap_preflight_failures_explain_themselves() {
    let sim = default_sim();
    sim.advance(secs(60));
    let s = snapshot(&sim);
    let address = floating(&s);
    let standby = instance_named(&s, "app-standby");

    // The standby crashed: not running, and its target is no longer healthy.
    let mut broken = s.clone();
    for i in broken
        .instances_mut()
        .iter_mut()
        .filter(|i| i.id == standby)
    {
        i.state = InstanceState::Stopped;
    }
    for t in broken
        .target_groups_mut()
        .iter_mut()
        .flat_map(|g| g.targets.iter_mut())
    {
        if t.target_id == standby {
            t.state = patrol::model::TargetHealthState::Unhealthy;
        }
    }
    let plan = plan_swap(&broken, &address, Some(&standby)).unwrap();
    assert!(!plan.ready());
    let failed: Vec<&str> = plan
        .checks
        .iter()
        .filter(|c| c.level == patrol::ops::CheckLevel::Fail)
        .map(|c| c.what.as_str())
        .collect();
    assert_eq!(
        failed,
        vec![
            "the standby is running",
            "the standby is healthy in its target groups"
        ]
    );
    // Another VPC.
    let mut elsewhere = s.clone();
    for i in elsewhere
        .instances_mut()
        .iter_mut()
        .filter(|i| i.id == standby)
    {
        i.vpc_id = "vpc-other".into();
    }
    let plan = plan_swap(&elsewhere, &address, Some(&standby)).unwrap();
    assert!(plan
        .checks
        .iter()
        .any(|c| c.level == patrol::ops::CheckLevel::Fail
            && c.what == "the standby is in the same VPC"));
    // No standby at all.
    let mut alone = s.clone();
    alone.instances_mut().retain(|i| i.id != standby);
    for g in alone.target_groups_mut().iter_mut() {
        g.targets.retain(|t| t.target_id != standby);
    }
    let plan = plan_swap(&alone, &address, None).unwrap();
    assert!(plan
        .checks
        .iter()
        .any(|c| c.level == patrol::ops::CheckLevel::Fail && c.what == "a standby to move to"));
    // An unknown instance.
    let plan = plan_swap(&s, &address, Some("i-00000000000000000")).unwrap();
    assert!(plan
        .checks
        .iter()
        .any(|c| c.level == patrol::ops::CheckLevel::Fail && c.what == "the standby exists"));

    // A failed plan is refused at the boundary too, and nothing is written or changed.
    let dir = tempfile::tempdir().unwrap();
    let plan = plan_swap(&broken, &address, Some(&standby)).unwrap();
    assert!(matches!(
        run(&ops(&sim, &dir, false), &plan),
        Err(OpError::Preflight(_))
    ));
    assert!(lines(&dir).is_empty());
    assert_eq!(snapshot(&sim).elastic_ips, s.elastic_ips);
}

#[test]
fn clone_plans_checks_executes_and_follows_to_available() {
    let sim = default_sim();
    sim.advance(secs(60));
    let s = snapshot(&sim);
    let primary = instance_named(&s, "app-primary");
    let name = "app-primary-clone-20260115T0901Z";

    let plan = plan_clone(&s, &primary, name, true);
    assert!(plan.ready(), "{:#?}", plan.checks);
    assert_eq!(
        plan.change[0],
        format!("create image \"{name}\" from app-primary ({primary})")
    );
    assert!(plan.change[1].starts_with("NoReboot"));
    assert!(
        !plan.effect.iter().any(|e| e.contains("reboot")),
        "without a reboot nothing goes down: {:?}",
        plan.effect
    );
    let rebooting = plan_clone(&s, &primary, name, false);
    assert!(rebooting.change[1].starts_with("reboot"));
    assert!(
        rebooting
            .effect
            .iter()
            .any(|e| e.starts_with("during the reboot")),
        "{:?}",
        rebooting.effect
    );

    // Preflight failures: a taken name, a malformed name, a terminated or unknown instance.
    let taken = plan_clone(&s, &primary, "web-golden-2026-11-20", true);
    assert!(taken
        .checks
        .iter()
        .any(|c| c.level == patrol::ops::CheckLevel::Fail && c.what == "the name is unused"));
    let malformed = plan_clone(&s, &primary, "no", true);
    assert!(malformed
        .checks
        .iter()
        .any(|c| c.level == patrol::ops::CheckLevel::Fail && c.what == "the name is valid"));
    let mut gone = s.clone();
    for i in gone.instances_mut().iter_mut().filter(|i| i.id == primary) {
        i.state = InstanceState::Terminated;
    }
    let dead = plan_clone(&gone, &primary, name, true);
    assert!(dead
        .checks
        .iter()
        .any(|c| c.level == patrol::ops::CheckLevel::Fail
            && c.what == "the instance is running or stopped"));
    let unknown = plan_clone(&s, "i-00000000000000000", name, true);
    assert!(unknown
        .checks
        .iter()
        .any(|c| c.level == patrol::ops::CheckLevel::Fail && c.what == "the instance exists"));

    let dir = tempfile::tempdir().unwrap();
    let outcome = run(&ops(&sim, &dir, false), &plan).unwrap();
    assert!(outcome.verified);
    let id = outcome.receipt.resource_id.clone().unwrap();
    let image = |s: &Snapshot| s.images.iter().find(|i| i.id == id).unwrap().clone();
    let new = image(&snapshot(&sim));
    assert_eq!((new.name.as_str(), new.state), (name, ImageState::Pending));
    assert_eq!(new.source_instance_id.as_deref(), Some(primary.as_str()));
    sim.advance(secs(120));
    assert_eq!(image(&snapshot(&sim)).state, ImageState::Available);
    let l = assert_audited(&dir, "clone-to-ami", "verified");
    assert_eq!(l[1]["after"]["image_id"], id.as_str());
    assert_eq!(l[1]["after"]["no_reboot"], true);
}

#[test]
fn scale_out_plans_checks_executes_and_verifies() {
    let sim = default_sim();
    sim.advance(secs(180));
    let s = snapshot(&sim);
    let plan = plan_scale_out(&s, "web-asg", 6).unwrap();
    assert!(plan.ready(), "{:#?}", plan.checks);
    assert_eq!(
        plan.change,
        vec!["web-asg desired 4 → 6 (min 2, max 10); AZ a/b/c would hold 2/2/2".to_string()]
    );
    assert_eq!(
        plan.calls,
        vec![
            "autoscaling:SetDesiredCapacity AutoScalingGroupName=web-asg DesiredCapacity=6 \
             HonorCooldown=false"
                .to_string()
        ]
    );
    // Above max: says max and stops. Not a scale out: stops.
    let over = plan_scale_out(&s, "web-asg", 11).unwrap();
    let failed = over
        .checks
        .iter()
        .find(|c| c.level == patrol::ops::CheckLevel::Fail)
        .unwrap();
    assert_eq!(failed.detail, "web-asg's max is 10: 11 is above it");
    assert!(!plan_scale_out(&s, "web-asg", 4).unwrap().ready());

    let dir = tempfile::tempdir().unwrap();
    let outcome = run(&ops(&sim, &dir, false), &plan).unwrap();
    assert!(outcome.verified);
    assert_eq!(snapshot(&sim).auto_scaling_groups[0].desired, 6);
    assert_audited(&dir, "scale-out", "verified");
    // And the group follows: six in service within a few minutes, two per zone.
    sim.advance(secs(240));
    let g = snapshot(&sim).auto_scaling_groups[0].clone();
    assert_eq!(g.count(&patrol::model::LifecycleState::InService), 6);
}

#[test]
fn read_only_refuses_at_the_boundary() {
    let sim = default_sim();
    let s = snapshot(&sim);
    let dir = tempfile::tempdir().unwrap();
    let ops = ops(&sim, &dir, true);
    let plans = [
        plan_swap(&s, &floating(&s), None).unwrap(),
        plan_clone(
            &s,
            &instance_named(&s, "app-primary"),
            "read-only-clone",
            true,
        ),
        plan_scale_out(&s, "web-asg", 5).unwrap(),
    ];
    for plan in &plans {
        assert_eq!(run(&ops, plan), Err(OpError::ReadOnly));
    }
    assert!(lines(&dir).is_empty());
    assert_eq!(snapshot(&sim), s, "nothing changed");
}

#[test]
fn a_stale_plan_is_refused_and_nothing_changes() {
    let sim = default_sim();
    sim.advance(secs(60));
    let s = snapshot(&sim);
    let plan = plan_scale_out(&s, "web-asg", 6).unwrap();
    // Someone else moved the group between plan and confirm.
    crate::on_tokio(sim.set_desired_capacity("web-asg", 5)).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let err = run(&ops(&sim, &dir, false), &plan).unwrap_err();
    assert_eq!(
        err,
        OpError::Stale("web-asg's desired capacity is now 5, the plan saw 4".into())
    );
    assert_eq!(snapshot(&sim).auto_scaling_groups[0].desired, 5);
    assert!(lines(&dir).is_empty());

    let swap = plan_swap(&s, &floating(&s), None).unwrap();
    crate::on_tokio(sim.associate_address(&floating(&s), &instance_named(&s, "db-primary")))
        .unwrap();
    let err = run(&ops(&sim, &dir, false), &swap).unwrap_err();
    assert!(
        matches!(err, OpError::Stale(ref why) if why.contains("is now on")),
        "{err}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_action_while_one_runs_is_refused() {
    let sim = default_sim();
    sim.advance(secs(60));
    let s = snapshot(&sim);
    let dir = tempfile::tempdir().unwrap();
    let ops = Arc::new(ops(&sim, &dir, false));
    let plan = plan_swap(&s, &floating(&s), None).unwrap();
    let gate = Arc::new(tokio::sync::Notify::new());
    let first = {
        let (ops, plan, gate) = (ops.clone(), plan.clone(), gate.clone());
        tokio::spawn(async move {
            let progress = move |stage: String| {
                // Hold the first action between its call and its verification.
                if stage.contains("verifying") {
                    gate.notify_one();
                    std::thread::sleep(std::time::Duration::from_millis(300));
                }
            };
            ops.execute(&plan, &progress).await
        })
    };
    gate.notified().await;
    assert_eq!(ops.execute(&plan, &|_| {}).await, Err(OpError::Busy));
    assert!(first.await.unwrap().is_ok());
    assert_eq!(lines(&dir).len(), 2, "one action, two lines");
}

/// A key as the console's loop delivers it: the frame it leads to is drawn before the next.
fn key(state: &mut AppState, code: KeyCode) -> Vec<Effect> {
    let effects = update(state, Action::Key(KeyEvent::new(code, KeyModifiers::NONE)));
    let (w, h) = state.size;
    update(state, Action::Drawn(w, h));
    effects
}

#[test]
fn the_dialog_defaults_to_no_and_enter_alone_does_nothing() {
    let sim = default_sim();
    sim.advance(secs(60));
    let s = snapshot(&sim);
    let mut state = state_of(&s);
    key(&mut state, KeyCode::Char('4'));
    // Select the floating address (the spare sorts first).
    key(&mut state, KeyCode::Char('j'));
    key(&mut state, KeyCode::Char('s'));
    let dialog = state.dialog.clone().expect("s opens the swap dialog");
    assert_eq!(dialog.focus, Focus::Unfocused);
    assert!(
        key(&mut state, KeyCode::Enter).is_empty(),
        "Enter on an unfocused dialog"
    );
    assert!(state.dialog.is_some());
    // Tab lands on No first; Enter on No cancels.
    key(&mut state, KeyCode::Tab);
    assert_eq!(state.dialog.as_ref().unwrap().focus, Focus::No);
    assert!(key(&mut state, KeyCode::Enter).is_empty());
    assert!(state.dialog.is_none());
    assert_eq!(
        state.message.as_deref(),
        Some("cancelled: nothing was changed")
    );
    assert_eq!(snapshot(&sim), s);

    // Esc cancels too; y then Enter confirms, once.
    key(&mut state, KeyCode::Char('s'));
    key(&mut state, KeyCode::Esc);
    assert!(state.dialog.is_none());
    key(&mut state, KeyCode::Char('s'));
    key(&mut state, KeyCode::Char('y'));
    let effects = key(&mut state, KeyCode::Enter);
    assert!(
        matches!(effects.as_slice(), [Effect::Execute { .. }]),
        "{effects:?}"
    );
    // A second press while it runs: no dialog, no second action.
    assert!(key(&mut state, KeyCode::Char('s')).is_empty());
    assert!(state.dialog.is_none());
    assert!(key(&mut state, KeyCode::Enter).is_empty());
}

#[test]
fn a_production_target_asks_for_its_name_before_acting() {
    let sim = default_sim();
    sim.advance(secs(60));
    let s = snapshot(&sim);
    let mut state = state_of(&s);
    state.production = Some("prod".into());
    for c in ['4', 'j', 's', 'y'] {
        key(&mut state, KeyCode::Char(c));
    }
    assert!(
        key(&mut state, KeyCode::Enter).is_empty(),
        "Yes asks for the name"
    );
    assert_eq!(state.dialog.as_ref().unwrap().typed.as_deref(), Some(""));
    for c in "prd".chars() {
        key(&mut state, KeyCode::Char(c));
    }
    assert!(
        key(&mut state, KeyCode::Enter).is_empty(),
        "a wrong name does nothing"
    );
    assert!(state
        .message
        .as_deref()
        .unwrap()
        .contains("type prod exactly"));
    key(&mut state, KeyCode::Backspace);
    for c in "od".chars() {
        key(&mut state, KeyCode::Char(c));
    }
    let effects = key(&mut state, KeyCode::Enter);
    assert!(
        matches!(effects.as_slice(), [Effect::Execute { .. }]),
        "{effects:?}"
    );
    assert!(state.dialog.is_none());
}

#[test]
fn a_plan_that_changes_under_the_dialog_loses_the_focus() {
    let sim = default_sim();
    sim.advance(secs(180));
    let s = snapshot(&sim);
    let mut state = state_of(&s);
    key(&mut state, KeyCode::Char('3'));
    key(&mut state, KeyCode::Char('+'));
    key(&mut state, KeyCode::Char('y'));
    assert_eq!(state.dialog.as_ref().unwrap().focus, Focus::Yes);
    crate::on_tokio(sim.set_desired_capacity("web-asg", 5)).unwrap();
    crate::refresh_all(&mut state, &snapshot(&sim), 2, s.taken_at);
    let dialog = state.dialog.as_ref().unwrap();
    assert_eq!(
        dialog.focus,
        Focus::Unfocused,
        "Yes never confirms an unseen plan"
    );
    assert!(
        dialog.plan.change[0].starts_with("web-asg desired 5 → 5"),
        "{:?}",
        dialog.plan.change
    );
    assert!(!dialog.plan.ready(), "5 → 5 is not a scale out");
}

#[test]
fn read_only_hides_the_action_keys() {
    let s = snapshot(&default_sim());
    let mut state = state_of(&s);
    state.read_only = true;
    key(&mut state, KeyCode::Char('4'));
    key(&mut state, KeyCode::Char('s'));
    assert!(state.dialog.is_none());
    key(&mut state, KeyCode::Char('3'));
    key(&mut state, KeyCode::Char('+'));
    assert!(state.dialog.is_none());
    assert_eq!(state.view, View::Capacity);
}

/// The world must not change under a running action: its result would land on a world it
/// was not made in. Switching and restarting wait; a finished result goes with its world.
#[test]
fn worlds_do_not_switch_under_a_running_action() {
    use patrol::app::PlaybackCommand;
    let sim = default_sim();
    sim.advance(secs(60));
    let s = snapshot(&sim);
    let mut state = state_of(&s);
    crate::tick_from(&mut state, &sim);
    for c in ['4', 'j', 's', 'y'] {
        key(&mut state, KeyCode::Char(c));
    }
    let effects = key(&mut state, KeyCode::Enter);
    assert!(matches!(effects.as_slice(), [Effect::Execute { .. }]));
    let title = state.operation.as_ref().unwrap().title.clone();

    key(&mut state, KeyCode::Char(':'));
    for c in "scenario az-outage".chars() {
        key(&mut state, KeyCode::Char(c));
    }
    assert!(
        key(&mut state, KeyCode::Enter).is_empty(),
        ":scenario waits"
    );
    assert_eq!(
        state.message.as_deref(),
        Some(format!("{title} is still running: switch worlds when it has finished").as_str())
    );
    let ctrl_r = Action::Key(KeyEvent::new(KeyCode::Char('r'), KeyModifiers::CONTROL));
    assert!(
        update(&mut state, ctrl_r.clone()).is_empty(),
        "Ctrl-R waits"
    );
    assert!(state
        .message
        .as_deref()
        .unwrap()
        .contains("restart the scenario"));

    // Finished: the same keys work, and the result line does not follow into the new world.
    let id = state.operation.as_ref().unwrap().id;
    update(
        &mut state,
        Action::OpDone {
            id,
            result: Err(OpError::Busy),
        },
    );
    assert_eq!(
        update(&mut state, ctrl_r),
        vec![Effect::Playback(PlaybackCommand::Restart)]
    );
    crate::reset_world(&mut state);
    assert!(state.operation.is_none(), "the old world's result is gone");
}

/// q while an action runs waits for its outcome (verified and logged); Ctrl-C does not.
#[test]
fn q_waits_for_a_running_action_and_ctrl_c_does_not() {
    let sim = default_sim();
    sim.advance(secs(60));
    let s = snapshot(&sim);
    let mut state = state_of(&s);
    assert_eq!(
        key(&mut state, KeyCode::Char('q')),
        vec![Effect::Quit],
        "nothing running: q quits"
    );
    for c in ['4', 'j', 's', 'y'] {
        key(&mut state, KeyCode::Char(c));
    }
    assert!(matches!(
        key(&mut state, KeyCode::Enter).as_slice(),
        [Effect::Execute { .. }]
    ));
    assert!(key(&mut state, KeyCode::Char('q')).is_empty(), "q waits");
    assert!(
        state
            .message
            .as_deref()
            .unwrap()
            .starts_with("quitting when Swap floating IP"),
        "{:?}",
        state.message
    );
    let ctrl_c = Action::Key(KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL));
    assert_eq!(update(&mut state.clone(), ctrl_c), vec![Effect::Quit]);

    let id = state.operation.as_ref().unwrap().id;
    let done = update(
        &mut state,
        Action::OpDone {
            id,
            result: Err(OpError::Busy),
        },
    );
    assert_eq!(done, vec![Effect::Quit], "quits once the outcome is in");
}

/// An intent with no outcome after it (patrol was stopped between the two lines) is called
/// out by `patrol audit`, so nobody reads a half-known change as nothing.
#[test]
fn an_intent_with_no_outcome_is_called_out() {
    use patrol::ops::audit::{table, unanswered, AuditLine, AuditRecord};
    let record = |phase: &str, outcome: &str, address: &str| AuditRecord {
        time: "2026-11-25T03:00:00Z".into(),
        op_id: String::new(),
        accepted: vec![],
        phase: phase.into(),
        world: "aws".into(),
        account: Some("123456789012".into()),
        region: "us-east-1".into(),
        profile: None,
        action: "swap-floating-ip".into(),
        resources: vec![address.into()],
        before: serde_json::Value::Null,
        after: serde_json::Value::Null,
        request_ids: vec![],
        outcome: outcome.into(),
        error: None,
        elapsed_ms: None,
    };
    let records = vec![
        record("intent", "planned", "eipalloc-1"), // stopped here
        record("intent", "planned", "eipalloc-2"),
        record("outcome", "verified", "eipalloc-2"),
        record("intent", "planned", "eipalloc-1"),
        record("outcome", "verified", "eipalloc-1"),
        record("intent", "planned", "eipalloc-2"), // and here, at the end
    ];
    assert_eq!(
        unanswered(&records),
        [true, false, false, false, false, true]
    );
    let lines: Vec<AuditLine> = records
        .iter()
        .map(|r| AuditLine::Record(Box::new(r.clone())))
        .collect();
    let text = table(&lines);
    assert_eq!(text.matches("NO OUTCOME").count(), 2, "{text}");
    assert!(text.contains("patrol stopped before the outcome"), "{text}");
}
