//! The detail pane (`d`, or Enter where Enter opens nothing else): everything patrol knows
//! of the selected row's resource, its tags, the full text of reasons and causes, and the
//! related resources one key away. It is built from the fleet at every frame, so it is as
//! live as the table under it.

use super::columns::Row;
use super::rows::{
    event_rows, finding_rows, health_rows, nfs_rows_of, target_key, zone_rows, Content, NfsRole,
    NfsRow,
};
use super::{AppState, ListState, View};
use crate::model::{age_text, Instance, Snapshot, Tags};
use chrono::{DateTime, Utc};

/// Which resource the pane shows: a row of a view, by its key.
#[derive(Debug, Clone, PartialEq)]
pub struct DetailState {
    pub view: View,
    pub key: String,
    /// Lines scrolled past.
    pub scroll: u16,
    /// The related resource Tab has moved to (Enter opens it).
    pub link: usize,
    /// The panes it was opened from, through links (Backspace goes back).
    pub back: Vec<(View, String)>,
}

/// One line of the pane.
#[derive(Debug, Clone, PartialEq)]
pub enum Line {
    /// A heading.
    Section(String),
    /// A field and its value.
    Field(String, String),
    /// Free text, wrapped to the pane's width.
    Text(String),
}

/// A related resource: where it is shown, and the key of its row there.
#[derive(Debug, Clone, PartialEq)]
pub struct Link {
    pub label: String,
    pub view: View,
    pub key: String,
}

/// The pane's content.
#[derive(Debug, Clone, PartialEq)]
pub struct Detail {
    pub title: String,
    pub lines: Vec<Line>,
    pub links: Vec<Link>,
    /// What `y` copies.
    pub copy_id: Option<String>,
}

impl Detail {
    fn new(title: impl Into<String>) -> Detail {
        Detail {
            title: title.into(),
            lines: Vec::new(),
            links: Vec::new(),
            copy_id: None,
        }
    }
    fn section(&mut self, title: &str) {
        self.lines.push(Line::Section(title.to_string()));
    }
    fn field(&mut self, label: &str, value: impl Into<String>) {
        let value = value.into();
        if !value.is_empty() {
            self.lines.push(Line::Field(label.to_string(), value));
        }
    }
    fn text(&mut self, text: impl Into<String>) {
        self.lines.push(Line::Text(text.into()));
    }
    fn tags(&mut self, tags: &Tags) {
        if tags.is_empty() {
            return;
        }
        self.section(&format!("Tags ({})", tags.len()));
        for (k, v) in tags {
            self.lines.push(Line::Field(k.clone(), v.clone()));
        }
    }
    fn link(&mut self, label: String, view: View, key: String) {
        let link = Link { label, view, key };
        if !self.links.contains(&link) {
            self.links.push(link);
        }
    }
}

/// When something happened, and how long ago.
fn when(t: DateTime<Utc>, now: DateTime<Utc>) -> String {
    format!(
        "{} ({} ago)",
        t.format("%Y-%m-%d %H:%M:%S UTC"),
        age_text(now - t)
    )
}

/// The pane for the current view's selected row (None for the Overview or no selection).
pub fn selected(state: &AppState) -> Option<DetailState> {
    if state.view == View::Overview {
        return None;
    }
    let rows = super::rows::listing(state);
    let at = super::rows::selected_index(state.list(), rows.len(), |k| rows.position(k))?;
    Some(DetailState {
        view: state.view,
        key: rows.key(at)?.to_string(),
        scroll: 0,
        link: 0,
        back: Vec::new(),
    })
}

