//! The two worlds agree: one scripted sequence of operations runs on the simulator (on
//! tests/fixtures/scenarios/conformance.toml) and on moto (seeded with the same topology by
//! `aws::seed`), and the two snapshots are equal once ids are normalised away.
//!
//! Where moto and EC2 differ, the comparison leaves the difference out on purpose:
//! - moto launches instances, makes images available and reports targets healthy at once;
//!   the simulator takes the time AWS takes, so it is let run ten minutes first.
//! - moto does not run health checks or record scaling activities, so activities, target
//!   reasons and CPU values are not compared.
//! - moto accepts SetDesiredCapacity above max; patrol's AWS adapter refuses it before the
//!   call, so both worlds answer the same ValidationError.
//! - EC2 would bind an EIP to a stopped VPC instance; patrol refuses it in both worlds.

use crate::aws::seed;
use crate::{instance_named, moto};
use patrol::cloud::sim::{Scenario, SimCloud};
use patrol::cloud::{take_snapshot, Cloud, CreateImageRequest};
use patrol::model::{LifecycleState, Snapshot, TargetHealthState};
use patrol::playback::Playback;
use std::collections::{BTreeMap, BTreeSet};

/// A target group by (name, port, health-check path, targets, healthy targets, load balancers).
type GroupShape = (String, u16, Option<String>, usize, usize, Vec<String>);
/// An Auto Scaling group by (name, min, desired, max, in service, target groups).
type CapacityShape = (String, u32, u32, u32, usize, Vec<String>);

