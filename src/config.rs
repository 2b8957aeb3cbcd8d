//! The config file (`$XDG_CONFIG_HOME/patrol/config.toml` or `--config`): every setting
//! optional, checked before the terminal is touched, and layered as
//! defaults < file < environment (AWS_PROFILE, AWS_REGION) < flags.

use crate::cloud::Source;
use crate::duration::Span;
use crate::keymap::KeyMap;
use crate::poll::Intervals;
use crate::settings::{CheckSettings, SimulatorSettings};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The config file could not be used. The message names the file, the line and the key.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("config {origin}: {message}")]
pub struct ConfigError {
    pub origin: String,
    pub message: String,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    world: Option<String>,
    theme: Option<String>,
    mouse: Option<bool>,
    read_only: Option<bool>,
    simulator: Option<SimulatorSettings>,
    refresh: Option<BTreeMap<String, String>>,
    checks: Option<CheckSettings>,
    keys: Option<BTreeMap<String, OneOrMany>>,
    targets: Option<BTreeMap<String, TargetFile>>,
    record: Option<RecordFile>,
    probe: Option<ProbeFile>,
    board: Option<BoardFile>,
}

/// `[board]`: the targets watched on the board but not on screen.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct BoardFile {
    refresh: Option<String>,
}

/// `[probe]`: patrol's own requests to each target's health page (Deep Health Check).
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct ProbeFile {
    enabled: Option<bool>,
    allow: Option<Vec<String>>,
    timeout: Option<String>,
    concurrency: Option<usize>,
    overrides: Option<BTreeMap<String, String>>,
}

/// `[record]`: the console's recording of every session.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RecordFile {
    enabled: Option<bool>,
    dir: Option<PathBuf>,
    keep: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum OneOrMany {
    One(String),
    Many(Vec<String>),
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct TargetFile {
    profile: Option<String>,
    region: Option<String>,
    endpoint_url: Option<String>,
    scenario: Option<String>,
    seed: Option<u64>,
    speed: Option<f64>,
    #[serde(default)]
    production: bool,
    #[serde(default)]
    read_only: bool,
}

/// A named AWS account/region the operator switches between.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Target {
    pub name: String,
    pub profile: Option<String>,
    pub region: Option<String>,
    pub endpoint_url: Option<String>,
    /// A simulated world instead: its scenario, seed and speed.
    pub scenario: Option<String>,
    pub seed: Option<u64>,
    pub speed: Option<f64>,
    /// Actions need the target's name typed to confirm.
    pub production: bool,
    /// Actions are refused on this target.
    pub read_only: bool,
}

/// Which world the console opens on when no flag says.
#[derive(Debug, Clone, PartialEq, Default)]
pub enum DefaultWorld {
    #[default]
    Simulator,
    /// AWS with the standard chain.
    Aws,
    /// AWS with a named target.
    Target(String),
}

/// The settings of the config file, resolved; every field has its default.
#[derive(Debug, Clone, PartialEq)]
pub struct Config {
    /// Where it was read from, if a file was read.
    pub path: Option<PathBuf>,
    pub world: DefaultWorld,
    pub theme: Option<String>,
    pub mouse: bool,
    pub read_only: bool,
    pub simulator: SimulatorSettings,
    pub intervals: Intervals,
    pub checks: CheckSettings,
    pub keys: KeyMap,
    pub targets: BTreeMap<String, Target>,
    /// Where the console records its sessions; `None` when recording is off.
    pub record: Option<crate::record::RecordSettings>,
    /// How targets' health pages are probed on AWS (off unless enabled).
    pub probe: crate::probe::ProbeSettings,
    /// How often a target on the board but not on screen is read (`[board] refresh`).
    pub board_every: std::time::Duration,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            path: None,
            world: DefaultWorld::Simulator,
            theme: None,
            mouse: false,
            read_only: false,
            simulator: SimulatorSettings::default(),
            intervals: Intervals::default(),
            checks: CheckSettings::default(),
            keys: KeyMap::default(),
            targets: BTreeMap::new(),
            probe: crate::probe::ProbeSettings::default(),
            board_every: std::time::Duration::from_secs(30),
            record: Some(crate::record::RecordSettings {
                dir: crate::flight::recordings_dir(),
                keep: std::time::Duration::from_secs(7 * 86_400),
            }),
        }
    }
}

