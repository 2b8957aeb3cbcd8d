//! patrol's entry point: CLI, logging, configuration and theme (before raw mode), then run.

use anyhow::Context;
use clap::{CommandFactory, FromArgMatches};
use patrol::app::command::{Choices, WorldSpec};
use patrol::cli::{default_log_file, Cli, Command};
use patrol::cloud::sim::scenario::{self, Span};
use patrol::cloud::sim::Scenario;
use patrol::cloud::take_snapshot;
use patrol::config::{Config, Resolved};
use patrol::model::{Snapshot, SnapshotDocument, WorldInfo};
use patrol::ops::{audit, default_audit_file, AuditLog};
use patrol::patterns::{self, Verdict};
use patrol::theme::Theme;
use patrol::tui;
use patrol::world::Opener;
use std::process::ExitCode;
use std::time::Instant;

fn main() -> ExitCode {
    let started = Instant::now();
    let log_file = default_log_file();
    let command = Cli::command().after_help(format!(
        "Logs go to {} (or --log-file), never to the terminal. RUST_LOG sets the level.",
        log_file.display()
    ));
    let cli = match Cli::from_arg_matches(&command.get_matches()) {
        Ok(cli) => cli,
        Err(e) => e.exit(),
    };
    // `patrol check` keeps 1 and 2 for warn and fail: it could not check, it says 3.
    let error_code = if matches!(cli.command, Some(Command::Check { .. })) {
        3
    } else {
        2
    };
    match run(cli, log_file, started) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("patrol: {e:#}");
            ExitCode::from(error_code)
        }
    }
}

