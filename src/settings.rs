//! The settings that both the command line and the config file set, declared once: each
//! field is a flag (clap) and a key of the file (serde) with one type, one validation and
//! one help text, layered flags over file over defaults by `over`.

use crate::duration::Span;
use clap::Args;
use serde::{Deserialize, Deserializer};

/// How fast simulated time runs against real time: 0.1 to 1000.
#[derive(Debug, Clone, Copy, PartialEq, PartialOrd)]
pub struct Speed(pub f64);

impl Speed {
    pub const RANGE: (f64, f64) = (0.1, 1000.0);

    fn checked(v: f64) -> Result<Speed, String> {
        if (Self::RANGE.0..=Self::RANGE.1).contains(&v) {
            Ok(Speed(v))
        } else {
            Err(format!("{v} is outside 0.1..1000"))
        }
    }

    /// A flag's value.
    pub fn parse_arg(text: &str) -> Result<Speed, String> {
        let v: f64 = text
            .parse()
            .map_err(|_| format!("{text:?} is not a number"))?;
        Self::checked(v)
    }
}

impl<'de> Deserialize<'de> for Speed {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Speed::checked(f64::deserialize(d)?).map_err(serde::de::Error::custom)
    }
}

/// Which simulated world to show (`[simulator]` in the file).
#[derive(Debug, Clone, Default, PartialEq, Args, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SimulatorSettings {
    /// Scenario to play: an embedded name (see `patrol scenarios`) or a path to a .toml
    /// file [default: default].
    #[arg(long, global = true, value_name = "NAME|PATH")]
    pub scenario: Option<String>,
    /// Seed of the simulator's random numbers: the same seed gives the same world [default: 42].
    #[arg(long, global = true)]
    pub seed: Option<u64>,
    /// How fast simulated time runs against real time, 0.1 to 1000 [default: 1].
    #[arg(long, global = true, value_parser = Speed::parse_arg)]
    pub speed: Option<Speed>,
}

impl SimulatorSettings {
    /// These settings where set, `below` where not.
    pub fn over(&self, below: &SimulatorSettings) -> SimulatorSettings {
        SimulatorSettings {
            scenario: self.scenario.clone().or_else(|| below.scenario.clone()),
            seed: self.seed.or(below.seed),
            speed: self.speed.or(below.speed),
        }
    }
}

/// What the pattern checks compare against (`[checks]` in the file; the Patterns view and
/// `patrol check`).
#[derive(Debug, Clone, Default, PartialEq, Args, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CheckSettings {
    /// The health-check path of a deep check; `/`-like and static paths warn
    /// [default: /health/deep].
    #[arg(long, global = true, value_name = "PATH", value_parser = parse_path)]
    pub deep_path: Option<String>,
    /// A serving role's newest image must be younger than this, e.g. 7d, 36h [default: 7d].
    #[arg(long, global = true, value_name = "DURATION", value_parser = Span::parse_arg)]
    pub max_image_age: Option<Span>,
    /// Clients one NFS server may carry before NFS Sharing warns (fails above twice this)
    /// [default: 8].
    #[arg(long, global = true, value_name = "N")]
    pub max_nfs_clients: Option<usize>,
    /// NFS latency in milliseconds above which NFS Sharing warns (fails above twice this)
    /// [default: 20].
    #[arg(long, global = true, value_name = "MS", value_parser = parse_latency)]
    pub max_nfs_latency: Option<f64>,
}

/// A health-check path: `/health/deep`.
fn parse_path(text: &str) -> Result<String, String> {
    check_path(text)
        .map(str::to_string)
        .map_err(|why| format!("`{text}` {why}"))
}

/// A health-check path (flag or config file) starts with `/` and has no spaces.
pub fn check_path(path: &str) -> Result<&str, String> {
    if path.starts_with('/') && !path.contains(char::is_whitespace) {
        Ok(path)
    } else {
        Err("is not a path: give one that starts with /, e.g. /health/deep".into())
    }
}

/// A latency limit in milliseconds: a positive, finite number.
fn parse_latency(text: &str) -> Result<f64, String> {
    let ms = text.trim().parse::<f64>().unwrap_or(f64::NAN);
    check_latency(ms).map_err(|why| format!("`{text}` {why}"))
}

/// A latency limit (flag or config file) is a positive, finite number of milliseconds.
pub fn check_latency(ms: f64) -> Result<f64, String> {
    if ms.is_finite() && ms > 0.0 {
        Ok(ms)
    } else {
        Err("is not a latency: give milliseconds above 0, e.g. 20 or 12.5".into())
    }
}

impl CheckSettings {
    /// These settings where set, `below` where not.
    pub fn over(&self, below: &CheckSettings) -> CheckSettings {
        CheckSettings {
            deep_path: self.deep_path.clone().or_else(|| below.deep_path.clone()),
            max_image_age: self.max_image_age.or(below.max_image_age),
            max_nfs_clients: self.max_nfs_clients.or(below.max_nfs_clients),
            max_nfs_latency: self.max_nfs_latency.or(below.max_nfs_latency),
        }
    }

    /// The checks' settings, with the defaults where nothing was set.
    pub fn resolve(&self) -> crate::patterns::Settings {
        let defaults = crate::patterns::Settings::default();
        crate::patterns::Settings {
            deep_path: self
                .deep_path
                .clone()
                .unwrap_or_else(|| defaults.deep_path.clone()),
            max_image_age: self.max_image_age.map_or(defaults.max_image_age, |a| {
                chrono::Duration::seconds(a.secs())
            }),
            max_nfs_clients: self.max_nfs_clients.unwrap_or(defaults.max_nfs_clients),
            max_nfs_latency_ms: (self.max_nfs_latency).unwrap_or(defaults.max_nfs_latency_ms),
            ..defaults
        }
    }
}
