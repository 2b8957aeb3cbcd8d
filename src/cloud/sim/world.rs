//! The simulated world's state, how a scenario builds it, and the fixed one-second step.

use super::rng::Rng;
use super::scenario::{ContentDef, EventDef, NfsDef, PolicyDef, Scenario, Timing, TrafficDef};
use crate::cloud::{CloudError, Source};
use crate::model::{
    Alarm, AlarmState, ElasticIp, HealthCheck, Image, ImageState, InstanceState, LifecycleState,
    LoadBalancer, MetricPoint, ScalingActivity, Tags, TargetGroup, TargetHealthState,
};
use chrono::{DateTime, Duration, Utc};
use std::collections::{BTreeMap, BTreeSet};

/// One simulated EC2 instance.
#[derive(Debug, Clone)]
pub(super) struct SimInstance {
    pub id: String,
    pub name: Option<String>,
    pub state: InstanceState,
    pub zone: String,
    pub subnet_id: String,
    pub private_ip: String,
    pub public_ip: Option<String>,
    pub instance_type: String,
    pub launched_at: DateTime<Utc>,
    pub tags: Tags,
    pub group: Option<String>,
    /// When the current transitional state (pending, shutting-down) ends.
    pub state_until: Option<DateTime<Utc>>,
    /// The application answers health checks from this moment on.
    pub ready_at: DateTime<Utc>,
    /// The application has crashed and answers nothing.
    pub crashed: bool,
    pub terminated_at: Option<DateTime<Utc>>,
    /// When it next copies the shared content (NFS Replica groups only).
    pub next_sync: Option<DateTime<Utc>>,
}

/// One registered target and its health-check bookkeeping.
#[derive(Debug, Clone)]
pub(super) struct SimTarget {
    pub instance_id: String,
    pub port: u16,
    pub state: TargetHealthState,
    pub reason: Option<&'static str>,
    pub description: Option<&'static str>,
    pub ok_streak: u32,
    pub fail_streak: u32,
    pub next_check: DateTime<Utc>,
    pub drain_until: Option<DateTime<Utc>>,
}

/// One simulated target group.
#[derive(Debug, Clone)]
pub(super) struct SimTargetGroup {
    /// The group as the API describes it (its `targets` stay empty; see `targets`).
    pub model: TargetGroup,
    pub targets: Vec<SimTarget>,
    pub deregistration_delay: Duration,
    pub depends_on: Vec<String>,
    pub lb_zones: Vec<String>,
}

/// One instance as its group tracks it.
#[derive(Debug, Clone)]
pub(super) struct Member {
    pub instance_id: String,
    pub zone: String,
    pub lifecycle: LifecycleState,
    pub healthy: bool,
    /// The activity (launch or terminate) that completes when this member settles.
    pub activity: Option<String>,
}

/// One simulated Auto Scaling group.
#[derive(Debug, Clone)]
pub(super) struct SimGroup {
    pub name: String,
    pub min: u32,
    pub desired: u32,
    pub max: u32,
    pub zones: Vec<String>,
    pub target_groups: Vec<String>,
    pub instance_type: String,
    pub name_tag: String,
    pub tags: Tags,
    pub health_check_type: String,
    pub grace: Duration,
    pub members: Vec<Member>,
    /// Newest first.
    pub activities: Vec<ScalingActivity>,
    /// Why desired capacity last changed, prefixed to the next launch or terminate cause.
    pub change_cause: Option<String>,
    /// An AZ rebalance has launched in the emptiest zone; once that instance is in service,
    /// one from the fullest zone is terminated (launch before terminate, as AWS does).
    pub rebalancing: Option<String>,
    pub traffic: Option<Traffic>,
    pub scale_out: Option<PolicyDef>,
    pub scale_in: Option<PolicyDef>,
    pub last_scaled_at: Option<DateTime<Utc>>,
    /// The image (by name) it launches from.
    pub image: Option<String>,
    pub content: Option<ContentDef>,
}

/// A group's load: the scenario's traffic plus the factor events have moved it to.
#[derive(Debug, Clone)]
pub(super) struct Traffic {
    pub def: TrafficDef,
    pub factor_from: f64,
    pub factor_to: f64,
    pub ramp_start: DateTime<Utc>,
    pub ramp_end: DateTime<Utc>,
}

/// One simulated image and when it becomes available.
#[derive(Debug, Clone)]
pub(super) struct SimImage {
    pub image: Image,
    pub available_at: DateTime<Utc>,
}

/// One alarm and how many periods it needs.
#[derive(Debug, Clone)]
pub(super) struct SimAlarm {
    pub alarm: Alarm,
    pub periods: usize,
}

