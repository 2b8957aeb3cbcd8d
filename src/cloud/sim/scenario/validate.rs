//! The checks a scenario passes before it is played: every name it refers to exists, and
//! every value is one the simulator can play.

use super::defs::*;
use super::Scenario;
use std::collections::BTreeSet;

impl Scenario {
    pub(super) fn validate(&self) -> Result<(), String> {
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
            if let Some(lb) = &tg.load_balancer {
                known(&lbs, format!("{key}.load_balancer"), lb, "load balancer")?;
            }
            let timeout = tg.timeout();
            if !(2..=120).contains(&timeout.secs()) || timeout >= tg.interval {
                return Err(format!(
                    "{key}.timeout: must be 2s..2m and shorter than the interval (ELB's rule)"
                ));
            }
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
            for t in g.target_groups.iter() {
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
            for t in inst.target_groups.iter() {
                known(&tgs, format!("{key}.target_groups"), t, "target group")?;
            }
        }
        self.validate_identities()?;
        for (i, e) in self.elastic_ips.iter().enumerate() {
            if let Some(n) = &e.instance {
                self.instance_ref(&format!("elastic_ips[{i}].instance"), n)?;
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
                self.instance_ref(&format!("images[{i}].instance"), n)?;
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

    /// The ids an exported fleet keeps: well formed, each used once; a group's instances in
    /// its zones and no more of them than its max.
    fn validate_identities(&self) -> Result<(), String> {
        let mut seen: BTreeSet<String> = BTreeSet::new();
        let mut once = |key: String, value: &str, prefix: &str| -> Result<(), String> {
            let hex = value.strip_prefix(prefix).unwrap_or("");
            if hex.is_empty() || !hex.chars().all(|c| c.is_ascii_alphanumeric()) {
                return Err(format!(
                    "{key}: {value:?} is not an id like {prefix}0123456789abcdef0"
                ));
            }
            if !seen.insert(value.to_string()) {
                return Err(format!("{key}: {value:?} is used twice"));
            }
            Ok(())
        };
        if let Some(v) = &self.vpc_id {
            once("vpc_id".into(), v, "vpc-")?;
        }
        for (zone, subnet) in &self.subnets {
            if !self.zones.contains(zone) {
                return Err(format!("subnets.{zone}: no zone named {zone:?} in zones"));
            }
            once(format!("subnets.{zone}"), subnet, "subnet-")?;
        }
        let mut ips: BTreeSet<String> = BTreeSet::new();
        let mut ip_once = |key: String, ip: &Option<String>| -> Result<(), String> {
            let Some(ip) = ip else { return Ok(()) };
            if ip.parse::<std::net::Ipv4Addr>().is_err() {
                return Err(format!("{key}: {ip:?} is not an IPv4 address"));
            }
            if !ips.insert(ip.clone()) {
                return Err(format!("{key}: {ip:?} is used twice"));
            }
            Ok(())
        };
        for (i, inst) in self.instances.iter().enumerate() {
            if let Some(id) = &inst.id {
                once(format!("instances[{i}].id"), id, "i-")?;
            }
            ip_once(format!("instances[{i}].private_ip"), &inst.private_ip)?;
        }
        for (gi, g) in self.auto_scaling_groups.iter().enumerate() {
            let key = format!("auto_scaling_groups[{gi}].instances");
            if g.instances.len() > g.max as usize {
                return Err(format!(
                    "{key}: {} instances, more than max {}",
                    g.instances.len(),
                    g.max
                ));
            }
            let zones = g.zones.as_ref().unwrap_or(&self.zones);
            for (i, m) in g.instances.iter().enumerate() {
                once(format!("{key}[{i}].id"), &m.id, "i-")?;
                ip_once(format!("{key}[{i}].private_ip"), &m.private_ip)?;
                if !zones.contains(&m.zone) {
                    return Err(format!(
                        "{key}[{i}].zone: {:?} is not one of the group's zones",
                        m.zone
                    ));
                }
            }
        }
        let mut public: BTreeSet<&str> = BTreeSet::new();
        for (i, e) in self.elastic_ips.iter().enumerate() {
            if let Some(a) = &e.allocation_id {
                once(format!("elastic_ips[{i}].allocation_id"), a, "eipalloc-")?;
            }
            if !public.insert(&e.public_ip) {
                return Err(format!(
                    "elastic_ips[{i}].public_ip: {:?} is used twice",
                    e.public_ip
                ));
            }
        }
        for (i, img) in self.images.iter().enumerate() {
            if let Some(id) = &img.id {
                once(format!("images[{i}].id"), id, "ami-")?;
            }
        }
        let arns = (self.load_balancers.iter().enumerate())
            .map(|(i, l)| (format!("load_balancers[{i}].arn"), &l.arn))
            .chain(
                (self.target_groups.iter().enumerate())
                    .map(|(i, t)| (format!("target_groups[{i}].arn"), &t.arn)),
            );
        for (key, arn) in arns {
            let Some(arn) = arn else { continue };
            if !arn.starts_with("arn:") {
                return Err(format!("{key}: {arn:?} is not an ARN"));
            }
            if !seen.insert(arn.clone()) {
                return Err(format!("{key}: {arn:?} is used twice"));
            }
        }
        Ok(())
    }

    /// An instance named by an address or an image: an instance id, or a Name tag that only
    /// one instance has (a group's instances carry its name tag).
    fn instance_ref(&self, key: &str, which: &str) -> Result<(), String> {
        let members = self.auto_scaling_groups.iter().flat_map(|g| &g.instances);
        let by_id = (self.instances.iter().filter_map(|i| i.id.as_deref()))
            .chain(members.map(|m| m.id.as_str()))
            .any(|id| id == which);
        if by_id {
            return Ok(());
        }
        let standalone = self.instances.iter().filter(|i| i.name == which).count();
        let in_groups: usize = (self.auto_scaling_groups.iter())
            .filter(|g| g.name_tag.as_ref().unwrap_or(&g.name) == which)
            .map(|g| g.instances.len().max(g.desired as usize))
            .sum();
        match standalone + in_groups {
            0 => Err(format!("{key}: no instance with the id or Name {which:?}")),
            1 => Ok(()),
            n => Err(format!(
                "{key}: {n} instances are named {which:?}; name one by its instance id"
            )),
        }
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
                let cloud = crate::cloud::Source::CLOUD;
                if !cloud.iter().any(|s| s.name() == source) {
                    return Err(format!(
                        "{key}.source: unknown source {source:?} (an API call); known: {}",
                        cloud.map(|s| s.name()).join(", ")
                    ));
                }
                let error = need("error", &e.error)?;
                if crate::cloud::sim::faults::error_of(&error).is_none() {
                    return Err(format!(
                        "{key}.error: unknown error {error:?}; known: {}",
                        crate::cloud::sim::faults::ERROR_NAMES.join(", ")
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
            EventKind::AwaitOut | EventKind::AwaitBack | EventKind::Patch => {
                let group = need("group", &e.group)?;
                check(groups, &key, "group", &group, "Auto Scaling group")?;
                check(zones, &key, "zone", &need("zone", &e.zone)?, "zone")
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
