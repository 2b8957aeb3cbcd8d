//! The runbook commands (`patrol swap`, `clone`, `scale-out`): the same plan, preflight,
//! confirmation, verification and audit as the console, on the simulator and on moto.

use crate::moto::{child_env, cloud, moto};
use crate::{default_sim, instance_named, snapshot};
use patrol::cloud::Cloud;
use patrol::ops::AuditLog;
use patrol::poll::Intervals;
use patrol::runbook::{self, Console, Flags, Request};
use patrol::world::OpenWorld;
use serde_json::Value;
use std::io::Write;
use std::sync::{Arc, Mutex};

/// A writer whose text the test reads afterwards.
#[derive(Clone, Default)]
struct Buffer(Arc<Mutex<Vec<u8>>>);

impl Write for Buffer {
    fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(b);
        Ok(b.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Buffer {
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap()).into_owned()
    }
}

struct Run {
    code: u8,
    out: String,
    err: String,
    /// The questions the command asked.
    asked: Vec<String>,
    audit: Vec<Value>,
}

fn world(
    sim: &patrol::cloud::sim::SimCloud,
    read_only: bool,
    production: Option<&str>,
) -> OpenWorld {
    OpenWorld {
        cloud: Arc::new(sim.clone()),
        playback: Some(Arc::new(sim.clone())),
        intervals: Intervals::default(),
        read_only,
        production: production.map(String::from),
        prober: Arc::new(patrol::probe::Prober::off()),
    }
}

/// Runs one command on `world`; `answers` are typed at the terminal (`None`: no terminal).
async fn run(world: &OpenWorld, request: Request, flags: Flags, answers: Option<Vec<&str>>) -> Run {
    let dir = tempfile::tempdir().unwrap();
    let audit = dir.path().join("audit.jsonl");
    let (out, err) = (Buffer::default(), Buffer::default());
    let asked = Arc::new(Mutex::new(Vec::new()));
    let ask = answers.map(|answers| {
        let mut answers: Vec<String> = answers.into_iter().rev().map(String::from).collect();
        let asked = asked.clone();
        Box::new(move |prompt: &str| {
            asked.lock().unwrap().push(prompt.to_string());
            Ok(answers.pop().unwrap_or_default())
        }) as runbook::Ask
    });
    let mut console = Console::new(Box::new(out.clone()), Box::new(err.clone()), ask);
    let code = runbook::run(world, AuditLog::new(&audit), &request, &flags, &mut console).await;
    let audit = std::fs::read_to_string(&audit)
        .unwrap_or_default()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let asked = asked.lock().unwrap().clone();
    Run {
        code,
        out: out.text(),
        err: err.text(),
        asked,
        audit,
    }
}

const FLOATING: &str = "203.0.113.10";

fn swap() -> Request {
    Request::Swap {
        address: FLOATING.into(),
        to: None,
    }
}

fn yes() -> Flags {
    Flags {
        yes: true,
        ..Flags::default()
    }
}

/// Where the floating IP is bound now.
fn holder(sim: &patrol::cloud::sim::SimCloud) -> Option<String> {
    futures::executor::block_on(sim.elastic_ips())
        .unwrap()
        .into_iter()
        .find(|a| a.public_ip == FLOATING)
        .and_then(|a| a.instance_id.clone())
}

#[tokio::test]
async fn a_dry_run_plans_and_checks_and_changes_nothing() {
    let sim = default_sim();
    let before = holder(&sim);
    let flags = Flags {
        dry_run: true,
        ..Flags::default()
    };
    let r = run(&world(&sim, false, None), swap(), flags.clone(), None).await;
    assert_eq!(r.code, 0, "{}{}", r.out, r.err);
    assert!(r.out.contains("Swap floating IP 203.0.113.10"), "{}", r.out);
    assert!(r.out.contains("✓ the standby is running"), "{}", r.out);
    assert!(
        r.out
            .contains("ec2:AssociateAddress DryRun=true: would succeed"),
        "{}",
        r.out
    );
    assert_eq!(holder(&sim), before, "nothing moved");
    assert!(r.audit.is_empty(), "a rehearsal writes no audit line");

    // Read-only refuses the change, not the rehearsal.
    let r = run(&world(&sim, true, None), swap(), flags, None).await;
    assert_eq!(r.code, 0, "{}", r.err);
}

