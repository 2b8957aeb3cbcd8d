//! `patrol scenario export`: a fleet's shape written as a scenario, and played back by the
//! simulator with the same ids, names, addresses and settings.

use crate::{default_sim, on_tokio, snapshot, start};
use patrol::cloud::sim::scenario::{embedded_names, Export};
use patrol::cloud::sim::{Scenario, SimCloud};
use patrol::cloud::take_snapshot;
use patrol::model::{Snapshot, TargetHealthState};
use patrol::playback::Playback;
use serde_json::{json, Value};
use std::collections::BTreeMap;

/// Everything about a fleet's shape a scenario keeps, in an order that does not depend on
/// the order the API listed it in: what "the same topology" means.
fn topology(s: &Snapshot) -> Value {
    let own = |tags: &patrol::model::Tags| -> BTreeMap<String, String> {
        (tags.iter())
            .filter(|(k, _)| !k.starts_with("aws:"))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect()
    };
    let sorted = |mut v: Vec<Value>| {
        v.sort_by_key(|x| x.to_string());
        v
    };
    let mut zones: Vec<String> = s.instances.iter().map(|i| i.zone.clone()).collect();
    zones.sort();
    zones.dedup();
    json!({
        "region": s.world.region(),
        "instances": sorted(s.instances.iter().map(|i| json!({
            "id": i.id, "name": i.name, "zone": i.zone, "subnet": i.subnet_id, "vpc": i.vpc_id,
            "private_ip": i.private_ip, "public_ip": i.public_ip, "type": i.instance_type,
            "tags": own(&i.tags), "group": i.auto_scaling_group,
        })).collect()),
        "load_balancers": sorted(s.load_balancers.iter().map(|l| {
            let mut zones = l.zones.clone();
            zones.sort();
            json!({ "arn": l.arn, "name": l.name, "dns": l.dns_name, "zones": zones })
        }).collect()),
        "target_groups": sorted(s.target_groups.iter().map(|t| {
            let targets = sorted(t.targets.iter().map(|x| json!([x.target_id, x.port])).collect());
            json!({
                "arn": t.arn, "name": t.name, "port": t.port, "vpc": t.vpc_id,
                "load_balancers": t.load_balancer_arns, "path": t.health_check.path,
                "interval": t.health_check.interval_seconds,
                "timeout": t.health_check.timeout_seconds,
                "healthy": t.health_check.healthy_threshold,
                "unhealthy": t.health_check.unhealthy_threshold,
                "delay": t.deregistration_delay_seconds, "targets": targets,
            })
        }).collect()),
        "groups": sorted(s.auto_scaling_groups.iter().map(|g| {
            let mut zones = g.zones.clone();
            zones.sort();
            let members = sorted(g.instances.iter().map(|m| json!([m.instance_id, m.zone])).collect());
            json!({
                "name": g.name, "min": g.min, "desired": g.desired, "max": g.max,
                "zones": zones, "target_groups": g.target_group_arns,
                "health_check": g.health_check_type, "grace": g.health_check_grace_seconds,
                "members": members,
            })
        }).collect()),
        "addresses": sorted(s.elastic_ips.iter().map(|a| json!({
            "allocation": a.allocation_id, "ip": a.public_ip, "instance": a.instance_id,
            "private_ip": a.private_ip, "tags": a.tags,
        })).collect()),
        "images": sorted(s.images.iter().map(|i| json!({
            "id": i.id, "name": i.name, "state": i.state.as_str(), "created": i.created_at,
            "source": i.source_instance_id, "tags": i.tags,
        })).collect()),
        "alarms": sorted(s.alarms.iter().map(|a| json!({
            "name": a.name, "group": a.auto_scaling_group, "threshold": a.threshold,
            "comparison": a.comparison.name(),
        })).collect()),
        "zones": zones,
    })
}

/// The scenario file of a fleet, read back as the simulator reads any scenario file.
fn round_trip(s: &Snapshot) -> (String, Scenario) {
    let text = Export::of(s).to_toml().expect("the export is TOML");
    let scenario = Scenario::parse("<exported>", &text)
        .unwrap_or_else(|e| panic!("the export does not load back: {e}\n{text}"));
    (text, scenario)
}

