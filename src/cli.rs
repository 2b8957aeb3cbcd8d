//! Command line: flags, subcommands, and where the log goes.

use crate::cloud::aws::AwsOptions;
use crate::duration::Span;
use crate::settings::{CheckSettings, SimulatorSettings};
use clap::{Args, Parser, Subcommand};
use std::path::PathBuf;

/// patrol: a terminal operations console for the AWS high-availability patterns.
///
/// With no subcommand it opens the console on the embedded simulated cloud.
#[derive(Debug, Parser)]
#[command(name = "patrol", version)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
    #[command(flatten)]
    pub world: SimulatorSettings,
    #[command(flatten)]
    pub aws: AwsArgs,
    /// Theme: `default`, a name in ~/.config/patrol/themes, or a path to a .toml file.
    #[arg(long, global = true, value_name = "NAME|PATH")]
    pub theme: Option<String>,
    /// Write the log here instead of the default file (see below).
    #[arg(long, global = true, value_name = "PATH")]
    pub log_file: Option<PathBuf>,
    /// Refuse every action that would change the cloud, and hide the action keys.
    #[arg(long, global = true)]
    pub read_only: bool,
    /// The audit log of actions (default: $XDG_STATE_HOME/patrol/audit.jsonl).
    #[arg(long, global = true, value_name = "PATH")]
    pub audit_log: Option<PathBuf>,
    /// Do not record this console session (see [record] in the config file).
    #[arg(long, global = true)]
    pub no_record: bool,
    #[command(flatten)]
    pub checks: CheckSettings,
    /// The config file (default: $XDG_CONFIG_HOME/patrol/config.toml; a missing default is fine).
    #[arg(long, global = true, value_name = "PATH")]
    pub config: Option<PathBuf>,
}

impl Cli {
    /// What the flags say, for layering over the config file and the environment.
    pub fn flags(&self) -> crate::config::Flags {
        crate::config::Flags {
            aws: self.aws.options(),
            simulator: self.world.clone(),
            checks: self.checks.clone(),
            theme: self.theme.clone(),
            read_only: self.read_only,
        }
    }
}

/// The real AWS world. Any of these flags selects it; without them patrol shows the simulator.
#[derive(Debug, Clone, Default, Args)]
pub struct AwsArgs {
    /// Show a real AWS account (credentials and region from the standard AWS chain).
    #[arg(long, global = true, conflicts_with_all = ["scenario", "seed", "speed"])]
    pub aws: bool,
    /// AWS profile from ~/.aws/config (implies --aws); a list (p1,p2) watches each.
    #[arg(long, global = true, value_name = "NAME", conflicts_with_all = ["scenario", "seed", "speed"])]
    pub profile: Option<String>,
    /// AWS region, e.g. eu-west-1 (implies --aws); a list (r1,r2) watches each.
    #[arg(long, global = true, value_name = "NAME", conflicts_with_all = ["scenario", "seed", "speed"])]
    pub region: Option<String>,
    /// Watch several worlds at once: names under [targets] in the config file, or `all`
    /// (comma-separated). --profile and --region also take lists: every profile × region.
    #[arg(long, global = true, value_name = "NAME,...", value_delimiter = ',', conflicts_with_all = ["scenario", "seed", "speed"])]
    pub targets: Vec<String>,
    /// Send every AWS call to this endpoint, e.g. moto or LocalStack (implies --aws).
    #[arg(long, global = true, value_name = "URL", conflicts_with_all = ["scenario", "seed", "speed"])]
    pub endpoint_url: Option<String>,
}