#[tokio::test]
async fn yes_moves_the_address_verifies_it_and_writes_intent_and_outcome() {
    let sim = default_sim();
    let s = snapshot(&sim);
    let standby = instance_named(&s, "app-standby");
    let primary = instance_named(&s, "app-primary");
    let r = run(&world(&sim, false, None), swap(), yes(), None).await;
    assert_eq!(r.code, 0, "{}", r.err);
    assert!(r.asked.is_empty(), "--yes asks nothing");
    assert_eq!(holder(&sim), Some(standby.clone()));
    assert!(r.out.contains("done (eipassoc-"), "{}", r.out);
    assert!(r.err.contains("… verifying"), "{}", r.err);
    let phases: Vec<(&str, &str)> = r
        .audit
        .iter()
        .map(|l| (l["phase"].as_str().unwrap(), l["outcome"].as_str().unwrap()))
        .collect();
    assert_eq!(phases, [("intent", "planned"), ("outcome", "verified")]);
    assert_eq!(r.audit[0]["op_id"], r.audit[1]["op_id"]);
    assert_eq!(r.audit[0]["action"], "swap-floating-ip");
    assert_eq!(r.audit[0]["before"]["instance"], primary.as_str());
    assert_eq!(r.audit[1]["after"]["instance"], standby.as_str());
}

/// A runbook action reads only what it plans from: CloudWatch and the image list being
/// unreadable (an outage, or a role without those rights) does not stop a swap.
#[tokio::test]
async fn a_swap_does_not_wait_for_what_it_does_not_read() {
    use patrol::cloud::sim::faults::error_of;
    use patrol::cloud::sim::Fault;
    use patrol::cloud::Source;
    let sim = default_sim();
    let standby = instance_named(&snapshot(&sim), "app-standby");
    for source in [
        Source::Metrics,
        Source::Alarms,
        Source::Images,
        Source::AutoScaling,
    ] {
        sim.world_mut().inject(Fault::ApiErrors {
            source,
            error: error_of("access_denied").unwrap(),
            duration: chrono::Duration::hours(1),
        });
    }
    let r = run(&world(&sim, false, None), swap(), yes(), None).await;
    assert_eq!(r.code, 0, "{}", r.err);
    assert_eq!(holder(&sim), Some(standby));
    // What it does read must answer: the same fault on the addresses stops it, as a
    // cloud failure (exit 1), before anything changes.
    let sim = default_sim();
    sim.world_mut().inject(Fault::ApiErrors {
        source: Source::ElasticIps,
        error: error_of("network").unwrap(),
        duration: chrono::Duration::hours(1),
    });
    let r = run(&world(&sim, false, None), swap(), yes(), None).await;
    assert_eq!(r.code, 1, "{}", r.err);
    assert!(r.audit.is_empty());
}

#[tokio::test]
async fn without_yes_only_a_terminal_can_confirm() {
    let sim = default_sim();
    let before = holder(&sim);
    let w = world(&sim, false, None);

    let r = run(&w, swap(), Flags::default(), None).await;
    assert_eq!(r.code, 3);
    assert!(
        r.err.contains("standard input is not a terminal"),
        "{}",
        r.err
    );

    let r = run(&w, swap(), Flags::default(), Some(vec!["y"])).await;
    assert_eq!(r.code, 3, "only the whole word confirms");
    assert!(r.asked[0].contains("type yes to go ahead"), "{:?}", r.asked);
    assert_eq!(holder(&sim), before);
    assert!(r.audit.is_empty());

    let r = run(&w, swap(), Flags::default(), Some(vec!["yes"])).await;
    assert_eq!(r.code, 0, "{}", r.err);
    assert_ne!(holder(&sim), before);
}

#[tokio::test]
async fn a_production_target_needs_its_name() {
    let sim = default_sim();
    let before = holder(&sim);
    let w = world(&sim, false, Some("prod-eu"));

    let r = run(&w, swap(), yes(), None).await;
    assert_eq!(r.code, 3);
    assert!(r.err.contains("--confirm prod-eu"), "{}", r.err);
    let r = run(&w, swap(), Flags::default(), Some(vec!["yes"])).await;
    assert_eq!(r.code, 3, "yes is not the name");
    assert!(r.asked[0].contains("type prod-eu"), "{:?}", r.asked);
    assert_eq!(holder(&sim), before);

    let flags = Flags {
        confirm: Some("prod-eu".into()),
        ..yes()
    };
    let r = run(&w, swap(), flags, None).await;
    assert_eq!(r.code, 0, "{}", r.err);
    assert_ne!(holder(&sim), before);
}

