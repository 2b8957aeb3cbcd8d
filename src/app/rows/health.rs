//! The rows of the Health view: every target, ELB's verdict beside patrol's probe of its
//! health page, the disagreements first within each group.

use super::target_key;
use crate::app::columns::{HealthCol, Row, Tone};
use crate::app::table::arrange;
use crate::app::{ListState, View};
use crate::model::{
    Agreement, GroupHealth, ProbeOutcome, ProbeResult, Says, Snapshot, TargetProbe,
};
use std::collections::HashMap;

/// One target of one group.
#[derive(Debug, Clone)]
pub struct HealthRow<'a> {
    pub group: &'a crate::model::TargetGroup,
    pub target: TargetProbe<'a>,
}

impl HealthRow<'_> {
    /// The comparison in words: the disagreement, or what both say.
    pub fn verdict(&self) -> String {
        let probe = self.target.deepest();
        match (self.target.agreement(), probe) {
            (Agreement::Agree, Some(p)) if p.says == Says::Fail => "agree: failing".into(),
            (Agreement::Agree, Some(p)) if p.says == Says::Warn => "agree: degraded".into(),
            (a, p) => a.words(p.map_or(&[][..], |p| &p.failing)),
        }
    }
}

impl Row for HealthRow<'_> {
    type Col = HealthCol;

    fn key(&self) -> String {
        target_key(
            &self.group.arn,
            &self.target.target.target_id,
            self.target.target.port,
        )
    }

    fn cell(&self, c: HealthCol) -> String {
        let t = &self.target;
        let probe = t.deepest();
        match c {
            HealthCol::Group => self.group.name.clone(),
            HealthCol::Target => t.target.target_id.clone(),
            HealthCol::Name => t.instance.and_then(|i| i.name.clone()).unwrap_or_default(),
            HealthCol::Zone => t.instance.map_or(String::new(), |i| i.zone.clone()),
            HealthCol::Elb => t.target.state.as_str().to_string(),
            HealthCol::Probe => probe.map_or("not probed".into(), |p| p.words()),
            HealthCol::Latency => match probe.map(|p| &p.result.outcome) {
                Some(ProbeOutcome::Answered { latency_ms, .. }) => format!("{latency_ms:.0} ms"),
                _ => String::new(),
            },
            HealthCol::Verdict => self.verdict(),
            HealthCol::Path => probe.map_or(String::new(), |p| p.result.path.clone()),
        }
    }

    fn tone(&self, c: HealthCol) -> Tone {
        let probe = self.target.deepest();
        match c {
            HealthCol::Elb => Tone::of_target(self.target.target.state),
            HealthCol::Probe => match probe.map(|p| p.says) {
                Some(Says::Pass) => Tone::Ok,
                Some(Says::Warn | Says::Unreachable) => Tone::Warn,
                Some(Says::Fail) => Tone::Crit,
                Some(Says::NotProbed) | None => Tone::Muted,
            },
            HealthCol::Verdict => match self.target.agreement() {
                Agreement::HiddenFailure => Tone::Crit,
                Agreement::PathProblem | Agreement::NotReachable => Tone::Warn,
                Agreement::NotProbed | Agreement::NoVerdict => Tone::Muted,
                Agreement::Agree => match probe.map(|p| p.says) {
                    Some(Says::Fail) => Tone::Crit,
                    Some(Says::Warn) => Tone::Warn,
                    _ => Tone::Ok,
                },
            },
            HealthCol::Group => Tone::Title,
            _ => Tone::Plain,
        }
    }

    fn copy_id(&self) -> Option<String> {
        Some(self.target.target.target_id.clone())
    }
}

/// Every target of every group, in the groups' order and, within each, disagreements
/// first; then as filtered and sorted.
pub fn health_rows<'a>(fleet: &'a Snapshot, list: &ListState) -> Vec<HealthRow<'a>> {
    health_rows_of(fleet.deep_health(), list)
}

/// The same, from the groups' deep health already read (a view that also draws it).
pub fn health_rows_of<'a>(groups: Vec<GroupHealth<'a>>, list: &ListState) -> Vec<HealthRow<'a>> {
    let mut rows: Vec<HealthRow> = Vec::new();
    for g in groups {
        let mut targets = g.targets;
        targets.sort_by(|a, b| {
            let name = |t: &TargetProbe| t.instance.and_then(|i| i.name.clone());
            (a.agreement(), name(a), &a.target.target_id).cmp(&(
                b.agreement(),
                name(b),
                &b.target.target_id,
            ))
        });
        rows.extend(targets.into_iter().map(|target| HealthRow {
            group: g.group,
            target,
        }));
    }
    arrange(rows, View::Health, list)
}

/// The probes of each target (positions in `fleet.probes`), by its row's key.
pub type ProbeIndex = HashMap<String, Vec<u32>>;

/// Where each target's probes are in `fleet.probes`.
pub fn probe_index(fleet: &Snapshot) -> ProbeIndex {
    let mut index = ProbeIndex::new();
    for (at, p) in fleet.probes.iter().enumerate() {
        let key = target_key(&p.target_group_arn, &p.target_id, p.port);
        index.entry(key).or_default().push(at as u32);
    }
    index
}

/// The row of `key` (a target's, `target_key`), made alone: a frame makes only the rows it
/// draws.
pub fn health_row_of<'a>(
    fleet: &'a Snapshot,
    lookups: &super::Lookups,
    probes: &ProbeIndex,
    key: &str,
) -> Option<HealthRow<'a>> {
    let (group, id, port) = super::resources::of_target_key(fleet, key)?;
    let t = (group.targets.iter()).find(|t| t.target_id == id && t.port == port)?;
    let of: Vec<&ProbeResult> = (probes.get(key).into_iter().flatten())
        .filter_map(|at| fleet.probes.get(*at as usize))
        .collect();
    Some(HealthRow {
        group,
        target: TargetProbe::of(group, t, lookups.instance(fleet, id), of),
    })
}