/// The default config file: `$XDG_CONFIG_HOME/patrol/config.toml`.
pub fn default_path() -> PathBuf {
    dirs::config_dir()
        .unwrap_or_else(|| PathBuf::from("."))
        .join("patrol")
        .join("config.toml")
}

impl Config {
    /// Reads `explicit` (which must exist) or the default file (which may be missing).
    pub fn load(explicit: Option<&Path>) -> Result<Config, ConfigError> {
        let path = explicit.map_or_else(default_path, Path::to_path_buf);
        let origin = path.display().to_string();
        match std::fs::read_to_string(&path) {
            Ok(text) => {
                let mut config = Config::parse(&origin, &text)?;
                config.path = Some(path);
                Ok(config)
            }
            Err(e) if explicit.is_none() && e.kind() == std::io::ErrorKind::NotFound => {
                Ok(Config::default())
            }
            Err(e) => Err(ConfigError {
                origin,
                message: format!("cannot read the file: {e}"),
            }),
        }
    }

    /// Parses and checks config text; `origin` names it in errors.
    pub fn parse(origin: &str, text: &str) -> Result<Config, ConfigError> {
        let err = |message: String| ConfigError {
            origin: origin.to_string(),
            message,
        };
        let file: File = toml::from_str(text).map_err(|e| {
            let key = e
                .span()
                .and_then(|s| key_at(text, s.start))
                .map_or(String::new(), |k| format!("{k}: "));
            err(format!("{key}{}", crate::toml_error(text, &e)))
        })?;
        // A bad value: name the line of its key.
        let at = |key: &str, message: String| {
            let line = line_of(text, key).map_or(String::new(), |l| format!("line {l}, "));
            err(format!("{line}{key}: {message}"))
        };
        let mut config = Config {
            mouse: file.mouse.unwrap_or(false),
            read_only: file.read_only.unwrap_or(false),
            theme: file.theme,
            ..Config::default()
        };
        if let Some(theme) = &config.theme {
            if theme.is_empty() {
                return Err(at("theme", "must name a theme".into()));
            }
        }
        for (name, t) in file.targets.unwrap_or_default() {
            let aws = t.profile.is_some() || t.region.is_some() || t.endpoint_url.is_some();
            let sim = t.scenario.is_some() || t.seed.is_some() || t.speed.is_some();
            if !aws && !sim {
                return Err(at(
                    &format!("targets.{name}"),
                    "a target needs a profile, a region or an endpoint_url (AWS), or a scenario \
                     (the simulator)"
                        .into(),
                ));
            }
            if aws && sim {
                return Err(at(
                    &format!("targets.{name}"),
                    "a target is AWS (profile, region, endpoint_url) or the simulator \
                     (scenario, seed, speed), not both"
                        .into(),
                ));
            }
            if let Some(speed) = t.speed {
                if !(0.1..=1000.0).contains(&speed) {
                    return Err(at(
                        &format!("targets.{name}.speed"),
                        format!("{speed} is outside 0.1 .. 1000"),
                    ));
                }
            }
            if let Some(url) = &t.endpoint_url {
                if !(url.starts_with("http://") || url.starts_with("https://")) {
                    return Err(at(
                        &format!("targets.{name}.endpoint_url"),
                        format!("{url:?} is not an http(s) URL"),
                    ));
                }
            }
            config.targets.insert(
                name.clone(),
                Target {
                    name,
                    profile: t.profile,
                    region: t.region,
                    endpoint_url: t.endpoint_url,
                    scenario: t.scenario.or_else(|| sim.then(|| "default".to_string())),
                    seed: t.seed,
                    speed: t.speed,
                    production: t.production,
                    read_only: t.read_only,
                },
            );
        }
        config.world =
            match file.world.as_deref() {
                None | Some("simulator") => DefaultWorld::Simulator,
                Some("aws") => DefaultWorld::Aws,
                Some(name) if config.targets.contains_key(name) => {
                    DefaultWorld::Target(name.into())
                }
                Some(other) => {
                    return Err(at(
                        "world",
                        format!(
                        "{other:?} is not \"simulator\", \"aws\" or a name under [targets] ({})",
                        config.targets.keys().cloned().collect::<Vec<_>>().join(", ")
                    ),
                    ))
                }
            };
        let record = file.record.unwrap_or_default();
        config.record = if record.enabled.unwrap_or(true) {
            let keep = match record.keep.as_deref() {
                None => std::time::Duration::from_secs(7 * 86_400),
                Some(text) => crate::duration::Span::parse_arg(text)
                    .map(|s| s.0)
                    .map_err(|e| at("record.keep", e))?,
            };
            // `~/` is the home folder, as the operator means it.
            let dir = record
                .dir
                .map(|d| match (d.strip_prefix("~"), dirs::home_dir()) {
                    (Ok(rest), Some(home)) => home.join(rest),
                    _ => d,
                });
            Some(crate::record::RecordSettings {
                dir: dir.unwrap_or_else(crate::flight::recordings_dir),
                keep,
            })
        } else {
            None
        };
        config.simulator = file.simulator.unwrap_or_default();
        for (name, value) in file.refresh.unwrap_or_default() {
            let key = format!("refresh.{name}");
            let Some(source) = Source::from_name(&name) else {
                return Err(at(
                    &key,
                    format!(
                        "unknown source; known: {}",
                        Source::ALL.map(|s| s.name()).join(", ")
                    ),
                ));
            };
            let span = Span::parse(&value)
                .ok_or_else(|| at(&key, format!("{value:?} is not a duration like 5s or 1m")))?;
            if span.secs() < 1 || span.secs() > 3600 {
                return Err(at(&key, format!("{value} is outside 1s..1h")));
            }
            config.intervals.set(source, span.0);
        }
        config.checks = file.checks.unwrap_or_default();
        if let Some(text) = file.board.and_then(|b| b.refresh) {
            config.board_every =
                duration_within(&text, 5..=3600, "5s..1h").map_err(|e| at("board.refresh", e))?;
        }
        if let Some(p) = file.probe {
            config.probe = Self::probe_settings(p, &at)?;
        }
        if let Some(path) = &config.checks.deep_path {
            crate::settings::check_path(path)
                .map_err(|why| at("checks.deep_path", format!("{path:?} {why}")))?;
        }
        if let Some(ms) = config.checks.max_nfs_latency {
            crate::settings::check_latency(ms)
                .map_err(|why| at("checks.max_nfs_latency", format!("{ms} {why}")))?;
        }
        let keys: BTreeMap<String, Vec<String>> = file
            .keys
            .unwrap_or_default()
            .into_iter()
            .map(|(k, v)| match v {
                OneOrMany::One(s) => (k, vec![s]),
                OneOrMany::Many(v) => (k, v),
            })
            .collect();
        config.keys = KeyMap::with(&keys).map_err(|m| {
            let key = m
                .split(':')
                .next()
                .unwrap_or("keys")
                .split(' ')
                .next()
                .unwrap_or("keys");
            let line = line_of(text, key).map_or(String::new(), |l| format!("line {l}, "));
            err(format!("{line}{m}"))
        })?;
        Ok(config)
    }