/// The content for `d`: the resource, as the fleet shows it now.
pub fn of(state: &AppState, d: &DetailState) -> Detail {
    let all = ListState::default();
    let fleet = &state.fleet;
    let now = state.clock;
    // A resource the fleet holds by its key is looked up there; a row that is made of more
    // (a target left by an instance out for maintenance, a zone, a finding, an event) is
    // found among its view's rows.
    fn row<R: Row>(rows: Vec<R>, key: &str) -> Option<R> {
        rows.into_iter().find(|r| r.key() == key)
    }
    let found = match d.view {
        View::Targets => {
            let lookups = super::rows::lookups(state);
            super::rows::target_row_of(fleet, &lookups, &d.key).map(|r| target(fleet, &r, now))
        }
        View::Capacity => (fleet.auto_scaling_groups.iter())
            .find(|g| g.name == d.key)
            .map(|g| group(fleet, g, fleet.group_cpu(&g.name), now)),
        View::ElasticIps => (fleet.elastic_ips.iter())
            .find(|a| a.allocation_id == d.key)
            .map(|a| address(fleet, a, now)),
        View::Images => (fleet.images.iter())
            .find(|i| i.id == d.key)
            .map(|i| image(fleet, i, now)),
        View::Zones => row(zone_rows(fleet, &all), &d.key).map(|r| zone(fleet, &r.zone)),
        View::Patterns => {
            row(finding_rows(&state.patterns, &all), &d.key).map(|r| finding(state, &r))
        }
        View::Events => {
            row(event_rows(&state.events, &all), &d.key).map(|r| event(state, r.event, now))
        }
        View::Instances => (fleet.instances.iter()).find(|i| i.id == d.key).map(|i| {
            let mut detail = Detail::new(format!("Instance {}", i.label()));
            detail.copy_id = Some(i.id.clone());
            instance(&mut detail, fleet, i, now);
            detail
                .links
                .retain(|l| !(l.view == View::Instances && l.key == i.id));
            detail
        }),
        View::Nfs => {
            let roles = fleet.nfs();
            row(nfs_rows_of(fleet, &roles, &state.checks, &all), &d.key)
                .map(|r| nfs(state, &roles, &r, now))
        }
        View::Health => row(health_rows(fleet, &all), &d.key).map(|r| health(fleet, &r, now)),
        View::Fleet => (state.board.iter()).find(|r| r.name == d.key).map(board),
        View::Overview => None,
    };
    found.unwrap_or_else(|| {
        let mut gone = Detail::new(d.key.clone());
        gone.text(format!(
            "{} is no longer listed: the last refresh did not return it. Esc closes.",
            d.key
        ));
        gone
    })
}

/// An instance's fields, its tags, and links to where else it is shown.
fn instance(d: &mut Detail, s: &Snapshot, i: &Instance, now: DateTime<Utc>) {
    d.section(&format!("Instance {}", i.label()));
    d.field("id", &i.id);
    d.field("state", i.state.as_str());
    d.field("type", &i.instance_type);
    d.field("zone", &i.zone);
    d.field("subnet", &i.subnet_id);
    d.field("vpc", &i.vpc_id);
    d.field("private ip", i.private_ip.clone().unwrap_or_default());
    d.field("public ip", i.public_ip.clone().unwrap_or_default());
    d.field("launched", when(i.launched_at, now));
    if let Some(g) = &i.auto_scaling_group {
        let lifecycle = s
            .group_member(&i.id)
            .map_or(String::new(), |(_, l)| format!(" ({})", l.as_str()));
        d.field("group", format!("{g}{lifecycle}"));
        d.link(format!("group {g}"), View::Capacity, g.clone());
    }
    if let Some(note) = i.maintenance_note() {
        d.field(
            "maintenance",
            match note {
                Ok(n) => {
                    let left: Vec<String> =
                        n.targets.iter().map(|(t, p)| format!("{t}:{p}")).collect();
                    format!(
                        "out since {}; left {}{}",
                        when(n.since, now),
                        left.join(", "),
                        n.group
                            .as_ref()
                            .map_or(String::new(), |g| format!(" and {g}"))
                    )
                }
                Err(e) => format!("unreadable tag: {e}"),
            },
        );
    }
    d.tags(&i.tags);
    let registered: Vec<_> = (s.target_groups.iter())
        .flat_map(|g| g.targets.iter().map(move |t| (g, t)))
        .filter(|(_, t)| t.target_id == i.id)
        .collect();
    if !registered.is_empty() {
        d.section("Target health");
        for (g, t) in registered {
            let why = t.why().map_or(String::new(), |w| format!(" · {w}"));
            d.field(
                &format!("{}:{}", g.name, t.port),
                format!("{}{why}", t.state.as_str()),
            );
            d.link(
                format!("target {}:{} in {}", i.id, t.port, g.name),
                View::Targets,
                target_key(&g.arn, &i.id, t.port),
            );
        }
    }
    for a in s
        .elastic_ips
        .iter()
        .filter(|a| a.instance_id.as_deref() == Some(&i.id))
    {
        d.link(
            format!("address {} ({})", a.public_ip, a.allocation_id),
            View::ElasticIps,
            a.allocation_id.clone(),
        );
    }
    for img in s
        .images
        .iter()
        .filter(|m| m.source_instance_id.as_deref() == Some(&i.id))
    {
        d.link(
            format!("image {} ({})", img.name, img.id),
            View::Images,
            img.id.clone(),
        );
    }
    d.link(format!("zone {}", i.zone), View::Zones, i.zone.clone());
    d.link(
        format!("instance {}", i.label()),
        View::Instances,
        i.id.clone(),
    );
}