/// The exported scenario played from the moment the fleet was read, on another seed (so
/// nothing the seed makes up can pass for something the file kept).
fn played(s: &Snapshot) -> Snapshot {
    let (_, scenario) = round_trip(s);
    snapshot(&SimCloud::new(&scenario, 7, s.taken_at, 1.0))
}

/// Shows the first differing part of two topologies, not two pages of JSON.
fn assert_same(original: &Value, back: &Value, what: &str) {
    for key in original.as_object().unwrap().keys() {
        assert_eq!(
            original[key], back[key],
            "{what}: {key} differs after export and load"
        );
    }
}

#[test]
fn the_default_world_exported_and_loaded_back_has_the_same_topology() {
    let sim = default_sim();
    let s = snapshot(&sim);
    assert_same(&topology(&s), &topology(&played(&s)), "default at start");

    // Later, after the crash at 4m has been replaced: new ids, an instance terminated.
    sim.advance(std::time::Duration::from_secs(12 * 60));
    let later = snapshot(&sim);
    let back = played(&later);
    let running = |s: &Snapshot| {
        let mut s = s.clone();
        s.instances_mut()
            .retain(|i| i.state.as_str() == "running" || i.state.as_str() == "pending");
        let ids: Vec<String> = s.instances.iter().map(|i| i.id.clone()).collect();
        for tg in s.target_groups_mut() {
            tg.targets.retain(|t| ids.contains(&t.target_id));
        }
        s
    };
    assert_same(
        &topology(&running(&later)),
        &topology(&back),
        "default at 12m",
    );
}

#[test]
fn every_embedded_scenario_exports_to_the_same_topology() {
    for name in embedded_names() {
        let sim = SimCloud::new(&Scenario::load(name).unwrap(), 42, start(), 1.0);
        let s = snapshot(&sim);
        assert_same(&topology(&s), &topology(&played(&s)), name);
    }
}

#[test]
fn the_export_says_what_it_left_out_and_what_it_assumed() {
    let sim = default_sim();
    // The crashed web instance is being replaced at 6m: one terminating.
    sim.advance(std::time::Duration::from_secs(6 * 60));
    let s = snapshot(&sim);
    let gone: Vec<&str> = (s.instances.iter())
        .filter(|i| !matches!(i.state.as_str(), "running" | "pending"))
        .map(|i| i.id.as_str())
        .collect();
    assert!(
        !gone.is_empty(),
        "the crashed instance is on its way out at 6m"
    );
    let (text, scenario) = round_trip(&s);
    for id in &gone {
        assert!(
            text.lines()
                .any(|l| l.starts_with("#   - instance ") && l.contains(id)),
            "{id} is named as left out:\n{text}"
        );
        assert!(!scenario
            .instances
            .iter()
            .any(|i| i.id.as_deref() == Some(id)));
    }
    for assumed in ["scale_out by 1", "traffic", "timing"] {
        assert!(text.contains(assumed), "says it assumed {assumed}:\n{text}");
    }
    assert_eq!(scenario.name, "exported-us-east-1");
    assert!(scenario.events.is_empty());
}

#[test]
fn a_rehearsal_on_the_export_plays_like_the_original() {
    // The operator adds an AZ outage to their exported fleet: the group rebuilds its
    // capacity in the other zones, keeping the ids of the instances it did not replace.
    let s = snapshot(&default_sim());
    let (text, _) = round_trip(&s);
    let rehearsal =
        format!("{text}\n[[events]]\nat = \"1m\"\ndo = \"zone_outage\"\nzone = \"us-east-1a\"\n");
    let scenario = Scenario::parse("<rehearsal>", &rehearsal).unwrap();
    let sim = SimCloud::new(&scenario, 7, s.taken_at, 1.0);
    sim.advance(std::time::Duration::from_secs(15 * 60));
    let after = snapshot(&sim);
    let group = &after.auto_scaling_groups[0];
    let in_service_1a = (group.instances.iter())
        .filter(|m| m.zone == "us-east-1a" && m.lifecycle.as_str() == "InService")
        .count();
    let in_service = (group.instances.iter())
        .filter(|m| m.lifecycle.as_str() == "InService")
        .count();
    assert_eq!(in_service_1a, 0, "{group:?}");
    assert_eq!(in_service, group.desired as usize, "{group:?}");
    let kept = s.auto_scaling_groups[0]
        .instances
        .iter()
        .filter(|m| m.zone != "us-east-1a")
        .all(|m| {
            group
                .instances
                .iter()
                .any(|n| n.instance_id == m.instance_id)
        });
    assert!(kept, "instances outside 1a keep their ids");
}