fn run(cli: Cli, default_log: std::path::PathBuf, started: Instant) -> anyhow::Result<ExitCode> {
    let _log = init_logging(cli.log_file.clone().unwrap_or(default_log))?;
    match cli.command {
        Some(Command::Check { json, after }) => {
            let (config, resolved) = settings(&cli)?;
            let snapshot = headless_snapshot(&config, &resolved, after)?;
            let reports = patterns::check(&snapshot, &resolved.checks, snapshot.taken_at);
            let verdict = patterns::worst(&reports);
            let code = match verdict {
                // Cannot happen here (an unread source fails the whole read, exit 3),
                // but an unchecked pattern must never pass a gate.
                Verdict::Unknown => 3,
                Verdict::Fail => 2,
                Verdict::Warn => 1,
                Verdict::Pass | Verdict::NotApplicable => 0,
            };
            if json {
                let document = serde_json::json!({
                    "world": snapshot.world,
                    "taken_at": snapshot.taken_at,
                    "verdict": verdict,
                    "exit_code": code,
                    "patterns": reports,
                });
                println!("{}", serde_json::to_string_pretty(&document)?);
            } else {
                print!("{}", patterns::text_report(&reports));
                println!(
                    "{} · {} · {} (exit {code})",
                    world_line(&snapshot.world),
                    snapshot.taken_at.format("%Y-%m-%d %H:%M:%S UTC"),
                    verdict.as_str().to_uppercase()
                );
            }
            Ok(ExitCode::from(code))
        }
        Some(Command::Audit { json }) => {
            let log = audit_log(&cli);
            let records = log.read().map_err(anyhow::Error::msg)?;
            if json {
                for r in &records {
                    println!("{}", serde_json::to_string(r)?);
                }
            } else if records.is_empty() {
                println!("no actions recorded in {}", log.path().display());
            } else {
                print!("{}", audit::table(&records));
            }
            Ok(ExitCode::SUCCESS)
        }
        Some(Command::Scenarios) => {
            for name in scenario::embedded_names() {
                let s = Scenario::load(name)?;
                println!("{:<18} {}", s.name, s.description);
            }
            Ok(ExitCode::SUCCESS)
        }
        Some(Command::Snapshot { json, after }) => {
            let (config, resolved) = settings(&cli)?;
            let snapshot = headless_snapshot(&config, &resolved, after)?;
            let document = SnapshotDocument::new(&snapshot);
            if json {
                println!("{}", serde_json::to_string_pretty(&document)?);
            } else {
                print_summary(&document);
            }
            Ok(ExitCode::SUCCESS)
        }
        None => {
            // Everything that can be wrong with the input is found before raw mode.
            let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
            let (config, resolved) = settings(&cli)?;
            let theme = Theme::load(resolved.theme.as_deref(), no_color)?;
            let audit = audit_log(&cli);
            audit.check_writable().with_context(|| {
                format!("cannot write the audit log {}", audit.path().display())
            })?;
            let runtime = tokio::runtime::Runtime::new()?;
            let opener = opener(&config, &resolved);
            let world = runtime.block_on(opener.open(&resolved.world))?;
            let options = tui::Options {
                keymap: config.keys.clone(),
                mouse: config.mouse,
                choices: Choices {
                    profiles: patrol::cloud::aws::profile_names(),
                    themes: patrol::theme::theme_names(),
                    scenarios: scenario::embedded_names().map(String::from).collect(),
                },
                opener,
                audit_log: audit.path().to_path_buf(),
                started,
                checks: resolved.checks,
                no_color,
            };
            runtime.block_on(tui::run(world, theme, options))?;
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// The config file and the settings in force (defaults < file < environment < flags).
fn settings(cli: &Cli) -> anyhow::Result<(Config, Resolved)> {
    let config = Config::load(cli.config.as_deref())?;
    if let Some(path) = &config.path {
        tracing::info!(config = %path.display(), "config file read");
    }
    let resolved = config.resolve(&cli.flags(), |k| std::env::var(k).ok());
    Ok((config, resolved))
}

fn opener(config: &Config, resolved: &Resolved) -> Opener {
    Opener {
        config: config.clone(),
        seed: resolved.seed,
        speed: resolved.speed,
        read_only: resolved.read_only,
    }
}

/// One snapshot of the chosen world, for the headless commands; `after` lets simulated
/// time pass first.
fn headless_snapshot(
    config: &Config,
    resolved: &Resolved,
    after: Option<Span>,
) -> anyhow::Result<Snapshot> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    if after.is_some() && !matches!(resolved.world, WorldSpec::Simulator { .. }) {
        anyhow::bail!("--after lets simulated time pass: it does not apply to AWS");
    }
    let world = runtime.block_on(opener(config, resolved).open(&resolved.world))?;
    if let (Some(sim), Some(span)) = (&world.playback, after) {
        sim.advance(span.0);
    }
    Ok(runtime.block_on(take_snapshot(world.cloud.as_ref()))?)
}

/// Which world, in one line, for headless output.
fn world_line(world: &WorldInfo) -> String {
    match world {
        WorldInfo::Simulated { scenario, seed, .. } => {
            format!("SIMULATED {scenario} (seed {seed})")
        }
        WorldInfo::Aws {
            account_id,
            region,
            profile,
            ..
        } => format!(
            "AWS {} {region} (profile {})",
            account_id.as_deref().unwrap_or("account ?"),
            profile.as_deref().unwrap_or("default")
        ),
    }
}

/// The audit log: `--audit-log`, or the default file in the state directory.
fn audit_log(cli: &Cli) -> AuditLog {
    AuditLog::new(cli.audit_log.clone().unwrap_or_else(default_audit_file))
}

fn print_summary(doc: &SnapshotDocument) {
    let s = doc.snapshot;
    println!(
        "world:       {}",
        serde_json::to_string(&s.world).unwrap_or_default()
    );
    println!("taken at:    {}", s.taken_at.to_rfc3339());
    println!("instances:   {}", s.instances.len());
    for g in &s.target_groups {
        let healthy = g.count(patrol::model::TargetHealthState::Healthy);
        println!(
            "target group {}: {healthy}/{} healthy",
            g.name,
            g.targets.len()
        );
    }
    for g in &s.auto_scaling_groups {
        println!(
            "group {}: {}/{}/{} (min/desired/max)",
            g.name, g.min, g.desired, g.max
        );
    }
    for z in &doc.zones {
        println!(
            "zone {}: {} running, {} healthy targets",
            z.zone, z.instances_running, z.targets_healthy
        );
    }
    println!("(use --json for everything)");
}

/// Logs to a file only; the terminal belongs to the console.
fn init_logging(
    path: std::path::PathBuf,
) -> anyhow::Result<tracing_appender::non_blocking::WorkerGuard> {
    let dir = path.parent().map(|p| p.to_path_buf()).unwrap_or_default();
    std::fs::create_dir_all(&dir)
        .with_context(|| format!("cannot create the log directory {}", dir.display()))?;
    let file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&path)
        .with_context(|| format!("cannot open the log file {}", path.display()))?;
    let (writer, guard) = tracing_appender::non_blocking(file);
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    tracing_subscriber::fmt()
        .with_writer(writer)
        .with_ansi(false)
        .with_env_filter(filter)
        .init();
    Ok(guard)
}
