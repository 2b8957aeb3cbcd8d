//! The Overview's cards: one per pattern, read off the pattern checks of the current fleet.

use super::{AppState, View};
use crate::patterns::{Pattern, Verdict};

/// One Overview card.
#[derive(Debug, Clone, PartialEq)]
pub struct Card {
    pub pattern: Pattern,
    pub headline: String,
    /// The findings, worst first, each with its verdict.
    pub details: Vec<(Verdict, String)>,
    pub verdict: Verdict,
    /// The view Enter opens from this card.
    pub view: View,
}

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

/// The eight cards, in the order of the pattern catalogue.
pub fn overview_cards(state: &AppState) -> Vec<Card> {
    state
        .patterns
        .iter()
        .map(|r| Card {
            pattern: r.pattern,
            headline: r.headline.clone(),
            details: r
                .findings
                .iter()
                .map(|f| (f.verdict, f.reason.clone()))
                .collect(),
            verdict: r.verdict,
            view: view_of(r.pattern),
        })
        .collect()
}
