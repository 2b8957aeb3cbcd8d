//! Trust and safety: nothing acts unseen, the selection never jumps, plans name every side
//! effect, and no verdict looks sure on stale or contradicting data.

use super::{default_sim, instance_named, refresh_all, secs, snapshot, start, state_of};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use patrol::app::rows::selected_id;
use patrol::app::{update, Action, AppState, Effect, Freshness, View};
use patrol::cloud::sim::faults::error_of;
use patrol::cloud::sim::{Scenario, SimCloud};
use patrol::cloud::{Cloud, Source};
use patrol::model::{Alarm, AlarmState, Comparison, InstanceState, Snapshot};
use patrol::ops::{plan_clone, plan_swap, AuditLog, CheckLevel, OpError, Ops};
use patrol::patterns::{self, Pattern, Settings, Verdict};
use patrol::playback::Playback;
use patrol::poll::Payload;
use patrol::poll::PollEvent;
use std::sync::Arc;

/// A key as the console's loop delivers it: then the frame it leads to is drawn.
fn key(state: &mut AppState, code: KeyCode) -> Vec<Effect> {
    let effects = update(state, Action::Key(KeyEvent::new(code, KeyModifiers::NONE)));
    let (w, h) = state.size;
    update(state, Action::Drawn(w, h));
    effects
}

fn keys(state: &mut AppState, text: &str) -> Vec<Effect> {
    text.chars()
        .flat_map(|c| key(state, KeyCode::Char(c)))
        .collect()
}

fn executes(effects: &[Effect]) -> bool {
    effects.iter().any(|e| matches!(e, Effect::Execute { .. }))
}

fn sized(s: &Snapshot, w: u16, h: u16) -> AppState {
    let mut state = state_of(s);
    update(&mut state, Action::Resize(w, h));
    update(&mut state, Action::Drawn(w, h));
    state
}

fn address(s: &Snapshot, ip: &str) -> String {
    s.elastic_ips
        .iter()
        .find(|a| a.public_ip == ip)
        .unwrap()
        .allocation_id
        .clone()
}

/// The default world a minute in, before anything has failed.
fn minute_in() -> (SimCloud, Snapshot) {
    let sim = default_sim();
    sim.advance(secs(60));
    let s = snapshot(&sim);
    (sim, s)
}

#[test]
fn no_key_acts_in_a_terminal_too_small_to_draw() {
    let (_, s) = minute_in();
    let mut state = sized(&s, 40, 10);
    let mut effects = keys(&mut state, "4sy");
    effects.extend(key(&mut state, KeyCode::Enter));
    assert!(!executes(&effects), "{effects:?}");
    assert!(state.dialog.is_none(), "s opened a dialog nobody can see");
    assert_eq!(state.view, View::Overview, "even a view key waits");
    // A dialog open when the terminal shrinks: only Esc (cancel) works.
    let mut state = sized(&s, 80, 24);
    keys(&mut state, "4s");
    assert!(state.dialog.is_some());
    update(&mut state, Action::Resize(40, 10));
    update(&mut state, Action::Drawn(40, 10));
    let mut effects = keys(&mut state, "y");
    effects.extend(key(&mut state, KeyCode::Enter));
    assert!(!executes(&effects));
    key(&mut state, KeyCode::Esc);
    assert!(state.dialog.is_none());
    assert_eq!(
        state.message.as_deref(),
        Some("cancelled: nothing was changed")
    );
}

#[test]
fn yes_waits_until_every_row_of_the_plan_has_been_on_screen() {
    let (_, s) = minute_in();
    let mut state = sized(&s, 80, 16);
    keys(&mut state, "4s");
    let dialog = state.dialog.clone().expect("s opens the swap dialog");
    assert!(
        !dialog.wholly_seen(),
        "at 80×16 the swap plan is taller than the screen ({} rows)",
        dialog.shown.len()
    );
    let mut effects = keys(&mut state, "y");
    effects.extend(key(&mut state, KeyCode::Enter));
    assert!(!executes(&effects), "the buttons were never on screen");
    assert!(
        state
            .message
            .as_deref()
            .is_some_and(|m| m.contains("rows not shown yet")),
        "{:?}",
        state.message
    );
    // Said on the dialog itself: at 80×16 it covers the message line.
    let screen = crate::screen_text(&state, 80, 16);
    assert!(screen.contains("rows not shown yet: PgDn"), "{screen}");
    // Reading on: every row drawn once, then Yes.
    for _ in 0..10 {
        key(&mut state, KeyCode::PageDown);
    }
    assert!(state.dialog.as_ref().unwrap().wholly_seen());
    keys(&mut state, "y");
    assert!(executes(&key(&mut state, KeyCode::Enter)));
}