/// A snapshot with every generated id replaced by the name of what it points at.
#[derive(Debug, PartialEq)]
struct Normalised {
    /// (who, state) → how many. "Who" is the Name tag, or "member of GROUP".
    instances: BTreeMap<(String, &'static str), usize>,
    /// (name, number of zones).
    load_balancers: BTreeSet<(String, usize)>,
    target_groups: BTreeSet<GroupShape>,
    groups: BTreeSet<CapacityShape>,
    /// Who each Elastic IP is bound to.
    addresses: BTreeMap<Option<String>, usize>,
    /// (name, state, who it was made from).
    images: BTreeSet<(String, &'static str, Option<String>)>,
    /// (name, group, threshold).
    alarms: BTreeSet<(String, Option<String>, String)>,
}

fn who(s: &Snapshot, id: &str) -> String {
    match s.instances.iter().find(|i| i.id == id) {
        Some(i) => match (&i.auto_scaling_group, &i.name) {
            (Some(g), _) => format!("member of {g}"),
            (None, Some(n)) => n.clone(),
            (None, None) => "unnamed".into(),
        },
        None => format!("unknown instance {id}"),
    }
}

fn normalise(s: &Snapshot) -> Normalised {
    let lb_name = |arn: &String| {
        s.load_balancers
            .iter()
            .find(|l| &l.arn == arn)
            .map(|l| l.name.clone())
            .unwrap_or_else(|| "unknown".into())
    };
    let tg_name = |arn: &String| {
        s.target_groups
            .iter()
            .find(|g| &g.arn == arn)
            .map(|g| g.name.clone())
            .unwrap_or_else(|| "unknown".into())
    };
    let mut instances = BTreeMap::new();
    for i in s.instances.iter() {
        *instances
            .entry((who(s, &i.id), i.state.as_str()))
            .or_default() += 1;
    }
    let mut addresses = BTreeMap::new();
    for a in &s.elastic_ips {
        *addresses
            .entry(a.instance_id.as_ref().map(|id| who(s, id)))
            .or_default() += 1;
    }
    Normalised {
        instances,
        load_balancers: s
            .load_balancers
            .iter()
            .map(|l| (l.name.clone(), l.zones.len()))
            .collect(),
        target_groups: s
            .target_groups
            .iter()
            .map(|g| {
                (
                    g.name.clone(),
                    g.port,
                    g.health_check.path.clone(),
                    g.targets.len(),
                    g.count(TargetHealthState::Healthy),
                    g.load_balancer_arns.iter().map(lb_name).collect(),
                )
            })
            .collect(),
        groups: s
            .auto_scaling_groups
            .iter()
            .map(|g| {
                (
                    g.name.clone(),
                    g.min,
                    g.desired,
                    g.max,
                    g.count(&LifecycleState::InService),
                    g.target_group_arns.iter().map(tg_name).collect(),
                )
            })
            .collect(),
        addresses,
        images: s
            .images
            .iter()
            .map(|i| {
                (
                    i.name.clone(),
                    i.state.as_str(),
                    i.source_instance_id.as_ref().map(|id| who(s, id)),
                )
            })
            .collect(),
        alarms: s
            .alarms
            .iter()
            .map(|a| {
                (
                    a.name.clone(),
                    a.auto_scaling_group.clone(),
                    format!("{:.1}", a.threshold),
                )
            })
            .collect(),
    }
}

/// The script: swap the floating IP to the standby, clone the primary, scale web-asg to 5,
/// then three requests that must be refused. Returns what each refusal was.
async fn script(cloud: &dyn Cloud) -> Vec<(String, String)> {
    let s = take_snapshot(cloud).await.unwrap();
    let (primary, standby) = (
        instance_named(&s, "app-primary"),
        instance_named(&s, "app-standby"),
    );
    let floating = s
        .elastic_ips
        .iter()
        .find(|a| a.instance_id.as_deref() == Some(primary.as_str()))
        .unwrap()
        .allocation_id
        .clone();
    cloud.associate_address(&floating, &standby).await.unwrap();
    let clone = CreateImageRequest {
        instance_id: primary.clone(),
        name: "app-primary-clone-conformance".into(),
        no_reboot: true,
    };
    cloud.create_image(&clone).await.unwrap();
    cloud.set_desired_capacity("web-asg", 5).await.unwrap();

    let refusals = vec![
        cloud.set_desired_capacity("web-asg", 7).await.unwrap_err(),
        cloud
            .associate_address("eipalloc-00000000000000000", &standby)
            .await
            .unwrap_err(),
        cloud.create_image(&clone).await.unwrap_err(),
    ];
    refusals
        .into_iter()
        .map(|e| (e.kind.in_words().to_string(), e.code))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_simulator_and_moto_agree() {
    let sim = SimCloud::new(
        &Scenario::load(&format!(
            "{}/tests/fixtures/scenarios/conformance.toml",
            env!("CARGO_MANIFEST_DIR")
        ))
        .unwrap(),
        42,
        crate::start(),
        1.0,
    );
    // Let the simulated group come up before the script, as moto's is at once.
    sim.advance(std::time::Duration::from_secs(300));
    let sim_refusals = script(&sim).await;
    sim.advance(std::time::Duration::from_secs(600));
    let on_sim = normalise(&take_snapshot(&sim).await.unwrap());

    let region = "us-east-2";
    seed(region).await;
    let aws = moto::cloud(region).await;
    let aws_refusals = script(&aws).await;
    let on_moto = normalise(&take_snapshot(&aws).await.unwrap());

    assert_eq!(sim_refusals, aws_refusals);
    assert_eq!(
        sim_refusals,
        vec![
            ("invalid request".to_string(), "ValidationError".to_string()),
            (
                "not found".to_string(),
                "InvalidAllocationID.NotFound".to_string()
            ),
            (
                "conflict".to_string(),
                "InvalidAMIName.Duplicate".to_string()
            ),
        ]
    );
    assert_eq!(on_sim, on_moto);
    // And the script did what it says, in both.
    assert_eq!(on_sim.addresses.get(&Some("app-standby".into())), Some(&1));
    assert_eq!(
        on_sim
            .instances
            .get(&("member of web-asg".into(), "running")),
        Some(&5)
    );
}
