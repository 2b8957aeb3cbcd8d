//! The rows of the Instances view: every instance with where it runs, what it belongs to,
//! its addresses and its health in each target group it serves.

use super::Lookups;
use crate::app::columns::{InstanceCol, Row, Tone};
use crate::app::table::arrange;
use crate::app::{ListState, View};
use crate::model::{Instance, InstanceState, LifecycleState, Snapshot, TargetHealthState};

/// One instance, joined with its group membership, addresses and target health.
#[derive(Debug, Clone)]
pub struct InstanceRow<'a> {
    pub instance: &'a Instance,
    /// Its lifecycle in its Auto Scaling group, if it is in one.
    pub lifecycle: Option<LifecycleState>,
    /// The Elastic IPs bound to it.
    pub addresses: Vec<&'a str>,
    /// Its state in each target group (and port) it is registered in, worst first.
    pub health: Vec<(&'a str, u16, TargetHealthState)>,
    /// Out for maintenance: the words the views use.
    pub out: Option<String>,
}

impl InstanceRow<'_> {
    fn worst(&self) -> Option<TargetHealthState> {
        self.health.first().map(|(_, _, s)| *s)
    }
}

impl Row for InstanceRow<'_> {
    type Col = InstanceCol;

    fn key(&self) -> String {
        self.instance.id.clone()
    }

    fn cell(&self, c: InstanceCol) -> String {
        let i = self.instance;
        match c {
            InstanceCol::Name => i.name.clone().unwrap_or_default(),
            InstanceCol::Instance => i.id.clone(),
            InstanceCol::State => match &self.out {
                Some(out) => format!("{} · {out}", i.state.as_str()),
                None => i.state.as_str().to_string(),
            },
            InstanceCol::Zone => i.zone.clone(),
            InstanceCol::Type => i.instance_type.clone(),
            InstanceCol::Group => match (&i.auto_scaling_group, &self.lifecycle) {
                (Some(g), Some(l)) if *l != LifecycleState::InService => {
                    format!("{g} ({})", l.as_str())
                }
                (Some(g), _) => g.clone(),
                (None, _) => String::new(),
            },
            InstanceCol::Role => i
                .tags
                .get(crate::model::ROLE_TAG)
                .cloned()
                .unwrap_or_default(),
            InstanceCol::Address => {
                let mut ips: Vec<&str> = self.addresses.clone();
                if ips.is_empty() {
                    ips.extend(i.public_ip.as_deref());
                }
                ips.join(" ")
            }
            InstanceCol::Health => (self.health.iter())
                .map(|(g, port, s)| format!("{g}:{port} {}", s.as_str()))
                .collect::<Vec<_>>()
                .join(" · "),
            InstanceCol::PrivateIp => i.private_ip.clone().unwrap_or_default(),
        }
    }

    fn tone(&self, c: InstanceCol) -> Tone {
        match c {
            InstanceCol::State => match self.instance.state {
                _ if self.out.is_some() => Tone::Info,
                InstanceState::Running => Tone::Ok,
                InstanceState::Pending | InstanceState::Stopping | InstanceState::ShuttingDown => {
                    Tone::Warn
                }
                InstanceState::Stopped | InstanceState::Terminated => Tone::Muted,
            },
            InstanceCol::Health => self.worst().map_or(Tone::Muted, Tone::of_target),
            _ => Tone::Plain,
        }
    }
}

/// Every instance: those in trouble first (by their worst target), then by name and id;
/// then as filtered and sorted.
pub fn instance_rows<'a>(
    fleet: &'a Snapshot,
    lookups: &Lookups,
    list: &ListState,
) -> Vec<InstanceRow<'a>> {
    let mut rows: Vec<InstanceRow> = (fleet.instances.iter())
        .map(|i| instance_row(fleet, lookups, i))
        .collect();
    rows.sort_by(|a, b| {
        // Lower ranks are worse; an instance no target group has comes after the healthy.
        let rank = |r: &InstanceRow| r.worst().map_or(u8::MAX, |s| s.severity_rank());
        (rank(a), &a.instance.name, &a.instance.id).cmp(&(
            rank(b),
            &b.instance.name,
            &b.instance.id,
        ))
    });
    arrange(rows, View::Instances, list)
}

/// The row of instance `id` alone (a row's key is its instance id).
pub fn instance_row_of<'a>(
    fleet: &'a Snapshot,
    lookups: &Lookups,
    id: &str,
) -> Option<InstanceRow<'a>> {
    Some(instance_row(fleet, lookups, lookups.instance(fleet, id)?))
}

/// One instance's row, joined by `lookups` (made from `fleet`).
fn instance_row<'a>(fleet: &'a Snapshot, lookups: &Lookups, i: &'a Instance) -> InstanceRow<'a> {
    let links = lookups.links(fleet, &i.id);
    let mut health: Vec<(&str, u16, TargetHealthState)> = (links.iter())
        .flat_map(|l| l.targets.iter())
        .map(|(g, t)| {
            let g = &fleet.target_groups[*g as usize];
            let t = &g.targets[*t as usize];
            (g.name.as_str(), t.port, t.state)
        })
        .collect();
    health.sort_by_key(|(g, port, s)| (s.severity_rank(), *g, *port));
    let lifecycle = (links.and_then(|l| l.member)).map(|(g, m)| {
        fleet.auto_scaling_groups[g as usize].instances[m as usize]
            .lifecycle
            .clone()
    });
    let addresses = (links.iter())
        .flat_map(|l| l.addresses.iter())
        .map(|a| fleet.elastic_ips[*a as usize].public_ip.as_str())
        .collect();
    let out = (lookups.outs.iter())
        .find(|o| o.instance_id == i.id)
        .map(|o| o.words(fleet.taken_at));
    InstanceRow {
        instance: i,
        lifecycle,
        addresses,
        health,
        out,
    }
}
