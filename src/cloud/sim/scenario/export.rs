//! `patrol scenario export`: a fleet's shape, as a scenario the simulator plays. Ids, names,
//! ARNs and addresses stay as they were, so a runbook written against the real fleet reads
//! the same in the rehearsal. What the fleet has that a scenario cannot say, and what the
//! export had to assume, is written at the top of the file.

use super::defs::span;
use super::defs::*;
use super::{Scenario, Timing};
use crate::duration::Span;
use crate::model::{
    Alarm, AutoScalingGroup, Comparison, Instance, InstanceState, LifecycleState, Snapshot, Tags,
    WorldInfo, CPU_METRIC, CPU_NAMESPACE, MAINTENANCE_TAG, NFS_REPLICA, NFS_SERVER, ROLE_TAG,
};
use std::collections::{BTreeMap, BTreeSet};

/// An exported fleet: the scenario, and what the reader must know about it.
#[derive(Debug, Clone)]
pub struct Export {
    pub scenario: Scenario,
    /// What the fleet had that the scenario leaves out, one line each.
    pub left_out: Vec<String>,
    /// What the scenario says that the fleet did not tell (defaults it had to choose).
    pub assumed: Vec<String>,
}

/// The CPU one instance of an exported group shows with no requests, and what one request
/// per second costs it: traffic is set so the group's CPU starts where it was.
const IDLE_CPU: f64 = 4.0;
const RPS_PER_INSTANCE: f64 = 100.0;

impl Export {
    /// The fleet of `snapshot` as a scenario.
    pub fn of(snapshot: &Snapshot) -> Export {
        Exporter::new(snapshot).run()
    }

    /// The scenario file: a header that says where it came from, what was left out and
    /// assumed, then the scenario.
    pub fn to_toml(&self) -> Result<String, String> {
        let body = toml::to_string(&self.scenario).map_err(|e| e.to_string())?;
        let mut out = String::new();
        out.push_str(&format!("# {}\n", self.scenario.description));
        out.push_str(
            "# Play it: patrol --scenario ./THIS-FILE.toml (add [[events]] to rehearse).\n",
        );
        for (title, lines) in [
            ("Left out (a scenario cannot say it)", &self.left_out),
            ("Assumed (the fleet did not tell)", &self.assumed),
        ] {
            if lines.is_empty() {
                continue;
            }
            out.push_str(&format!("#\n# {title}:\n"));
            for line in lines {
                out.push_str(&format!("#   - {line}\n"));
            }
        }
        out.push('\n');
        out.push_str(&body);
        Ok(out)
    }
}

struct Exporter<'a> {
    s: &'a Snapshot,
    /// The instances the scenario has: running or starting.
    kept: Vec<&'a Instance>,
    left_out: Vec<String>,
    assumed: Vec<String>,
}

impl<'a> Exporter<'a> {
    fn new(s: &'a Snapshot) -> Self {
        let mut left_out = Vec::new();
        let mut kept = Vec::new();
        for i in s.instances.iter() {
            match i.state {
                InstanceState::Pending | InstanceState::Running => kept.push(i),
                other => left_out.push(format!("instance {} ({})", i.id, other.as_str())),
            }
        }
        Exporter {
            s,
            kept,
            left_out,
            assumed: Vec::new(),
        }
    }

