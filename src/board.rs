//! Many worlds at once: which targets to watch (`--targets`, the config's `[targets.NAME]`,
//! the cross product `--profile p1,p2 --region r1,r2`), and each one opened, read and
//! checked on its own, so that a slow or broken one never holds the others back.

use crate::cloud::aws::AwsOptions;
use crate::config::Config;
use crate::model::{Snapshot, WorldInfo};
use crate::patterns::{Report, Settings, Verdict};
use crate::world::{Opener, WorldSpec};
use std::time::Duration;

/// Targets opened and read at once (each one's own calls are bounded as always, eight in
/// flight): enough that ten targets take about as long as the slowest of them.
pub const CONCURRENCY: usize = 16;
/// A target that has not opened and been read within this is reported as not answering.
pub const TARGET_TIMEOUT: Duration = Duration::from_secs(90);

/// One world to watch: its name on the board, and how to open it (or why it cannot be).
#[derive(Debug, Clone, PartialEq)]
pub struct Watched {
    pub name: String,
    pub world: Result<WorldSpec, String>,
    /// A simulated target's own seed and speed.
    pub seed: Option<u64>,
    pub speed: Option<f64>,
}

/// A comma-separated flag's values, trimmed, empty ones dropped.
fn list(value: Option<&str>) -> Vec<String> {
    (value.unwrap_or_default().split(','))
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .map(str::to_string)
        .collect()
}

/// Whether the flags name more than one world: `--targets`, or a list of profiles or
/// regions.
pub fn wanted(targets: &[String], aws: Option<&AwsOptions>) -> bool {
    let many = |v: Option<&String>| v.is_some_and(|v| v.contains(','));
    !targets.is_empty() || aws.is_some_and(|o| many(o.profile.as_ref()) || many(o.region.as_ref()))
}

/// The worlds the flags name: each of `targets` (`all`: every configured one, by name),
/// then every profile × region of the AWS flags. An unknown target is kept, with why, so it
/// shows on its own row; a name that is both a target and one of the profiles is refused
/// (it could mean either).
pub fn watch_list(
    config: &Config,
    targets: &[String],
    aws: Option<&AwsOptions>,
) -> Result<Vec<Watched>, String> {
    let mut out: Vec<Watched> = Vec::new();
    let mut push = |w: Watched| {
        if !out.iter().any(|o| o.name == w.name) {
            out.push(w);
        }
    };
    for name in targets {
        if name == "all" {
            if config.targets.is_empty() {
                return Err("--targets all: the config file names no [targets.NAME]".into());
            }
            for t in config.targets.values() {
                push(of_target(t));
            }
            continue;
        }
        push(match config.targets.get(name) {
            Some(t) => of_target(t),
            None => Watched {
                name: name.clone(),
                world: Err(format!(
                    "no target {name:?} in the config file (known: {})",
                    known(config)
                )),
                seed: None,
                speed: None,
            },
        });
    }
    let Some(o) = aws else {
        return Ok(out);
    };
    let profiles = list(o.profile.as_deref());
    let regions = list(o.region.as_deref());
    // `--targets` with `--aws` alone adds no world of its own.
    if profiles.is_empty() && regions.is_empty() && !targets.is_empty() {
        return Ok(out);
    }
    for p in &profiles {
        if config.targets.contains_key(p) {
            return Err(format!(
                "{p:?} is both a target in the config file and a profile in --profile: name \
                 the target with --targets {p}, or rename one of them"
            ));
        }
    }
    let profiles: Vec<Option<String>> = match profiles.is_empty() {
        true => vec![None],
        false => profiles.into_iter().map(Some).collect(),
    };
    let regions: Vec<Option<String>> = match regions.is_empty() {
        true => vec![None],
        false => regions.into_iter().map(Some).collect(),
    };
    for p in &profiles {
        for r in &regions {
            let world = WorldSpec::Aws {
                profile: p.clone(),
                region: r.clone(),
                endpoint_url: o.endpoint_url.clone(),
            };
            push(Watched {
                name: name_of(&world, None),
                world: Ok(world),
                seed: None,
                speed: None,
            });
        }
    }
    Ok(out)
}

fn known(config: &Config) -> String {
    match config.targets.keys().cloned().collect::<Vec<_>>() {
        names if names.is_empty() => "none".into(),
        names => names.join(", "),
    }
}

/// A configured target as a world: the simulator with its scenario, or AWS by its name
/// (opening it applies its profile, region and endpoint).
fn of_target(t: &crate::config::Target) -> Watched {
    let world = match &t.scenario {
        Some(scenario) => WorldSpec::Simulator {
            scenario: scenario.clone(),
        },
        None => WorldSpec::Aws {
            profile: Some(t.name.clone()),
            region: None,
            endpoint_url: None,
        },
    };
    Watched {
        name: t.name.clone(),
        world: Ok(world),
        seed: t.seed,
        speed: t.speed,
    }
}

impl Watched {
    /// The opener for this world: `base` with the target's own seed and speed.
    pub fn opener(&self, base: &Opener) -> Opener {
        Opener {
            seed: self.seed.unwrap_or(base.seed),
            speed: self.speed.unwrap_or(base.speed),
            ..base.clone()
        }
    }
}