#[tokio::test]
async fn refusals_change_nothing_and_exit_3() {
    let sim = default_sim();
    let before = snapshot(&sim);

    // Read-only.
    let r = run(&world(&sim, true, None), swap(), yes(), None).await;
    assert_eq!(r.code, 3);
    assert!(r.err.contains("read-only"), "{}", r.err);

    // A failed preflight check: above max.
    let over = Request::ScaleOut {
        group: "web-asg".into(),
        by: None,
        to: Some(11),
    };
    let r = run(&world(&sim, false, None), over, yes(), None).await;
    assert_eq!(r.code, 3);
    assert!(
        r.out.contains("✗ the new desired capacity is within max"),
        "{}",
        r.out
    );
    assert!(r.err.contains("a preflight check failed"), "{}", r.err);

    // A consequence not accepted: the reboot of the instance that holds the address.
    let clone = Request::Clone {
        instance: "app-primary".into(),
        name: Some("app-primary-runbook".into()),
        no_reboot: false,
    };
    let r = run(&world(&sim, false, None), clone.clone(), yes(), None).await;
    assert_eq!(r.code, 3);
    assert!(r.err.contains("--accept accepts it"), "{}", r.err);
    let r = run(&world(&sim, false, None), clone, yes(), Some(vec!["no"])).await;
    assert_eq!(r.code, 3);
    assert!(
        r.asked[0].contains("Accept this consequence?"),
        "{:?}",
        r.asked
    );

    let after = snapshot(&sim);
    assert_eq!(after.elastic_ips, before.elastic_ips);
    assert_eq!(after.images, before.images);
    assert_eq!(
        after.auto_scaling_groups[0].desired,
        before.auto_scaling_groups[0].desired
    );
}

#[tokio::test]
async fn accepted_consequences_are_recorded_in_the_audit_log() {
    let sim = default_sim();
    let flags = Flags {
        accept: true,
        ..yes()
    };
    let clone = Request::Clone {
        instance: "app-primary".into(),
        name: Some("app-primary-runbook".into()),
        no_reboot: false,
    };
    let r = run(&world(&sim, false, None), clone, flags, None).await;
    assert_eq!(r.code, 0, "{}", r.err);
    let accepted = r.audit[0]["accepted"].as_array().unwrap();
    assert_eq!(accepted.len(), 1);
    assert!(accepted[0]
        .as_str()
        .unwrap()
        .starts_with("the reboot takes down"));
    assert!(snapshot(&sim)
        .images
        .iter()
        .any(|i| i.name == "app-primary-runbook"));
}

#[tokio::test]
async fn scale_out_by_and_to() {
    let sim = default_sim();
    let w = world(&sim, false, None);
    let by = Request::ScaleOut {
        group: "web-asg".into(),
        by: Some(2),
        to: None,
    };
    let r = run(&w, by, yes(), None).await;
    assert_eq!(r.code, 0, "{}", r.err);
    assert_eq!(snapshot(&sim).auto_scaling_groups[0].desired, 6);
    assert_eq!(r.audit[1]["before"]["desired"], 4);
    assert_eq!(r.audit[1]["after"]["desired"], 6);
    let to = Request::ScaleOut {
        group: "web-asg".into(),
        by: None,
        to: Some(7),
    };
    assert_eq!(run(&w, to, yes(), None).await.code, 0);
    assert_eq!(snapshot(&sim).auto_scaling_groups[0].desired, 7);
}

#[tokio::test]
async fn unknown_and_ambiguous_resources_are_input_errors() {
    let sim = default_sim();
    let w = world(&sim, false, None);
    let cases = [
        (
            Request::Swap {
                address: "198.51.100.7".into(),
                to: None,
            },
            "198.51.100.7 is not an Elastic IP of this account in us-east-1",
        ),
        (
            Request::Swap {
                address: FLOATING.into(),
                to: Some("nope".into()),
            },
            "nope is neither the id nor the Name of an instance",
        ),
        (
            Request::Clone {
                instance: "web".into(),
                name: None,
                no_reboot: true,
            },
            "web names 4 instances",
        ),
        (
            Request::ScaleOut {
                group: "api-asg".into(),
                by: None,
                to: None,
            },
            "api-asg is not an Auto Scaling group in us-east-1",
        ),
    ];
    for (request, says) in cases {
        let r = run(&w, request, yes(), None).await;
        assert_eq!(r.code, 2, "{}", r.err);
        assert!(r.err.contains(says), "{says} in {}", r.err);
    }
}

