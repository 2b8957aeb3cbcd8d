//! Which view shows a pattern's resources (where Enter on an Overview card goes), and which
//! sources its check reads (a check never runs on a fleet that is only half read).

use super::View;
use crate::cloud::Source;
use crate::patterns::Pattern;

/// The view that shows a pattern's resources.
pub fn view_of(pattern: Pattern) -> View {
    match pattern {
        Pattern::MultiServer | Pattern::DeepHealthCheck => View::Targets,
        Pattern::MultiDataCenter => View::Zones,
        Pattern::FloatingIp => View::ElasticIps,
        Pattern::ScaleOut => View::Capacity,
        Pattern::CloneServer => View::Images,
        Pattern::NfsSharing | Pattern::NfsReplica => View::Patterns,
    }
}

/// The sources a pattern's check reads. Until each has answered once, the check would judge
/// a fleet it has only half seen (alarms not read yet looks like "no alarm"), so it waits.
pub fn sources_of(pattern: Pattern) -> &'static [Source] {
    use Source::*;
    match pattern {
        Pattern::MultiServer | Pattern::DeepHealthCheck => &[TargetGroups, Instances],
        Pattern::MultiDataCenter => &[AutoScaling, TargetGroups, Instances, LoadBalancers],
        Pattern::FloatingIp => &[ElasticIps, Instances, TargetGroups],
        Pattern::ScaleOut => &[AutoScaling, Alarms, Metrics],
        Pattern::CloneServer => &[Images, Instances, TargetGroups, AutoScaling],
        Pattern::NfsSharing => &[Instances, Metrics],
        Pattern::NfsReplica => &[Instances],
    }
}
