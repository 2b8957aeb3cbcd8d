//! patrol's entry point: CLI, logging, configuration and theme (before raw mode), then run.

use anyhow::Context;
use patrol::app::command::Choices;
use patrol::board;
use patrol::cli::{default_log_file, Cli, Command, ScenarioCommand};
use patrol::cloud::sim::scenario;
use patrol::cloud::sim::Scenario;
use patrol::cloud::take_snapshot;
use patrol::config::{Config, Resolved};
use patrol::duration::Span;
use patrol::flight;
use patrol::model::{Snapshot, SnapshotDocument, WorldInfo};
use patrol::ops::{audit, default_audit_file, AuditLog};
use patrol::patterns::{self, Verdict};
use patrol::theme::Theme;
use patrol::tui;
use patrol::world::WorldSpec;
use patrol::world::{OpenWorld, Opener};
use std::process::ExitCode;
use std::time::Instant;

/// Exit codes of every command but `check`: 1 the cloud failed (unreachable, refused
/// credentials, an error answer), 2 the input is wrong (flags, config, theme, scenario).
/// The runbook commands add 3 (refused, nothing changed) and 4 (made, not seen in time).
const EXIT_CLOUD: u8 = 1;
const EXIT_USAGE: u8 = 2;

/// An error of the cloud (not of the operator's input): exit 1, not 2.
#[derive(Debug)]
struct CloudFailure(String);

impl std::fmt::Display for CloudFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for CloudFailure {}
/// `patrol check` follows the monitoring-plugin convention (Nagios, Icinga, Sensu).
const CHECK_UNKNOWN: u8 = 3;

/// glibc gives each thread that allocates an arena of its own (up to eight per core), and
/// a freed fleet stays in the arena that held it: with a 10,000-instance world refreshed on
/// several threads, that is tens of megabytes held for nothing. Two arenas are enough for
/// patrol's few threads.
fn limit_malloc_arenas() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only sets an allocator parameter; called before any thread starts.
    unsafe {
        libc::mallopt(libc::M_ARENA_MAX, 2);
    }
}

fn main() -> ExitCode {
    limit_malloc_arenas();
    let started = Instant::now();
    let log_file = default_log_file();
    let command = patrol::cli::command(format!(
        "Logs go to {} (or --log-file), never to the terminal. RUST_LOG sets the level.",
        log_file.display()
    ));
    let args: Vec<std::ffi::OsString> = std::env::args_os().collect();
    let is_check = args.iter().skip(1).any(|a| a == "check");
    let cli = match patrol::cli::parse_from(command, &args) {
        Ok(cli) => cli,
        Err(e) if !e.use_stderr() => e.exit(),
        // A usage error of `check` is UNKNOWN, never a false CRITICAL page.
        Err(e) if is_check => {
            let json = args.iter().any(|a| a == "--json");
            return check_error(json, &e.to_string(), "usage");
        }
        Err(e) => {
            let _ = e.print();
            return ExitCode::from(EXIT_USAGE);
        }
    };
    let json = matches!(cli.command, Some(Command::Check { json: true, .. }));
    let check = matches!(cli.command, Some(Command::Check { .. }));
    match run(cli, log_file, started) {
        Ok(code) => code,
        Err(e) if check => check_error(json, &format!("{e:#}"), "error"),
        Err(e) => {
            eprintln!("patrol: {e:#}");
            ExitCode::from(if e.is::<CloudFailure>() {
                EXIT_CLOUD
            } else {
                EXIT_USAGE
            })
        }
    }
}

/// `patrol check` could not check: UNKNOWN (3), as one JSON document with `--json`.
fn check_error(json: bool, message: &str, kind: &str) -> ExitCode {
    if json {
        let document = serde_json::json!({
            "verdict": Verdict::Unknown,
            "exit_code": CHECK_UNKNOWN,
            "error": { "kind": kind, "message": message.trim_end() },
        });
        let text = serde_json::to_string_pretty(&document).unwrap_or_default();
        write_stdout(&format!("{text}\n"));
    } else {
        eprintln!("patrol: UNKNOWN: {}", message.trim_end());
    }
    ExitCode::from(CHECK_UNKNOWN)
}

