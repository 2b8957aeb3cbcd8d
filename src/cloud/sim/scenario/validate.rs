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