/// Accepting a consequence rewrites only its own rows: at 80×24, after reading the whole
/// maintenance plan, `a` then `y` `Enter` goes ahead without reading it all again. A row
/// that changes off screen must be shown again before Yes.
#[test]
fn accepting_keeps_what_was_read_and_a_changed_row_must_be_read_again() {
    let sim = patrol::cloud::sim::SimCloud::new(
        &patrol::cloud::sim::Scenario::load("maintenance-window").unwrap(),
        42,
        crate::start(),
        1.0,
    );
    sim.advance(secs(60));
    let s = snapshot(&sim);
    let mut state = sized(&s, 80, 24);
    keys(&mut state, "2m");
    for _ in 0..4 {
        key(&mut state, KeyCode::PageDown);
    }
    assert!(state.dialog.as_ref().unwrap().wholly_seen());
    keys(&mut state, "a");
    assert!(
        state.dialog.as_ref().unwrap().wholly_seen(),
        "only the accepted rows changed, on screen"
    );
    keys(&mut state, "y");
    assert!(executes(&key(&mut state, KeyCode::Enter)));

    // Again, but now the top of the plan changes while the bottom is on screen.
    let mut state = sized(&s, 80, 24);
    keys(&mut state, "2m");
    for _ in 0..4 {
        key(&mut state, KeyCode::PageDown);
    }
    keys(&mut state, "a");
    if let Some(d) = state.dialog.as_mut() {
        d.plan.change[0].push_str(" (changed)");
    }
    patrol::app::plan_text::sync(&mut state);
    let (w, h) = state.size;
    update(&mut state, Action::Drawn(w, h));
    assert!(!state.dialog.as_ref().unwrap().wholly_seen());
    keys(&mut state, "y");
    assert!(!executes(&key(&mut state, KeyCode::Enter)));
}

#[test]
fn a_key_typed_before_the_dialog_is_drawn_does_not_confirm_it() {
    let (_, s) = minute_in();
    let mut state = sized(&s, 120, 40);
    key(&mut state, KeyCode::Char('4'));
    // s, y and Enter in one burst, no frame drawn in between.
    let mut effects = Vec::new();
    for code in [KeyCode::Char('s'), KeyCode::Char('y'), KeyCode::Enter] {
        effects.extend(update(
            &mut state,
            Action::Key(KeyEvent::new(code, KeyModifiers::NONE)),
        ));
    }
    assert!(!executes(&effects));
    assert!(state.must_draw_now(), "the loop draws before the next key");
}

#[test]
fn at_80x24_the_swap_runs_with_s_y_enter() {
    let (_, s) = minute_in();
    let mut state = sized(&s, 80, 24);
    keys(&mut state, "4sy");
    assert!(executes(&key(&mut state, KeyCode::Enter)));
}

#[test]
fn the_selection_stays_on_its_resource_when_rows_move() {
    let (sim, s) = minute_in();
    let mut state = sized(&s, 120, 40);
    key(&mut state, KeyCode::Char('4'));
    // Untouched: the first row (the unassociated spare sorts first) is marked.
    let spare = address(&s, "203.0.113.25");
    assert_eq!(selected_id(&state).as_deref(), Some(spare.as_str()));
    // The spare is bound elsewhere; its row moves down on the next refresh.
    let standby = instance_named(&s, "app-standby");
    crate::on_tokio(sim.associate_address(&spare, &standby)).unwrap();
    refresh_all(&mut state, &snapshot(&sim), 2, s.taken_at);
    assert_eq!(
        selected_id(&state).as_deref(),
        Some(spare.as_str()),
        "the mark followed its resource, not its row number"
    );
    // Gone from the list altogether: nothing is selected, and s says so.
    let mut fleet = snapshot(&sim);
    fleet.elastic_ips.retain(|a| a.allocation_id != spare);
    refresh_all(&mut state, &fleet, 3, s.taken_at);
    assert_eq!(selected_id(&state), None);
    keys(&mut state, "s");
    assert!(state.dialog.is_none());
    assert!(state
        .message
        .as_deref()
        .unwrap()
        .contains("no longer listed"));
}