/// An NFS server or replica: its part in the patterns (clients, latency against the
/// limits, content against the source's), then the instance.
fn nfs(state: &AppState, nfs: &crate::model::Nfs, r: &NfsRow, now: DateTime<Utc>) -> Detail {
    let fleet = &state.fleet;
    let i = r.instance;
    let mut d = Detail::new(format!("NFS {} {}", r.role.as_str(), i.label()));
    d.copy_id = Some(i.id.clone());
    d.section("NFS");
    d.field(
        "role",
        match r.role {
            NfsRole::Active => "server: the clients mount it",
            NfsRole::Standby => "standby server: takes over when the server fails",
            NfsRole::Replica => "replica: serves its own copy of the content",
        },
    );
    let warn = state.checks.max_nfs_latency_ms;
    let latency = r.latency.map_or("not published".to_string(), |ms| {
        format!(
            "{ms:.1} ms now (warn above {warn:.0} ms, fail above {:.0} ms)",
            2.0 * warn
        )
    });
    d.field("latency", latency);
    if let Some(n) = r.clients {
        d.field(
            "clients",
            format!(
                "{n} (warn above {0}, fail above {1})",
                state.checks.max_nfs_clients,
                2 * state.checks.max_nfs_clients
            ),
        );
    }
    d.field("content", r.cell(super::columns::NfsCol::Content));
    if r.role == NfsRole::Standby {
        if let Content::Behind(..) | Content::NotCopied = r.content {
            d.text(
                "This standby does not hold the source's content: if it takes over, the \
                 clients read old files.",
            );
        }
    }
    if r.role == NfsRole::Replica {
        if let Some(source) = nfs.source {
            d.field("source", source.label());
            d.link(
                format!("source {}", source.label()),
                View::Nfs,
                source.id.clone(),
            );
        }
        if let Content::Behind(..) | Content::NotCopied = r.content {
            d.text(
                "A replica copies the content at boot and then at each resync: until then it \
                 serves what it has.",
            );
        }
    }
    if r.role == NfsRole::Active && !nfs.clients.is_empty() {
        d.section(&format!("Clients ({})", nfs.clients.len()));
        for c in &nfs.clients {
            d.field(&c.id, format!("{} · {}", c.state.as_str(), c.zone));
        }
    }
    for other in nfs.servers.iter().filter(|s| s.id != i.id) {
        d.link(
            format!("server {}", other.label()),
            View::Nfs,
            other.id.clone(),
        );
    }
    instance(&mut d, fleet, i, now);
    // The clients last: there may be many, and the links above are the ones to reach first.
    if r.role == NfsRole::Active {
        for c in &nfs.clients {
            d.link(
                format!("client {}", c.label()),
                View::Instances,
                c.id.clone(),
            );
        }
    }
    d
}