/// The whole simulated cloud. It changes only in `advance` and in the mutations.
#[derive(Debug, Clone)]
pub struct World {
    pub(super) scenario_name: String,
    pub(super) seed: u64,
    pub(super) region: String,
    pub(super) account_id: String,
    pub(super) vpc_id: String,
    pub(super) now: DateTime<Utc>,
    pub(super) started_at: DateTime<Utc>,
    pub(super) rng: Rng,
    pub(super) timing: Timing,
    pub(super) subnets: Vec<(String, String)>,
    pub(super) zones_down: BTreeSet<String>,
    pub(super) dependencies: BTreeMap<String, bool>,
    pub(super) instances: Vec<SimInstance>,
    pub(super) load_balancers: Vec<LoadBalancer>,
    pub(super) target_groups: Vec<SimTargetGroup>,
    pub(super) groups: Vec<SimGroup>,
    pub(super) addresses: Vec<ElasticIp>,
    pub(super) images: Vec<SimImage>,
    pub(super) alarms: Vec<SimAlarm>,
    pub(super) metrics: BTreeMap<String, Vec<MetricPoint>>,
    /// NFS servers by instance id, and their latency history.
    pub(super) nfs: BTreeMap<String, NfsDef>,
    pub(super) nfs_latency: BTreeMap<String, Vec<MetricPoint>>,
    pub(super) events: Vec<EventDef>,
    pub(super) next_event: usize,
    /// How far the timeline has been pushed back by waiting for the operator.
    pub(super) timeline_delay: Duration,
    pub(super) narration: Option<String>,
    pub(super) api_errors: Vec<(Source, CloudError, DateTime<Utc>)>,
    pub(super) next_reconcile: DateTime<Utc>,
    pub(super) next_health_sweep: DateTime<Utc>,
    pub(super) next_metric: DateTime<Utc>,
    pub(super) ip_counter: u32,
    /// Sub-second time not yet stepped.
    pub(super) carry_ms: i64,
}

/// Length of the CPU history kept per group, in one-minute points.
pub(super) const METRIC_HISTORY: usize = 60;
/// How often the Auto Scaling groups reconcile, as the real service does on a loop.
const RECONCILE_EVERY: i64 = 10;
/// How often the groups act on unhealthy instances; slower than capacity, as on AWS.
const HEALTH_SWEEP_EVERY: i64 = 30;

impl World {
    /// Builds the steady state a scenario describes, at `start`: groups at desired capacity,
    /// every instance running and healthy, an hour of CPU history.
    pub fn new(scenario: &Scenario, seed: u64, start: DateTime<Utc>) -> World {
        let mut rng = Rng::new(seed);
        let vpc_id = format!("vpc-{}", rng.hex(17));
        let subnets = scenario
            .zones
            .iter()
            .map(|z| (z.clone(), format!("subnet-{}", rng.hex(17))))
            .collect();
        let mut world = World {
            scenario_name: scenario.name.clone(),
            seed,
            region: scenario.region.clone(),
            account_id: scenario.account_id.clone(),
            vpc_id,
            now: start,
            started_at: start,
            rng,
            timing: scenario.timing.clone(),
            subnets,
            zones_down: BTreeSet::new(),
            dependencies: scenario
                .dependencies
                .iter()
                .map(|d| (d.name.clone(), true))
                .collect(),
            instances: Vec::new(),
            load_balancers: Vec::new(),
            target_groups: Vec::new(),
            groups: Vec::new(),
            addresses: Vec::new(),
            images: Vec::new(),
            alarms: Vec::new(),
            metrics: BTreeMap::new(),
            nfs: BTreeMap::new(),
            nfs_latency: BTreeMap::new(),
            events: scenario.events.clone(),
            next_event: 0,
            timeline_delay: Duration::zero(),
            narration: None,
            api_errors: Vec::new(),
            next_reconcile: start + Duration::seconds(RECONCILE_EVERY),
            next_health_sweep: start + Duration::seconds(HEALTH_SWEEP_EVERY),
            next_metric: start + Duration::seconds(60),
            ip_counter: 10,
            carry_ms: 0,
        };
        world.events.sort_by_key(|e| e.at);
        world.build_load_balancers(scenario);
        world.build_groups(scenario);
        world.build_instances(scenario);
        world.build_addresses_and_images(scenario);
        world.build_alarms(scenario);
        world.settle_content();
        world.prefill_metrics();
        world.record_alarm_states();
        world
    }

    fn arn(&mut self, service_path: &str, name: &str) -> String {
        format!(
            "arn:aws:elasticloadbalancing:{}:{}:{service_path}/{name}/{}",
            self.region,
            self.account_id,
            self.rng.hex(16)
        )
    }

