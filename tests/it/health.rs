//! Deep health in one place: ELB's verdict beside patrol's probe of each target's page, the
//! chain across the targets, the disagreements, the Deep Health Check that names the
//! dependency, the Health view, and the probes through the poller, the recorder and the
//! headless commands. Every probe goes to the simulator's loopback listener.

use crate::{observe, patrol_command, secs, start, state_of};
use patrol::app::View;
use patrol::cloud::sim::{Scenario, SimCloud};
use patrol::cloud::Source;
use patrol::model::{
    Agreement, ComponentState, HealthReport, ProbeOutcome, ProbeResult, ReportFormat, Says,
    Snapshot, TargetHealthState,
};
use patrol::patterns::{check_pattern, Pattern, Settings, Verdict};
use patrol::playback::Playback;
use patrol::probe::{ProbeSettings, Prober};

/// A scenario on seed 42, its health pages served, and a prober through them.
async fn world(scenario: &str) -> (SimCloud, Prober) {
    let sim = SimCloud::new(&Scenario::load(scenario).unwrap(), 42, start(), 1.0);
    let pages = sim.serve_health_pages().await.unwrap();
    let settings = ProbeSettings {
        deep_path: Some("/health/deep".into()),
        ..ProbeSettings::default()
    };
    (sim, Prober::via(pages, settings))
}

/// Every source read once, and every target probed.
async fn probed(sim: &SimCloud, prober: &Prober) -> Snapshot {
    let mut s = patrol::cloud::take_snapshot(sim).await.unwrap();
    s.probes = prober.probe(&s, s.taken_at).await.into();
    s
}

/// Fails, with the screen, unless it shows every one of `texts`.
fn shows(screen: &str, texts: &[&str]) {
    for text in texts {
        assert!(screen.contains(text), "{text:?} not on\n{screen}");
    }
}

fn dhc(s: &Snapshot) -> patrol::patterns::Report {
    check_pattern(
        Pattern::DeepHealthCheck,
        s,
        &Settings::default(),
        s.taken_at,
    )
}

fn group<'a>(
    health: &'a [patrol::model::GroupHealth<'a>],
    name: &str,
) -> &'a patrol::model::GroupHealth<'a> {
    health.iter().find(|g| g.group.name == name).unwrap()
}

/// (name, pass, fail, of) of each link.
fn chain(g: &patrol::model::GroupHealth) -> Vec<(String, usize, usize, usize)> {
    (g.chain().into_iter())
        .map(|l| (l.name, l.pass, l.fail, l.of))
        .collect()
}

fn links(names: &[(&str, usize, usize, usize)]) -> Vec<(String, usize, usize, usize)> {
    (names.iter())
        .map(|(n, p, f, o)| (n.to_string(), *p, *f, *o))
        .collect()
}