const BASE: &str = r#"
name = "ids"
description = "kept ids"
zones = ["us-east-1a", "us-east-1b"]
[[load_balancers]]
name = "lb"
[[target_groups]]
name = "tg"
load_balancer = "lb"
"#;

fn parse(extra: &str) -> Result<Scenario, String> {
    Scenario::parse("ids.toml", &format!("{BASE}{extra}")).map_err(|e| e.to_string())
}

#[test]
fn kept_ids_are_checked_and_names_that_repeat_must_bind_by_id() {
    let twice = r#"
[[instances]]
name = "a"
id = "i-0123456789abcdef0"
zone = "us-east-1a"
[[instances]]
name = "b"
id = "i-0123456789abcdef0"
zone = "us-east-1b"
"#;
    let e = parse(twice).unwrap_err();
    assert!(
        e.contains("instances[1].id") && e.contains("used twice"),
        "{e}"
    );

    let bad = "[[instances]]\nname = \"a\"\nid = \"0123\"\nzone = \"us-east-1a\"\n";
    let e = parse(bad).unwrap_err();
    assert!(
        e.contains("instances[0].id") && e.contains("i-0123456789abcdef0"),
        "{e}"
    );

    let same_name = r#"
[[instances]]
name = "web"
id = "i-00000000000000001"
zone = "us-east-1a"
[[instances]]
name = "web"
id = "i-00000000000000002"
zone = "us-east-1b"
[[elastic_ips]]
public_ip = "203.0.113.7"
instance = "web"
"#;
    let e = parse(same_name).unwrap_err();
    assert!(
        e.contains("elastic_ips[0].instance") && e.contains("2 instances are named \"web\""),
        "{e}"
    );
    // By id, it binds to the one named.
    let by_id = same_name.replace("instance = \"web\"", "instance = \"i-00000000000000002\"");
    let s = snapshot(&SimCloud::new(&parse(&by_id).unwrap(), 1, start(), 1.0));
    assert_eq!(
        s.elastic_ips[0].instance_id.as_deref(),
        Some("i-00000000000000002")
    );

    let group = |members: &str| {
        format!("[[auto_scaling_groups]]\nname = \"g\"\nmin = 1\ndesired = 2\nmax = 2\n{members}")
    };
    let member = |id: &str, zone: &str| {
        format!("[[auto_scaling_groups.instances]]\nid = \"{id}\"\nzone = \"{zone}\"\n")
    };
    let three = group(&format!(
        "{}{}{}",
        member("i-1", "us-east-1a"),
        member("i-2", "us-east-1a"),
        member("i-3", "us-east-1b")
    ));
    let e = parse(&three).unwrap_err();
    assert!(e.contains("3 instances, more than max 2"), "{e}");
    let elsewhere = group(&member("i-1", "us-east-1c"));
    let e = parse(&elsewhere).unwrap_err();
    assert!(e.contains("instances[0].zone"), "{e}");

    let slow = BASE.replace(
        "load_balancer = \"lb\"",
        "load_balancer = \"lb\"\ntimeout = \"10s\"",
    );
    let e = Scenario::parse("t.toml", &slow).unwrap_err().to_string();
    assert!(e.contains("target_groups[0].timeout"), "{e}");
}