    fn run(mut self) -> Export {
        let s = self.s;
        let zones = self.zones();
        let (vpc_id, subnets) = self.network();
        let load_balancers = self.load_balancers(&zones);
        let target_groups = self.target_groups();
        let auto_scaling_groups = self.groups(&zones);
        let instances = self.instances();
        let elastic_ips = self.addresses();
        let images = self.images();
        let alarms = self.alarms(&auto_scaling_groups);
        let (account, from) = origin(&s.world);
        let scenario = Scenario {
            name: format!("exported-{}", s.world.region()),
            description: format!(
                "Exported from {from} as it was at {}",
                s.taken_at.format("%Y-%m-%d %H:%M:%SZ")
            ),
            region: s.world.region().to_string(),
            account_id: account.unwrap_or_else(|| "123456789012".into()),
            zones,
            vpc_id,
            subnets,
            timing: Timing::default(),
            dependencies: Vec::new(),
            load_balancers,
            target_groups,
            auto_scaling_groups,
            instances,
            elastic_ips,
            images,
            alarms,
            events: Vec::new(),
        };
        self.assumed
            .push("timing: the simulator's defaults (boot 40s, warm-up 20s, images 2m)".into());
        if s.target_groups
            .iter()
            .any(|t| t.health_check.path.is_some())
        {
            self.assumed.push(
                "no dependencies: what a deep health check exercises is not visible from \
                 outside; add [[dependencies]] and depends_on to rehearse a dependency failing"
                    .into(),
            );
        }
        Export {
            scenario,
            left_out: self.left_out,
            assumed: self.assumed,
        }
    }

    /// Every zone something is in, in order.
    fn zones(&self) -> Vec<String> {
        let region = self.s.world.region();
        let mut zones: BTreeSet<String> = BTreeSet::new();
        zones.extend(self.kept.iter().map(|i| i.zone.clone()));
        zones.extend(
            self.s
                .auto_scaling_groups
                .iter()
                .flat_map(|g| g.zones.clone()),
        );
        zones.extend(self.s.load_balancers.iter().flat_map(|l| l.zones.clone()));
        zones.retain(|z| !z.is_empty() && z.starts_with(region));
        if zones.is_empty() {
            zones.insert(format!("{region}a"));
        }
        zones.into_iter().collect()
    }

    /// The VPC and each zone's subnet, when the fleet has one of each.
    fn network(&mut self) -> (Option<String>, BTreeMap<String, String>) {
        let vpcs: BTreeSet<&str> = (self.kept.iter().map(|i| i.vpc_id.as_str()))
            .chain(self.s.target_groups.iter().map(|t| t.vpc_id.as_str()))
            .filter(|v| !v.is_empty())
            .collect();
        let vpc = match vpcs.len() {
            1 => vpcs.first().map(|v| v.to_string()),
            0 => None,
            _ => {
                self.left_out.push(format!(
                    "{} VPCs ({}): a scenario has one, with made-up id",
                    vpcs.len(),
                    vpcs.into_iter().collect::<Vec<_>>().join(", ")
                ));
                None
            }
        };
        let mut by_zone: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
        for i in &self.kept {
            if !i.subnet_id.is_empty() {
                by_zone.entry(&i.zone).or_default().insert(&i.subnet_id);
            }
        }
        let mut subnets = BTreeMap::new();
        for (zone, ids) in by_zone {
            if ids.len() == 1 || vpc.is_none() {
                if let Some(first) = ids.first() {
                    subnets.insert(zone.to_string(), first.to_string());
                }
            }
            if ids.len() > 1 {
                self.left_out.push(format!(
                    "{zone} has {} subnets; a scenario has one per zone, so instances keep \
                     their ids but share {}",
                    ids.len(),
                    subnets.get(zone).map_or("a made-up one", String::as_str)
                ));
            }
        }
        (vpc, subnets)
    }

    fn load_balancers(&mut self, zones: &[String]) -> Vec<LoadBalancerDef> {
        let mut out = Vec::new();
        for lb in &self.s.load_balancers {
            if lb.kind != "application" {
                self.assumed.push(format!(
                    "load balancer {} is a {} load balancer; it is played as an application one",
                    lb.name, lb.kind
                ));
            }
            let mut own: Vec<String> = lb.zones.clone();
            own.sort();
            out.push(LoadBalancerDef {
                name: lb.name.clone(),
                arn: Some(lb.arn.clone()),
                dns_name: Some(lb.dns_name.clone()),
                zones: (own != zones).then_some(own),
            });
        }
        out
    }

    fn lb_name(&self, arn: &str) -> Option<String> {
        (self.s.load_balancers.iter())
            .find(|l| l.arn == arn)
            .map(|l| l.name.clone())
    }