    fn build_load_balancers(&mut self, scenario: &Scenario) {
        for lb in &scenario.load_balancers {
            let arn = self.arn("loadbalancer/app", &lb.name);
            let dns_name = format!(
                "{}-{}.{}.elb.amazonaws.com",
                lb.name,
                1_000_000_000 + self.rng.below(8_999_999_999),
                self.region
            );
            self.load_balancers.push(LoadBalancer {
                arn,
                name: lb.name.clone(),
                kind: "application".into(),
                scheme: "internet-facing".into(),
                state: "active".into(),
                dns_name,
                vpc_id: self.vpc_id.clone(),
                zones: lb.zones.clone().unwrap_or_else(|| scenario.zones.clone()),
            });
        }
        for tg in &scenario.target_groups {
            let arn = self.arn("targetgroup", &tg.name);
            let lb = self
                .load_balancers
                .iter()
                .find(|l| l.name == tg.load_balancer);
            let (lb_arns, lb_zones) =
                lb.map_or((vec![], vec![]), |l| (vec![l.arn.clone()], l.zones.clone()));
            self.target_groups.push(SimTargetGroup {
                model: TargetGroup {
                    arn,
                    name: tg.name.clone(),
                    protocol: "HTTP".into(),
                    port: tg.port,
                    vpc_id: self.vpc_id.clone(),
                    load_balancer_arns: lb_arns,
                    health_check: HealthCheck {
                        protocol: "HTTP".into(),
                        port: "traffic-port".into(),
                        path: Some(tg.health_check_path.clone()),
                        interval_seconds: tg.interval.secs() as u32,
                        timeout_seconds: 5,
                        healthy_threshold: tg.healthy_threshold,
                        unhealthy_threshold: tg.unhealthy_threshold,
                    },
                    targets: Vec::new(),
                },
                targets: Vec::new(),
                deregistration_delay: Duration::seconds(tg.deregistration_delay.secs()),
                depends_on: tg.depends_on.clone(),
                lb_zones,
            });
        }
    }

    fn build_groups(&mut self, scenario: &Scenario) {
        for g in &scenario.auto_scaling_groups {
            let traffic = g.traffic.clone().map(|def| Traffic {
                def,
                factor_from: 1.0,
                factor_to: 1.0,
                ramp_start: self.now,
                ramp_end: self.now,
            });
            self.groups.push(SimGroup {
                name: g.name.clone(),
                min: g.min,
                desired: g.desired,
                max: g.max,
                zones: g.zones.clone().unwrap_or_else(|| scenario.zones.clone()),
                target_groups: g.target_groups.clone(),
                instance_type: g.instance_type.clone(),
                name_tag: g.name_tag.clone().unwrap_or_else(|| g.name.clone()),
                tags: g.tags.clone(),
                health_check_type: g.health_check_type.clone(),
                grace: Duration::seconds(g.health_check_grace.secs()),
                members: Vec::new(),
                activities: Vec::new(),
                change_cause: None,
                rebalancing: None,
                traffic,
                scale_out: g.scale_out.clone(),
                scale_in: g.scale_in.clone(),
                last_scaled_at: None,
                image: g.image.clone(),
                content: g.content.clone(),
            });
            let gi = self.groups.len() - 1;
            for n in 0..g.desired {
                // Launched over the previous hours, steady by now.
                let launched = self.now - Duration::minutes(180 - 7 * n as i64);
                let zone = self.placement_zone(gi);
                let id = self.launch_group_instance(gi, &zone, launched);
                self.settle_running(&id);
                let member = self.groups[gi]
                    .members
                    .last_mut()
                    .expect("launch_group_instance pushes the member");
                member.lifecycle = LifecycleState::InService;
                member.activity = None;
                let tgs = self.groups[gi].target_groups.clone();
                for tg in tgs {
                    self.register_target(&tg, &id, true);
                }
            }
            self.groups[gi].activities.clear();
        }
    }

    fn build_instances(&mut self, scenario: &Scenario) {
        for def in &scenario.instances {
            let mut tags = def.tags.clone();
            tags.insert("Name".into(), def.name.clone());
            let launched = self.now - Duration::days(3);
            let id = self.create_instance(
                Some(def.name.clone()),
                &def.zone,
                &def.instance_type,
                tags,
                None,
                launched,
            );
            self.settle_running(&id);
            for tg in &def.target_groups {
                self.register_target(tg, &id, true);
            }
            let nfs_server = def.tags.get(crate::model::ROLE_TAG).map(String::as_str)
                == Some(crate::model::NFS_SERVER);
            if nfs_server || def.nfs.is_some() {
                self.nfs.insert(id, def.nfs.clone().unwrap_or_default());
            }
        }
    }

