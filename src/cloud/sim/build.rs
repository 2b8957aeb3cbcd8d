//! How a scenario builds the simulated world: its load balancers, groups, instances,
//! addresses, images and alarms.

use super::rng::Rng;
use super::scenario::{MemberDef, Scenario};
use super::world::*;
use crate::model::{
    Alarm, AlarmState, ElasticIp, HealthCheck, Image, ImageState, LifecycleState, LoadBalancer,
    TargetGroup,
};
use chrono::{DateTime, Duration, Utc};
use std::collections::{BTreeMap, BTreeSet};

impl World {
    /// Builds the steady state a scenario describes, at `start`: groups at desired capacity,
    /// every instance running and healthy, an hour of CPU history.
    pub fn new(scenario: &Scenario, seed: u64, start: DateTime<Utc>) -> World {
        let mut rng = Rng::new(seed);
        let vpc_id = (scenario.vpc_id.clone()).unwrap_or_else(|| format!("vpc-{}", rng.hex(17)));
        let subnets = scenario
            .zones
            .iter()
            .map(|z| {
                let subnet = scenario.subnets.get(z).cloned();
                (
                    z.clone(),
                    subnet.unwrap_or_else(|| format!("subnet-{}", rng.hex(17))),
                )
            })
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
            by_id: Default::default(),
            shape: 0,
            pages: Default::default(),
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
            reserved_ips: reserved_ips(scenario),
            live_ips: Default::default(),
            live_per_subnet: Default::default(),
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

    fn arn(&mut self, kept: &Option<String>, service_path: &str, name: &str) -> String {
        if let Some(arn) = kept {
            return arn.clone();
        }
        format!(
            "arn:aws:elasticloadbalancing:{}:{}:{service_path}/{name}/{}",
            self.region,
            self.account_id,
            self.rng.hex(16)
        )
    }

    fn build_load_balancers(&mut self, scenario: &Scenario) {
        for lb in &scenario.load_balancers {
            let arn = self.arn(&lb.arn, "loadbalancer/app", &lb.name);
            let dns_name = match &lb.dns_name {
                Some(dns) => dns.clone(),
                None => format!(
                    "{}-{}.{}.elb.amazonaws.com",
                    lb.name,
                    1_000_000_000 + self.rng.below(8_999_999_999),
                    self.region
                ),
            };
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
        for tg in scenario.target_groups.iter() {
            let arn = self.arn(&tg.arn, "targetgroup", &tg.name);
            let lb = self
                .load_balancers
                .iter()
                .find(|l| Some(&l.name) == tg.load_balancer.as_ref());
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
                        timeout_seconds: tg.timeout().secs() as u32,
                        healthy_threshold: tg.healthy_threshold,
                        unhealthy_threshold: tg.unhealthy_threshold,
                    },
                    deregistration_delay_seconds: Some(tg.deregistration_delay.secs() as u32),
                    targets: Vec::new(),
                },
                targets: Vec::new(),
                depends_on: tg.depends_on.clone(),
                lb_zones,
            });
        }
    }

    fn build_groups(&mut self, scenario: &Scenario) {
        for g in scenario.auto_scaling_groups.iter() {
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
            // As they were, or `desired` of them spread over the zones.
            let kept = g.instances.iter().map(Some);
            let made = (0..g.desired).map(|_| None);
            let members: Vec<Option<&MemberDef>> = if g.instances.is_empty() {
                made.collect()
            } else {
                kept.collect()
            };
            for (n, def) in members.into_iter().enumerate() {
                // Launched over the previous hours, steady by now: never after now (a
                // group of more than 25 once had members launched in the future, which
                // failed their health checks until then).
                let launched = self.now - Duration::minutes((180 - 7 * n as i64).max(5));
                let zone = match def {
                    Some(m) => m.zone.clone(),
                    None => self.placement_zone(gi),
                };
                let id = self.launch_group_instance(gi, &zone, launched);
                let id = match def {
                    Some(m) => self.keep_identity(&id, &m.id, m.private_ip.as_ref()),
                    None => id,
                };
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
        for def in scenario.instances.iter() {
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
            let id = match &def.id {
                Some(kept) => self.keep_identity(&id, kept, def.private_ip.as_ref()),
                None => id,
            };
            self.settle_running(&id);
            for tg in def.target_groups.iter() {
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
            let allocation_id = (def.allocation_id.clone())
                .unwrap_or_else(|| format!("eipalloc-{}", self.rng.hex(17)));
            let mut address = ElasticIp {
                allocation_id,
                public_ip: def.public_ip.clone(),
                association_id: None,
                instance_id: None,
                private_ip: None,
                tags: def.tags.clone(),
            };
            if let Some(which) = &def.instance {
                let association_id = format!("eipassoc-{}", self.rng.hex(17));
                let at = self.named(which);
                if let Some(inst) = at.map(|i| &mut self.instances[i]) {
                    inst.public_ip = Some(def.public_ip.clone());
                    address.association_id = Some(association_id);
                    address.instance_id = Some(inst.id.clone());
                    address.private_ip = Some(inst.private_ip.clone());
                }
            }
            self.addresses.push(address);
        }
        for def in &scenario.images {
            let id = (def.id.clone()).unwrap_or_else(|| format!("ami-{}", self.rng.hex(17)));
            let source = (def.instance.as_ref())
                .and_then(|which| self.named(which))
                .map(|i| self.instances[i].id.clone());
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

    /// The instance a scenario names: by instance id, or by a Name tag (validation made sure
    /// only one instance has it).
    fn named(&self, which: &str) -> Option<usize> {
        let by_id = self.instance_at(which);
        by_id.or_else(|| (self.instances.iter()).position(|i| i.name.as_deref() == Some(which)))
    }

    /// Gives an instance just made for the scenario the id (and private IP) it had in the
    /// fleet the scenario was exported from; returns the id.
    fn keep_identity(&mut self, made: &str, id: &str, private_ip: Option<&String>) -> String {
        if let Some(at) = self.by_id.remove(made) {
            self.instances[at].id = id.to_string();
            if let Some(ip) = private_ip {
                let old = std::mem::replace(&mut self.instances[at].private_ip, ip.clone());
                self.release_ip(&old);
                self.hold_ip(ip);
            }
            self.by_id.insert(id.to_string(), at);
            self.shape += 1;
        }
        for m in self.groups.iter_mut().flat_map(|g| g.members.iter_mut()) {
            if m.instance_id == made {
                m.instance_id = id.to_string();
            }
        }
        id.to_string()
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
}

/// The private IPs a scenario gives its instances: made-up ones never repeat them.
fn reserved_ips(scenario: &Scenario) -> BTreeSet<String> {
    let standalone = scenario.instances.iter().map(|i| &i.private_ip);
    let members = (scenario.auto_scaling_groups.iter())
        .flat_map(|g| g.instances.iter().map(|m| &m.private_ip));
    standalone.chain(members).flatten().cloned().collect()
}