fn target(s: &Snapshot, r: &super::rows::TargetRow, now: DateTime<Utc>) -> Detail {
    let g = r.group;
    let mut d = Detail::new(format!("Target {}:{} in {}", r.target_id, r.port, g.name));
    d.copy_id = Some(r.target_id.to_string());
    d.section("Target");
    d.field("state", r.state_text());
    if let Some(t) = r.target {
        d.field("reason", t.reason.clone().unwrap_or_default());
        d.field("description", t.description.clone().unwrap_or_default());
    }
    if let Some(out) = r.out {
        d.field("out", out.words());
    }
    d.section(&format!("Target group {}", g.name));
    d.field("arn", &g.arn);
    d.field("protocol", format!("{}:{}", g.protocol, g.port));
    let hc = &g.health_check;
    d.field(
        "health check",
        format!(
            "{} {} on {} every {}s, timeout {}s, {} up / {} down",
            hc.protocol,
            hc.path.as_deref().unwrap_or("(no path)"),
            hc.port,
            hc.interval_seconds,
            hc.timeout_seconds,
            hc.healthy_threshold,
            hc.unhealthy_threshold
        ),
    );
    if let Some(delay) = g.deregistration_delay_seconds {
        d.field("deregistration", format!("{delay}s delay"));
    }
    let healthy = (g.targets.iter())
        .filter(|t| t.state == crate::model::TargetHealthState::Healthy)
        .count();
    d.field(
        "targets",
        format!("{healthy} of {} healthy", g.targets.len()),
    );
    for lb in s
        .load_balancers
        .iter()
        .filter(|l| g.load_balancer_arns.contains(&l.arn))
    {
        d.field("load balancer", format!("{} ({})", lb.name, lb.dns_name));
    }
    match r.instance {
        Some(i) => instance(&mut d, s, i, now),
        None => d.text(format!("{} is not among the instances read.", r.target_id)),
    }
    // Its own row is where the pane is: no link to it.
    let own = target_key(&g.arn, r.target_id, r.port);
    d.links.retain(|l| l.key != own);
    d
}