    fn build_addresses_and_images(&mut self, scenario: &Scenario) {
        for def in &scenario.elastic_ips {
            let allocation_id = format!("eipalloc-{}", self.rng.hex(17));
            let mut address = ElasticIp {
                allocation_id,
                public_ip: def.public_ip.clone(),
                association_id: None,
                instance_id: None,
                private_ip: None,
                tags: def.tags.clone(),
            };
            if let Some(name) = &def.instance {
                let association_id = format!("eipassoc-{}", self.rng.hex(17));
                if let Some(inst) = self
                    .instances
                    .iter_mut()
                    .find(|i| i.name.as_deref() == Some(name))
                {
                    inst.public_ip = Some(def.public_ip.clone());
                    address.association_id = Some(association_id);
                    address.instance_id = Some(inst.id.clone());
                    address.private_ip = Some(inst.private_ip.clone());
                }
            }
            self.addresses.push(address);
        }
        for def in &scenario.images {
            let id = format!("ami-{}", self.rng.hex(17));
            let source = def.instance.as_ref().and_then(|n| {
                self.instances
                    .iter()
                    .find(|i| i.name.as_deref() == Some(n))
                    .map(|i| i.id.clone())
            });
            let mut tags = def.tags.clone();
            if let Some(s) = &source {
                tags.insert(crate::cloud::SOURCE_INSTANCE_TAG.into(), s.clone());
            }
            let created_at = self.now - Duration::seconds(def.age.secs());
            self.images.push(SimImage {
                image: Image {
                    id,
                    name: def.name.clone(),
                    state: ImageState::Available,
                    created_at,
                    source_instance_id: source,
                    tags,
                },
                available_at: created_at,
            });
        }
    }

    fn build_alarms(&mut self, scenario: &Scenario) {
        for def in &scenario.alarms {
            self.alarms.push(SimAlarm {
                alarm: Alarm {
                    name: def.name.clone(),
                    namespace: crate::model::CPU_NAMESPACE.into(),
                    metric: crate::model::CPU_METRIC.into(),
                    auto_scaling_group: Some(def.auto_scaling_group.clone()),
                    threshold: def.threshold,
                    unit: Some("Percent".into()),
                    comparison: def.comparison.clone(),
                    state: AlarmState::InsufficientData,
                    state_reason: "Unchecked: Initial alarm creation".into(),
                    updated_at: self.now,
                },
                periods: def.periods.max(1),
            });
        }
    }

    /// Moves the clock forward by `dt`, one whole second at a time; a remainder carries over,
    /// so the world depends only on the total time advanced, not on how it was sliced.
    pub fn advance(&mut self, dt: std::time::Duration) {
        self.carry_ms += dt.as_millis() as i64;
        while self.carry_ms >= 1000 {
            self.carry_ms -= 1000;
            self.step();
        }
    }

    /// One second of the world.
    fn step(&mut self) {
        self.now += Duration::seconds(1);
        self.fire_due_events();
        self.ec2_transitions();
        self.sync_content();
        self.run_health_checks();
        if self.now >= self.next_reconcile {
            self.next_reconcile += Duration::seconds(RECONCILE_EVERY);
            let sweep = self.now >= self.next_health_sweep;
            if sweep {
                self.next_health_sweep += Duration::seconds(HEALTH_SWEEP_EVERY);
            }
            for gi in 0..self.groups.len() {
                self.reconcile(gi, sweep);
            }
        }
        if self.now >= self.next_metric {
            self.next_metric += Duration::seconds(60);
            self.record_metrics();
        }
        let now = self.now;
        self.api_errors.retain(|(_, _, until)| *until > now);
    }

    /// The world's clock.
    pub fn now(&self) -> DateTime<Utc> {
        self.now
    }

    /// Virtual time since the scenario started.
    pub fn elapsed(&self) -> Duration {
        self.now - self.started_at
    }

    /// A fresh private IP in the zone's subnet.
    pub(super) fn next_private_ip(&mut self, zone: &str) -> String {
        let subnet = self
            .subnets
            .iter()
            .position(|(z, _)| z == zone)
            .unwrap_or(0);
        self.ip_counter += 1;
        let n = self.ip_counter;
        format!(
            "10.0.{}.{}",
            subnet * 16 + (n / 250) as usize % 16,
            n % 250 + 4
        )
    }

    /// An AWS-shaped request id for a mutation's receipt.
    pub(super) fn request_id(&mut self) -> String {
        let h = self.rng.hex(32);
        format!(
            "{}-{}-{}-{}-{}",
            &h[0..8],
            &h[8..12],
            &h[12..16],
            &h[16..20],
            &h[20..32]
        )
    }

    /// An error injected for reads of `source`, if one is active.
    pub(super) fn injected_error(&self, source: Source) -> Option<CloudError> {
        self.api_errors
            .iter()
            .find(|(s, _, _)| *s == source)
            .map(|(_, e, _)| e.clone())
    }
}