#[test]
fn a_group_that_starts_short_of_desired_launches_the_rest() {
    // One member kept, desired 2: Auto Scaling launches the second; made-up private IPs never
    // repeat one the file kept.
    let text = r#"
[[auto_scaling_groups]]
name = "g"
min = 1
desired = 2
max = 3
target_groups = ["tg"]
[[auto_scaling_groups.instances]]
id = "i-0aaaaaaaaaaaaaaaa"
zone = "us-east-1a"
private_ip = "10.0.0.15"
"#;
    let scenario = parse(text).unwrap();
    let sim = SimCloud::new(&scenario, 42, start(), 1.0);
    let first = snapshot(&sim);
    assert_eq!(first.auto_scaling_groups[0].instances.len(), 1);
    sim.advance(std::time::Duration::from_secs(3 * 60));
    let s = snapshot(&sim);
    let members = &s.auto_scaling_groups[0].instances;
    assert_eq!(members.len(), 2, "{members:?}");
    assert!(members
        .iter()
        .any(|m| m.instance_id == "i-0aaaaaaaaaaaaaaaa"));
    let mut ips: Vec<&str> = (s.instances.iter())
        .filter_map(|i| i.private_ip.as_deref())
        .collect();
    let n = ips.len();
    ips.sort();
    ips.dedup();
    assert_eq!(ips.len(), n, "private IPs repeat: {ips:?}");
}

#[test]
fn targets_of_a_target_group_no_load_balancer_uses_are_unused() {
    // ELB: "Target.NotInUse: the target group is not used by any load balancer".
    let text = r#"
[[target_groups]]
name = "spare-tg"
[[instances]]
name = "a"
zone = "us-east-1a"
target_groups = ["tg", "spare-tg"]
"#;
    let s = snapshot(&SimCloud::new(&parse(text).unwrap(), 1, start(), 1.0));
    let target = |tg: &str| {
        let t = s.target_groups.iter().find(|t| t.name == tg).unwrap();
        t.targets[0].clone()
    };
    assert_eq!(target("tg").state, TargetHealthState::Healthy);
    let spare = target("spare-tg");
    assert_eq!(spare.state, TargetHealthState::Unused);
    assert_eq!(spare.reason.as_deref(), Some("Target.NotInUse"));
}

#[test]
fn scenario_export_prints_a_scenario_of_the_world_or_of_a_recording() {
    let dir = tempfile::tempdir().unwrap();
    let text =
        crate::stdout_of(crate::patrol_command().args(["scenario", "export", "--after", "1m"]));
    let file = dir.path().join("fleet.toml");
    std::fs::write(&file, &text).unwrap();
    let scenario = Scenario::load(file.to_str().unwrap()).unwrap();
    assert_eq!(scenario.auto_scaling_groups[0].instances.len(), 4);

    // And it plays: the snapshot of the exported world shows the same instance ids.
    let played = crate::stdout_of(crate::patrol_command().args([
        "--scenario",
        file.to_str().unwrap(),
        "snapshot",
        "--json",
    ]));
    let played: Value = serde_json::from_str(&played).unwrap();
    let ids = |v: &Value| {
        let mut ids: Vec<String> = (v["instances"].as_array().unwrap().iter())
            .map(|i| i["id"].as_str().unwrap().to_string())
            .collect();
        ids.sort();
        ids
    };
    let mut kept: Vec<String> = (scenario.instances.iter())
        .filter_map(|i| i.id.clone())
        .chain(
            scenario.auto_scaling_groups[0]
                .instances
                .iter()
                .map(|m| m.id.clone()),
        )
        .collect();
    kept.sort();
    assert_eq!(ids(&played), kept);

    // A bad moment names the flag and the forms it takes.
    let out = crate::patrol_command()
        .args([
            "scenario",
            "export",
            "--from",
            file.to_str().unwrap(),
            "--at",
            "soon",
        ])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("fleet.toml") || err.contains("--at"), "{err}");
}