fn group(
    s: &Snapshot,
    g: &crate::model::AutoScalingGroup,
    cpu: Option<f64>,
    now: DateTime<Utc>,
) -> Detail {
    let mut d = Detail::new(format!("Auto Scaling group {}", g.name));
    d.copy_id = Some(g.name.clone());
    d.section("Capacity");
    d.field(
        "min / desired / max",
        format!("{} / {} / {}", g.min, g.desired, g.max),
    );
    let in_service = (g.instances.iter())
        .filter(|m| m.lifecycle == crate::model::LifecycleState::InService)
        .count();
    d.field("in service", in_service.to_string());
    d.field("zones", g.zones.join(", "));
    d.field(
        "health check",
        format!(
            "{}, grace {}s",
            g.health_check_type, g.health_check_grace_seconds
        ),
    );
    let tgs: Vec<&str> = (s.target_groups.iter())
        .filter(|t| g.target_group_arns.contains(&t.arn))
        .map(|t| t.name.as_str())
        .collect();
    d.field("target groups", tgs.join(", "));
    d.field(
        "cpu",
        cpu.map_or(String::new(), |c| format!("{c:.0}% (latest minute)")),
    );
    // Every alarm on the group (its AutoScalingGroupName dimension), each in full: the
    // CPU ones Scale Out compares, and any other (a status check count, a custom metric).
    for a in (s.alarms.iter()).filter(|a| a.auto_scaling_group.as_deref() == Some(&g.name)) {
        d.section(&format!("Alarm {}", a.name));
        d.field(
            "state",
            format!("{} since {}", a.state.as_str(), when(a.updated_at, now)),
        );
        d.field("metric", format!("{} {}", a.namespace, a.metric));
        d.field(
            "condition",
            format!("{} {}", a.comparison.symbol(), a.threshold_text()),
        );
        d.field(
            "scale out",
            if a.watches_group_cpu(&g.name) {
                "compared with the group's CPU by Scale Out"
            } else {
                "not a CPU alarm: Scale Out does not compare it"
            },
        );
        d.field("reason", a.state_reason.clone());
    }
    d.section(&format!("Instances ({})", g.instances.len()));
    let index = s.instance_index();
    for m in g.instances.iter() {
        let name = index
            .get(m.instance_id.as_str())
            .map_or(m.instance_id.clone(), |i| i.label());
        let health = if m.healthy { "healthy" } else { "unhealthy" };
        d.field(
            &name,
            format!("{} · {} · {health}", m.zone, m.lifecycle.as_str()),
        );
        for tg in s
            .target_groups
            .iter()
            .filter(|t| g.target_group_arns.contains(&t.arn))
        {
            if let Some(t) = tg.targets.iter().find(|t| t.target_id == m.instance_id) {
                d.link(
                    format!("{name} in {}", tg.name),
                    View::Targets,
                    target_key(&tg.arn, &m.instance_id, t.port),
                );
            }
        }
    }
    if !g.activities.is_empty() {
        d.section(&format!(
            "Scaling activities ({}, newest first)",
            g.activities.len()
        ));
        let mut activities: Vec<_> = g.activities.iter().collect();
        activities.sort_by_key(|a| std::cmp::Reverse(a.started_at));
        for a in activities {
            let ended = a.ended_at.map_or(String::new(), |t| {
                format!(", ended after {}", age_text(t - a.started_at))
            });
            d.text(format!(
                "{} · {} · started {}{ended}",
                a.status.as_str(),
                a.description,
                when(a.started_at, now)
            ));
            d.text(format!("  cause: {}", a.cause));
        }
    }
    d
}

fn address(s: &Snapshot, a: &crate::model::ElasticIp, now: DateTime<Utc>) -> Detail {
    let mut d = Detail::new(format!("Elastic IP {}", a.public_ip));
    d.copy_id = Some(a.allocation_id.clone());
    d.section("Address");
    d.field("public ip", &a.public_ip);
    d.field("allocation id", &a.allocation_id);
    d.field(
        "association id",
        a.association_id.clone().unwrap_or_default(),
    );
    d.field("private ip", a.private_ip.clone().unwrap_or_default());
    d.tags(&a.tags);
    let bound = a
        .instance_id
        .as_ref()
        .and_then(|id| s.instances.iter().find(|i| &i.id == id));
    match (bound, &a.instance_id) {
        (Some(i), _) => instance(&mut d, s, i, now),
        (None, Some(id)) => d.text(format!(
            "Bound to {id}, which is not among the instances read."
        )),
        (None, None) => d.text("Not bound to any instance."),
    }
    d.links
        .retain(|l| !(l.view == View::ElasticIps && l.key == a.allocation_id));
    d
}

fn image(s: &Snapshot, img: &crate::model::Image, now: DateTime<Utc>) -> Detail {
    let mut d = Detail::new(format!("Image {}", img.name));
    d.copy_id = Some(img.id.clone());
    d.section("Image");
    d.field("id", &img.id);
    d.field("name", &img.name);
    d.field("state", img.state.as_str());
    d.field("created", when(img.created_at, now));
    d.field(
        "made from",
        img.source_instance_id.clone().unwrap_or_default(),
    );
    d.tags(&img.tags);
    let source = img
        .source_instance_id
        .as_ref()
        .and_then(|id| s.instances.iter().find(|i| &i.id == id));
    if let Some(i) = source {
        instance(&mut d, s, i, now);
    }
    d.links
        .retain(|l| !(l.view == View::Images && l.key == img.id));
    d
}