#[tokio::test]
async fn db_down_the_chain_fails_at_the_database_and_recovers() {
    let (sim, prober) = world("db-down").await;
    sim.advance(secs(50));
    let before = probed(&sim, &prober).await;
    let health = before.deep_health();
    assert_eq!(
        chain(group(&health, "web-tg")),
        links(&[("web", 4, 0, 4), ("app", 4, 0, 4), ("db", 4, 0, 4)])
    );
    assert!((health.iter())
        .flat_map(|g| &g.targets)
        .all(|t| t.agreement() == Agreement::Agree));
    assert!(dhc(&before)
        .findings
        .iter()
        .all(|f| f.verdict != Verdict::Fail));

    // At 1m the database fails: both groups' pages say db, on every target.
    sim.advance(secs(40));
    let down = probed(&sim, &prober).await;
    let health = down.deep_health();
    let web = group(&health, "web-tg");
    assert_eq!(
        chain(web),
        links(&[("web", 4, 0, 4), ("app", 4, 0, 4), ("db", 0, 4, 4)])
    );
    assert_eq!(web.failing_everywhere(), (vec!["db".to_string()], 4));
    // ELB's deep check sees it too: they agree, both failing.
    assert!(web.targets.iter().all(|t| {
        t.target.state == TargetHealthState::Unhealthy
            && t.agreement() == Agreement::Agree
            && t.deepest().unwrap().says == Says::Fail
    }));
    // The shallow group on the same instances stays green; its probe of the deep page
    // does not.
    let shallow = group(&health, "web-static-tg");
    assert_eq!(shallow.count(Agreement::HiddenFailure), 4);
    assert_eq!(shallow.probed_path(), Some("/health/deep"));
    let t = &shallow.targets[0];
    assert_eq!(t.target.state, TargetHealthState::Healthy);
    assert_eq!(t.probes.len(), 2, "its own /index.html, then /health/deep");
    assert_eq!(t.probes[0].result.path, "/index.html");
    assert_eq!(t.probes[0].says, Says::Pass);
    assert_eq!(t.deepest().unwrap().words(), "503 db down");
    assert_eq!(
        t.agreement().words(&t.deepest().unwrap().failing),
        "ELB healthy, probe says db down"
    );
    // The check names the dependency, and that ELB's shallow group still says healthy.
    let report = dhc(&down);
    assert_eq!(report.verdict, Verdict::Fail);
    let reasons: Vec<&str> = report.findings.iter().map(|f| f.reason.as_str()).collect();
    assert!(
        reasons.iter().any(|r| r.starts_with(
            "every target of web-tg reports db down at /health/deep (4/4 pages: cannot reach db"
        )),
        "{reasons:#?}"
    );
    assert!(
        reasons.iter().any(
            |r| r.contains("every target of web-static-tg reports db down")
                && r.contains("ELB's check (/index.html) still says 4/4 healthy")
        ),
        "{reasons:#?}"
    );

    // Back at 5m; three good checks later ELB agrees again.
    sim.advance(secs(5 * 60));
    let back = probed(&sim, &prober).await;
    let health = back.deep_health();
    assert_eq!(
        chain(group(&health, "web-tg")),
        links(&[("web", 4, 0, 4), ("app", 4, 0, 4), ("db", 4, 0, 4)])
    );
    assert!(
        (health.iter())
            .flat_map(|g| &g.targets)
            .all(|t| t.agreement() == Agreement::Agree
                && t.target.state == TargetHealthState::Healthy)
    );
    assert!(dhc(&back)
        .findings
        .iter()
        .all(|f| f.verdict != Verdict::Fail));
}

#[tokio::test]
async fn chains_that_do_not_fit_are_counted_and_the_rows_stay_whole() {
    let (sim, prober) = world("db-down").await;
    sim.advance(secs(90));
    let mut s = probed(&sim, &prober).await;
    // Six more groups: more chains than half a short screen holds.
    let extra: Vec<_> = (1..=6)
        .map(|n| {
            let mut g = s.target_groups[0].clone();
            g.name = format!("more-{n}-tg");
            g.arn = format!("{}-{n}", g.arn);
            g
        })
        .collect();
    std::sync::Arc::make_mut(&mut s.target_groups).extend(extra);
    let mut state = state_of(&s);
    state.view = View::Health;
    // Tall enough: every group's chain.
    let screen = crate::screen_text(&state, 100, 60);
    shows(&screen, &["web-tg", "web-static-tg", "more-6-tg", "db 0/4"]);
    assert!(!screen.contains("more target group"), "{screen}");
    // Short: the chains that fit, the others counted, and still a table of targets below.
    let screen = crate::screen_text(&state, 100, 16);
    shows(
        &screen,
        &[
            "web-tg",
            "web-static-tg",
            "… 6 more target groups: their targets are in the table",
            "GROUP",
        ],
    );
    assert!(!screen.contains("more-1-tg  "), "{screen}");
    // The rows drawn are those of the whole listing, in its order.
    let keys = patrol::app::rows::row_keys(&state);
    assert_eq!(keys.len(), 32, "{keys:?}");
    let first = patrol::app::rows::health_rows(&state.fleet, state.list());
    let name = first[0].target.target.target_id.clone();
    assert!(keys[0].contains(&name));
    assert!(screen.contains(&name), "{screen}");
}

