//! Which view shows a pattern's resources: where Enter on an Overview card goes.

use super::View;
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