impl AwsArgs {
    /// The AWS options, when the operator asked for AWS at all.
    pub fn options(&self) -> Option<AwsOptions> {
        let named = self.aws
            || self.profile.is_some()
            || self.region.is_some()
            || self.endpoint_url.is_some();
        named.then(|| AwsOptions {
            profile: self.profile.clone(),
            region: self.region.clone(),
            endpoint_url: self.endpoint_url.clone(),
        })
    }
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Print one snapshot of the world and exit.
    Snapshot {
        /// Print JSON (keys: world, taken_at, instances, target_groups, auto_scaling_groups,
        /// elastic_ips, zones, images, load_balancers, metrics, alarms).
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        fleet: FleetAt,
    },
    /// Record a world headless, as the console polls it, to a recording (SQLite): the
    /// fleet over time and its events. Stops after --for, or at Ctrl-C.
    Record {
        /// How long to record (wall time), e.g. 2h, 30m [default: until Ctrl-C].
        #[arg(long = "for", value_name = "DURATION", value_parser = Span::parse_arg)]
        duration: Option<Span>,
        /// The recording to write (never overwritten) [default:
        /// $XDG_STATE_HOME/patrol/recordings/<start>-<world>.sqlite].
        #[arg(long, value_name = "FILE")]
        to: Option<PathBuf>,
    },
    /// Open the console on a recording: the fleet as it was, from its first refresh on,
    /// played like a scenario (Space pauses, . steps, < > change the speed, Ctrl-R goes back
    /// to the beginning). Read-only: every action is refused.
    Replay {
        #[arg(value_name = "FILE")]
        file: PathBuf,
        /// Start here instead of at the beginning (a time of day, RFC 3339, or +5m).
        #[arg(long, value_name = "TIME")]
        at: Option<String>,
    },
    /// Print the events of a recording, oldest first.
    Events {
        #[arg(value_name = "FILE")]
        file: PathBuf,
        /// From this moment on (a time of day, an RFC 3339 time, or +5m from the start).
        #[arg(long, value_name = "TIME")]
        since: Option<String>,
        /// Up to this moment.
        #[arg(long, value_name = "TIME")]
        until: Option<String>,
        /// One JSON document per event, one per line.
        #[arg(long)]
        json: bool,
    },
    /// Run the pattern checks once and exit as a monitoring plugin does: 0 OK, 1 WARNING,
    /// 2 CRITICAL, 3 UNKNOWN (usage or config error, unreadable fleet, nothing to check).
    Check {
        /// Print one JSON document (also on errors): world, taken_at, verdict, status,
        /// exit_code, and every pattern's findings; or verdict, exit_code and error.
        #[arg(long)]
        json: bool,
        /// Let this much simulated time pass first, e.g. 90s, 5m (simulator only).
        #[arg(long, value_name = "DURATION", value_parser = Span::parse_arg)]
        after: Option<Span>,
        /// A fleet where no pattern applies is OK rather than UNKNOWN.
        #[arg(long)]
        allow_empty: bool,
    },
    /// List the embedded scenarios.
    Scenarios,
    /// Print the shell completion script for SHELL (bash, zsh, fish, elvish, powershell).
    ///
    /// bash: patrol completions bash > ~/.local/share/bash-completion/completions/patrol
    /// zsh:  patrol completions zsh > "${fpath[1]}/_patrol"
    /// fish: patrol completions fish > ~/.config/fish/completions/patrol.fish
    Completions {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print patrol's man page (roff): patrol man > ~/.local/share/man/man1/patrol.1
    Man,
    /// Scenario files: `patrol scenario export` writes a fleet's shape as one.
    Scenario {
        #[command(subcommand)]
        command: ScenarioCommand,
    },
    /// Print the audit log of actions as a table (or as JSON lines with --json).
    Audit {
        #[arg(long)]
        json: bool,
    },
    /// Swap a floating IP: move ADDRESS (a public IP or an allocation id) to a standby.
    ///
    /// Exit codes: 0 done and verified (or --dry-run said yes), 1 the cloud failed, 2 the
    /// input is wrong, 3 refused and nothing changed, 4 made but not seen in time.
    Swap {
        /// The Elastic IP: its public IP or its allocation id.
        #[arg(value_name = "ADDRESS")]
        address: String,
        /// The instance to move it to (id or Name) [default: the best standby].
        #[arg(long, value_name = "INSTANCE")]
        to: Option<String>,
        #[command(flatten)]
        run: crate::runbook::Flags,
    },
    /// Clone an instance (id or Name) to an AMI.
    ///
    /// Exit codes: 0 done and verified (or --dry-run said yes), 1 the cloud failed, 2 the
    /// input is wrong, 3 refused and nothing changed, 4 made but not seen in time.
    Clone {
        #[arg(value_name = "INSTANCE")]
        instance: String,
        /// The image's name [default: <Name>-clone-<UTC time>].
        #[arg(long, value_name = "NAME")]
        name: Option<String>,
        /// Take the image without the reboot that makes the file systems consistent.
        #[arg(long)]
        no_reboot: bool,
        #[command(flatten)]
        run: crate::runbook::Flags,
    },
    /// Scale out an Auto Scaling group: raise its desired capacity.
    ///
    /// Exit codes: 0 done and verified (or --dry-run said yes), 1 the cloud failed, 2 the
    /// input is wrong, 3 refused and nothing changed, 4 made but not seen in time.
    ScaleOut {
        #[arg(value_name = "GROUP")]
        group: String,
        /// Add this many to the desired capacity [default: 1].
        #[arg(long, value_name = "N", conflicts_with = "to")]
        by: Option<u32>,
        /// Set the desired capacity to this.
        #[arg(long, value_name = "N")]
        to: Option<u32>,
        #[command(flatten)]
        run: crate::runbook::Flags,
    },
    /// Take an instance (id or Name) out of service for maintenance, or bring it back.
    ///
    /// start: in an Auto Scaling group, EnterStandby (desired drops by one unless
    /// --keep-desired); from target groups outside it, DeregisterTargets; both drain for the
    /// target group's deregistration delay. What it left is written on the instance as the
    /// patrol:maintenance tag. end: ExitStandby and RegisterTargets into exactly what it
    /// left, then the tag is removed.
    ///
    /// Exit codes: 0 done and verified, 1 the cloud failed, 2 the input is wrong, 3 refused
    /// and nothing changed, 4 made but not seen in time.
    Maintenance {
        #[arg(value_enum)]
        step: MaintenanceStep,
        #[arg(value_name = "INSTANCE")]
        instance: String,
        /// start: keep the group's desired capacity, so it launches a replacement while the
        /// instance is out (and is one larger when it is back).
        #[arg(long)]
        keep_desired: bool,
        #[command(flatten)]
        run: crate::runbook::Flags,
    },
}

/// `patrol scenario ...`.
#[derive(Debug, Subcommand)]
pub enum ScenarioCommand {
    /// Print a fleet's shape as a simulator scenario: instances, groups, load balancers and
    /// target groups with their health checks, Elastic IPs with their tags, images, alarms.
    /// Ids, names and addresses stay as they were. Play it with `patrol --scenario FILE`.
    ///
    /// The fleet is the chosen world's (the simulator, or AWS with --aws, --profile, ...),
    /// or a recording's at a moment (--from FILE --at T).
    Export {
        #[command(flatten)]
        fleet: FleetAt,
    },
}

/// Which fleet a headless command prints: the world's now (or later), or a recording's.
#[derive(Debug, Clone, Args)]
pub struct FleetAt {
    /// Let this much simulated time pass first, e.g. 90s, 5m, 1h30m (simulator only).
    #[arg(long, value_name = "DURATION", value_parser = Span::parse_arg, conflicts_with = "from")]
    pub after: Option<Span>,
    /// The fleet as a recording shows it, instead of a world's present.
    #[arg(long, value_name = "FILE", requires = "at")]
    pub from: Option<PathBuf>,
    /// With --from: the moment, as a time of day (14:03:10), an RFC 3339 time, or a span
    /// from the recording's start (+5m).
    #[arg(long, value_name = "TIME", requires = "from")]
    pub at: Option<String>,
}

/// `patrol maintenance start|end`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum MaintenanceStep {
    /// Take the instance out of service.
    Start,
    /// Bring it back into what it left.
    End,
}

