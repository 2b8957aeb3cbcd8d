//! The console's views: their order, titles and the sources each draws from.

use crate::cloud::Source;

/// The views, in tab order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum View {
    Overview,
    Targets,
    Capacity,
    ElasticIps,
    Zones,
    Images,
    Patterns,
    Events,
    Instances,
    Nfs,
    Health,
    /// Every watched target at once (the board).
    Fleet,
}

impl View {
    pub const ALL: [View; 12] = [
        View::Overview,
        View::Targets,
        View::Capacity,
        View::ElasticIps,
        View::Zones,
        View::Images,
        View::Patterns,
        View::Events,
        View::Instances,
        View::Nfs,
        View::Health,
        View::Fleet,
    ];

    /// The view's title in the tab bar.
    pub fn title(self) -> &'static str {
        match self {
            View::Overview => "Overview",
            View::Targets => "Targets",
            View::Capacity => "Capacity",
            View::ElasticIps => "Elastic IPs",
            View::Zones => "Zones",
            View::Images => "Images",
            View::Patterns => "Patterns",
            View::Events => "Events",
            View::Instances => "Instances",
            View::Nfs => "NFS",
            View::Health => "Health",
            View::Fleet => "Fleet",
        }
    }

    /// A shorter title for narrow terminals.
    pub fn short_title(self) -> &'static str {
        match self {
            View::ElasticIps => "EIPs",
            v => v.title(),
        }
    }

    pub(crate) fn index(self) -> usize {
        self as usize
    }

    /// The sources a view draws from, for its freshness line.
    pub fn sources(self) -> &'static [Source] {
        match self {
            View::Overview => &Source::ALL,
            View::Targets => &[Source::TargetGroups, Source::Instances],
            View::Capacity => &[Source::AutoScaling, Source::Metrics, Source::Alarms],
            View::ElasticIps => &[Source::ElasticIps, Source::Instances, Source::TargetGroups],
            View::Zones => &[Source::Instances, Source::TargetGroups, Source::AutoScaling],
            View::Images => &[Source::Images, Source::Instances],
            View::Instances => &[
                Source::Instances,
                Source::TargetGroups,
                Source::ElasticIps,
                Source::AutoScaling,
            ],
            View::Nfs => &[Source::Instances, Source::Metrics],
            View::Health => &[Source::TargetGroups, Source::Probes, Source::Instances],
            // Each row says its own age and error.
            View::Fleet => &[],
            View::Patterns | View::Events => &Source::ALL,
        }
    }
}
