//! The Overview's cards: one per pattern, with a headline read off the current fleet.

use super::{AppState, View};
use crate::model::{
    imbalanced_groups, zone_distribution, ImageState, InstanceState, LifecycleState, Snapshot,
    TargetHealthState,
};

/// How a card's headline reads: fine, needs a look, broken, or nothing to judge yet.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Status {
    Unknown,
    Ok,
    Warn,
    Crit,
}

/// One Overview card.
#[derive(Debug, Clone, PartialEq)]
pub struct Card {
    pub pattern: &'static str,
    pub headline: String,
    pub details: Vec<String>,
    pub status: Status,
    /// The view Enter opens from this card.
    pub view: Option<View>,
}

fn card(
    pattern: &'static str,
    view: Option<View>,
    status: Status,
    headline: String,
    details: Vec<String>,
) -> Card {
    Card {
        pattern,
        headline,
        details,
        status,
        view,
    }
}

/// The eight cards, in the order of the pattern catalogue.
pub fn overview_cards(state: &AppState) -> Vec<Card> {
    let f = &state.fleet;
    vec![
        multi_server(f),
        multi_datacenter(f),
        floating_ip(f),
        deep_health_check(f),
        scale_out(f),
        clone_server(state),
        nfs(f, "NFS Sharing", "nfs-server", "nfs-client"),
        nfs(f, "NFS Replica", "nfs-replica", ""),
    ]
}

fn multi_server(f: &Snapshot) -> Card {
    let mut status = if f.target_groups.is_empty() {
        Status::Unknown
    } else {
        Status::Ok
    };
    let mut parts = Vec::new();
    let mut details = Vec::new();
    for g in &f.target_groups {
        let healthy = g.count(TargetHealthState::Healthy);
        let unhealthy = g.count(TargetHealthState::Unhealthy);
        parts.push(format!("{} {healthy}/{} healthy", g.name, g.targets.len()));
        if healthy == 0 && !g.targets.is_empty() {
            status = status.max(Status::Crit);
        } else if healthy < 2 || unhealthy > 0 {
            status = status.max(Status::Warn);
        }
        if unhealthy > 0 {
            details.push(format!("{}: {unhealthy} unhealthy", g.name));
        }
        if healthy < 2 {
            details.push(format!("{}: fewer than 2 healthy targets", g.name));
        }
    }
    let headline = if parts.is_empty() {
        "no target groups".into()
    } else {
        parts.join(" · ")
    };
    card(
        "Multi-Server",
        Some(View::Targets),
        status,
        headline,
        details,
    )
}

fn multi_datacenter(f: &Snapshot) -> Card {
    let zones = zone_distribution(f);
    if zones.is_empty() {
        return card(
            "Multi-DataCenter",
            Some(View::Zones),
            Status::Unknown,
            "no zones yet".into(),
            vec![],
        );
    }
    let healthy: Vec<String> = zones
        .iter()
        .map(|z| format!("{} {}", short_zone(&z.zone), z.targets_healthy))
        .collect();
    let with_healthy = zones.iter().filter(|z| z.targets_healthy > 0).count();
    let mut status = Status::Ok;
    let mut details = vec![format!("healthy targets: {}", healthy.join(" "))];
    if with_healthy == 0 {
        status = Status::Crit;
    } else if with_healthy == 1 && zones.len() > 1 {
        status = Status::Warn;
        details.push("every healthy target sits in one zone".into());
    }
    for (group, counts) in imbalanced_groups(f) {
        status = status.max(Status::Warn);
        let c: Vec<String> = counts
            .iter()
            .map(|(z, n)| format!("{} {n}", short_zone(z)))
            .collect();
        details.push(format!("{group} imbalanced: {}", c.join(" ")));
    }
    let headline = format!("{} AZs · healthy in {with_healthy}", zones.len());
    card(
        "Multi-DataCenter",
        Some(View::Zones),
        status,
        headline,
        details,
    )
}

/// `us-east-1a` → `1a`, for compact lists.
pub fn short_zone(zone: &str) -> &str {
    zone.rfind('-').map_or(zone, |p| &zone[p + 1..])
}

fn floating_ip(f: &Snapshot) -> Card {
    if f.elastic_ips.is_empty() {
        return card(
            "Floating IP",
            Some(View::ElasticIps),
            Status::Unknown,
            "no Elastic IPs".into(),
            vec![],
        );
    }
    let index = f.instance_index();
    let mut status = Status::Ok;
    let mut bound = Vec::new();
    let mut details = Vec::new();
    for a in &f.elastic_ips {
        let Some(id) = &a.instance_id else {
            status = status.max(Status::Warn);
            details.push(format!("{} is bound to nothing", a.public_ip));
            continue;
        };
        let instance = index.get(id.as_str());
        let name = instance.and_then(|i| i.name.as_deref()).unwrap_or("?");
        let worst = f
            .target_groups
            .iter()
            .flat_map(|g| g.targets.iter())
            .filter(|t| &t.target_id == id)
            .map(|t| t.state)
            .min_by_key(|s| s.severity_rank());
        let running = instance.is_some_and(|i| i.state == InstanceState::Running);
        let health = match (running, worst) {
            (false, _) => {
                status = Status::Crit;
                instance.map_or("gone", |i| i.state.as_str())
            }
            (true, Some(TargetHealthState::Healthy)) => "healthy",
            (true, Some(s)) => {
                status = Status::Crit;
                s.as_str()
            }
            (true, None) => "running",
        };
        bound.push(format!("{} → {name} ({health})", a.public_ip));
    }
    let headline = bound
        .first()
        .cloned()
        .unwrap_or_else(|| "no address bound".into());
    details.extend(bound.into_iter().skip(1));
    card(
        "Floating IP",
        Some(View::ElasticIps),
        status,
        headline,
        details,
    )
}