fn zone(s: &Snapshot, z: &crate::model::ZoneSummary) -> Detail {
    let mut d = Detail::new(format!("Availability Zone {}", z.zone));
    d.copy_id = Some(z.zone.clone());
    d.section("Zone");
    d.field(
        "instances",
        format!(
            "{} running, {} pending, {} out",
            z.instances_running, z.instances_pending, z.instances_out
        ),
    );
    d.field(
        "targets",
        format!(
            "{} healthy, {} unhealthy, {} other",
            z.targets_healthy, z.targets_unhealthy, z.targets_other
        ),
    );
    if let Some(g) = &z.worst_group_if_lost {
        let left = match z.healthy_if_lost {
            1 => "1 healthy target".to_string(),
            n => format!("{n} healthy targets"),
        };
        d.field("if it is lost", format!("{left} left in {g}"));
    }
    let here: Vec<&Instance> = s.instances.iter().filter(|i| i.zone == z.zone).collect();
    d.section(&format!("Instances in it ({})", here.len()));
    for i in here {
        d.field(
            &i.label(),
            format!("{} · {}", i.state.as_str(), i.instance_type),
        );
        for g in s.target_groups.iter() {
            if let Some(t) = g.targets.iter().find(|t| t.target_id == i.id) {
                d.link(
                    format!("{} in {}", i.label(), g.name),
                    View::Targets,
                    target_key(&g.arn, &i.id, t.port),
                );
            }
        }
    }
    d
}

/// Links to where each of a finding's (or an event's) resources is shown.
fn resource_links(d: &mut Detail, state: &AppState, preferred: View, resources: &[String]) {
    for r in resources {
        if let Some(found) = super::rows::locate(state, preferred, std::slice::from_ref(r)) {
            d.link(r.clone(), found.view, found.select);
        }
    }
}

fn finding(state: &AppState, r: &super::rows::FindingRow) -> Detail {
    let pattern = r.report.pattern;
    let mut d = Detail::new(format!("{} finding", pattern.name()));
    d.section(pattern.name());
    d.field("verdict", r.verdict().as_str());
    d.field("pattern", r.report.headline.clone());
    if let Some(stale) = &r.report.stale {
        d.field("stale", stale.clone());
    }
    d.section("Finding");
    d.text(r.reason());
    if let Some(f) = r.finding {
        d.field("resources", f.resources.join(" "));
        d.copy_id = Some(f.resources.join(" "));
        resource_links(&mut d, state, super::view_of(pattern), &f.resources);
    }
    d
}

fn event(state: &AppState, e: &crate::record::Event, now: DateTime<Utc>) -> Detail {
    let mut d = Detail::new(format!("Event: {} {}", e.kind.as_str(), e.resource));
    d.copy_id = Some(e.resource.clone());
    d.section("Event");
    d.field("at", when(e.at, now));
    d.field("kind", e.kind.as_str());
    d.field("resource", &e.resource);
    d.field("name", e.name.clone().unwrap_or_default());
    d.field("zone", e.zone.clone().unwrap_or_default());
    d.field("change", e.change());
    d.field("seen by", &e.origin);
    if !e.detail.is_empty() {
        d.section("Detail");
        d.text(&e.detail);
    }
    // `web-tg i-…:80` names a group and a target: each is a resource.
    let resources: Vec<String> = (e.resource.split_whitespace())
        .map(|t| t.split(':').next().unwrap_or(t).to_string())
        .collect();
    resource_links(&mut d, state, View::Targets, &resources);
    d
}

/// The widest a field's label column gets; longer labels (tag keys) wrap into the value.
const LABEL_MAX: usize = 26;

/// One line of the pane as drawn, at a width.
#[derive(Debug, Clone, PartialEq)]
pub enum Drawn {
    Blank,
    Heading(String),
    /// A label (empty on a continuation line) padded to the label column, and its value.
    Field(String, String),
    Text(String),
    /// A related resource: its number (1-9), whether Tab is on it, its label, its view.
    Link(Option<usize>, bool, String, View),
}