impl Command {
    /// A runbook command: the action and how it goes ahead.
    pub fn runbook(&self) -> Option<(crate::runbook::Request, crate::runbook::Flags)> {
        use crate::runbook::Request;
        let (request, run) = match self {
            Command::Swap { address, to, run } => (
                Request::Swap {
                    address: address.clone(),
                    to: to.clone(),
                },
                run,
            ),
            Command::Clone {
                instance,
                name,
                no_reboot,
                run,
            } => (
                Request::Clone {
                    instance: instance.clone(),
                    name: name.clone(),
                    no_reboot: *no_reboot,
                },
                run,
            ),
            Command::ScaleOut { group, by, to, run } => (
                Request::ScaleOut {
                    group: group.clone(),
                    by: *by,
                    to: *to,
                },
                run,
            ),
            Command::Maintenance {
                step,
                instance,
                keep_desired,
                run,
            } => (
                Request::Maintenance {
                    start: *step == MaintenanceStep::Start,
                    instance: instance.clone(),
                    keep_desired: *keep_desired,
                },
                run,
            ),
            _ => return None,
        };
        Some((request, run.clone()))
    }
}

/// patrol's own folder for what it keeps (log, audit log, recordings):
/// `$XDG_STATE_HOME/patrol`.
pub fn state_dir() -> PathBuf {
    dirs::state_dir()
        .or_else(dirs::cache_dir)
        .unwrap_or_else(std::env::temp_dir)
        .join("patrol")
}