#[test]
fn the_simulator_displaces_an_address_as_ec2_does() {
    let (sim, s) = minute_in();
    let spare = address(&s, "203.0.113.25");
    let floating = address(&s, "203.0.113.10");
    let standby = instance_named(&s, "app-standby");
    crate::on_tokio(sim.associate_address(&spare, &standby)).unwrap();
    crate::on_tokio(sim.associate_address(&floating, &standby)).unwrap();
    let after = snapshot(&sim);
    let spare_now = after
        .elastic_ips
        .iter()
        .find(|a| a.allocation_id == spare)
        .unwrap();
    assert_eq!(spare_now.instance_id, None, "EC2 disassociates it");
    assert_eq!(spare_now.association_id, None);
    let on_standby = after
        .elastic_ips
        .iter()
        .filter(|a| a.instance_id.as_deref() == Some(standby.as_str()))
        .count();
    assert_eq!(on_standby, 1, "never two addresses on one private IP");
}

#[test]
fn a_swap_plan_names_the_displaced_address_and_needs_it_accepted() {
    let (sim, s) = minute_in();
    let spare = address(&s, "203.0.113.25");
    let floating = address(&s, "203.0.113.10");
    let standby = instance_named(&s, "app-standby");
    crate::on_tokio(sim.associate_address(&spare, &standby)).unwrap();
    let s = snapshot(&sim);
    let mut plan = plan_swap(&s, &floating, Some(&standby)).unwrap();
    assert!(
        plan.effect
            .iter()
            .any(|e| e.starts_with("203.0.113.25 will be disassociated from app-standby")),
        "{:#?}",
        plan.effect
    );
    assert!(!plan.effect.iter().any(|e| e.contains("no instance loses")));
    let displaced = plan
        .checks
        .iter()
        .find(|c| c.level == CheckLevel::Choice)
        .expect("the displaced address needs the operator's choice");
    assert!(displaced.detail.contains("203.0.113.25"));
    assert!(!plan.blocked() && !plan.ready());

    let dir = tempfile::tempdir().unwrap();
    let log = AuditLog::new(dir.path().join("audit.jsonl"));
    let ops = Ops::new(Arc::new(sim.clone()), log.clone(), false);
    let refused = crate::on_tokio(ops.execute(&plan, &|_| {}));
    assert!(
        matches!(refused, Err(OpError::NotAccepted(_))),
        "{refused:?}"
    );
    assert_eq!(snapshot(&sim).elastic_ips, s.elastic_ips, "nothing changed");

    plan.toggle_accept();
    assert!(plan.ready());
    let done = crate::on_tokio(ops.execute(&plan, &|_| {})).unwrap();
    assert!(done.verified);
    let lines = patrol::ops::audit::records(&log.read().unwrap());
    assert_eq!(lines.len(), 2);
    assert_eq!(lines[0].op_id, lines[1].op_id);
    assert!(lines[0].accepted[0].contains("203.0.113.25"));
    assert_eq!(lines[1].after["disassociated"][0], "203.0.113.25");
}

#[test]
fn a_clone_with_reboot_names_what_the_reboot_takes_down() {
    let (_, s) = minute_in();
    let primary = instance_named(&s, "app-primary");
    let plan = plan_clone(&s, &primary, "app-primary-clone-test", false);
    let reboot = plan
        .checks
        .iter()
        .find(|c| c.what.contains("reboot"))
        .unwrap();
    assert_eq!(reboot.level, CheckLevel::Choice);
    assert!(
        reboot
            .detail
            .contains("203.0.113.10 points at a rebooting host"),
        "{}",
        reboot.detail
    );
    assert!(reboot
        .detail
        .contains("NoReboot (x here, --no-reboot in a runbook) takes the image"));
    assert!(reboot
        .detail
        .contains("swap 203.0.113.10 to its standby first"));
    assert!(!plan.ready());
    let live = plan_clone(&s, &primary, "app-primary-clone-test", true);
    assert!(live.ready(), "NoReboot takes nothing down");

    // An NFS server in use serves no target and holds no address, but its reboot takes
    // its clients' files away, and its replicas' source.
    for (scenario, server, says) in [
        ("nfs-overload", "nfs-1", "NFS clients lose their files"),
        (
            "nfs-replica",
            "nfs-source",
            "replicas cannot copy the content from it",
        ),
    ] {
        let sim = SimCloud::new(&Scenario::load(scenario).unwrap(), 42, start(), 1.0);
        sim.advance(secs(60));
        let s = snapshot(&sim);
        let id = instance_named(&s, server);
        let plan = plan_clone(&s, &id, "nfs-clone-test", false);
        let reboot = (plan.checks.iter())
            .find(|c| c.what.contains("reboot"))
            .unwrap();
        assert_eq!(reboot.level, CheckLevel::Choice, "{scenario}");
        assert!(
            reboot.detail.contains(says),
            "{scenario}: {}",
            reboot.detail
        );
        // Its standby serves nobody: nothing to accept.
        let standby = (s.instances.iter())
            .find(|i| i.role() == Some("nfs-server") && i.id != id)
            .unwrap();
        let plan = plan_clone(&s, &standby.id, "nfs-clone-test", false);
        assert!(
            plan.ready(),
            "{scenario}: the standby's reboot takes nothing down"
        );
    }
}