#[tokio::test]
async fn json_is_one_document_with_plan_and_outcome() {
    let sim = default_sim();
    let flags = Flags {
        json: true,
        ..yes()
    };
    let r = run(&world(&sim, false, None), swap(), flags.clone(), None).await;
    assert_eq!(r.code, 0);
    let doc: Value = serde_json::from_str(&r.out).expect("stdout is one JSON document");
    assert_eq!(doc["exit_code"], 0);
    assert_eq!(doc["result"], "verified");
    assert_eq!(doc["world"]["kind"], "simulated");
    assert_eq!(doc["plan"]["action"]["action"], "swap-floating-ip");
    assert!(doc["plan"]["checks"].as_array().unwrap().len() >= 4);
    assert_eq!(doc["outcome"]["verified"], true);
    assert!(
        r.err.contains("Swap floating IP"),
        "the plan text goes to stderr"
    );

    // The address is on the standby now and there is no other candidate: a refusal, as JSON.
    let r = run(&world(&sim, true, None), swap(), flags, None).await;
    let doc: Value = serde_json::from_str(&r.out).unwrap();
    assert_eq!(doc["exit_code"], 3);
    assert_eq!(doc["error"]["kind"], "read-only");
}

/// The simulator's DryRun answers with the checks of the real call, and changes nothing.
#[tokio::test]
async fn the_simulated_dry_run_refuses_what_the_call_would() {
    let sim = default_sim();
    let s = snapshot(&sim);
    let db = instance_named(&s, "db-primary");
    let address = &s.elastic_ips[0].allocation_id;
    let e = sim
        .associate_address_dry_run(address, "i-00000000000000000")
        .await
        .unwrap_err();
    assert_eq!(e.code, "InvalidInstanceID.NotFound");
    sim.associate_address_dry_run(address, &db).await.unwrap();
    assert_eq!(
        snapshot(&sim).elastic_ips,
        s.elastic_ips,
        "DryRun moves nothing"
    );
    let e = sim
        .associate_address_dry_run("eipalloc-00000000000000000", &db)
        .await
        .unwrap_err();
    assert_eq!(e.code, "InvalidAllocationID.NotFound");
    let taken = patrol::cloud::CreateImageRequest {
        instance_id: instance_named(&s, "app-primary"),
        name: s.images[0].name.clone(),
        no_reboot: true,
    };
    let e = sim.create_image_dry_run(&taken).await.unwrap_err();
    assert_eq!(e.code, "InvalidAMIName.Duplicate");
    assert_eq!(snapshot(&sim).images, s.images, "DryRun creates nothing");
}