/// Writes to standard output; a reader that went away (`| head -1`) is not an error.
fn write_stdout(text: &str) {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    if let Err(e) = out.write_all(text.as_bytes()).and_then(|_| out.flush()) {
        if e.kind() != std::io::ErrorKind::BrokenPipe {
            eprintln!("patrol: cannot write to standard output: {e}");
        }
    }
}

/// The exit code of `patrol check` for a verdict. A fleet where nothing applies is UNKNOWN
/// (an empty or mistyped region) unless `--allow-empty`.
fn check_exit_code(verdict: Verdict, allow_empty: bool) -> u8 {
    match verdict {
        Verdict::Fail => 2,
        Verdict::Unknown => CHECK_UNKNOWN,
        Verdict::Warn => 1,
        Verdict::Pass => 0,
        Verdict::NotApplicable if allow_empty => 0,
        Verdict::NotApplicable => CHECK_UNKNOWN,
    }
}

fn run(cli: Cli, default_log: std::path::PathBuf, started: Instant) -> anyhow::Result<ExitCode> {
    let _log = init_logging(cli.log_file.clone().unwrap_or(default_log))?;
    match cli.command {
        Some(Command::Check {
            json,
            after,
            allow_empty,
        }) if board::wanted(&cli.aws.targets, cli.aws.options().as_ref()) => {
            fleet_check(&cli, json, after, allow_empty)
        }
        Some(Command::Snapshot { json, ref fleet })
            if fleet.from.is_none()
                && board::wanted(&cli.aws.targets, cli.aws.options().as_ref()) =>
        {
            fleet_snapshot(&cli, json, fleet.after)
        }
        Some(Command::Check {
            json,
            after,
            allow_empty,
        }) => {
            let (config, resolved) = settings(&cli)?;
            let snapshot = headless_snapshot(&config, &resolved, after)?;
            let reports = patterns::check(&snapshot, &resolved.checks, snapshot.taken_at);
            let verdict = patterns::worst(&reports);
            let code = check_exit_code(verdict, allow_empty);
            let status = ["OK", "WARNING", "CRITICAL", "UNKNOWN"][code as usize];
            let out = if json {
                let document = serde_json::json!({
                    "world": snapshot.world,
                    "taken_at": snapshot.taken_at,
                    "verdict": verdict,
                    "status": status,
                    "exit_code": code,
                    "patterns": reports,
                });
                format!("{}\n", serde_json::to_string_pretty(&document)?)
            } else {
                let empty = if verdict == Verdict::NotApplicable && !allow_empty {
                    " (no pattern applies to this fleet: an empty or mistyped region? \
                     --allow-empty accepts it)"
                } else {
                    ""
                };
                format!(
                    "{}{} · {} · {status}{empty} (exit {code})\n",
                    patterns::text_report(&reports),
                    world_line(&snapshot.world),
                    snapshot.taken_at.format("%Y-%m-%d %H:%M:%S UTC"),
                )
            };
            write_stdout(&out);
            Ok(ExitCode::from(code))
        }
        Some(Command::Audit { json }) => {
            let log = audit_log(&cli);
            let lines = log.read().map_err(anyhow::Error::msg)?;
            let damaged = lines
                .iter()
                .filter(|l| matches!(l, audit::AuditLine::Damaged { .. }))
                .count();
            let mut out = String::new();
            if json {
                for l in &lines {
                    let value = match l {
                        audit::AuditLine::Record(r) => serde_json::to_value(r)?,
                        audit::AuditLine::Damaged { line, text, error } => serde_json::json!({
                            "damaged_line": line, "text": text, "error": error
                        }),
                    };
                    out.push_str(&format!("{}\n", serde_json::to_string(&value)?));
                }
            } else if lines.is_empty() {
                out = format!("no actions recorded in {}\n", log.path().display());
            } else {
                out = audit::table(&lines);
            }
            write_stdout(&out);
            if damaged > 0 {
                eprintln!(
                    "patrol: {}: {}, shown as DAMAGED; every intact line \
                     is listed",
                    log.path().display(),
                    patrol::model::plural(damaged, "damaged line")
                );
            }
            Ok(ExitCode::SUCCESS)
        }
        Some(Command::Completions { shell }) => {
            let mut command = patrol::cli::described();
            let mut out = Vec::new();
            clap_complete::generate(shell, &mut command, "patrol", &mut out);
            write_stdout(&String::from_utf8_lossy(&out));
            Ok(ExitCode::SUCCESS)
        }
        Some(Command::Man) => {
            let command = patrol::cli::described();
            let mut out = Vec::new();
            clap_mangen::Man::new(command).render(&mut out)?;
            write_stdout(&String::from_utf8_lossy(&out));
            Ok(ExitCode::SUCCESS)
        }
        Some(Command::Scenarios) => {
            let mut out = String::new();
            for name in scenario::embedded_names() {
                let s = Scenario::load(name)?;
                out.push_str(&format!("{:<18} {}\n", s.name, s.description));
            }
            write_stdout(&out);
            Ok(ExitCode::SUCCESS)
        }
        Some(Command::Scenario {
            command: ScenarioCommand::Export { ref fleet },
        }) => {
            let mut snapshot = fleet_at(&cli, fleet)?;
            if let Some(file) = &fleet.from {
                // Said in the file's header: which recording, of which world.
                snapshot.world = patrol::model::WorldInfo::Replay {
                    file: file.display().to_string(),
                    from: Box::new(snapshot.world),
                    damaged_after: None,
                };
            }
            let text = scenario::Export::of(&snapshot)
                .to_toml()
                .map_err(|e| anyhow::anyhow!("cannot write the scenario: {e}"))?;
            write_stdout(&text);
            Ok(ExitCode::SUCCESS)
        }
        Some(Command::Snapshot { json, ref fleet }) => {
            let snapshot = fleet_at(&cli, fleet)?;
            let document = SnapshotDocument::new(&snapshot);
            if json {
                write_stdout(&format!("{}\n", serde_json::to_string_pretty(&document)?));
            } else {
                write_stdout(&summary(&document));
            }
            Ok(ExitCode::SUCCESS)
        }
        Some(Command::Record { duration, ref to }) => {
            let (config, resolved) = settings(&cli)?;
            let (runtime, world) = open_headless(&config, &resolved)?;
            let file = to
                .clone()
                .unwrap_or_else(|| flight::default_file(&world.cloud.world(), chrono::Utc::now()));
            eprintln!(
                "patrol: recording {} to {}{}",
                world_line(&world.cloud.world()),
                file.display(),
                duration.map_or(" until Ctrl-C".to_string(), |d| format!(
                    " for {}",
                    humantime_words(d.0)
                ))
            );
            let stop = flight::stop_after(duration.map(|d| d.0));
            let done = runtime.block_on(flight::record(world, &file, stop))?;
            write_stdout(&format!(
                "recorded {} ({} failed) and {} to {}\n",
                patrol::model::plural(done.refreshes as usize, "refresh"),
                done.failures,
                patrol::model::plural(done.events as usize, "event"),
                file.display()
            ));
            Ok(ExitCode::SUCCESS)
        }
        Some(Command::Replay { ref file, ref at }) => {
            let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
            let (config, resolved) = settings(&cli)?;
            let theme = Theme::load(resolved.theme.as_deref(), no_color)?;
            let (world, mut options) = flight::replay_world(file, at.as_deref(), &config)?;
            options.started = started;
            options.checks = resolved.checks.clone();
            options.no_color = no_color;
            options.audit_log = audit_log(&cli).path().to_path_buf();
            options.opener = opener(&config, &resolved);
            let runtime = tokio::runtime::Runtime::new()?;
            runtime.block_on(tui::run(world, theme, options))?;
            Ok(ExitCode::SUCCESS)
        }
        Some(Command::Events {
            ref file,
            ref since,
            ref until,
            json,
        }) => {
            let text = flight::events_of(file, since.as_deref(), until.as_deref(), json)?;
            write_stdout(&text);
            Ok(ExitCode::SUCCESS)
        }
        // Every other command is an operator action (swap, clone, scale-out, ...).
        Some(ref command) => match command.runbook() {
            Some((request, flags)) => runbook(&cli, &request, &flags),
            None => anyhow::bail!("this command is not an operator action"),
        },
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
            // Several targets: each opened at once; the first that opens is shown behind
            // the board, the others (and why any could not open) on their rows.
            let (name, world, others) =
                if board::wanted(&cli.aws.targets, cli.aws.options().as_ref()) {
                    let watched =
                        board::watch_list(&config, &cli.aws.targets, cli.aws.options().as_ref())
                            .map_err(anyhow::Error::msg)?;
                    let mut opened = runtime.block_on(board::open_all(&watched, &opener));
                    let Some(first) = opened.iter().position(|(_, w)| w.is_ok()) else {
                        let why: Vec<String> = (opened.iter())
                            .map(|(n, w)| {
                                format!("{n}: {}", w.as_ref().err().cloned().unwrap_or_default())
                            })
                            .collect();
                        anyhow::bail!("no target could be opened:\n  {}", why.join("\n  "));
                    };
                    let (name, world) = opened.remove(first);
                    (name, world.map_err(anyhow::Error::msg)?, opened)
                } else {
                    let world = runtime.block_on(opener.open(&resolved.world))?;
                    let name = board::name_of(&resolved.world, resolved.target.as_deref());
                    (name, world, Vec::new())
                };
            let options = tui::Options {
                name,
                others,
                board_every: config.board_every,
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
                export_dir: std::env::current_dir().unwrap_or_default(),
                record: config.record.clone().filter(|_| !cli.no_record),
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
        deep_path: resolved.checks.deep_path.clone(),
    }
}

/// The chosen world, opened for a headless command, with the runtime it runs on.
fn open_headless(
    config: &Config,
    resolved: &Resolved,
) -> anyhow::Result<(tokio::runtime::Runtime, OpenWorld)> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let world = match runtime.block_on(opener(config, resolved).open(&resolved.world)) {
        Ok(w) => w,
        // Credentials the cloud refused are the cloud's failure; a missing region, an
        // unknown profile or region, a malformed config file are the operator's input.
        Err(e)
            if matches!(
                e.downcast_ref::<patrol::cloud::aws::ConnectError>(),
                Some(patrol::cloud::aws::ConnectError::Refused { .. })
            ) =>
        {
            return Err(anyhow::Error::new(CloudFailure(format!("{e:#}"))))
        }
        Err(e) => return Err(e),
    };
    Ok((runtime, world))
}

