//! Scenario files (`assets/scenarios/*.toml`): the format, the embedded set, and validation.

use crate::model::Tags;
use serde::Deserialize;
use std::collections::BTreeSet;
use std::path::Path;
use std::time::Duration;

/// Scenarios shipped inside the binary, by name.
const EMBEDDED: &[(&str, &str)] = &[
    (
        "default",
        include_str!("../../../assets/scenarios/default.toml"),
    ),
    (
        "instance-crash",
        include_str!("../../../assets/scenarios/instance-crash.toml"),
    ),
    (
        "az-outage",
        include_str!("../../../assets/scenarios/az-outage.toml"),
    ),
    (
        "primary-failure",
        include_str!("../../../assets/scenarios/primary-failure.toml"),
    ),
    (
        "db-down",
        include_str!("../../../assets/scenarios/db-down.toml"),
    ),
    (
        "traffic-spike",
        include_str!("../../../assets/scenarios/traffic-spike.toml"),
    ),
    (
        "clone-and-scale",
        include_str!("../../../assets/scenarios/clone-and-scale.toml"),
    ),
    (
        "nfs-overload",
        include_str!("../../../assets/scenarios/nfs-overload.toml"),
    ),
    (
        "nfs-replica",
        include_str!("../../../assets/scenarios/nfs-replica.toml"),
    ),
];

/// Names of the embedded scenarios, in listing order.
pub fn embedded_names() -> impl Iterator<Item = &'static str> {
    EMBEDDED.iter().map(|(name, _)| *name)
}

/// A scenario file could not be used. The message names the file and the key.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("scenario {origin}: {message}")]
pub struct ScenarioError {
    /// The file path, or `<embedded NAME>`.
    pub origin: String,
    pub message: String,
}

pub use crate::duration::Span;

fn span(secs: u64) -> Span {
    Span(Duration::from_secs(secs))
}

/// How long the simulated cloud takes to do things.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Timing {
    /// pending → running.
    pub boot: Span,
    /// running → the application answers health checks.
    pub warmup: Span,
    /// A reboot (CreateImage without NoReboot) takes the application down this long.
    pub reboot: Span,
    /// CreateImage pending → available.
    pub image: Span,
    /// shutting-down → terminated.
    pub terminate: Span,
}