#[tokio::test]
async fn a_shallow_check_stays_green_while_the_probe_shows_the_database_down() {
    let (sim, prober) = world("shallow-check").await;
    let mut state = None;
    for (n, at) in [30u64, 90, 180, 300].into_iter().enumerate() {
        let now = patrol::cloud::Cloud::clock(&sim);
        sim.advance(secs(at) - (now - start()).to_std().unwrap());
        let s = probed(&sim, &prober).await;
        let tg = &s.target_groups[0];
        assert_eq!(
            tg.count(TargetHealthState::Healthy),
            3,
            "ELB sees nothing at {at}s"
        );
        let multi_server =
            check_pattern(Pattern::MultiServer, &s, &Settings::default(), s.taken_at);
        assert_eq!(multi_server.verdict, Verdict::Pass, "at {at}s");
        let health = s.deep_health();
        let g = &health[0];
        if at < 60 {
            assert_eq!(g.count(Agreement::Agree), 3);
            continue;
        }
        assert_eq!(
            chain(g),
            links(&[
                ("web", 3, 0, 3),
                ("app", 3, 0, 3),
                ("cache", 3, 0, 3),
                ("db", 0, 3, 3)
            ]),
            "at {at}s"
        );
        assert_eq!(g.count(Agreement::HiddenFailure), 3);
        let report = dhc(&s);
        assert_eq!(report.verdict, Verdict::Fail);
        assert!(
            report.findings[0].reason.contains("reports db down")
                && report.findings[0]
                    .reason
                    .contains("ELB's check (/) still says 3/3 healthy"),
            "{:?}",
            report.findings[0]
        );
        match state.as_mut() {
            None => state = Some(state_of(&s)),
            Some(state) => observe(state, &s, n as u64 + 2),
        }
    }
    // The console: the Health view says it in one place, at 80×24.
    let mut state = state.unwrap();
    state.view = View::Health;
    let screen = crate::screen_text(&state, 80, 24);
    shows(
        &screen,
        &[
            "shop-tg",
            "ELB 3/3 healthy",
            "ELB healthy, probe says db down",
            "probe /health/deep: web 3/3 → app 3/3 → cache 3/3 → db 0/3",
            "503 db down",
        ],
    );
    // Its detail pane: both verdicts, what the disagreement means, every component.
    crate::press_key(&mut state, crossterm::event::KeyCode::Char('d'));
    let screen = crate::screen_text(&state, 100, 60);
    shows(
        &screen,
        &[
            "ELB's verdict",
            "ELB's check (/) passes, yet the page reports db down",
            "Probe /",
            "Probe /health/deep",
            "cannot reach db: connection refused",
            "Host 10.",
        ],
    );
    // The Deep Health Check card opens the Health view.
    assert_eq!(patrol::app::view_of(Pattern::DeepHealthCheck), View::Health);
}