    /// `[probe]` checked: every range, override and duration, each error naming its key.
    fn probe_settings(
        p: ProbeFile,
        at: &dyn Fn(&str, String) -> ConfigError,
    ) -> Result<crate::probe::ProbeSettings, ConfigError> {
        let mut s = crate::probe::ProbeSettings {
            enabled: p.enabled.unwrap_or(false),
            ..Default::default()
        };
        for (n, range) in p.allow.unwrap_or_default().iter().enumerate() {
            let cidr = range
                .parse()
                .map_err(|e| at(&format!("probe.allow[{n}]"), e))?;
            s.allow.push(cidr);
        }
        if s.enabled && s.allow.is_empty() {
            return Err(at(
                "probe.enabled",
                "probing needs probe.allow: the address ranges it may reach, e.g. \
             [\"10.0.0.0/16\"]"
                    .into(),
            ));
        }
        if let Some(text) = p.timeout {
            s.timeout =
                duration_within(&text, 1..=60, "1s..60s").map_err(|e| at("probe.timeout", e))?;
        }
        if let Some(n) = p.concurrency {
            if !(1..=64).contains(&n) {
                return Err(at("probe.concurrency", format!("{n} is outside 1..64")));
            }
            s.concurrency = n;
        }
        for (group, address) in p.overrides.unwrap_or_default() {
            let key = format!("probe.overrides.{group}");
            let a: std::net::SocketAddr = address.parse().map_err(|_| {
                at(
                    &key,
                    format!("{address:?} is not an address:port like 127.0.0.1:8080"),
                )
            })?;
            if !s.allow.iter().any(|c| c.contains(a.ip())) {
                return Err(at(
                    &key,
                    format!(
                        "{} is outside probe.allow: it would never be probed",
                        a.ip()
                    ),
                ));
            }
            s.overrides.insert(group, a);
        }
        Ok(s)
    }