/// The standard output of a command that must have exited 0 (its stderr says why not).
fn stdout_of_success(out: &std::process::Output) -> String {
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// `patrol swap` on the simulator, as a runbook runs it.
#[test]
fn patrol_swap_dry_run_on_the_simulator() {
    let out = crate::patrol_command()
        .args(["swap", FLOATING, "--dry-run"])
        .output()
        .unwrap();
    let text = stdout_of_success(&out);
    assert!(
        text.contains("would succeed. Nothing was changed."),
        "{text}"
    );

    let out = crate::patrol_command()
        .args(["swap", FLOATING, "--read-only", "--yes"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(3));
}

/// On moto: `--dry-run` sends the DryRun and changes nothing; `--yes` moves the address and
/// writes the same two audit lines as the console's swap (through `Ops::execute`).
#[test]
fn patrol_swap_on_moto_writes_the_consoles_audit_lines() {
    let region = "ap-southeast-2";
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let seeded = runtime.block_on(crate::aws::seed(region));
    let dir = tempfile::tempdir().unwrap();
    let audit = dir.path().join("audit.jsonl");
    let patrol = |extra: &[&str]| {
        crate::patrol_command()
            .args([
                "swap",
                &seeded.floating,
                "--endpoint-url",
                &moto().url,
                "--region",
                region,
            ])
            .arg("--audit-log")
            .arg(&audit)
            .args(extra)
            .envs(child_env())
            .output()
            .unwrap()
    };
    let bound = || {
        let cloud = runtime.block_on(cloud(region));
        runtime
            .block_on(cloud.elastic_ips())
            .unwrap()
            .into_iter()
            .find(|a| a.allocation_id == seeded.floating)
            .and_then(|a| a.instance_id)
    };

    let out = patrol(&["--dry-run"]);
    let stdout = stdout_of_success(&out);
    assert!(
        stdout.contains("ec2:AssociateAddress DryRun=true: would succeed"),
        "{stdout}"
    );
    assert_eq!(bound().as_deref(), Some(seeded.primary.as_str()));
    assert!(!audit.exists(), "a dry run writes no audit line");

    let out = patrol(&["--yes", "--json"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["world"]["region"], region);
    assert_eq!(bound().as_deref(), Some(seeded.standby.as_str()));

    // The console's way back, through the same boundary, into the same file.
    let cloud = runtime.block_on(cloud(region));
    runtime.block_on(cloud.identify()).unwrap();
    let s = runtime
        .block_on(patrol::cloud::take_snapshot(&cloud))
        .unwrap();
    let ops = patrol::ops::Ops::new(Arc::new(cloud), AuditLog::new(&audit), false);
    let back = patrol::ops::plan_swap(&s, &seeded.floating, Some(&seeded.primary)).unwrap();
    assert!(
        runtime
            .block_on(ops.execute(&back, &|_| {}))
            .unwrap()
            .verified
    );

    let lines: Vec<Value> = std::fs::read_to_string(&audit)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 4, "two lines each");
    let keys = |l: &Value| l.as_object().unwrap().keys().cloned().collect::<Vec<_>>();
    for (runbook, console) in [(&lines[0], &lines[2]), (&lines[1], &lines[3])] {
        assert_eq!(keys(runbook), keys(console));
        for same in ["phase", "world", "account", "region", "action", "outcome"] {
            assert_eq!(runbook[same], console[same], "{same}");
        }
        assert_eq!(runbook["before"]["instance"], console["after"]["instance"]);
        assert_eq!(runbook["after"]["instance"], console["before"]["instance"]);
    }
    assert_eq!(lines[0]["op_id"], lines[1]["op_id"]);
    assert_eq!(lines[1]["outcome"], "verified");
    assert_eq!(lines[1]["account"], "123456789012");
}

fn maintenance(start: bool, instance: &str) -> Request {
    Request::Maintenance {
        start,
        instance: instance.into(),
        keep_desired: false,
    }
}

/// `patrol maintenance start|end`: the plan on stdout, the empty zone to accept, a drain
/// followed on the simulator's running clock, and the pair in the audit log.
#[tokio::test]
async fn maintenance_start_and_end_from_the_command_line() {
    let sim = patrol::cloud::sim::SimCloud::new(
        &patrol::cloud::sim::Scenario::load("maintenance-window").unwrap(),
        42,
        crate::start(),
        20.0,
    );
    patrol::playback::Playback::advance(&sim, crate::secs(60));
    let w = world(&sim, false, None);
    let s = snapshot(&sim);
    let id = s
        .instances
        .iter()
        .find(|i| i.zone == "us-east-1b")
        .unwrap()
        .id
        .clone();

    // Nothing to bring back yet.
    let r = run(&w, maintenance(false, &id), yes(), None).await;
    assert_eq!(r.code, 3);
    assert!(
        r.out
            .contains("is in service: there is nothing to bring back"),
        "{}",
        r.out
    );

    // Its zone would have no web-tg target: refused until accepted, nothing changed.
    let r = run(&w, maintenance(true, &id), yes(), None).await;
    assert_eq!(r.code, 3, "{}", r.err);
    assert!(
        r.out
            .contains("? web-tg keeps a healthy target in us-east-1b"),
        "{}",
        r.out
    );
    assert!(r.audit.is_empty());

    let accept = Flags {
        yes: true,
        accept: true,
        ..Flags::default()
    };
    let r = run(&w, maintenance(true, &id), accept, None).await;
    assert_eq!(r.code, 0, "{}\n{}", r.out, r.err);
    assert!(r.out.contains("autoscaling:EnterStandby"), "{}", r.out);
    assert!(r.out.contains("verified in"), "{}", r.out);
    let after = snapshot(&sim);
    assert_eq!(
        after.group_member(&id).map(|(_, l)| l.clone()),
        Some(patrol::model::LifecycleState::Standby)
    );

    // Starting it again is refused: it is already out.
    let r = run(&w, maintenance(true, &id), yes(), None).await;
    assert_eq!(r.code, 3);
    assert!(r.out.contains("✗ it is not already out"), "{}", r.out);

    // --keep-desired belongs to start only.
    let wrong = Request::Maintenance {
        start: false,
        instance: id.clone(),
        keep_desired: true,
    };
    assert_eq!(run(&w, wrong, yes(), None).await.code, 2);

    let r = run(&w, maintenance(false, &id), yes(), None).await;
    assert_eq!(r.code, 0, "{}\n{}", r.out, r.err);
    assert!(r.out.contains("autoscaling:ExitStandby"), "{}", r.out);
    let back = snapshot(&sim);
    assert_eq!(
        back.group_member(&id).map(|(_, l)| l.clone()),
        Some(patrol::model::LifecycleState::InService)
    );
    assert_eq!(r.audit[1]["action"], "maintenance-end");
    assert_eq!(r.audit[1]["outcome"], "verified");
}