#[test]
fn disagreements_are_named_and_nothing_is_guessed() {
    // The default fleet, its web-tg targets given each kind of probe answer.
    let sim = crate::default_sim();
    let mut s = crate::snapshot(&sim);
    let g = s
        .target_groups
        .iter()
        .position(|g| g.name == "web-tg")
        .unwrap();
    let arn = s.target_groups[g].arn.clone();
    let ids: Vec<String> = (s.target_groups[g].targets.iter())
        .map(|t| t.target_id.clone())
        .collect();
    assert_eq!(ids.len(), 4);
    // The second target: ELB says unhealthy (a security group that shuts the balancer out).
    s.target_groups_mut()[g].targets[1].state = TargetHealthState::Unhealthy;
    let answered = |status: u16, db: &str| ProbeOutcome::Answered {
        status,
        latency_ms: 3.0,
        location: None,
        report: patrol::probe::report::read(
            format!("{{\"status\":\"{db}\",\"checks\":{{\"db\":[{{\"status\":\"{db}\"}}]}}}}")
                .as_bytes(),
        ),
    };
    let outcomes = [
        answered(503, "fail"),
        answered(200, "pass"),
        ProbeOutcome::Unreachable {
            why: "cannot connect to 127.0.0.1:9: connection refused".into(),
        },
        ProbeOutcome::NotProbed {
            why: "10.0.0.7 is outside probe.allow".into(),
        },
    ];
    s.probes = std::sync::Arc::new(
        (ids.iter().zip(outcomes))
            .map(|(id, outcome)| ProbeResult {
                target_group_arn: arn.clone(),
                target_id: id.clone(),
                port: 80,
                path: "/health/deep".into(),
                address: "127.0.0.1:9".into(),
                host: "10.0.0.7:80".into(),
                tls: false,
                at: s.taken_at,
                outcome,
            })
            .collect::<Vec<_>>(),
    );
    let health = s.deep_health();
    let web = group(&health, "web-tg");
    let by_id = |id: &str| {
        web.targets
            .iter()
            .find(|t| t.target.target_id == id)
            .unwrap()
    };
    let said: Vec<(Agreement, String, String)> = (ids.iter())
        .map(|id| {
            let t = by_id(id);
            let p = t.deepest().unwrap();
            (t.agreement(), p.words(), t.agreement().words(&p.failing))
        })
        .collect();
    assert_eq!(
        said,
        vec![
            (
                Agreement::HiddenFailure,
                "503 db down".into(),
                "ELB healthy, probe says db down".into()
            ),
            (
                Agreement::PathProblem,
                "200 pass".into(),
                "ELB unhealthy, probe OK from here".into()
            ),
            (
                Agreement::NotReachable,
                "not reachable from here".into(),
                "not reachable from here".into()
            ),
            (
                Agreement::NotProbed,
                "not probed".into(),
                "not probed".into()
            ),
        ]
    );
    // The chain counts only the pages patrol reached: one failed to answer, one was not
    // probed, so db fails on 1 of the 2 that answered.
    assert_eq!(chain(web), links(&[("web", 2, 1, 3), ("db", 1, 1, 2)]));
    assert_eq!(web.failing_everywhere().0, Vec::<String>::new());
    // The check: one target's page fails (warn, naming it), one is a path problem (warn).
    let report = dhc(&s);
    let reasons: Vec<&str> = report.findings.iter().map(|f| f.reason.as_str()).collect();
    assert!(
        reasons.iter().any(|r| r.starts_with(&format!(
            "1 of 4 targets of web-tg fail their page at /health/deep: {} 503 db down",
            ids[0]
        ))),
        "{reasons:#?}"
    );
    assert!(
        reasons.iter().any(|r| r.starts_with(&format!(
            "ELB says {} of web-tg unhealthy, yet the page answers OK from here",
            ids[1]
        ))),
        "{reasons:#?}"
    );
    // The Health view: one row each, the disagreements first, in the operator's words.
    let mut state = state_of(&s);
    state.view = View::Health;
    let screen = crate::screen_text(&state, 160, 30);
    shows(
        &screen,
        &[
            "ELB healthy, probe says db down",
            "ELB unhealthy, probe OK from here",
            "not reachable from here",
            "not probed",
        ],
    );
    // A redirect is shown with where it points, never followed.
    let redirect = ProbeResult {
        outcome: ProbeOutcome::Answered {
            status: 302,
            latency_ms: 1.0,
            location: Some("https://login.example.com/".into()),
            report: HealthReport {
                format: ReportFormat::Text,
                status: None,
                components: Vec::new(),
                first_line: None,
            },
        },
        ..s.probes[0].clone()
    };
    let read = patrol::model::ProbeRead::of(&redirect);
    assert_eq!(read.says, Says::Fail);
    assert_eq!(
        read.words(),
        "302 to https://login.example.com/, not followed"
    );
}

#[tokio::test]
async fn the_poller_probes_once_it_knows_the_targets() {
    let (sim, prober) = world("db-down").await;
    sim.advance(secs(90));
    let (tx, mut rx) = tokio::sync::mpsc::channel(64);
    let _poller = patrol::poll::Poller::spawn(
        std::sync::Arc::new(sim.clone()),
        std::sync::Arc::new(prober),
        &patrol::poll::Intervals::default(),
        0,
        tx,
    );
    let probes = tokio::time::timeout(std::time::Duration::from_secs(20), async {
        loop {
            if let Some(patrol::poll::PollEvent::Refreshed {
                source: Source::Probes,
                result,
                ..
            }) = rx.recv().await
            {
                return result.unwrap();
            }
        }
    })
    .await
    .expect("probes within 20s");
    let patrol::poll::Payload::Probes(results) = probes else {
        panic!("{probes:?}")
    };
    // 4 targets in web-tg, 4 in web-static-tg asked twice (its own path, the deep one).
    assert_eq!(results.len(), 12);
    assert!(results.iter().all(|r| r.address.starts_with("127.0.0.1:")));
    let db_down = (results.iter())
        .filter(|r| match &r.outcome {
            ProbeOutcome::Answered { report, .. } => report
                .components
                .iter()
                .any(|c| c.name == "db" && c.state == ComponentState::Fail),
            _ => false,
        })
        .count();
    assert_eq!(db_down, 8);
}