    /// The target whose name, or else whose profile, is `name`.
    pub fn target(&self, name: &str) -> Option<&Target> {
        self.targets.get(name).or_else(|| {
            self.targets
                .values()
                .find(|t| t.profile.as_deref() == Some(name))
        })
    }
}

/// What the command line said, for layering over the file and the environment.
#[derive(Debug, Clone, Default)]
pub struct Flags {
    /// Any AWS flag was given: its options.
    pub aws: Option<crate::cloud::aws::AwsOptions>,
    pub simulator: SimulatorSettings,
    pub checks: CheckSettings,
    pub theme: Option<String>,
    pub read_only: bool,
}

/// The settings in force: defaults < file < environment < flags.
#[derive(Debug, Clone, PartialEq)]
pub struct Resolved {
    pub world: crate::world::WorldSpec,
    /// The config target the AWS world uses, if any.
    pub target: Option<String>,
    pub theme: Option<String>,
    pub seed: u64,
    pub speed: f64,
    pub read_only: bool,
    pub checks: crate::patterns::Settings,
}

impl Config {
    /// Layers the environment (`env("AWS_PROFILE")`, `env("AWS_REGION")`) and the flags over
    /// this file's settings.
    pub fn resolve(&self, flags: &Flags, env: impl Fn(&str) -> Option<String>) -> Resolved {
        use crate::world::WorldSpec;
        let env_profile = env("AWS_PROFILE").filter(|v| !v.is_empty());
        let env_region = env("AWS_REGION")
            .or_else(|| env("AWS_DEFAULT_REGION"))
            .filter(|v| !v.is_empty());
        let simulator = flags.simulator.over(&self.simulator);
        let from_file = match &self.world {
            DefaultWorld::Simulator => None,
            DefaultWorld::Aws => Some(None),
            DefaultWorld::Target(name) => Some(self.targets.get(name)),
        };
        let (world, target) = match (&flags.aws, from_file) {
            (Some(o), _) => {
                // A flag's profile may name a target; otherwise the env's profile may.
                let profile = o.profile.clone().or(env_profile);
                let target = profile.as_deref().and_then(|p| self.target(p));
                (
                    WorldSpec::Aws {
                        profile: target.and_then(|t| t.profile.clone()).or(profile),
                        region: o
                            .region
                            .clone()
                            .or(env_region)
                            .or_else(|| target.and_then(|t| t.region.clone())),
                        endpoint_url: o
                            .endpoint_url
                            .clone()
                            .or_else(|| target.and_then(|t| t.endpoint_url.clone())),
                    },
                    target.map(|t| t.name.clone()),
                )
            }
            // A simulated target: its scenario (its seed and speed below).
            (None, Some(Some(t))) if t.scenario.is_some() => (
                WorldSpec::Simulator {
                    scenario: t.scenario.clone().unwrap_or_default(),
                },
                Some(t.name.clone()),
            ),
            (None, Some(target)) => (
                WorldSpec::Aws {
                    profile: env_profile.or_else(|| target.and_then(|t| t.profile.clone())),
                    region: env_region.or_else(|| target.and_then(|t| t.region.clone())),
                    endpoint_url: target.and_then(|t| t.endpoint_url.clone()),
                },
                target.map(|t| t.name.clone()),
            ),
            (None, None) => (
                WorldSpec::Simulator {
                    scenario: simulator
                        .scenario
                        .clone()
                        .unwrap_or_else(|| "default".into()),
                },
                None,
            ),
        };
        let chosen = target_of(self, &target);
        let target_read_only = chosen.is_some_and(|t| t.read_only);
        Resolved {
            world,
            target,
            theme: flags.theme.clone().or_else(|| self.theme.clone()),
            seed: (simulator.seed)
                .or_else(|| chosen.and_then(|t| t.seed))
                .unwrap_or(42),
            speed: (simulator.speed.map(|s| s.0))
                .or_else(|| chosen.and_then(|t| t.speed))
                .unwrap_or(1.0),
            read_only: flags.read_only || self.read_only || target_read_only,
            checks: flags.checks.over(&self.checks).resolve(),
        }
    }
}