/// The log file used when `--log-file` is not given: `$XDG_STATE_HOME/patrol/patrol.log`.
pub fn default_log_file() -> PathBuf {
    state_dir().join("patrol.log")
}

/// The flags every console-wide setting is given by: accepted before or after a
/// subcommand, but each subcommand takes (and its `--help` lists) only those it uses.
const WORLD: &[&str] = &[
    "scenario",
    "seed",
    "speed",
    "aws",
    "profile",
    "region",
    "endpoint_url",
    "targets",
];
const CHECKS: &[&str] = &[
    "deep_path",
    "max_image_age",
    "max_nfs_clients",
    "max_nfs_latency",
];

/// The console-wide flags a subcommand (by its path, e.g. `scenario export`) uses.
pub fn flags_of(path: &str) -> Vec<&'static str> {
    let mut uses: Vec<&'static str> = vec!["log_file"];
    let world = |uses: &mut Vec<&'static str>| uses.extend(WORLD.iter().copied());
    match path {
        "check" => {
            world(&mut uses);
            uses.retain(|f| *f != "speed");
            uses.extend(CHECKS);
            uses.push("config");
        }
        // `scenario` only groups its subcommands: it lists what they use.
        "record" => {
            world(&mut uses);
            uses.push("config");
        }
        // A fleet printed at once (or --after a span): how fast time runs does not matter.
        "snapshot" | "scenario" | "scenario export" => {
            world(&mut uses);
            uses.retain(|f| *f != "speed");
            uses.push("config");
        }
        "replay" => {
            uses.extend(CHECKS);
            uses.extend(["theme", "config"]);
        }
        "audit" => uses.push("audit_log"),
        "swap" | "clone" | "scale-out" | "maintenance" => {
            world(&mut uses);
            uses.extend(["read_only", "audit_log", "config"]);
        }
        _ => {}
    }
    uses
}