fn report(state: &AppState, p: Pattern) -> &patterns::Report {
    state.patterns.iter().find(|r| r.pattern == p).unwrap()
}

#[test]
fn a_verdict_on_stale_data_says_so_on_the_card() {
    let (_, s) = minute_in();
    let mut state = state_of(&s);
    assert_eq!(report(&state, Pattern::MultiServer).stale, None);
    let epoch = state.epoch;
    update(
        &mut state,
        Action::Polled(PollEvent::Refreshed {
            source: Source::TargetGroups,
            epoch,
            generation: 5,
            at: s.taken_at,
            result: Err(error_of("throttled").unwrap()),
        }),
    );
    let card = report(&state, Pattern::MultiServer);
    assert!(
        card.stale
            .as_deref()
            .is_some_and(|w| w.contains("target_groups throttled")),
        "{card:?}"
    );
    // And on screen: the card's badge, not only the panel title.
    let text = super::screen_text(&state, 120, 40);
    assert!(text.contains("STALE ● PASS"), "{text}");
}

#[test]
fn a_target_whose_instance_is_terminated_is_never_counted_healthy() {
    let (_, mut s) = minute_in();
    let web = s.target_groups[0].targets[0].target_id.clone();
    s.instances_mut()
        .iter_mut()
        .find(|i| i.id == web)
        .unwrap()
        .state = InstanceState::Terminated;
    let r = patterns::check(&s, &Settings::default(), s.taken_at);
    let ms = r
        .iter()
        .find(|r| r.pattern == Pattern::MultiServer)
        .unwrap();
    let g = &s.target_groups[0];
    assert!(
        ms.headline.contains(&format!(
            "{} {}/{} healthy",
            g.name,
            g.targets.len() - 1,
            g.targets.len()
        )),
        "{}",
        ms.headline
    );
}

#[test]
fn sources_that_contradict_each_other_give_no_verdict() {
    let (_, s) = minute_in();
    let mut state = state_of(&s);
    // The addresses are read later than the instances and name one they do not list.
    let mut addresses = s.elastic_ips.clone();
    addresses[0].instance_id = Some("i-0newlylaunched00".into());
    let epoch = state.epoch;
    update(
        &mut state,
        Action::Polled(PollEvent::Refreshed {
            source: Source::ElasticIps,
            epoch,
            generation: 5,
            at: s.taken_at + chrono::Duration::seconds(3),
            result: Ok(Payload::ElasticIps(addresses)),
        }),
    );
    let card = report(&state, Pattern::FloatingIp);
    assert_eq!(card.verdict, Verdict::Unknown, "{card:?}");
    assert!(
        card.headline.contains("inconsistent") && card.headline.contains("waiting for instances"),
        "{}",
        card.headline
    );
}

#[test]
fn ages_are_in_the_worlds_clock() {
    let (_, s) = minute_in();
    let mut state = state_of(&s);
    // At ×5, 4 s of wall time (less than a refresh interval: not stale) is 20 s of world
    // time, and the age on screen is the world's.
    update(
        &mut state,
        Action::Tick {
            wall: s.taken_at + chrono::Duration::seconds(4),
            clock: s.taken_at + chrono::Duration::seconds(20),
            narration: None,
            playback: None,
        },
    );
    assert_eq!(
        state.freshness(Source::TargetGroups),
        Freshness::Fresh {
            age: chrono::Duration::seconds(20)
        }
    );
}

fn play(name: &str, seconds: u64) -> Snapshot {
    let sim = SimCloud::new(&Scenario::load(name).unwrap(), 42, start(), 1.0);
    sim.advance(secs(seconds));
    snapshot(&sim)
}