/// One snapshot of the chosen world, for the headless commands; `after` lets simulated
/// time pass first.
/// The fleet a headless command prints: a recording's at a moment, or the chosen world's
/// now (after `after` of simulated time).
fn fleet_at(cli: &Cli, fleet: &patrol::cli::FleetAt) -> anyhow::Result<Snapshot> {
    match (&fleet.from, &fleet.at) {
        (Some(file), Some(at)) => flight::snapshot_from(file, at),
        _ => {
            let (config, resolved) = settings(cli)?;
            headless_snapshot(&config, &resolved, fleet.after)
        }
    }
}

fn headless_snapshot(
    config: &Config,
    resolved: &Resolved,
    after: Option<Span>,
) -> anyhow::Result<Snapshot> {
    if after.is_some() && !matches!(resolved.world, WorldSpec::Simulator { .. }) {
        anyhow::bail!("--after lets simulated time pass: it does not apply to AWS");
    }
    let (runtime, world) = open_headless(config, resolved)?;
    if let (Some(sim), Some(span)) = (&world.playback, after) {
        sim.advance(span.0);
    }
    runtime
        .block_on(async {
            let mut snapshot = take_snapshot(world.cloud.as_ref()).await?;
            snapshot.probes = world
                .prober
                .probe(&snapshot, snapshot.taken_at)
                .await
                .into();
            Ok::<_, patrol::cloud::CloudError>(snapshot)
        })
        .map_err(|e| anyhow::Error::new(CloudFailure(e.to_string())))
}