/// One target read and checked, or why not.
#[derive(Debug)]
pub struct Checked {
    pub name: String,
    pub result: Result<(Snapshot, Vec<Report>), String>,
}

impl Checked {
    /// Its worst verdict; a target that could not be read is unknown.
    pub fn verdict(&self) -> Verdict {
        match &self.result {
            Ok((_, reports)) => crate::patterns::worst(reports),
            Err(_) => Verdict::Unknown,
        }
    }

    pub fn world(&self) -> Option<&WorldInfo> {
        self.result.as_ref().ok().map(|(s, _)| &s.world)
    }
}

/// Opens every target, reads each once (its probes too) and checks it, `CONCURRENCY` at a
/// time, in the list's order; `after` lets simulated time pass first. A target that fails
/// (credentials, an unknown profile or region, a dead endpoint, no answer within
/// `TARGET_TIMEOUT`) has its error, and the others their fleets.
///
/// Each target is a task of its own: reading a fleet of 1,000 instances is tens of
/// milliseconds of CPU (the answers' XML, the checks), and targets polled within one task
/// would take their turns on one core.
pub async fn check_all(
    watched: &[Watched],
    base: &Opener,
    checks: &Settings,
    after: Option<Duration>,
) -> Vec<Checked> {
    let limit = std::sync::Arc::new(tokio::sync::Semaphore::new(CONCURRENCY));
    let tasks: Vec<_> = (watched.iter())
        .map(|w| {
            let (w, opener, checks, limit) =
                (w.clone(), w.opener(base), checks.clone(), limit.clone());
            tokio::spawn(async move {
                let _turn = limit.acquire_owned().await;
                let read = check_one(&w, &opener, &checks, after);
                match tokio::time::timeout(TARGET_TIMEOUT, read).await {
                    Ok(r) => r,
                    Err(_) => Err(format!("no answer within {}s", TARGET_TIMEOUT.as_secs())),
                }
            })
        })
        .collect();
    let mut checked = Vec::with_capacity(tasks.len());
    for (w, task) in watched.iter().zip(tasks) {
        let result = match task.await {
            Ok(r) => r,
            // A bug in reading one target is that target's error, not the board's end.
            Err(e) => Err(format!("reading this target failed: {e}")),
        };
        checked.push(Checked {
            name: w.name.clone(),
            result,
        });
    }
    checked
}

/// One target opened (by `opener`), read once with its probes, and checked.
async fn check_one(
    w: &Watched,
    opener: &Opener,
    checks: &Settings,
    after: Option<Duration>,
) -> Result<(Snapshot, Vec<Report>), String> {
    let spec = w.world.clone()?;
    if after.is_some() && !matches!(spec, WorldSpec::Simulator { .. }) {
        return Err("--after lets simulated time pass: it does not apply to AWS".into());
    }
    let world = (opener.open(&spec).await).map_err(|e| format!("{e:#}"))?;
    if let (Some(sim), Some(d)) = (&world.playback, after) {
        sim.advance(d);
    }
    let mut snapshot = (crate::cloud::take_snapshot(world.cloud.as_ref()).await).map_err(|e| {
        let badge = crate::ui::world_badge_text(&world.cloud.world());
        format!("cannot read {badge}: {e}")
    })?;
    snapshot.probes = world
        .prober
        .probe(&snapshot, snapshot.taken_at)
        .await
        .into();
    let reports = crate::patterns::check(&snapshot, checks, snapshot.taken_at);
    Ok((snapshot, reports))
}

/// A world that has not opened within this is shown on its row as not answering.
pub const OPEN_TIMEOUT: Duration = Duration::from_secs(30);

/// Opens every target at once (`CONCURRENCY` at a time), each with `OPEN_TIMEOUT`: the
/// worlds in the list's order, or why each could not be opened.
pub async fn open_all(
    watched: &[Watched],
    base: &Opener,
) -> Vec<(String, Result<crate::world::OpenWorld, String>)> {
    use futures::stream::{self, StreamExt};
    stream::iter(watched)
        .map(|w| async move {
            let open = async {
                let spec = w.world.clone()?;
                (w.opener(base).open(&spec).await).map_err(|e| format!("{e:#}"))
            };
            let opened = match tokio::time::timeout(OPEN_TIMEOUT, open).await {
                Ok(r) => r,
                Err(_) => Err(format!("did not open within {}s", OPEN_TIMEOUT.as_secs())),
            };
            (w.name.clone(), opened)
        })
        .buffered(CONCURRENCY)
        .collect()
        .await
}

/// The name of a single world on the board: its target, profile, region or scenario.
pub fn name_of(spec: &WorldSpec, target: Option<&str>) -> String {
    if let Some(t) = target {
        return t.to_string();
    }
    match spec {
        WorldSpec::Simulator { scenario } => scenario.clone(),
        WorldSpec::Aws {
            profile, region, ..
        } => match (profile, region) {
            (Some(p), Some(r)) => format!("{p}/{r}"),
            (Some(p), None) => p.clone(),
            (None, Some(r)) => r.clone(),
            (None, None) => "aws".into(),
        },
    }
}