#[test]
fn multi_datacenter_fails_when_a_service_is_down_in_every_zone() {
    let s = play("db-down", 130);
    let r = patterns::check(&s, &Settings::default(), s.taken_at);
    let mdc = r
        .iter()
        .find(|r| r.pattern == Pattern::MultiDataCenter)
        .unwrap();
    assert_eq!(mdc.verdict, Verdict::Fail, "{mdc:#?}");
    assert!(
        mdc.problems()
            .any(|f| f.reason
                == "web-tg: no healthy target in any AZ: the service is down everywhere")
    );
    assert!(
        mdc.headline.contains("web-tg: healthy in no AZ"),
        "{}",
        mdc.headline
    );
    // "If this AZ is lost" is per target group: web-tg has nothing left anywhere.
    let zones = patrol::model::zone_distribution(&s);
    assert!(zones
        .iter()
        .all(|z| z.healthy_if_lost == 0 && z.worst_group_if_lost.as_deref() == Some("web-tg")));
}

#[test]
fn scale_out_compares_cpu_only_with_cpu_alarms() {
    let (_, mut s) = minute_in();
    let before = patterns::check(&s, &Settings::default(), s.taken_at);
    s.alarms.push(Alarm {
        name: "web-status".into(),
        namespace: "AWS/EC2".into(),
        metric: "StatusCheckFailed".into(),
        auto_scaling_group: Some("web-asg".into()),
        threshold: 0.0,
        unit: Some("Count".into()),
        comparison: Comparison::GreaterThanThreshold,
        state: AlarmState::Ok,
        state_reason: String::new(),
        updated_at: s.taken_at,
    });
    let after = patterns::check(&s, &Settings::default(), s.taken_at);
    let verdict = |r: &[patterns::Report]| {
        r.iter()
            .find(|r| r.pattern == Pattern::ScaleOut)
            .unwrap()
            .verdict
    };
    assert_eq!(verdict(&after), verdict(&before));
    assert_eq!(s.alarms.last().unwrap().threshold_text(), "0 Count");
}

#[test]
fn the_action_line_says_when_something_else_changed_it_since() {
    let sim = default_sim();
    sim.advance(secs(180));
    let s = snapshot(&sim);
    let mut state = sized(&s, 120, 40);
    keys(&mut state, "3+y");
    let effects = key(&mut state, KeyCode::Enter);
    let Some(Effect::Execute { id, plan }) = effects.into_iter().next() else {
        panic!("no action");
    };
    let dir = tempfile::tempdir().unwrap();
    let ops = Ops::new(
        Arc::new(sim.clone()),
        AuditLog::new(dir.path().join("a.jsonl")),
        false,
    );
    let result = crate::on_tokio(ops.execute(&plan, &|_| {}));
    update(&mut state, Action::OpDone { id, result });
    // Something else (a scale-in policy, another operator) takes desired back.
    crate::on_tokio(sim.set_desired_capacity("web-asg", 4)).unwrap();
    refresh_all(&mut state, &snapshot(&sim), 9, s.taken_at);
    let text = super::screen_text(&state, 120, 40);
    assert!(text.contains("SINCE CHANGED: desired is now 4"), "{text}");
}

#[test]
fn b_does_not_offer_to_swap_back_after_the_swap_back() {
    let (sim, s) = minute_in();
    let mut state = sized(&s, 120, 40);
    let dir = tempfile::tempdir().unwrap();
    let ops = Ops::new(
        Arc::new(sim.clone()),
        AuditLog::new(dir.path().join("a.jsonl")),
        false,
    );
    let run = |state: &mut AppState, keys_: &str, generation: u64| {
        keys(state, keys_);
        let effects = key(state, KeyCode::Enter);
        let Some(Effect::Execute { id, plan }) = effects.into_iter().next() else {
            panic!("no action after {keys_}: {:?}", state.message);
        };
        let result = crate::on_tokio(ops.execute(&plan, &|_| {}));
        update(state, Action::OpDone { id, result });
        refresh_all(state, &snapshot(&sim), generation, s.taken_at);
    };
    key(&mut state, KeyCode::Char('4'));
    key(&mut state, KeyCode::Char('j'));
    run(&mut state, "sy", 2);
    assert!(state.undo.is_some());
    run(&mut state, "by", 3);
    assert_eq!(state.undo, None, "nothing left to swap back");
    keys(&mut state, "b");
    assert!(state.dialog.is_none());
}

