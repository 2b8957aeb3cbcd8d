//! The rows of the Fleet view: every watched target (account, region, profile), its eight
//! pattern verdicts, the counts that matter in an incident, how old its data is, and its
//! own error, so one account's expired credentials show on its row only.

use crate::app::columns::{BoardCol, Row, Tone};
use crate::app::table::arrange;
use crate::app::{AppState, Freshness, ListState, View};
use crate::cloud::Source;
use crate::model::{TargetHealthState, WorldInfo};
use crate::patterns::{Pattern, Verdict};
use chrono::Duration;

/// One watched target, as the board shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct BoardRow {
    pub name: String,
    /// Its world, once opened.
    pub world: Option<WorldInfo>,
    /// The target on screen when it is opened (the others keep refreshing, slower).
    pub current: bool,
    /// Each pattern's verdict (None: not judged yet) and whether it rests on stale data.
    pub verdicts: Vec<(Pattern, Option<Verdict>, bool)>,
    /// Targets ELB says are unhealthy (or unavailable), over every target group.
    pub unhealthy: usize,
    /// Auto Scaling groups at their max, or with fewer in service than their min.
    pub at_limit: usize,
    /// Floating Elastic IPs bound to nothing, or to an instance that is not serving.
    pub floating: usize,
    /// Zones with running instances and no healthy target.
    pub dark_zones: usize,
    /// How old its oldest data is, in its own world's clock.
    pub age: Option<Duration>,
    /// Why it cannot be read (or a source of it cannot): in words.
    pub error: Option<String>,
}

impl BoardRow {
    /// A target that could not be opened.
    pub fn failed(name: &str, error: String) -> BoardRow {
        BoardRow {
            name: name.to_string(),
            world: None,
            current: false,
            verdicts: Pattern::ALL.iter().map(|p| (*p, None, false)).collect(),
            unhealthy: 0,
            at_limit: 0,
            floating: 0,
            dark_zones: 0,
            age: None,
            error: Some(error),
        }
    }

    /// A target from its console state.
    pub fn of(name: &str, state: &AppState, current: bool) -> BoardRow {
        let fleet = &state.fleet;
        let verdicts = (Pattern::ALL.iter())
            .map(|p| {
                let report = state.patterns.iter().find(|r| r.pattern == *p);
                (
                    *p,
                    report.map(|r| r.verdict),
                    report.is_some_and(|r| r.stale.is_some()),
                )
            })
            .collect();
        let unhealthy = (fleet.target_groups.iter())
            .map(|g| {
                g.count(TargetHealthState::Unhealthy) + g.count(TargetHealthState::Unavailable)
            })
            .sum();
        let at_limit = (fleet.auto_scaling_groups.iter())
            .filter(|g| {
                let in_service = g.count(&crate::model::LifecycleState::InService) as u32;
                g.desired >= g.max || in_service < g.min
            })
            .count();
        let serving = |id: &str| {
            let running = fleet
                .instance(id)
                .is_some_and(|i| i.state == crate::model::InstanceState::Running);
            let failing = (fleet.target_groups.iter())
                .flat_map(|g| &g.targets)
                .any(|t| t.target_id == id && t.state == TargetHealthState::Unhealthy);
            running && !failing
        };
        let floating = (fleet.elastic_ips.iter())
            .filter(|a| a.tags.contains_key(crate::model::FLOATING_IP_TAG))
            .filter(|a| a.instance_id.as_deref().is_none_or(|id| !serving(id)))
            .count();
        // A zone the fleet spans (its groups, load balancers, instances) where no target is
        // healthy; only when there are targets at all.
        let targets = fleet.target_groups.iter().any(|g| !g.targets.is_empty());
        let dark_zones = (crate::model::zone_distribution(fleet).iter())
            .filter(|z| targets && z.targets_healthy == 0)
            .count();
        let mut age: Option<Duration> = None;
        let mut errors: Vec<String> = Vec::new();
        for s in Source::ALL {
            match state.freshness(s) {
                Freshness::Fresh { age: a } => age = Some(age.map_or(a, |b| b.max(a))),
                Freshness::Stale { age: a, error } => {
                    if let Some(a) = a {
                        age = Some(age.map_or(a, |b| b.max(a)));
                    }
                    if let Some(e) = error {
                        errors.push(format!("{}: {}", s.name(), e.kind.in_words()));
                    }
                }
                Freshness::Loading => {}
            }
        }
        BoardRow {
            name: name.to_string(),
            world: Some(state.world.clone()),
            current,
            verdicts,
            unhealthy,
            at_limit,
            floating,
            dark_zones,
            age,
            error: (!errors.is_empty()).then(|| errors.join("; ")),
        }
    }

    /// Its worst verdict (None: nothing judged yet); a target that cannot be read is unknown.
    pub fn worst(&self) -> Option<Verdict> {
        if self.world.is_none() {
            return Some(Verdict::Unknown);
        }
        self.verdicts.iter().filter_map(|(_, v, _)| *v).max()
    }