#[tokio::test]
async fn the_poller_sends_an_unchanged_answer_as_the_copy_it_sent_before() {
    use patrol::cloud::Cloud;
    use patrol::poll::{Payload, PollEvent};
    let (sim, prober) = world("db-down").await;
    let (tx, mut rx) = tokio::sync::mpsc::channel(64);
    let _poller = patrol::poll::Poller::spawn(
        std::sync::Arc::new(sim.clone()),
        std::sync::Arc::new(prober),
        &patrol::poll::Intervals::every(std::time::Duration::from_millis(50)),
        0,
        tx,
    );
    async fn next(
        rx: &mut tokio::sync::mpsc::Receiver<PollEvent>,
    ) -> std::sync::Arc<Vec<patrol::model::Instance>> {
        loop {
            if let Some(PollEvent::Refreshed {
                result: Ok(Payload::Instances(v)),
                ..
            }) = rx.recv().await
            {
                return v;
            }
        }
    }
    let within = std::time::Duration::from_secs(20);
    let first = tokio::time::timeout(within, next(&mut rx)).await.unwrap();
    let second = tokio::time::timeout(within, next(&mut rx)).await.unwrap();
    assert!(
        std::sync::Arc::ptr_eq(&first, &second),
        "the world did not move: the same copy, so the console keeps its rows"
    );
    let mut fleet = patrol::model::Snapshot::empty(sim.world(), sim.clock());
    fleet.instances = first.clone();
    assert!(!Payload::Instances(second).apply_to(&mut fleet));
    // The world moves: a new copy, and a change to the console.
    sim.world_mut().set_desired_capacity("web-asg", 6).unwrap();
    sim.advance(secs(30));
    let moved = tokio::time::timeout(std::time::Duration::from_secs(20), async {
        loop {
            let v = next(&mut rx).await;
            if !std::sync::Arc::ptr_eq(&v, &first) {
                return v;
            }
        }
    })
    .await
    .expect("a new copy within 20s");
    assert_ne!(*moved, *first);
    assert!(Payload::Instances(moved).apply_to(&mut fleet));
}

#[tokio::test]
async fn a_probe_that_changes_is_an_event_and_a_recording_keeps_it() {
    let (sim, prober) = world("db-down").await;
    sim.advance(secs(50));
    let first = probed(&sim, &prober).await;
    let mut state = state_of(&first);
    sim.advance(secs(40));
    let down = probed(&sim, &prober).await;
    observe(&mut state, &down, 2);
    let events: Vec<_> = (state.events.newest())
        .map(|(_, e)| e.clone())
        .filter(|e| e.kind.as_str() == "probe")
        .collect();
    assert_eq!(events.len(), 8, "{events:#?}");
    let e = &events[0];
    assert_eq!(e.change(), "200 pass → 503 db down");
    assert!(e.detail.contains("cannot reach db"), "{e:?}");
    assert!(e.resource.ends_with("/health/deep"), "{e:?}");

    // Written and read back whole.
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("probes.sqlite");
    let mut tape = patrol::record::Tape::create(&file, &first.world, first.taken_at).unwrap();
    for s in [&first, &down] {
        for (source, payload) in crate::payloads(s) {
            tape.refreshed(source, s.taken_at, &payload).unwrap();
        }
    }
    drop(tape);
    let recording = patrol::record::Recording::open(&file).unwrap();
    // Each probe's answer as it was; the time and latency of one whose answer did not
    // change are those of when it was last written.
    let answers = |probes: &[ProbeResult]| -> Vec<(String, String, String, Option<u16>)> {
        (probes.iter())
            .map(|p| {
                let status = match &p.outcome {
                    ProbeOutcome::Answered { status, .. } => Some(*status),
                    _ => None,
                };
                (
                    p.target_group_arn.clone(),
                    p.target_id.clone(),
                    p.path.clone(),
                    status,
                )
            })
            .collect()
    };
    let back = recording.snapshot_at(down.taken_at).unwrap().probes;
    assert_eq!(answers(&back), answers(&down.probes));
    let changed =
        |p: &&ProbeResult| matches!(p.outcome, ProbeOutcome::Answered { status: 503, .. });
    assert_eq!(
        back.iter().filter(changed).collect::<Vec<_>>(),
        down.probes.iter().filter(changed).collect::<Vec<_>>()
    );
    // Replayed, the probes come from the tape: nothing is sent again.
    let replay = patrol::record::Replay::open(&file).unwrap();
    replay.seek(first.taken_at);
    let played = patrol::cloud::Cloud::recorded_probes(&replay)
        .unwrap()
        .unwrap();
    assert_eq!(played, *first.probes);
}