/// The command line, with each subcommand's help listing only the console-wide flags it
/// uses (`after_help` is added to the top level's help).
pub fn command(after_help: String) -> clap::Command {
    let command = <Cli as clap::CommandFactory>::command().after_help(after_help.clone());
    let globals = globals(&command);
    // Each subcommand gets a hidden copy of every global flag it does not use: clap copies a
    // global flag into a subcommand only where it has none of that name, so the copy stays
    // hidden (and `parse_from` refuses it).
    with_subcommands(command, "", &|mut sub, uses| {
        if !after_help.is_empty() && uses.contains(&"log_file") {
            sub = sub.after_help(after_help.clone());
        }
        for a in (globals.iter()).filter(|a| !uses.contains(&a.get_id().as_str())) {
            sub = sub.arg(a.clone().hide(true));
        }
        sub
    })
}

/// The command line as completion scripts and the man page describe it: each subcommand
/// with the console-wide flags it uses and no others (generators list hidden flags too).
pub fn described() -> clap::Command {
    let mut command = <Cli as clap::CommandFactory>::command();
    let globals = globals(&command);
    for a in &globals {
        command = command.mut_arg(a.get_id(), |a| a.global(false));
    }
    with_subcommands(command, "", &|mut sub, uses| {
        for a in (globals.iter()).filter(|a| uses.contains(&a.get_id().as_str())) {
            // Its conflicts may name flags this subcommand does not take.
            let reset = clap::builder::Resettable::<clap::Id>::Reset;
            sub = sub.arg(a.clone().global(false).conflicts_with(reset));
        }
        sub
    })
}

/// The console-wide flags, as declared at the top level.
fn globals(command: &clap::Command) -> Vec<clap::Arg> {
    (command.get_arguments())
        .filter(|a| a.is_global_set())
        .cloned()
        .collect()
}

/// Rebuilds every subcommand, at any depth, with `f`, given the console-wide flags it uses.
fn with_subcommands(
    command: clap::Command,
    path: &str,
    f: &dyn Fn(clap::Command, &[&'static str]) -> clap::Command,
) -> clap::Command {
    command.mut_subcommands(|sub| {
        let sub_path = if path.is_empty() {
            sub.get_name().to_string()
        } else {
            format!("{path} {}", sub.get_name())
        };
        let sub = f(sub, &flags_of(&sub_path));
        with_subcommands(sub, &sub_path, f)
    })
}

/// Parses the command line; a console-wide flag given to a subcommand that does not use it
/// is a usage error that names both, never silently ignored.
pub fn parse_from(command: clap::Command, args: &[std::ffi::OsString]) -> Result<Cli, clap::Error> {
    use clap::FromArgMatches;
    let mut command = command;
    let matches = command.try_get_matches_from_mut(args)?;
    let mut path: Vec<&str> = Vec::new();
    let mut at = &matches;
    while let Some((name, sub)) = at.subcommand() {
        path.push(name);
        at = sub;
    }
    if !path.is_empty() {
        let path = path.join(" ");
        let uses = flags_of(&path);
        let ids: Vec<String> = (globals(&command).iter())
            .map(|a| a.get_id().to_string())
            .collect();
        for id in ids.iter().filter(|id| !uses.contains(&id.as_str())) {
            if matches.value_source(id) == Some(clap::parser::ValueSource::CommandLine) {
                let flag = format!("--{}", id.replace('_', "-"));
                let names: Vec<&str> = path.split(' ').collect();
                let message = format!(
                    "{flag} does not apply to `patrol {path}` (`patrol {path} --help` lists \
                     what does)"
                );
                return Err(error_at(&mut command, &names, message));
            }
        }
    }
    Cli::from_arg_matches(&matches)
}

/// A usage error of the subcommand at `path`, so it shows that subcommand's usage.
fn error_at(command: &mut clap::Command, path: &[&str], message: String) -> clap::Error {
    if let Some((name, rest)) = path.split_first() {
        if let Some(sub) = command.find_subcommand_mut(name) {
            return error_at(sub, rest, message);
        }
    }
    command.error(clap::error::ErrorKind::ArgumentConflict, message)
}