    fn target_groups(&mut self) -> Vec<TargetGroupDef> {
        let mut out = Vec::new();
        for tg in self.s.target_groups.iter() {
            let hc = &tg.health_check;
            let load_balancer = tg.load_balancer_arns.first().and_then(|a| self.lb_name(a));
            if tg.load_balancer_arns.len() > 1 {
                self.left_out.push(format!(
                    "target group {}: {} load balancers forward to it; the scenario keeps {}",
                    tg.name,
                    tg.load_balancer_arns.len(),
                    load_balancer.as_deref().unwrap_or("none")
                ));
            }
            if hc.protocol != "HTTP" || tg.protocol != "HTTP" {
                self.assumed.push(format!(
                    "target group {}: {} with {} health checks, played as HTTP",
                    tg.name, tg.protocol, hc.protocol
                ));
            }
            let (interval, timeout) =
                self.check_timing(&tg.name, hc.interval_seconds, hc.timeout_seconds);
            let threshold = |n: u32| n.clamp(2, 10);
            if threshold(hc.healthy_threshold) != hc.healthy_threshold
                || threshold(hc.unhealthy_threshold) != hc.unhealthy_threshold
            {
                self.assumed.push(format!(
                    "target group {}: thresholds {}/{} brought into ELB's 2..10",
                    tg.name, hc.healthy_threshold, hc.unhealthy_threshold
                ));
            }
            let delay = match tg.deregistration_delay_seconds {
                Some(d) => d,
                None => {
                    self.assumed.push(format!(
                        "target group {}: deregistration delay not read; ELB's default 300s",
                        tg.name
                    ));
                    300
                }
            };
            out.push(TargetGroupDef {
                name: tg.name.clone(),
                arn: Some(tg.arn.clone()),
                load_balancer,
                port: tg.port,
                health_check_path: hc.path.clone().unwrap_or_else(|| "/".into()),
                interval,
                healthy_threshold: threshold(hc.healthy_threshold),
                unhealthy_threshold: threshold(hc.unhealthy_threshold),
                timeout: Some(timeout),
                deregistration_delay: span(delay as u64),
                depends_on: Vec::new(),
            });
        }
        out
    }

    /// A health check's interval and timeout, brought into the ranges ELB allows.
    fn check_timing(&mut self, tg: &str, interval: u32, timeout: u32) -> (Span, Span) {
        let i = interval.clamp(5, 300);
        let t = timeout.clamp(2, 120).min(i - 1);
        if (i, t) != (interval, timeout) {
            self.assumed.push(format!(
                "target group {tg}: interval {interval}s / timeout {timeout}s brought to {i}s / {t}s"
            ));
        }
        (span(i as u64), span(t as u64))
    }

    fn tg_names(&self, arns: &[String]) -> Vec<String> {
        (arns.iter())
            .filter_map(|a| self.s.target_groups.iter().find(|t| &t.arn == a))
            .map(|t| t.name.clone())
            .collect()
    }

    fn is_kept(&self, id: &str) -> bool {
        self.kept.iter().any(|i| i.id == id)
    }