/// A runbook command: the action on the chosen world, asked, carried out and audited as
/// in the console. An error before the plan (config, world) is one line, or one JSON
/// document with `--json`.
fn runbook(
    cli: &Cli,
    request: &patrol::runbook::Request,
    flags: &patrol::runbook::Flags,
) -> anyhow::Result<ExitCode> {
    let opened = settings(cli).and_then(|(config, resolved)| open_headless(&config, &resolved));
    let (runtime, world) = match opened {
        Ok(o) => o,
        Err(e) if flags.json => {
            let (code, kind) = if e.is::<CloudFailure>() {
                (EXIT_CLOUD, "cloud")
            } else {
                (EXIT_USAGE, "usage")
            };
            let document = serde_json::json!({
                "exit_code": code,
                "result": kind,
                "error": { "kind": kind, "message": format!("{e:#}") },
            });
            write_stdout(&format!("{}\n", serde_json::to_string_pretty(&document)?));
            eprintln!("patrol: {e:#}");
            return Ok(ExitCode::from(code));
        }
        Err(e) => return Err(e),
    };
    let mut console = patrol::runbook::Console::standard();
    let code = runtime.block_on(patrol::runbook::run(
        &world,
        audit_log(cli),
        request,
        flags,
        &mut console,
    ));
    Ok(ExitCode::from(code))
}