#[test]
fn the_progress_line_does_not_repeat_its_title() {
    let (sim, s) = minute_in();
    let plan = plan_swap(&s, &address(&s, "203.0.113.10"), None).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let ops = Ops::new(
        Arc::new(sim),
        AuditLog::new(dir.path().join("a.jsonl")),
        false,
    );
    let stages = std::sync::Mutex::new(Vec::new());
    crate::on_tokio(ops.execute(&plan, &|st| stages.lock().unwrap().push(st))).unwrap();
    for st in stages.lock().unwrap().iter() {
        assert!(!st.contains(&plan.title), "{st}");
    }
}

#[test]
fn cut_cells_end_in_an_ellipsis() {
    assert_eq!(patrol::ui::fit("203.0.113.10", 9), "203.0.11…");
    assert_eq!(patrol::ui::fit("203.0.113.10", 12), "203.0.113.10");
    let (_, s) = minute_in();
    let mut state = sized(&s, 80, 24);
    key(&mut state, KeyCode::Char('3'));
    let text = super::screen_text(&state, 80, 24);
    assert!(
        text.contains("1 group ") || text.contains("groups"),
        "{text}"
    );
    assert!(!text.contains("1 groups"), "{text}");
    // At 80 columns the keys that tell rows apart stay whole; other cells give way.
    key(&mut state, KeyCode::Char('5'));
    let text = super::screen_text(&state, 80, 24);
    for zone in ["us-east-1a", "us-east-1b", "us-east-1c"] {
        assert!(text.contains(zone), "{zone}:\n{text}");
    }
    key(&mut state, KeyCode::Char('4'));
    let text = super::screen_text(&state, 80, 24);
    for ip in ["203.0.113.25", "203.0.113.10"] {
        assert!(text.contains(ip), "{ip}:\n{text}");
    }
    key(&mut state, KeyCode::Char('2'));
    let text = super::screen_text(&state, 80, 24);
    assert!(text.contains("healthy "), "states stay whole:\n{text}");
    for t in &s.target_groups[0].targets {
        assert!(text.contains(&t.target_id), "{}:\n{text}", t.target_id);
    }
}

#[test]
fn counts_before_the_first_read_say_there_is_no_data() {
    let mut state = AppState::new(
        default_sim().world(),
        &patrol::poll::Intervals::default(),
        start(),
    );
    update(
        &mut state,
        Action::Key(KeyEvent::new(KeyCode::Char('2'), KeyModifiers::NONE)),
    );
    let text = super::screen_text(&state, 120, 40);
    assert!(!text.contains("0 unhealthy"), "{text}");
    assert!(text.contains("not read yet"), "{text}");
}

#[test]
fn ctrl_u_and_ctrl_w_edit_the_prompt_and_the_image_name() {
    let (_, s) = minute_in();
    let mut state = sized(&s, 120, 40);
    let ctrl = |c| Action::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::CONTROL));
    keys(&mut state, ":region eu");
    update(&mut state, ctrl('w'));
    assert_eq!(state.prompt.as_deref(), Some("region "));
    update(&mut state, ctrl('u'));
    assert_eq!(state.prompt.as_deref(), Some(""));
    key(&mut state, KeyCode::Esc);
    keys(&mut state, "4jce");
    update(&mut state, ctrl('u'));
    let dialog = state.dialog.as_ref().unwrap();
    assert_eq!(dialog.editing, Some("name"));
    assert_eq!(dialog.plan.action.json()["name"], "");
}

fn record(op: &str, phase: &str) -> patrol::ops::AuditRecord {
    patrol::ops::AuditRecord {
        time: "2026-01-15T09:00:00.000Z".into(),
        op_id: op.into(),
        accepted: vec![],
        phase: phase.into(),
        world: "simulated".into(),
        account: None,
        region: "us-east-1".into(),
        profile: None,
        action: "scale-out".into(),
        resources: vec!["web-asg".into()],
        before: serde_json::json!({}),
        after: serde_json::json!({}),
        request_ids: vec![],
        outcome: if phase == "intent" {
            "planned"
        } else {
            "verified"
        }
        .into(),
        error: None,
        elapsed_ms: None,
    }
}