/// A duration setting's value, when it is one within `secs` (said as `words`).
fn duration_within(
    text: &str,
    secs: std::ops::RangeInclusive<i64>,
    words: &str,
) -> Result<std::time::Duration, String> {
    Span::parse(text)
        .filter(|s| secs.contains(&s.secs()))
        .map(|s| s.0)
        .ok_or_else(|| format!("{text:?} is not a duration within {words}"))
}

/// The config target a resolution chose, by name.
fn target_of<'a>(config: &'a Config, name: &Option<String>) -> Option<&'a Target> {
    name.as_deref().and_then(|n| config.targets.get(n))
}

/// The dotted key of the `key = value` line holding byte `offset`, with its table.
fn key_at(text: &str, offset: usize) -> Option<String> {
    let before = &text[..offset.min(text.len())];
    let line_start = before.rfind('\n').map_or(0, |p| p + 1);
    let line = text[line_start..].lines().next()?;
    let key = line.split('=').next()?.trim();
    if key.is_empty() || key.starts_with('[') || !line.contains('=') {
        return None;
    }
    let table = before[..line_start].lines().rev().find_map(|l| {
        let l = l.trim();
        l.strip_prefix('[')
            .and_then(|r| r.strip_suffix(']'))
            .map(str::to_string)
    });
    Some(match table {
        Some(t) => format!("{t}.{key}"),
        None => key.to_string(),
    })
}

/// The line (1-based) where a dotted key is set, or its table begins.
fn line_of(text: &str, dotted: &str) -> Option<usize> {
    let mut table = String::new();
    for (n, line) in text.lines().enumerate() {
        let l = line.trim();
        if let Some(t) = l.strip_prefix('[').and_then(|r| r.strip_suffix(']')) {
            table = t.trim().to_string();
            if table == dotted {
                return Some(n + 1);
            }
            continue;
        }
        let Some((key, _)) = l.split_once('=') else {
            continue;
        };
        let key = key.trim();
        let full = if table.is_empty() {
            key.to_string()
        } else {
            format!("{table}.{key}")
        };
        if full == dotted {
            return Some(n + 1);
        }
    }
    None
}