/// The pane's lines at `width` columns: values wrap under their value column, text wraps
/// at the width, links come last.
pub fn layout(d: &Detail, width: usize, cursor: usize) -> Vec<Drawn> {
    let width = width.max(20);
    let label_width = (d.lines.iter())
        .filter_map(|l| match l {
            Line::Field(label, _) => Some(label.chars().count()),
            _ => None,
        })
        .max()
        .unwrap_or(0)
        .min(LABEL_MAX);
    let mut out = Vec::new();
    for l in &d.lines {
        match l {
            Line::Section(title) => {
                if !out.is_empty() {
                    out.push(Drawn::Blank);
                }
                out.push(Drawn::Heading(title.clone()));
            }
            Line::Field(label, value) => {
                let room = width.saturating_sub(label_width + 2).max(10);
                let mut label = format!("{label:<label_width$}  ");
                for part in wrap(value, room) {
                    out.push(Drawn::Field(label.clone(), part));
                    label = " ".repeat(label_width + 2);
                }
            }
            Line::Text(text) => out.extend(wrap(text, width).into_iter().map(Drawn::Text)),
        }
    }
    if !d.links.is_empty() {
        out.push(Drawn::Blank);
        out.push(Drawn::Heading(
            "Related: 1-9, or Tab then Enter, opens one · Backspace goes back".into(),
        ));
        for (n, link) in d.links.iter().enumerate() {
            let number = (n < 9).then_some(n + 1);
            out.push(Drawn::Link(
                number,
                n == cursor,
                link.label.clone(),
                link.view,
            ));
        }
    }
    out
}