/// Which world, in one line, for headless output.
/// Every target of `--targets` (and of listed profiles and regions), opened, read and
/// checked at once.
fn read_fleet(cli: &Cli, after: Option<Span>) -> anyhow::Result<Vec<board::Checked>> {
    let (config, resolved) = settings(cli)?;
    let watched = board::watch_list(&config, &cli.aws.targets, cli.aws.options().as_ref())
        .map_err(anyhow::Error::msg)?;
    // Threads as many as cores: each target's read is CPU too (its answers, its checks).
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    Ok(runtime.block_on(board::check_all(
        &watched,
        &opener(&config, &resolved),
        &resolved.checks,
        after.map(|a| a.0),
    )))
}

/// How bad an exit code of `check` is: CRITICAL, UNKNOWN, WARNING, OK (as the verdicts).
fn severity(code: u8) -> u8 {
    match code {
        2 => 3,
        CHECK_UNKNOWN => 2,
        1 => 1,
        _ => 0,
    }
}

/// `patrol check --targets ...`: one entry per target, the exit code the worst of them.
fn fleet_check(
    cli: &Cli,
    json: bool,
    after: Option<Span>,
    allow_empty: bool,
) -> anyhow::Result<ExitCode> {
    let checked = read_fleet(cli, after)?;
    let status_of = |code: u8| ["OK", "WARNING", "CRITICAL", "UNKNOWN"][code as usize];
    let code_of = |c: &board::Checked| match &c.result {
        Ok(_) => check_exit_code(c.verdict(), allow_empty),
        Err(_) => CHECK_UNKNOWN,
    };
    let worst = checked
        .iter()
        .map(code_of)
        .max_by_key(|c| severity(*c))
        .unwrap_or(0);
    let out = if json {
        let targets: Vec<serde_json::Value> = (checked.iter())
            .map(|c| {
                let code = code_of(c);
                match &c.result {
                    Ok((snapshot, reports)) => serde_json::json!({
                        "name": c.name,
                        "world": snapshot.world,
                        "taken_at": snapshot.taken_at,
                        "verdict": c.verdict(),
                        "status": status_of(code),
                        "exit_code": code,
                        "patterns": reports,
                    }),
                    Err(e) => serde_json::json!({
                        "name": c.name,
                        "verdict": Verdict::Unknown,
                        "status": status_of(code),
                        "exit_code": code,
                        "error": e,
                    }),
                }
            })
            .collect();
        let document = serde_json::json!({
            "status": status_of(worst),
            "exit_code": worst,
            "targets": targets,
        });
        format!("{}\n", serde_json::to_string_pretty(&document)?)
    } else {
        let mut out = String::new();
        for c in &checked {
            let code = code_of(c);
            match &c.result {
                Ok((snapshot, reports)) => {
                    out.push_str(&format!(
                        "== {} · {} · {} (exit {code})\n",
                        c.name,
                        world_line(&snapshot.world),
                        status_of(code)
                    ));
                    out.push_str(&patterns::text_report(reports));
                }
                Err(e) => out.push_str(&format!(
                    "== {} · {} (exit {code})\n    cannot check: {e}\n",
                    c.name,
                    status_of(code)
                )),
            }
        }
        out.push_str(&format!(
            "{} · worst {} (exit {worst})\n",
            patrol::model::plural(checked.len(), "target"),
            status_of(worst)
        ));
        out
    };
    write_stdout(&out);
    Ok(ExitCode::from(worst))
}