    fn verdict(&self, pattern: Pattern) -> (Option<Verdict>, bool) {
        (self.verdicts.iter())
            .find(|(p, _, _)| *p == pattern)
            .map_or((None, false), |(_, v, s)| (*v, *s))
    }

    fn pattern_of(c: BoardCol) -> Option<Pattern> {
        Some(match c {
            BoardCol::MultiServer => Pattern::MultiServer,
            BoardCol::MultiDataCenter => Pattern::MultiDataCenter,
            BoardCol::FloatingIp => Pattern::FloatingIp,
            BoardCol::DeepHealthCheck => Pattern::DeepHealthCheck,
            BoardCol::ScaleOut => Pattern::ScaleOut,
            BoardCol::CloneServer => Pattern::CloneServer,
            BoardCol::NfsSharing => Pattern::NfsSharing,
            BoardCol::NfsReplica => Pattern::NfsReplica,
            _ => return None,
        })
    }
}

/// What the world's badge says of its account, region and profile.
fn parts(world: &WorldInfo) -> (String, String, String) {
    match world {
        WorldInfo::Aws {
            account_id,
            region,
            profile,
            ..
        } => (
            account_id.clone().unwrap_or_default(),
            region.clone(),
            profile.clone().unwrap_or_default(),
        ),
        WorldInfo::Simulated {
            scenario, region, ..
        } => (format!("sim {scenario}"), region.clone(), String::new()),
        WorldInfo::Replay { from, .. } => parts(from),
    }
}

impl Row for BoardRow {
    type Col = BoardCol;

    fn key(&self) -> String {
        self.name.clone()
    }

    fn cell(&self, c: BoardCol) -> String {
        let (account, region, profile) = self.world.as_ref().map_or_else(Default::default, parts);
        let count = |n: usize| {
            if self.world.is_some() {
                n.to_string()
            } else {
                String::new()
            }
        };
        if let Some(p) = BoardRow::pattern_of(c) {
            return match self.verdict(p) {
                (Some(v), true) => format!("stale {}", v.as_str()),
                (Some(v), false) => v.as_str().to_string(),
                (None, _) => "?".into(),
            };
        }
        match c {
            BoardCol::Target => self.name.clone(),
            BoardCol::Account => account,
            BoardCol::Region => region,
            BoardCol::Profile => profile,
            BoardCol::Unhealthy => count(self.unhealthy),
            BoardCol::AtLimit => count(self.at_limit),
            BoardCol::Floating => count(self.floating),
            BoardCol::DarkZones => count(self.dark_zones),
            BoardCol::Age => self.age.map_or(String::new(), crate::model::age_text),
            BoardCol::Error => self.error.clone().unwrap_or_default(),
            _ => String::new(),
        }
    }

    /// A pattern's verdict as one mark: ● pass, ▲ warn, ✖ fail, ? unknown, · n/a; ◌ stale.
    fn shown(&self, c: BoardCol, _now: chrono::DateTime<chrono::Utc>) -> String {
        match BoardRow::pattern_of(c) {
            Some(p) => match self.verdict(p) {
                (Some(_), true) => "◌".into(),
                (Some(Verdict::Pass), _) => "●".into(),
                (Some(Verdict::Warn), _) => "▲".into(),
                (Some(Verdict::Fail), _) => "✖".into(),
                (Some(Verdict::NotApplicable), _) => "·".into(),
                (Some(Verdict::Unknown) | None, _) => "?".into(),
            },
            None if c == BoardCol::Target && self.current => format!("▸{}", self.name),
            None => self.cell(c),
        }
    }

    fn tone(&self, c: BoardCol) -> Tone {
        if let Some(p) = BoardRow::pattern_of(c) {
            return match self.verdict(p) {
                (Some(_), true) => Tone::Stale,
                (Some(v), false) => Tone::of_verdict(v),
                (None, _) => Tone::Stale,
            };
        }
        let bad = |n: usize| if n > 0 { Tone::Crit } else { Tone::Plain };
        match c {
            BoardCol::Target => match self.worst() {
                Some(Verdict::Fail) => Tone::Crit,
                Some(Verdict::Warn) => Tone::Warn,
                _ => Tone::Title,
            },
            BoardCol::Unhealthy => bad(self.unhealthy),
            BoardCol::AtLimit => Tone::warn_if(self.at_limit > 0),
            BoardCol::Floating => bad(self.floating),
            BoardCol::DarkZones => bad(self.dark_zones),
            BoardCol::Error => Tone::Crit,
            BoardCol::Age => Tone::Muted,
            _ => Tone::Plain,
        }
    }
}

/// The board's rows: failing targets first, then warning, then the rest, each by name;
/// then as filtered and sorted.
pub fn board_rows(board: &[BoardRow], list: &ListState) -> Vec<BoardRow> {
    let mut rows: Vec<BoardRow> = board.to_vec();
    rows.sort_by_key(|r| (std::cmp::Reverse(r.worst()), r.name.clone()));
    arrange(rows, View::Fleet, list)
}