#[test]
fn a_cut_off_audit_line_is_flagged_and_every_intact_line_shown() {
    use patrol::ops::audit::{table, AuditLine};
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("audit.jsonl");
    let log = AuditLog::new(&path);
    log.append(&record("op-a", "intent")).unwrap();
    log.append(&record("op-a", "outcome")).unwrap();
    // A crash mid-write: half a line, no newline.
    let mut text = std::fs::read_to_string(&path).unwrap();
    text.push_str("{\"time\":\"2026-01-15T09:01");
    std::fs::write(&path, text).unwrap();
    // The next line starts on a line of its own.
    log.append(&record("op-b", "intent")).unwrap();
    let lines = log.read().unwrap();
    assert_eq!(lines.len(), 4, "{lines:#?}");
    assert!(matches!(lines[2], AuditLine::Damaged { line: 3, .. }));
    let shown = table(&lines);
    assert!(shown.contains("DAMAGED"), "{shown}");
    assert!(shown.contains("line 3 cannot be read"), "{shown}");
    assert_eq!(shown.matches("scale-out").count(), 3, "{shown}");
    assert!(shown.contains("NO OUTCOME"), "op-b has no outcome: {shown}");
}

#[test]
fn intent_and_outcome_pair_by_operation_id() {
    use patrol::ops::audit::unanswered;
    // Two processes act on the same group: their lines interleave.
    let records = vec![
        record("op-1", "intent"),
        record("op-2", "intent"),
        record("op-2", "outcome"),
        record("op-1", "outcome"),
        record("op-3", "intent"),
    ];
    assert_eq!(unanswered(&records), vec![false, false, false, false, true]);
}

#[test]
fn two_writers_appending_at_once_never_interleave() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("audit.jsonl");
    let writers: Vec<_> = (0..4)
        .map(|w| {
            let log = AuditLog::new(&path);
            std::thread::spawn(move || {
                for n in 0..50 {
                    let mut r = record(&format!("op-{w}-{n}"), "intent");
                    r.error = Some("x".repeat(3000));
                    log.append(&r).unwrap();
                }
            })
        })
        .collect();
    for w in writers {
        w.join().unwrap();
    }
    let lines = AuditLog::new(&path).read().unwrap();
    assert_eq!(patrol::ops::audit::records(&lines).len(), 200);
}

#[test]
fn no_action_while_a_world_switch_is_opening_and_the_latest_switch_wins() {
    let (_, s) = minute_in();
    let mut state = sized(&s, 120, 40);
    state.choices.scenarios = vec!["db-down".into(), "az-outage".into()];
    let run = |state: &mut AppState, line: &str| -> Vec<Effect> {
        let mut effects = keys(state, &format!(":{line}"));
        effects.extend(key(state, KeyCode::Enter));
        effects
    };
    let first = run(&mut state, "scenario db-down");
    let Some(Effect::Switch { id: first, .. }) = first.into_iter().next() else {
        panic!("no switch");
    };
    // The old world is still on screen; an action now would run on it and report into the
    // new one. It waits.
    keys(&mut state, "4s");
    assert!(state.dialog.is_none());
    assert!(
        state.message.as_deref().unwrap().contains("actions wait"),
        "{:?}",
        state.message
    );
    // A second request supersedes the first: the first's answer is not the one shown.
    let second = run(&mut state, "scenario az-outage");
    let Some(Effect::Switch { id: second, .. }) = second.into_iter().next() else {
        panic!("no switch");
    };
    update(
        &mut state,
        Action::SwitchDone {
            id: first,
            result: Ok(()),
        },
    );
    assert!(state.switching.is_some(), "still waiting for the latest");
    update(
        &mut state,
        Action::SwitchDone {
            id: second,
            result: Err("no such thing".into()),
        },
    );
    assert_eq!(state.switching, None);
    assert!(state
        .message
        .as_deref()
        .unwrap()
        .contains("still showing the world above"));
    keys(&mut state, "s");
    assert!(state.dialog.is_some(), "actions work again");
}

/// Every cell on screen whose text contains `needle`'s row: (text of the row, the styles of
/// its cells).
fn styled_rows(state: &AppState, needle: &str) -> Vec<(String, Vec<ratatui::style::Style>)> {
    let (w, h) = (120, 40);
    let buffer = crate::screen_buffer(state, w, h);
    (0..h)
        .map(|y| {
            let text: String = (0..w).map(|x| buffer[(x, y)].symbol()).collect();
            let styles = (0..w).map(|x| buffer[(x, y)].style()).collect();
            (text, styles)
        })
        .filter(|(text, _)| text.contains(needle))
        .collect()
}

