//! Which view shows a pattern's resources (where Enter on an Overview card goes), and which
//! sources its check reads (a check never runs on a fleet that is only half read).

use super::{AppState, View};
use crate::cloud::Source;
use crate::patterns::Pattern;
use std::collections::HashSet;

/// The view that shows a pattern's resources.
pub fn view_of(pattern: Pattern) -> View {
    match pattern {
        Pattern::MultiServer => View::Targets,
        Pattern::DeepHealthCheck => View::Health,
        Pattern::MultiDataCenter => View::Zones,
        Pattern::FloatingIp => View::ElasticIps,
        Pattern::ScaleOut => View::Capacity,
        Pattern::CloneServer => View::Images,
        Pattern::NfsSharing | Pattern::NfsReplica => View::Nfs,
    }
}

/// The sources a pattern's check reads. Until each has answered once, the check would judge
/// a fleet it has only half seen (alarms not read yet looks like "no alarm"), so it waits.
pub fn sources_of(pattern: Pattern) -> &'static [Source] {
    use Source::*;
    match pattern {
        Pattern::MultiServer => &[TargetGroups, Instances],
        Pattern::DeepHealthCheck => &[TargetGroups, Instances, Probes],
        Pattern::MultiDataCenter => &[AutoScaling, TargetGroups, Instances, LoadBalancers],
        Pattern::FloatingIp => &[ElasticIps, Instances, TargetGroups],
        Pattern::ScaleOut => &[AutoScaling, Alarms, Metrics],
        Pattern::CloneServer => &[Images, Instances, TargetGroups, AutoScaling],
        Pattern::NfsSharing => &[Instances, Metrics],
        Pattern::NfsReplica => &[Instances],
    }
}

/// Sources that contradict each other: one names an instance the instance list does not
/// have. One of the two is behind (an instance launched or gone since the older read), so
/// a verdict on both would be wrong either way: it waits for the older one to catch up.
/// Each: the source that names the instance, the instance, and the source that is behind.
pub fn contradictions(state: &AppState) -> Vec<(Source, String, Source)> {
    let fleet = &state.fleet;
    let known: HashSet<&str> = fleet.instances.iter().map(|i| i.id.as_str()).collect();
    let missing = |ids: &mut dyn Iterator<Item = &str>| -> Option<String> {
        let mut ids = ids.filter(|id| id.starts_with("i-") && !known.contains(id));
        ids.next().map(str::to_string)
    };
    let named: [(Source, Option<String>); 3] = [
        (
            Source::ElasticIps,
            missing(
                &mut fleet
                    .elastic_ips
                    .iter()
                    .filter_map(|a| a.instance_id.as_deref()),
            ),
        ),
        (
            Source::TargetGroups,
            missing(
                &mut fleet
                    .target_groups
                    .iter()
                    .flat_map(|g| g.targets.iter().map(|t| t.target_id.as_str())),
            ),
        ),
        (
            Source::AutoScaling,
            missing(
                &mut fleet
                    .auto_scaling_groups
                    .iter()
                    .flat_map(|g| g.instances.iter().map(|i| i.instance_id.as_str())),
            ),
        ),
    ];
    let instances_read = state.source(Source::Instances).fetched_at;
    let failing = |s: Source| state.source(s).error.is_some();
    named
        .into_iter()
        .filter_map(|(source, id)| {
            let id = id?;
            let read = state.source(source).fetched_at;
            // The older read is the one behind; a failing source is behind whatever its age.
            let behind =
                if failing(Source::Instances) || (!failing(source) && instances_read < read) {
                    Source::Instances
                } else if failing(source) || read < instances_read {
                    source
                } else {
                    // Read at the same moment: the reference is really missing; judge it.
                    return None;
                };
            Some((source, id, behind))
        })
        .collect()
}

/// Why a pattern reading `sources` cannot be judged for contradicting sources, if so.
pub fn contradiction(found: &[(Source, String, Source)], sources: &[Source]) -> Option<String> {
    if !sources.contains(&Source::Instances) {
        return None;
    }
    found
        .iter()
        .find(|(source, _, _)| sources.contains(source))
        .map(|(source, id, behind)| {
            format!(
                "inconsistent: {} names {id}, which instances does not list; waiting for {}",
                source.name(),
                behind.name()
            )
        })
}