    fn instance(&self, id: &str) -> Option<&'a Instance> {
        self.kept.iter().find(|i| i.id == id).copied()
    }

    fn groups(&mut self, zones: &[String]) -> Vec<GroupDef> {
        let mut out = Vec::new();
        for g in self.s.auto_scaling_groups.iter() {
            let mut members = Vec::new();
            for m in g.instances.iter() {
                let Some(inst) = self.instance(&m.instance_id) else {
                    continue;
                };
                match m.lifecycle {
                    LifecycleState::Pending | LifecycleState::InService => {}
                    LifecycleState::Standby | LifecycleState::EnteringStandby => {
                        self.left_out.push(format!(
                            "{} of {} is in Standby; the scenario has it in service",
                            m.instance_id, g.name
                        ))
                    }
                    ref other => {
                        self.left_out.push(format!(
                            "{} of {} ({})",
                            m.instance_id,
                            g.name,
                            other.as_str()
                        ));
                        continue;
                    }
                }
                members.push((m, inst));
            }
            // The Name most of them have; none at all is written as "".
            let name_tag =
                most_common((members.iter()).map(|(_, i)| i.name.clone().unwrap_or_default()));
            let instance_type = most_common(members.iter().map(|(_, i)| i.instance_type.clone()))
                .unwrap_or_else(|| "t3.medium".into());
            let mut own: Vec<String> = g.zones.clone();
            own.sort();
            let alarms = self.group_alarms(g);
            out.push(GroupDef {
                name: g.name.clone(),
                min: g.min,
                desired: g.desired.clamp(g.min, g.max),
                max: g.max,
                zones: (own != zones).then_some(own),
                target_groups: self.tg_names(&g.target_group_arns),
                instance_type,
                name_tag: name_tag.filter(|n| n != &g.name),
                tags: common_tags(members.iter().map(|(_, i)| &i.tags)),
                health_check_type: g.health_check_type.clone(),
                health_check_grace: span(g.health_check_grace_seconds as u64),
                traffic: self.traffic(g),
                scale_out: self.policy(g, &alarms, true),
                scale_in: self.policy(g, &alarms, false),
                image: None,
                content: self.content(g, &members),
                instances: members
                    .iter()
                    .map(|(m, i)| MemberDef {
                        id: m.instance_id.clone(),
                        zone: m.zone.clone(),
                        private_ip: i.private_ip.clone(),
                    })
                    .collect(),
            });
        }
        out
    }

    fn group_alarms(&self, g: &AutoScalingGroup) -> Vec<&'a Alarm> {
        (self.s.alarms.iter())
            .filter(|a| {
                a.auto_scaling_group.as_deref() == Some(g.name.as_str())
                    && a.namespace == CPU_NAMESPACE
                    && a.metric == CPU_METRIC
            })
            .collect()
    }

    /// Requests that put the group's CPU where it was over its last ten minutes.
    fn traffic(&mut self, g: &AutoScalingGroup) -> Option<TrafficDef> {
        let series = (self.s.metrics.iter()).find(|m| m.auto_scaling_group == g.name)?;
        let recent: Vec<f64> = series
            .points
            .iter()
            .rev()
            .take(10)
            .map(|p| p.value)
            .collect();
        if recent.is_empty() {
            return None;
        }
        let cpu = recent.iter().sum::<f64>() / recent.len() as f64;
        let serving = (g.instances.iter())
            .filter(|m| m.lifecycle == LifecycleState::InService)
            .count()
            .max(1);
        let rps = ((cpu - IDLE_CPU).max(0.0) / 100.0 * RPS_PER_INSTANCE * serving as f64).round();
        self.assumed.push(format!(
            "{}: traffic {rps} requests/s at {RPS_PER_INSTANCE} per instance, so its CPU \
             starts at its last ten minutes' average ({cpu:.0}%); no daily wave",
            g.name
        ));
        Some(TrafficDef {
            rps,
            rps_per_instance: RPS_PER_INSTANCE,
            wave: 0.0,
            wave_period: span(600),
            idle_cpu: IDLE_CPU,
        })
    }

    /// A simple policy on the group's CPU alarm: patrol reads alarms, not scaling policies.
    fn policy(&mut self, g: &AutoScalingGroup, alarms: &[&Alarm], out: bool) -> Option<PolicyDef> {
        let alarm = alarms.iter().find(|a| {
            let high = matches!(
                a.comparison,
                Comparison::GreaterThanThreshold | Comparison::GreaterThanOrEqualToThreshold
            );
            let low = matches!(
                a.comparison,
                Comparison::LessThanThreshold | Comparison::LessThanOrEqualToThreshold
            );
            (out && high) || (!out && low)
        })?;
        let way = if out { "scale_out" } else { "scale_in" };
        self.assumed.push(format!(
            "{}: {way} by 1 with a 5m cooldown when {} fires (scaling policies are not read; \
             edit to match yours)",
            g.name, alarm.name
        ));
        Some(PolicyDef {
            alarm: alarm.name.clone(),
            adjustment: 1,
            cooldown: span(300),
        })
    }

    /// NFS Replica: the group's instances copy from the fleet's NFS server.
    fn content(
        &mut self,
        g: &AutoScalingGroup,
        members: &[(&crate::model::GroupInstance, &Instance)],
    ) -> Option<ContentDef> {
        let replica = members
            .iter()
            .any(|(_, i)| i.tags.get(ROLE_TAG).map(String::as_str) == Some(NFS_REPLICA));
        if !replica {
            return None;
        }
        let servers: Vec<&&Instance> = (self.kept.iter())
            .filter(|i| i.auto_scaling_group.is_none())
            .filter(|i| i.tags.get(ROLE_TAG).map(String::as_str) == Some(NFS_SERVER))
            .collect();
        let source = match servers.as_slice() {
            [one] => one.name.clone().unwrap_or_else(|| one.id.clone()),
            _ => {
                self.left_out.push(format!(
                    "{}: its instances are NFS replicas, but the fleet has {} NFS servers to copy from",
                    g.name,
                    servers.len()
                ));
                return None;
            }
        };
        self.assumed.push(format!(
            "{}: copies its content from {source} in 30s at boot and every 5m",
            g.name
        ));
        Some(ContentDef {
            source,
            copy: span(30),
            resync: span(300),
        })
    }

    fn instances(&mut self) -> Vec<InstanceDef> {
        let in_groups: BTreeSet<&str> = (self.s.auto_scaling_groups.iter())
            .flat_map(|g| g.instances.iter().map(|m| m.instance_id.as_str()))
            .collect();
        let mut out = Vec::new();
        for i in self.kept.clone() {
            if in_groups.contains(i.id.as_str()) {
                continue;
            }
            if let Some(g) = &i.auto_scaling_group {
                self.left_out.push(format!(
                    "{} says it is in {g}, which the fleet does not list; kept on its own",
                    i.id
                ));
            }
            let name = i.name.clone().unwrap_or_else(|| {
                self.assumed.push(format!(
                    "{} has no Name tag; the scenario names it by its id",
                    i.id
                ));
                i.id.clone()
            });
            let mut target_groups: Vec<String> = (self.s.target_groups.iter())
                .filter(|t| t.targets.iter().any(|x| x.target_id == i.id))
                .map(|t| t.name.clone())
                .collect();
            if let Some(Ok(note)) = i.maintenance_note() {
                self.left_out.push(format!(
                    "{} was out for maintenance; the scenario has it back in {}",
                    i.id,
                    note.targets
                        .iter()
                        .map(|(t, _)| t.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ));
                target_groups.extend(note.targets.into_iter().map(|(t, _)| t));
                target_groups.sort();
                target_groups.dedup();
            }
            out.push(InstanceDef {
                name,
                id: Some(i.id.clone()),
                private_ip: i.private_ip.clone(),
                zone: i.zone.clone(),
                instance_type: i.instance_type.clone(),
                tags: own_tags(&i.tags),
                target_groups,
                nfs: None,
            });
        }
        out
    }

    /// How the scenario names an instance: its Name when no other instance has it, else its id.
    fn reference(&self, id: &str) -> String {
        let Some(name) = self.instance(id).and_then(|i| i.name.as_ref()) else {
            return id.to_string();
        };
        let same = (self.kept.iter())
            .filter(|i| i.name.as_ref() == Some(name))
            .count();
        if same == 1 {
            name.clone()
        } else {
            id.to_string()
        }
    }

    fn addresses(&mut self) -> Vec<ElasticIpDef> {
        let mut out = Vec::new();
        for a in &self.s.elastic_ips {
            let instance = match &a.instance_id {
                Some(id) if self.is_kept(id) => Some(self.reference(id)),
                Some(id) => {
                    self.left_out.push(format!(
                        "{}'s association with {id} (not running); the address is unbound",
                        a.public_ip
                    ));
                    None
                }
                None => None,
            };
            out.push(ElasticIpDef {
                public_ip: a.public_ip.clone(),
                allocation_id: Some(a.allocation_id.clone()),
                instance,
                tags: a.tags.clone(),
            });
        }
        out
    }

    fn images(&mut self) -> Vec<ImageDef> {
        let mut out = Vec::new();
        for img in &self.s.images {
            if img.state != crate::model::ImageState::Available {
                self.left_out
                    .push(format!("image {} ({})", img.id, img.state.as_str()));
                continue;
            }
            let mut tags = img.tags.clone();
            let instance = match &img.source_instance_id {
                Some(src) if self.is_kept(src) => {
                    tags.remove(crate::cloud::SOURCE_INSTANCE_TAG);
                    Some(self.reference(src))
                }
                _ => None,
            };
            let age = (self.s.taken_at - img.created_at).num_seconds().max(0);
            out.push(ImageDef {
                name: img.name.clone(),
                id: Some(img.id.clone()),
                instance,
                age: span(age as u64),
                tags,
            });
        }
        out
    }

    fn alarms(&mut self, groups: &[GroupDef]) -> Vec<AlarmDef> {
        let mut out = Vec::new();
        for a in &self.s.alarms {
            let group = a.auto_scaling_group.as_ref();
            let cpu = a.namespace == CPU_NAMESPACE && a.metric == CPU_METRIC;
            let known = group.is_some_and(|g| groups.iter().any(|d| &d.name == g));
            let (Some(group), true, true) = (group, cpu, known) else {
                self.left_out.push(format!(
                    "alarm {} ({} {}): only CPU alarms on an Auto Scaling group are simulated",
                    a.name, a.namespace, a.metric
                ));
                continue;
            };
            out.push(AlarmDef {
                name: a.name.clone(),
                auto_scaling_group: group.clone(),
                threshold: a.threshold,
                comparison: a.comparison.clone(),
                periods: 2,
            });
        }
        if !out.is_empty() {
            self.assumed
                .push("alarms fire after 2 one-minute periods over the threshold".into());
        }
        out
    }
}