/// `patrol snapshot --targets ...`: every target's fleet (or its error), in one document.
fn fleet_snapshot(cli: &Cli, json: bool, after: Option<Span>) -> anyhow::Result<ExitCode> {
    let checked = read_fleet(cli, after)?;
    let failed = checked.iter().any(|c| c.result.is_err());
    let out = if json {
        let targets: Vec<serde_json::Value> = (checked.iter())
            .map(|c| match &c.result {
                Ok((snapshot, _)) => serde_json::json!({
                    "name": c.name,
                    "snapshot": SnapshotDocument::new(snapshot),
                }),
                Err(e) => serde_json::json!({ "name": c.name, "error": e }),
            })
            .collect();
        format!(
            "{}\n",
            serde_json::to_string_pretty(&serde_json::json!({ "targets": targets }))?
        )
    } else {
        let mut out = String::new();
        for c in &checked {
            out.push_str(&format!("== {}\n", c.name));
            match &c.result {
                Ok((snapshot, _)) => out.push_str(&summary(&SnapshotDocument::new(snapshot))),
                Err(e) => out.push_str(&format!("cannot read it: {e}\n")),
            }
        }
        out
    };
    write_stdout(&out);
    Ok(ExitCode::from(if failed { EXIT_CLOUD } else { 0 }))
}

fn world_line(world: &WorldInfo) -> String {
    match world {
        WorldInfo::Simulated { scenario, seed, .. } => {
            format!("SIMULATED {scenario} (seed {seed})")
        }
        WorldInfo::Replay { file, from, .. } => {
            format!("REPLAY {file} of {}", world_line(from))
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

fn summary(doc: &SnapshotDocument) -> String {
    use std::fmt::Write;
    let s = doc.snapshot;
    let mut out = String::new();
    let _ = writeln!(
        out,
        "world:       {}",
        serde_json::to_string(&s.world).unwrap_or_default()
    );
    let _ = writeln!(out, "taken at:    {}", s.taken_at.to_rfc3339());
    let _ = writeln!(out, "instances:   {}", s.instances.len());
    for g in s.target_groups.iter() {
        let _ = writeln!(
            out,
            "target group {}: {}/{} healthy",
            g.name,
            s.healthy_targets(g),
            g.targets.len()
        );
    }
    for g in s.auto_scaling_groups.iter() {
        let _ = writeln!(
            out,
            "group {}: {}/{}/{} (min/desired/max)",
            g.name, g.min, g.desired, g.max
        );
    }
    for z in &doc.zones {
        let _ = writeln!(
            out,
            "zone {}: {} running, {} healthy targets",
            z.zone, z.instances_running, z.targets_healthy
        );
    }
    out.push_str("(use --json for everything)\n");
    out
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
    // Lines wait for the writer thread in a queue made whole at the start: 4,096 of them
    // (a few seconds of debug logging; more are dropped, never waited for) rather than
    // the default 128,000, which hold 4 MB from the first line.
    let (writer, guard) = tracing_appender::non_blocking::NonBlockingBuilder::default()
        .buffered_lines_limit(4096)
        .finish(file);
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    tracing_subscriber::fmt()
        .with_writer(writer)
        .with_ansi(false)
        .with_env_filter(filter)
        .init();
    Ok(guard)
}

/// A duration in words for a message: `2h`, `30m`, `45s`.
fn humantime_words(d: std::time::Duration) -> String {
    patrol::model::age_text(chrono::Duration::seconds(d.as_secs() as i64))
}