#[test]
fn a_recorded_fleet_exports_as_it_was_at_the_moment() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("r.sqlite");
    let (seen, _) = crate::record::recorded("default", 10 * 60, &file);
    let at = seen[0].taken_at + chrono::Duration::minutes(2);
    let s = patrol::flight::snapshot_from(&file, &at.to_rfc3339()).unwrap();
    let (_, scenario) = round_trip(&s);
    let ids: Vec<&str> = (scenario.auto_scaling_groups[0].instances.iter())
        .map(|m| m.id.as_str())
        .collect();
    let recorded: Vec<&str> = (s.auto_scaling_groups[0].instances.iter())
        .map(|m| m.instance_id.as_str())
        .collect();
    assert_eq!(ids, recorded);
    // Through the command line, with the forms --at takes.
    let text = crate::stdout_of(crate::patrol_command().args([
        "scenario",
        "export",
        "--from",
        file.to_str().unwrap(),
        "--at",
        "+2m",
    ]));
    assert!(text.contains("Exported from the recording"), "{text}");
    assert!(text.contains("r.sqlite"), "{text}");
    Scenario::parse("<from recording>", &text).unwrap();
}

#[test]
fn a_fleet_on_moto_exports_with_its_ids_and_plays_in_the_simulator() {
    let region = "us-west-1";
    let s = on_tokio(async {
        crate::aws::seed_over(region, 2).await;
        let cloud = crate::moto::cloud(region).await;
        take_snapshot(&cloud).await.expect("a full read of moto")
    });
    let (text, scenario) = round_trip(&s);
    assert!(text.contains("Exported from AWS account"), "{text}");
    let back = snapshot(&SimCloud::new(&scenario, 7, s.taken_at, 1.0));
    let (original, back) = (topology(&s), topology(&back));
    for key in [
        "instances",
        "load_balancers",
        "groups",
        "addresses",
        "zones",
    ] {
        assert_eq!(
            original[key], back[key],
            "{key} differs after export and load"
        );
    }
    // Target groups: the same but for what moto reports and the scenario cannot keep.
    assert_eq!(
        original["target_groups"].as_array().unwrap().len(),
        back["target_groups"].as_array().unwrap().len()
    );
    for (a, b) in (original["target_groups"].as_array().unwrap().iter())
        .zip(back["target_groups"].as_array().unwrap())
    {
        for key in [
            "arn",
            "name",
            "port",
            "path",
            "interval",
            "targets",
            "load_balancers",
        ] {
            assert_eq!(a[key], b[key], "target group {key}");
        }
    }
}

#[test]
fn instances_out_for_maintenance_are_exported_in_service_and_said_so() {
    use patrol::cloud::Cloud;
    use patrol::model::{MaintenanceNote, MAINTENANCE_TAG};
    let sim = default_sim();
    let s = snapshot(&sim);
    let standby = crate::instance_named(&s, "app-standby");
    let web = s.auto_scaling_groups[0].instances[0].instance_id.clone();
    let app_tg = s.target_groups.iter().find(|t| t.name == "app-tg").unwrap();
    let note = MaintenanceNote {
        since: s.taken_at,
        group: None,
        decremented: false,
        targets: vec![("app-tg".into(), 8080)],
    };
    on_tokio(async {
        sim.deregister_target(&app_tg.arn, &standby, 8080)
            .await
            .unwrap();
        sim.tag_instance(&standby, MAINTENANCE_TAG, &note.to_tag())
            .await
            .unwrap();
        sim.enter_standby("web-asg", &web, true).await.unwrap();
    });
    sim.advance(std::time::Duration::from_secs(60));
    let s = snapshot(&sim);
    assert!(!s.out_of_service().is_empty());
    let (text, scenario) = round_trip(&s);
    let exported = (scenario.instances.iter())
        .find(|i| i.name == "app-standby")
        .unwrap();
    assert_eq!(exported.target_groups, vec!["app-tg".to_string()]);
    assert!(!exported.tags.contains_key(MAINTENANCE_TAG));
    assert!(
        text.contains(&format!("{standby} was out for maintenance")),
        "{text}"
    );
    assert!(
        text.contains(&format!("{web} of web-asg is in Standby")),
        "{text}"
    );
    let back = snapshot(&SimCloud::new(&scenario, 7, s.taken_at, 1.0));
    assert!(
        back.out_of_service().is_empty(),
        "the rehearsal starts with everyone in service"
    );
}