/// The account (when the world knows it) and the words for where the fleet came from.
fn origin(world: &WorldInfo) -> (Option<String>, String) {
    match world {
        WorldInfo::Aws {
            account_id, region, ..
        } => (
            account_id.clone(),
            format!(
                "AWS account {} in {region}",
                account_id.as_deref().unwrap_or("(unknown)")
            ),
        ),
        WorldInfo::Simulated { scenario, seed, .. } => (
            None,
            format!("the simulator (scenario {scenario}, seed {seed})"),
        ),
        WorldInfo::Replay { file, from, .. } => {
            let (account, words) = origin(from);
            (account, format!("the recording {file} of {words}"))
        }
    }
}

/// Tags an instance carries of its own: not its Name (the scenario's `name`), not AWS's
/// (`aws:` ones are AWS's to set), not a maintenance note (the scenario has it in service).
fn own_tags(tags: &Tags) -> Tags {
    (tags.iter())
        .filter(|(k, _)| {
            k.as_str() != "Name" && !k.starts_with("aws:") && k.as_str() != MAINTENANCE_TAG
        })
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect()
}

/// The tags every one of a group's instances has, with the same value.
fn common_tags<'t>(mut all: impl Iterator<Item = &'t Tags>) -> Tags {
    let Some(first) = all.next() else {
        return Tags::new();
    };
    let mut common = own_tags(first);
    for tags in all {
        common.retain(|k, v| tags.get(k) == Some(v));
    }
    common
}

fn most_common(values: impl Iterator<Item = String>) -> Option<String> {
    let mut counts: BTreeMap<String, usize> = BTreeMap::new();
    for v in values {
        *counts.entry(v).or_default() += 1;
    }
    let best = counts.values().copied().max()?;
    counts.into_iter().find(|(_, n)| *n == best).map(|(v, _)| v)
}