/// A health-check path that only proves the web server answers.
pub fn looks_shallow(path: &str) -> bool {
    let p = path.to_ascii_lowercase();
    p == "/" || p.ends_with(".html") || p.ends_with(".htm") || p.ends_with(".txt") || p == "/index"
}

fn deep_health_check(f: &Snapshot) -> Card {
    if f.target_groups.is_empty() {
        return card(
            "Deep Health Check",
            Some(View::Targets),
            Status::Unknown,
            "no target groups".into(),
            vec![],
        );
    }
    let mut status = Status::Ok;
    let mut parts = Vec::new();
    let mut details = Vec::new();
    for g in &f.target_groups {
        let path = g.health_check.path.as_deref().unwrap_or("/");
        let depth = if looks_shallow(path) {
            "shallow"
        } else {
            "deep"
        };
        parts.push(format!("{} {path} ({depth})", g.name));
        let failing = g.count(TargetHealthState::Unhealthy);
        if failing > 1 && failing == g.targets.len() {
            status = Status::Crit;
            details.push(format!(
                "{}: every target failing at once: a shared dependency is down?",
                g.name
            ));
        }
    }
    card(
        "Deep Health Check",
        Some(View::Targets),
        status,
        parts.join(" · "),
        details,
    )
}

fn scale_out(f: &Snapshot) -> Card {
    if f.auto_scaling_groups.is_empty() {
        return card(
            "Scale Out",
            Some(View::Capacity),
            Status::Unknown,
            "no Auto Scaling groups".into(),
            vec![],
        );
    }
    let mut status = Status::Ok;
    let mut parts = Vec::new();
    let mut details = Vec::new();
    for g in &f.auto_scaling_groups {
        let in_service = g.count(&LifecycleState::InService);
        let cpu = f
            .metrics
            .iter()
            .find(|m| m.auto_scaling_group == g.name)
            .and_then(|m| m.latest())
            .map_or(String::new(), |v| format!(" · CPU {v:.0}%"));
        parts.push(format!(
            "{} {in_service}/{} in service ({}..{}){cpu}",
            g.name, g.desired, g.min, g.max
        ));
        if (in_service as u32) < g.min {
            status = Status::Crit;
            details.push(format!("{}: fewer in service than min", g.name));
        } else if g.desired >= g.max {
            status = status.max(Status::Warn);
            details.push(format!("{}: at max, cannot scale out", g.name));
        }
    }
    for a in f
        .alarms
        .iter()
        .filter(|a| a.state == crate::model::AlarmState::Alarm)
    {
        status = status.max(Status::Warn);
        details.push(format!("alarm {} in ALARM", a.name));
    }
    card(
        "Scale Out",
        Some(View::Capacity),
        status,
        parts.join(" · "),
        details,
    )
}

fn clone_server(state: &AppState) -> Card {
    let f = &state.fleet;
    let Some(newest) = f.images.iter().max_by_key(|i| i.created_at) else {
        return card(
            "Clone Server",
            None,
            Status::Warn,
            "no images of this account".into(),
            vec![],
        );
    };
    let age = crate::ui::age_text(state.clock - newest.created_at);
    let status = match newest.state {
        ImageState::Available => Status::Ok,
        ImageState::Pending => Status::Ok,
        _ => Status::Warn,
    };
    let headline = format!(
        "newest {} {age} ago ({})",
        newest.name,
        newest.state.as_str()
    );
    card(
        "Clone Server",
        None,
        status,
        headline,
        vec![format!("{} images", f.images.len())],
    )
}

fn nfs(f: &Snapshot, pattern: &'static str, role: &str, client_role: &str) -> Card {
    let tagged = |r: &str| {
        f.instances
            .iter()
            .filter(|i| i.tags.get(crate::model::ROLE_TAG).is_some_and(|v| v == r))
            .filter(|i| i.state != InstanceState::Terminated)
            .count()
    };
    let n = tagged(role);
    if n == 0 {
        return card(
            pattern,
            None,
            Status::Unknown,
            format!("no instance tagged patrol:role={role}"),
            vec![],
        );
    }
    let mut headline = format!("{n} tagged {role}");
    if !client_role.is_empty() {
        headline.push_str(&format!(", {} {client_role}", tagged(client_role)));
    }
    card(pattern, None, Status::Ok, headline, vec![])
}