/// Table cells, group summaries and finding verdicts read from a stale source are drawn in
/// the stale style: no green "healthy" or "pass" rests on data that is no longer current.
#[test]
fn nothing_read_from_stale_data_is_drawn_green() {
    let (_, s) = minute_in();
    let mut state = state_of(&s);
    let ok = patrol::theme::Theme::default_theme().ok.fg;
    let green = |state: &AppState, view: View, needle: &str| {
        let mut state = state.clone();
        state.view = view;
        styled_rows(&state, needle)
            .iter()
            .any(|(_, styles)| styles.iter().any(|s| s.fg.is_some() && s.fg == ok))
    };
    // Fresh: the healthy counts, the group summary and the passes are green.
    assert!(green(&state, View::Zones, "us-east-1a"));
    assert!(green(&state, View::Targets, "web-tg   "));
    assert!(green(
        &state,
        View::Patterns,
        "app-tg: 2 of 2 targets healthy"
    ));
    let epoch = state.epoch;
    update(
        &mut state,
        Action::Polled(PollEvent::Refreshed {
            source: Source::TargetGroups,
            epoch,
            generation: 5,
            at: s.taken_at,
            result: Err(error_of("throttled").unwrap()),
        }),
    );
    assert!(!green(&state, View::Zones, "us-east-1a"), "zone rows");
    assert!(
        !green(&state, View::Targets, "web-tg   "),
        "target rows and summary"
    );
    assert!(
        !green(&state, View::Patterns, "app-tg: 2 of 2 targets healthy"),
        "a finding on stale target groups"
    );
}

/// A fleet of `extra` more instances than the default scenario's, each a copy of its first.
fn enlarged(s: &Snapshot, extra: usize) -> Snapshot {
    let mut s = s.clone();
    let template = s.instances[0].clone();
    for n in 0..extra {
        let mut i = template.clone();
        i.id = format!("i-{n:017x}");
        s.instances_mut().push(i);
    }
    s
}

#[test]
fn a_large_fleets_checks_run_away_from_the_loop_and_their_verdicts_come_back() {
    // 4,000 more instances: past the size where a run of the checks costs a key its frame.
    let s = enlarged(&snapshot(&default_sim()), 4_000);
    let mut state = state_of(&s);
    let healthy = |state: &AppState| {
        (state.patterns.iter())
            .find(|r| r.pattern == Pattern::MultiServer)
            .map(|r| r.verdict)
    };
    let tick = crate::tick;
    // At a tick a second after the last run: one job for the runtime.
    let due = |state: &mut AppState| {
        std::thread::sleep(std::time::Duration::from_millis(1_100));
        let mut effects = tick(state);
        match effects.pop() {
            Some(Effect::Check(job)) => *job,
            other => panic!("no check job at the tick: {other:?}"),
        }
    };
    let job = due(&mut state);
    update(&mut state, Action::Checked(job.run()));
    assert_eq!(healthy(&state), Some(Verdict::Pass));
    // Every target fails: the refresh is applied at once, the checks are not run inline.
    let mut failing = s.clone();
    for g in failing.target_groups_mut() {
        for t in &mut g.targets {
            t.state = patrol::model::TargetHealthState::Unhealthy;
        }
    }
    let refreshed = |state: &mut AppState, generation: u64| {
        update(
            state,
            Action::Polled(PollEvent::Refreshed {
                source: Source::TargetGroups,
                epoch: state.epoch,
                generation,
                at: s.taken_at,
                result: Ok(Payload::TargetGroups(failing.target_groups.clone())),
            }),
        )
    };
    assert!(refreshed(&mut state, 2).is_empty());
    assert_eq!(healthy(&state), Some(Verdict::Pass), "not judged inline");
    let job = due(&mut state);
    // No second run while one is under way.
    refreshed(&mut state, 3);
    std::thread::sleep(std::time::Duration::from_millis(1_100));
    assert!(tick(&mut state).is_empty(), "one run at a time");
    // Its verdicts come back.
    update(&mut state, Action::Checked(job.clone().run()));
    assert_eq!(healthy(&state), Some(Verdict::Fail));
    // A run for a world that is no longer shown is dropped.
    let world = state.world.clone();
    update(
        &mut state,
        Action::WorldReset {
            world,
            intervals: Default::default(),
            read_only: false,
            production: None,
            clock: s.taken_at,
        },
    );
    let waiting = healthy(&state);
    update(&mut state, Action::Checked(job.run()));
    assert_eq!(healthy(&state), waiting);
    assert_ne!(waiting, Some(Verdict::Fail));
}