/// `text` in lines of at most `width` characters, broken at spaces where it can be.
pub(crate) fn wrap(text: &str, width: usize) -> Vec<String> {
    let mut lines = Vec::new();
    let mut line = String::new();
    for word in text.split(' ') {
        let mut word = word.to_string();
        while word.chars().count() > width {
            if !line.is_empty() {
                lines.push(std::mem::take(&mut line));
            }
            let head: String = word.chars().take(width).collect();
            word = word.chars().skip(width).collect();
            lines.push(head);
        }
        let len = line.chars().count();
        if len > 0 && len + 1 + word.chars().count() > width {
            lines.push(std::mem::take(&mut line));
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(&word);
    }
    if !line.is_empty() || lines.is_empty() {
        lines.push(line);
    }
    lines
}

/// A target in the Health view: ELB's verdict, each probe of its page in full (every
/// component the page reports, with its words), and what the comparison means.
fn health(s: &Snapshot, r: &super::rows::HealthRow, now: DateTime<Utc>) -> Detail {
    use crate::model::{Agreement, ProbeOutcome};
    let g = r.group;
    let t = &r.target;
    let id = &t.target.target_id;
    let mut d = Detail::new(format!("Health of {id}:{} in {}", t.target.port, g.name));
    d.copy_id = Some(id.clone());
    d.section("ELB's verdict");
    d.field("state", t.target.state.as_str());
    d.field("reason", t.target.why().unwrap_or_default());
    d.field(
        "its check",
        format!(
            "{} {} on {}",
            g.health_check.protocol,
            g.health_check.path.as_deref().unwrap_or("(no path)"),
            g.health_check.port
        ),
    );
    d.section("ELB vs probe");
    d.field("verdict", r.verdict());
    let failing: Vec<&str> = (t.deepest().into_iter())
        .flat_map(|p| p.failing.iter().map(|c| c.name.as_str()))
        .collect();
    d.text(match t.agreement() {
        Agreement::HiddenFailure => format!(
            "ELB's check ({}) passes, yet the page reports {}: the load balancer keeps \
             sending traffic to a server that can only fail. Point the group's check at the \
             deep page.",
            g.health_check.path.as_deref().unwrap_or("/"),
            if failing.is_empty() {
                "a failure".to_string()
            } else {
                format!("{} down", failing.join(", "))
            }
        ),
        Agreement::PathProblem => format!(
            "The page answers well from where patrol runs, but ELB's checks fail: the path \
             from the load balancer is the problem, not the server. Look at the target's \
             security group (does it admit the load balancer's on port {}?), the subnet's \
             network ACLs, and the port the group checks.",
            g.health_check.port
        ),
        Agreement::NotReachable => "patrol could not reach the page from here. That says \
             nothing of the target, only of the path from this machine to it."
            .into(),
        Agreement::NotProbed => "patrol did not probe this target; the reason is below. On \
             AWS, probing is off until [probe] in the config file enables it with the \
             address ranges it may reach (allow), or a per-group override."
            .into(),
        Agreement::NoVerdict => "ELB has no verdict to compare yet (initial, draining or \
             unused)."
            .into(),
        Agreement::Agree => "ELB and the page say the same.".into(),
    });
    for p in &t.probes {
        let res = p.result;
        d.section(&format!("Probe {}", res.path));
        if !matches!(res.outcome, ProbeOutcome::NotProbed { .. }) {
            d.field("sent to", format!("{} (Host {})", res.address, res.host));
            if res.tls {
                d.field(
                    "tls",
                    "HTTPS; the certificate is not verified (nor is it by ELB)",
                );
            }
        }
        d.field("at", when(res.at, now));
        d.field("says", p.words());
        match &res.outcome {
            ProbeOutcome::NotProbed { why } => d.field("not probed", why),
            ProbeOutcome::Unreachable { why } => d.field("unreachable", why),
            ProbeOutcome::Answered {
                status,
                latency_ms,
                location,
                report,
            } => {
                d.field("status", status.to_string());
                d.field("latency", format!("{latency_ms:.1} ms"));
                if let Some(to) = location {
                    d.field("redirect", format!("{to} (never followed)"));
                }
                d.field(
                    "body",
                    match report.format {
                        crate::model::ReportFormat::HealthJson => "health+json",
                        crate::model::ReportFormat::SpringActuator => "Spring Boot actuator",
                        crate::model::ReportFormat::NameMap => "name → state map",
                        crate::model::ReportFormat::Text => "not a health report",
                    },
                );
                if let Some(line) = &report.first_line {
                    d.field("first line", line);
                }
                for c in &report.components {
                    let detail = c
                        .detail
                        .as_deref()
                        .map_or(String::new(), |x| format!(" · {x}"));
                    d.field(
                        &c.name,
                        format!("{} ({}){detail}", c.state.as_str(), c.said),
                    );
                }
            }
        }
    }
    if let Some(i) = t.instance {
        instance(&mut d, s, i, now);
    }
    d
}

/// A watched target on the board: its world, each verdict, the counts and its error.
fn board(r: &super::rows::BoardRow) -> Detail {
    let mut d = Detail::new(format!("Target {}", r.name));
    d.copy_id = Some(r.name.clone());
    d.section("Target");
    d.field("name", &r.name);
    match &r.world {
        Some(w) => d.field("world", crate::ui::world_badge_text(w)),
        None => d.field("world", "not opened"),
    }
    d.field("error", r.error.clone().unwrap_or_default());
    d.section("Patterns");
    for (p, v, stale) in &r.verdicts {
        let word = v.map_or("not judged yet", |v| v.as_str());
        d.field(
            p.name(),
            format!("{word}{}", if *stale { " (stale data)" } else { "" }),
        );
    }
    d.section("Counts");
    d.field("unhealthy targets", r.unhealthy.to_string());
    d.field("groups at a limit", r.at_limit.to_string());
    d.field("floating IPs not serving", r.floating.to_string());
    d.field("AZs with no healthy target", r.dark_zones.to_string());
    d.text(if r.current {
        "This is the target on screen: Enter opens its Overview.".to_string()
    } else {
        "Enter (on the board) opens it; Esc or :fleet comes back here.".to_string()
    });
    d
}