impl Default for Timing {
    fn default() -> Self {
        Self {
            boot: span(40),
            warmup: span(20),
            reboot: span(45),
            image: span(120),
            terminate: span(20),
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DependencyDef {
    pub name: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LoadBalancerDef {
    pub name: String,
    /// Defaults to every zone of the scenario.
    pub zones: Option<Vec<String>>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TargetGroupDef {
    pub name: String,
    pub load_balancer: String,
    #[serde(default = "default_port")]
    pub port: u16,
    #[serde(default = "default_health_path")]
    pub health_check_path: String,
    #[serde(default = "default_interval")]
    pub interval: Span,
    #[serde(default = "default_healthy_threshold")]
    pub healthy_threshold: u32,
    #[serde(default = "default_unhealthy_threshold")]
    pub unhealthy_threshold: u32,
    #[serde(default = "default_deregistration_delay")]
    pub deregistration_delay: Span,
    /// Dependencies the health-check page exercises (a deep check).
    #[serde(default)]
    pub depends_on: Vec<String>,
}

fn default_port() -> u16 {
    80
}
fn default_health_path() -> String {
    "/".into()
}
fn default_interval() -> Span {
    span(10)
}
fn default_healthy_threshold() -> u32 {
    3
}
fn default_unhealthy_threshold() -> u32 {
    2
}
fn default_deregistration_delay() -> Span {
    span(30)
}

/// Requests per second arriving at a group, and what each instance can take.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TrafficDef {
    pub rps: f64,
    /// Requests per second one instance serves at 100% CPU.
    pub rps_per_instance: f64,
    /// Relative amplitude of a slow wave over the base rate (0.2 = ±20%).
    #[serde(default)]
    pub wave: f64,
    #[serde(default = "default_wave_period")]
    pub wave_period: Span,
    #[serde(default = "default_idle_cpu")]
    pub idle_cpu: f64,
}

fn default_wave_period() -> Span {
    span(600)
}
fn default_idle_cpu() -> f64 {
    4.0
}

/// A simple scaling policy fired by an alarm: `adjustment` instances out (or in).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PolicyDef {
    pub alarm: String,
    pub adjustment: u32,
    #[serde(default = "default_cooldown")]
    pub cooldown: Span,
}

fn default_cooldown() -> Span {
    span(300)
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GroupDef {
    pub name: String,
    pub min: u32,
    pub desired: u32,
    pub max: u32,
    /// Defaults to every zone of the scenario.
    pub zones: Option<Vec<String>>,
    #[serde(default)]
    pub target_groups: Vec<String>,
    #[serde(default = "default_instance_type")]
    pub instance_type: String,
    /// The Name tag of its instances; defaults to the group name.
    pub name_tag: Option<String>,
    #[serde(default)]
    pub tags: Tags,
    #[serde(default = "default_health_check_type")]
    pub health_check_type: String,
    #[serde(default = "default_grace")]
    pub health_check_grace: Span,
    pub traffic: Option<TrafficDef>,
    pub scale_out: Option<PolicyDef>,
    /// Fired by a low-CPU alarm (`comparison = "LessThanThreshold"`); never below min.
    pub scale_in: Option<PolicyDef>,
    /// The image (by name) it launches from; launches fail while it is not available.
    pub image: Option<String>,
    /// Its instances copy the shared content from an NFS server (NFS Replica).
    pub content: Option<ContentDef>,
}

/// How a group's instances copy the shared content (NFS Replica).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ContentDef {
    /// The instance (Name tag) that holds the content and its `patrol:content-version`.
    pub source: String,
    /// How long the copy at boot takes once the instance is running.
    #[serde(default = "default_copy")]
    pub copy: Span,
    /// Each instance copies again this often (at its own moment).
    #[serde(default = "default_resync")]
    pub resync: Span,
}

fn default_copy() -> Span {
    span(30)
}
fn default_resync() -> Span {
    span(300)
}

/// How an NFS server's latency grows with its clients: `latency_ms / (1 - clients/saturation)`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NfsDef {
    #[serde(default = "default_nfs_latency")]
    pub latency_ms: f64,
    /// The number of clients at which it would stop answering.
    #[serde(default = "default_nfs_saturation")]
    pub saturation: f64,
}

impl Default for NfsDef {
    fn default() -> Self {
        NfsDef {
            latency_ms: default_nfs_latency(),
            saturation: default_nfs_saturation(),
        }
    }
}

fn default_nfs_latency() -> f64 {
    2.0
}
fn default_nfs_saturation() -> f64 {
    16.0
}

fn default_instance_type() -> String {
    "t3.medium".into()
}
fn default_health_check_type() -> String {
    "ELB".into()
}
fn default_grace() -> Span {
    // The Auto Scaling console's default.
    span(300)
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InstanceDef {
    pub name: String,
    pub zone: String,
    #[serde(default = "default_instance_type")]
    pub instance_type: String,
    #[serde(default)]
    pub tags: Tags,
    #[serde(default)]
    pub target_groups: Vec<String>,
    /// Its NFS service, when it is tagged `patrol:role = "nfs-server"` (defaults apply).
    pub nfs: Option<NfsDef>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ElasticIpDef {
    pub public_ip: String,
    /// The Name tag of the instance it is bound to, if any.
    pub instance: Option<String>,
    #[serde(default)]
    pub tags: Tags,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ImageDef {
    pub name: String,
    /// The Name tag of the instance it was made from.
    pub instance: Option<String>,
    pub age: Span,
    #[serde(default)]
    pub tags: Tags,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AlarmDef {
    pub name: String,
    pub auto_scaling_group: String,
    pub threshold: f64,
    /// CloudWatch's ComparisonOperator; GreaterThanThreshold unless set.
    #[serde(default)]
    pub comparison: Comparison,
    #[serde(default = "default_periods")]
    pub periods: usize,
}

pub use crate::model::Comparison;

fn default_periods() -> usize {
    2
}

/// What a timeline event does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EventKind {
    /// The application on an instance stops answering (by `name`, or the oldest of `group`).
    Crash,
    /// A crashed instance's application answers again (by `name`).
    Recover,
    /// A whole Availability Zone becomes unreachable (`zone`).
    ZoneOutage,
    /// A failed zone comes back (`zone`).
    ZoneRestore,
    /// A dependency (`dependency`) fails.
    DependencyDown,
    /// A dependency (`dependency`) recovers.
    DependencyUp,
    /// A group's traffic (`group`) moves to `factor` × its base rate over `ramp`.
    Traffic,
    /// Reads of a source (`source`) fail with `error` for `duration`.
    ApiErrors,
    /// Only the narration (`say`).
    Narrate,
    /// CreateImage of an instance (`name`) as image `image`, with a reboot.
    Clone,
    /// SetDesiredCapacity of a group (`group`) to `desired`.
    SetDesired,
    /// The content source (`name`) gets a new `patrol:content-version` (`version`).
    ContentUpdate,
    /// The timeline waits until the operator moves the Elastic IP `address` to the
    /// instance `name`; later events keep their spacing from this one.
    AwaitSwap,
}

/// One entry of a scenario's timeline.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EventDef {
    pub at: Span,
    #[serde(rename = "do")]
    pub kind: EventKind,
    pub name: Option<String>,
    pub group: Option<String>,
    pub zone: Option<String>,
    pub dependency: Option<String>,
    pub factor: Option<f64>,
    pub ramp: Option<Span>,
    pub source: Option<String>,
    pub error: Option<String>,
    pub duration: Option<Span>,
    pub image: Option<String>,
    pub desired: Option<u32>,
    pub version: Option<String>,
    pub address: Option<String>,
    pub say: Option<String>,
}

/// A whole scenario as written in its file.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Scenario {
    pub name: String,
    pub description: String,
    #[serde(default = "default_region")]
    pub region: String,
    #[serde(default = "default_account")]
    pub account_id: String,
    pub zones: Vec<String>,
    #[serde(default)]
    pub timing: Timing,
    #[serde(default)]
    pub dependencies: Vec<DependencyDef>,
    #[serde(default)]
    pub load_balancers: Vec<LoadBalancerDef>,
    #[serde(default)]
    pub target_groups: Vec<TargetGroupDef>,
    #[serde(default)]
    pub auto_scaling_groups: Vec<GroupDef>,
    #[serde(default)]
    pub instances: Vec<InstanceDef>,
    #[serde(default)]
    pub elastic_ips: Vec<ElasticIpDef>,
    #[serde(default)]
    pub images: Vec<ImageDef>,
    #[serde(default)]
    pub alarms: Vec<AlarmDef>,
    #[serde(default)]
    pub events: Vec<EventDef>,
}

fn default_region() -> String {
    "us-east-1".into()
}
fn default_account() -> String {
    "123456789012".into()
}

impl Scenario {
    /// Loads a scenario by embedded name, or from a file when `spec` looks like a path.
    pub fn load(spec: &str) -> Result<Scenario, ScenarioError> {
        if spec.ends_with(".toml") || spec.contains('/') {
            let path = Path::new(spec);
            let text = std::fs::read_to_string(path).map_err(|e| ScenarioError {
                origin: path.display().to_string(),
                message: format!("cannot read the file: {e}"),
            })?;
            return Scenario::parse(&path.display().to_string(), &text);
        }
        match EMBEDDED.iter().find(|(name, _)| *name == spec) {
            Some((name, text)) => Scenario::parse(&format!("<embedded {name}>"), text),
            None => Err(ScenarioError {
                origin: spec.to_string(),
                message: format!(
                    "no scenario named {spec:?}; known: {} (or give a path to a .toml file)",
                    embedded_names().collect::<Vec<_>>().join(", ")
                ),
            }),
        }
    }

    /// Parses and validates scenario text; `origin` names it in errors.
    pub fn parse(origin: &str, text: &str) -> Result<Scenario, ScenarioError> {
        let err = |message: String| ScenarioError {
            origin: origin.to_string(),
            message,
        };
        let scenario: Scenario =
            toml::from_str(text).map_err(|e| err(crate::toml_error(text, &e)))?;
        scenario.validate().map_err(err)?;
        Ok(scenario)
    }

    fn validate(&self) -> Result<(), String> {
        if self.zones.is_empty() {
            return Err("zones: at least one Availability Zone is needed".into());
        }
        let zones: BTreeSet<&str> = self.zones.iter().map(String::as_str).collect();
        let deps: BTreeSet<&str> = self.dependencies.iter().map(|d| d.name.as_str()).collect();
        let lbs: BTreeSet<&str> = self
            .load_balancers
            .iter()
            .map(|l| l.name.as_str())
            .collect();
        let tgs: BTreeSet<&str> = self.target_groups.iter().map(|t| t.name.as_str()).collect();
        let groups: BTreeSet<&str> = self
            .auto_scaling_groups
            .iter()
            .map(|g| g.name.as_str())
            .collect();
        let names: BTreeSet<&str> = self.instances.iter().map(|i| i.name.as_str()).collect();
        let alarms: BTreeSet<&str> = self.alarms.iter().map(|a| a.name.as_str()).collect();
        let known = |set: &BTreeSet<&str>, key: String, value: &str, what: &str| {
            if set.contains(value) {
                Ok(())
            } else {
                Err(format!("{key}: no {what} named {value:?}"))
            }
        };
        for (i, lb) in self.load_balancers.iter().enumerate() {
            for z in lb.zones.iter().flatten() {
                known(&zones, format!("load_balancers[{i}].zones"), z, "zone")?;
            }
        }
        for (i, tg) in self.target_groups.iter().enumerate() {
            let key = format!("target_groups[{i}]");
            known(
                &lbs,
                format!("{key}.load_balancer"),
                &tg.load_balancer,
                "load balancer",
            )?;
            for d in &tg.depends_on {
                known(&deps, format!("{key}.depends_on"), d, "dependency")?;
            }
            if tg.interval.secs() < 5 || tg.interval.secs() > 300 {
                return Err(format!("{key}.interval: must be 5s..5m (ELB's range)"));
            }
            for (field, v) in [
                ("healthy_threshold", tg.healthy_threshold),
                ("unhealthy_threshold", tg.unhealthy_threshold),
            ] {
                if !(2..=10).contains(&v) {
                    return Err(format!(
                        "{key}.{field}: must be 2..10 (ELB's range), not {v}"
                    ));
                }
            }
        }
        for (i, g) in self.auto_scaling_groups.iter().enumerate() {
            let key = format!("auto_scaling_groups[{i}]");
            if !(g.min <= g.desired && g.desired <= g.max) {
                return Err(format!(
                    "{key}: min {} <= desired {} <= max {} does not hold",
                    g.min, g.desired, g.max
                ));
            }
            for z in g.zones.iter().flatten() {
                known(&zones, format!("{key}.zones"), z, "zone")?;
            }
            for t in &g.target_groups {
                known(&tgs, format!("{key}.target_groups"), t, "target group")?;
            }
            if let Some(p) = &g.scale_out {
                known(&alarms, format!("{key}.scale_out.alarm"), &p.alarm, "alarm")?;
            }
            if let Some(p) = &g.scale_in {
                known(&alarms, format!("{key}.scale_in.alarm"), &p.alarm, "alarm")?;
            }
            if let Some(c) = &g.content {
                known(
                    &names,
                    format!("{key}.content.source"),
                    &c.source,
                    "instance",
                )?;
            }
            if let Some(t) = &g.traffic {
                if t.rps_per_instance <= 0.0 {
                    return Err(format!("{key}.traffic.rps_per_instance: must be above 0"));
                }
            }
        }
        for (i, inst) in self.instances.iter().enumerate() {
            let key = format!("instances[{i}]");
            known(&zones, format!("{key}.zone"), &inst.zone, "zone")?;
            for t in &inst.target_groups {
                known(&tgs, format!("{key}.target_groups"), t, "target group")?;
            }
        }
        for (i, e) in self.elastic_ips.iter().enumerate() {
            if let Some(n) = &e.instance {
                known(&names, format!("elastic_ips[{i}].instance"), n, "instance")?;
            }
            if e.public_ip.parse::<std::net::Ipv4Addr>().is_err() {
                return Err(format!(
                    "elastic_ips[{i}].public_ip: {:?} is not an IPv4 address",
                    e.public_ip
                ));
            }
        }
        for (i, img) in self.images.iter().enumerate() {
            if let Some(n) = &img.instance {
                known(&names, format!("images[{i}].instance"), n, "instance")?;
            }
        }
        for (i, a) in self.alarms.iter().enumerate() {
            let key = format!("alarms[{i}].auto_scaling_group");
            known(&groups, key, &a.auto_scaling_group, "Auto Scaling group")?;
        }
        let images: BTreeSet<&str> = self
            .images
            .iter()
            .map(|i| i.name.as_str())
            .chain(self.events.iter().filter_map(|e| match e.kind {
                EventKind::Clone => e.image.as_deref(),
                _ => None,
            }))
            .collect();
        for (i, g) in self.auto_scaling_groups.iter().enumerate() {
            if let Some(image) = &g.image {
                let key = format!("auto_scaling_groups[{i}].image");
                known(
                    &images,
                    key,
                    image,
                    "image (in images or made by a clone event)",
                )?;
            }
        }
        for (i, e) in self.events.iter().enumerate() {
            self.validate_event(i, e, &zones, &deps, &groups, &names)?;
        }
        Ok(())
    }

    fn validate_event(
        &self,
        i: usize,
        e: &EventDef,
        zones: &BTreeSet<&str>,
        deps: &BTreeSet<&str>,
        groups: &BTreeSet<&str>,
        names: &BTreeSet<&str>,
    ) -> Result<(), String> {
        let key = format!("events[{i}]");
        let need = |field: &str, v: &Option<String>| -> Result<String, String> {
            v.clone()
                .ok_or_else(|| format!("{key}: do = {:?} needs `{field}`", e.kind))
        };
        match e.kind {
            EventKind::Crash => match (&e.name, &e.group) {
                (Some(n), _) => check(names, &key, "name", n, "instance"),
                (None, Some(g)) => check(groups, &key, "group", g, "Auto Scaling group"),
                (None, None) => Err(format!("{key}: do = \"crash\" needs `name` or `group`")),
            },
            EventKind::Recover => check(names, &key, "name", &need("name", &e.name)?, "instance"),
            EventKind::ZoneOutage | EventKind::ZoneRestore => {
                check(zones, &key, "zone", &need("zone", &e.zone)?, "zone")
            }
            EventKind::DependencyDown | EventKind::DependencyUp => check(
                deps,
                &key,
                "dependency",
                &need("dependency", &e.dependency)?,
                "dependency",
            ),
            EventKind::Traffic => {
                check(
                    groups,
                    &key,
                    "group",
                    &need("group", &e.group)?,
                    "Auto Scaling group",
                )?;
                match e.factor {
                    Some(f) if f >= 0.0 => Ok(()),
                    _ => Err(format!(
                        "{key}.factor: do = \"traffic\" needs a factor >= 0"
                    )),
                }
            }
            EventKind::ApiErrors => {
                let source = need("source", &e.source)?;
                if crate::cloud::Source::from_name(&source).is_none() {
                    return Err(format!(
                        "{key}.source: unknown source {source:?}; known: {}",
                        crate::cloud::Source::ALL.map(|s| s.name()).join(", ")
                    ));
                }
                let error = need("error", &e.error)?;
                if super::faults::error_of(&error).is_none() {
                    return Err(format!(
                        "{key}.error: unknown error {error:?}; known: {}",
                        super::faults::ERROR_NAMES.join(", ")
                    ));
                }
                e.duration
                    .map(|_| ())
                    .ok_or_else(|| format!("{key}: do = \"api_errors\" needs `duration`"))
            }
            EventKind::Clone => {
                check(names, &key, "name", &need("name", &e.name)?, "instance")?;
                let image = need("image", &e.image)?;
                crate::cloud::validate_image_name(&image)
                    .map_err(|err| format!("{key}.image: {}", err.message))
            }
            EventKind::SetDesired => {
                let group = need("group", &e.group)?;
                check(groups, &key, "group", &group, "Auto Scaling group")?;
                let desired = e
                    .desired
                    .ok_or_else(|| format!("{key}: do = \"set_desired\" needs `desired`"))?;
                let g = self.auto_scaling_groups.iter().find(|g| g.name == group);
                match g {
                    Some(g) if desired < g.min || desired > g.max => Err(format!(
                        "{key}.desired: {desired} is outside {group}'s min {}..max {}",
                        g.min, g.max
                    )),
                    _ => Ok(()),
                }
            }
            EventKind::ContentUpdate => {
                check(names, &key, "name", &need("name", &e.name)?, "instance")?;
                need("version", &e.version).map(|_| ())
            }
            EventKind::AwaitSwap => {
                check(names, &key, "name", &need("name", &e.name)?, "instance")?;
                let address = need("address", &e.address)?;
                if self.elastic_ips.iter().any(|a| a.public_ip == address) {
                    Ok(())
                } else {
                    Err(format!(
                        "{key}.address: no Elastic IP {address:?} in elastic_ips"
                    ))
                }
            }
            EventKind::Narrate => e
                .say
                .as_ref()
                .map(|_| ())
                .ok_or_else(|| format!("{key}: do = \"narrate\" needs `say`")),
        }
    }
}

fn check(
    set: &BTreeSet<&str>,
    key: &str,
    field: &str,
    value: &str,
    what: &str,
) -> Result<(), String> {
    if set.contains(value) {
        Ok(())
    } else {
        Err(format!("{key}.{field}: no {what} named {value:?}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spans_parse_and_reject() {
        assert_eq!(Span::parse("90s"), Some(span(90)));
        assert_eq!(Span::parse("1h30m"), Some(span(5400)));
        assert_eq!(Span::parse("2m30s"), Some(span(150)));
        assert_eq!(Span::parse("5"), None);
        assert_eq!(Span::parse("5 mins"), None);
        assert_eq!(Span::parse(""), None);
    }
}