#[test]
fn a_snapshot_from_before_probing_reads_with_none() {
    let s = crate::snapshot(&crate::default_sim());
    let mut json: serde_json::Value = serde_json::to_value(&s).unwrap();
    json.as_object_mut().unwrap().remove("probes");
    let back: Snapshot = serde_json::from_value(json).unwrap();
    assert!(back.probes.is_empty());
    assert!(!back.probing_off(), "no probes is not 'probing off'");
}

#[test]
fn headless_commands_probe_the_simulated_pages() {
    let out = crate::stdout_of(patrol_command().args([
        "snapshot",
        "--json",
        "--scenario",
        "db-down",
        "--after",
        "90s",
    ]));
    let doc: serde_json::Value = serde_json::from_str(&out).unwrap();
    let probes = doc["probes"].as_array().unwrap();
    assert_eq!(probes.len(), 12);
    let failing = (probes.iter())
        .filter(|p| p["outcome"]["result"] == "answered" && p["outcome"]["status"] == 503)
        .count();
    assert_eq!(failing, 8, "{probes:#?}");
    let out = patrol_command()
        .args(["check", "--scenario", "shallow-check", "--after", "2m"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("every target of shop-tg reports db down at /health/deep"),
        "{text}"
    );
    // The deep path is a path.
    let out = patrol_command()
        .args(["check", "--deep-path", "health"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(3));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("--deep-path") && err.contains("starts with /"),
        "{err}"
    );
}

/// A probe's time and exact latency move every round: the recording writes a probe again
/// only when its answer changes or its latency doubles (at 20,000 targets, every round
/// rewritten was a gigabyte an hour).
#[test]
fn a_recording_writes_a_probe_again_only_when_its_answer_or_latency_really_change() {
    let s = crate::snapshot(&crate::default_sim());
    let probe = |latency_ms: f64, status: u16, at: chrono::DateTime<chrono::Utc>| ProbeResult {
        target_group_arn: "arn:tg/web".into(),
        target_id: "i-1".into(),
        port: 80,
        path: "/health/deep".into(),
        address: "127.0.0.1:9".into(),
        host: "10.0.0.7:80".into(),
        tls: false,
        at,
        outcome: ProbeOutcome::Answered {
            status,
            latency_ms,
            location: None,
            report: patrol::probe::report::read(b"{\"status\":\"pass\"}"),
        },
    };
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("probes.sqlite");
    let mut tape = patrol::record::Tape::create(&file, &s.world, s.taken_at).unwrap();
    let rounds = [
        (3.0, 200, 0),
        // Later, a little slower: the same answer.
        (3.4, 200, 15),
        (3.2, 200, 30),
        // Four times slower: written.
        (12.0, 200, 45),
        // Another answer: written.
        (12.0, 503, 60),
    ];
    for (latency, status, secs) in rounds {
        let at = s.taken_at + chrono::Duration::seconds(secs);
        let payload = patrol::poll::Payload::Probes(vec![probe(latency, status, at)].into());
        tape.refreshed(Source::Probes, at, &payload).unwrap();
    }
    drop(tape);
    let db = rusqlite::Connection::open(&file).unwrap();
    let written: i64 = db
        .query_row(
            "SELECT COUNT(*) FROM items WHERE source = 'probes'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(written, 3);
    // What is read back at a moment is the probe as last written.
    let recording = patrol::record::Recording::open(&file).unwrap();
    let back = recording
        .snapshot_at(s.taken_at + chrono::Duration::seconds(30))
        .unwrap();
    assert_eq!(*back.probes, vec![probe(3.0, 200, s.taken_at)]);
}
