//! Opening a world, at start and when the operator switches: the simulator with a scenario,
//! or AWS with a profile, region and endpoint, with the config's targets applied.

use crate::cloud::aws::{AwsCloud, AwsOptions};
use crate::cloud::sim::{Scenario, SimCloud};
use crate::cloud::Cloud;
use crate::config::Config;
use crate::playback::Playback;
use crate::poll::Intervals;
use crate::probe::{ProbeSettings, Prober};
use anyhow::Context;
use chrono::Timelike;
use std::sync::Arc;

/// What the world switch asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WorldSpec {
    Simulator {
        scenario: String,
    },
    Aws {
        profile: Option<String>,
        region: Option<String>,
        endpoint_url: Option<String>,
    },
}

impl WorldSpec {
    /// The world in words, for the messages of a switch.
    pub fn describe(&self) -> String {
        match self {
            WorldSpec::Simulator { scenario } => format!("the simulator (scenario {scenario})"),
            WorldSpec::Aws {
                profile, region, ..
            } => format!(
                "AWS profile {} region {}",
                profile.as_deref().unwrap_or("(current)"),
                region.as_deref().unwrap_or("(the profile's)")
            ),
        }
    }
}

/// A world ready to show.
pub struct OpenWorld {
    pub cloud: Arc<dyn Cloud>,
    /// A world that plays a timeline (the simulator): its clock, narration and controls.
    pub playback: Option<Arc<dyn Playback>>,
    pub intervals: Intervals,
    /// Actions are refused (the flag, the config, or the target says so).
    pub read_only: bool,
    /// The production target's name, when the target is marked production.
    pub production: Option<String>,
    /// How its targets' health pages are probed.
    pub prober: Arc<Prober>,
}

/// Everything needed to open a world besides what the operator picks.
#[derive(Debug, Clone)]
pub struct Opener {
    pub config: Config,
    pub seed: u64,
    pub speed: f64,
    /// `--read-only` (or `read_only = true` in the config).
    pub read_only: bool,
    /// The deep health-check path (`--deep-path`, `[checks] deep_path`): probes also ask it
    /// of groups whose own check is shallow.
    pub deep_path: String,
}

impl Opener {
    /// The config's `[probe]`, with the deep path of the checks.
    fn probe_settings(&self) -> ProbeSettings {
        ProbeSettings {
            deep_path: Some(self.deep_path.clone()),
            ..self.config.probe.clone()
        }
    }

    /// Opens a world. AWS errors (no region, no credentials, a refused endpoint) come back
    /// as one line; nothing is half-open.
    pub async fn open(&self, spec: &WorldSpec) -> anyhow::Result<OpenWorld> {
        match spec {
            WorldSpec::Simulator { scenario } => {
                let scenario = Scenario::load(scenario)?;
                let start = chrono::Utc::now()
                    .with_nanosecond(0)
                    .context("trimming the clock to whole seconds")?;
                tracing::info!(scenario = %scenario.name, seed = self.seed, speed = self.speed, "simulated world");
                let sim = SimCloud::new(&scenario, self.seed, start, self.speed);
                // The simulated instances answer their health pages on loopback: probing is
                // on there, and reaches nothing else.
                let pages = (sim.serve_health_pages().await)
                    .context("cannot serve the simulated health pages on 127.0.0.1")?;
                let prober = Prober::via(pages, self.probe_settings());
                Ok(OpenWorld {
                    cloud: Arc::new(sim.clone()),
                    playback: Some(Arc::new(sim)),
                    intervals: self.config.intervals.scaled_for_speed(self.speed),
                    read_only: self.read_only,
                    production: None,
                    prober: Arc::new(prober),
                })
            }
            WorldSpec::Aws {
                profile,
                region,
                endpoint_url,
            } => {
                let target = profile.as_deref().and_then(|p| self.config.target(p));
                let options = AwsOptions {
                    // A target's own profile (none: the standard chain's), never its name.
                    profile: match target {
                        Some(t) => t.profile.clone(),
                        None => profile.clone(),
                    },
                    region: region
                        .clone()
                        .or_else(|| target.and_then(|t| t.region.clone())),
                    endpoint_url: endpoint_url
                        .clone()
                        .or_else(|| target.and_then(|t| t.endpoint_url.clone())),
                };
                let aws = AwsCloud::connect(&options).await?;
                tracing::info!(world = ?aws.world(), "AWS world");
                Ok(OpenWorld {
                    cloud: Arc::new(aws),
                    playback: None,
                    intervals: self.config.intervals.clone(),
                    read_only: self.read_only || target.is_some_and(|t| t.read_only),
                    production: target.filter(|t| t.production).map(|t| t.name.clone()),
                    prober: Arc::new(Prober::direct(self.probe_settings())),
                })
            }
        }
    }
}
