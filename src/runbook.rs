//! The operator actions as runbook commands (`patrol swap`, `patrol clone`,
//! `patrol scale-out`): the same plan, preflight, confirmation, execution, verification and
//! audit as the console, headless, for a runbook or a script.
//!
//! Exit codes: 0 done and verified (or, with `--dry-run`, everything said yes); 1 the cloud
//! failed (unreachable, an error answer); 2 the input is wrong (flags, config, a resource
//! that is not there); 3 refused, nothing changed (a preflight check, read-only, not
//! confirmed, a consequence not accepted, the world changed under the plan); 4 the change
//! was made but its new state was not seen in time: look before acting again.

use crate::cloud::{take_snapshot_of, Source};
use crate::model::{Instance, Snapshot};
use crate::ops::{
    default_image_name, Action, AuditLog, CloneToAmi, Direction, Maintenance, OpError, Ops,
    Outcome, Plan, ScaleOut, Swap,
};
use crate::world::OpenWorld;
use serde_json::{json, Value};
use std::io::Write;
use std::sync::{Arc, Mutex};

pub const EXIT_DONE: u8 = 0;
pub const EXIT_CLOUD: u8 = 1;
pub const EXIT_USAGE: u8 = 2;
pub const EXIT_REFUSED: u8 = 3;
pub const EXIT_UNVERIFIED: u8 = 4;

/// Which action, on which resource, as the operator typed it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Request {
    /// ADDRESS is a public IP or an allocation id; `to` an instance id or Name.
    Swap { address: String, to: Option<String> },
    /// INSTANCE is an instance id or Name.
    Clone {
        instance: String,
        name: Option<String>,
        no_reboot: bool,
    },
    /// The new desired capacity: `to`, or the current one plus `by` (1 when neither).
    ScaleOut {
        group: String,
        by: Option<u32>,
        to: Option<u32>,
    },
    /// Out of service (`start`) or back; INSTANCE is an instance id or Name.
    Maintenance {
        start: bool,
        instance: String,
        keep_desired: bool,
    },
}

impl Request {
    /// What the action plans from: the only sources the command reads before its plan.
    fn sources(&self) -> &'static [Source] {
        match self {
            Request::Swap { .. } => crate::ops::swap::SOURCES,
            Request::Clone { .. } => crate::ops::clone::SOURCES,
            Request::ScaleOut { .. } => crate::ops::scale_out::SOURCES,
            Request::Maintenance { .. } => crate::ops::maintenance::SOURCES,
        }
    }
}

/// How the command goes ahead: the flags every action command takes.
#[derive(Debug, Clone, Default, PartialEq, Eq, clap::Args)]
pub struct Flags {
    /// Go ahead without asking (for scripts). Without it, a terminal is asked for `yes`.
    #[arg(long)]
    pub yes: bool,
    /// Stop after the preflight and the API's DryRun call: nothing changes, nothing is
    /// logged (allowed in read-only mode).
    #[arg(long)]
    pub dry_run: bool,
    /// Print the plan and the outcome as one JSON document (the plan text goes to stderr).
    #[arg(long)]
    pub json: bool,
    /// Accept every consequence the preflight marks with ? (recorded in the audit log).
    #[arg(long)]
    pub accept: bool,
    /// On a production target, --yes also needs its name here.
    #[arg(long, value_name = "TARGET")]
    pub confirm: Option<String>,
}

/// Asks the operator a question (the prompt) and gives the answer.
pub type Ask = Box<dyn FnMut(&str) -> std::io::Result<String> + Send>;

/// Where the command writes and how it asks.
pub struct Console {
    out: Mutex<Box<dyn Write + Send>>,
    err: Arc<Mutex<Box<dyn Write + Send>>>,
    /// Asks the operator a question and gives the answer; `None` when nobody can answer
    /// (standard input is not a terminal).
    ask: Option<Ask>,
}

impl Console {
    pub fn new(
        out: Box<dyn Write + Send>,
        err: Box<dyn Write + Send>,
        ask: Option<Ask>,
    ) -> Console {
        Console {
            out: Mutex::new(out),
            err: Arc::new(Mutex::new(err)),
            ask,
        }
    }

    /// Standard output and error, asking on the terminal when standard input is one.
    pub fn standard() -> Console {
        use std::io::IsTerminal;
        let ask: Option<Ask> = std::io::stdin().is_terminal().then(|| {
            Box::new(|prompt: &str| {
                let mut err = std::io::stderr();
                write!(err, "{prompt}")?;
                err.flush()?;
                let mut line = String::new();
                std::io::stdin().read_line(&mut line)?;
                Ok(line.trim_end_matches(['\n', '\r']).to_string())
            }) as Ask
        });
        Console::new(
            Box::new(std::io::stdout()),
            Box::new(std::io::stderr()),
            ask,
        )
    }

    fn out(&self, text: &str) {
        let mut out = self.out.lock().unwrap_or_else(|p| p.into_inner());
        let _ = writeln!(out, "{text}").and_then(|_| out.flush());
    }

    fn err(&self, text: &str) {
        let mut err = self.err.lock().unwrap_or_else(|p| p.into_inner());
        let _ = writeln!(err, "{text}").and_then(|_| err.flush());
    }

    /// Human text: standard output, or standard error when the JSON document owns it.
    fn say(&self, json: bool, text: &str) {
        if json {
            self.err(text)
        } else {
            self.out(text)
        }
    }

    fn ask(&mut self, prompt: &str) -> Option<std::io::Result<String>> {
        self.ask.as_mut().map(|ask| ask(prompt))
    }
}

/// What the command came to: its exit code, the words, and what the JSON document says.
struct Ending {
    code: u8,
    kind: &'static str,
    message: String,
}

impl Ending {
    fn new(code: u8, kind: &'static str, message: impl Into<String>) -> Ending {
        Ending {
            code,
            kind,
            message: message.into(),
        }
    }
}

/// Stops the simulator's clock when the command ends.
struct Running(tokio::task::JoinHandle<()>);

impl Drop for Running {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// Runs one action on an open world. Returns the exit code.
pub async fn run(
    world: &OpenWorld,
    audit: AuditLog,
    request: &Request,
    flags: &Flags,
    io: &mut Console,
) -> u8 {
    let mut document = json!({ "world": world.cloud.world() });
    // A simulated world lives while the command runs: a drain takes its time there too.
    let _clock = world
        .playback
        .as_ref()
        .map(|p| Running(tokio::spawn(p.run_clock())));
    let ending = match go(world, audit, request, flags, io, &mut document).await {
        Ok(ending) | Err(ending) => ending,
    };
    if ending.code != EXIT_DONE {
        io.err(&format!("patrol: {}", ending.message));
    } else {
        io.say(flags.json, &ending.message);
    }
    if flags.json {
        document["exit_code"] = json!(ending.code);
        document["result"] = json!(ending.kind);
        if ending.code != EXIT_DONE {
            document["error"] = json!({ "kind": ending.kind, "message": ending.message });
        }
        io.out(&serde_json::to_string_pretty(&document).unwrap_or_default());
    }
    ending.code
}

async fn go(
    world: &OpenWorld,
    audit: AuditLog,
    request: &Request,
    flags: &Flags,
    io: &mut Console,
    document: &mut Value,
) -> Result<Ending, Ending> {
    let snapshot = take_snapshot_of(world.cloud.as_ref(), request.sources())
        .await
        .map_err(|e| Ending::new(EXIT_CLOUD, "cloud", e.to_string()))?;
    let action = resolve(&snapshot, request).map_err(|m| Ending::new(EXIT_USAGE, "usage", m))?;
    let mut plan = action.plan(&snapshot).ok_or_else(|| {
        Ending::new(
            EXIT_USAGE,
            "usage",
            "the resource is not in this account and region",
        )
    })?;
    if flags.accept && plan.open_choices().next().is_some() {
        plan.toggle_accept();
    }
    io.say(flags.json, &plan.text().join("\n"));
    document["plan"] = json!(plan);
    let ops = Ops::new(world.cloud.clone(), audit, world.read_only);

    if flags.dry_run {
        return match ops.dry_run(&plan).await {
            Ok(call) => {
                let said = match call {
                    Some(call) => format!("{call}: would succeed"),
                    None => "this API has no DryRun: the preflight is the whole check".into(),
                };
                document["dry_run"] = json!({ "passed": true, "call": call });
                Ok(Ending::new(
                    EXIT_DONE,
                    "dry-run",
                    format!("dry run: the preflight passed; {said}. Nothing was changed."),
                ))
            }
            Err(e) => Err(op_error(e)),
        };
    }
    if world.read_only {
        return Err(op_error(OpError::ReadOnly));
    }
    // A failed check stops it before anyone is asked (the same words as Ops::execute).
    crate::ops::preflight(&plan).map_err(op_error)?;
    accept_consequences(&mut plan, io)?;
    confirm(&plan, world.production.as_deref(), flags, io)?;
    document["plan"] = json!(plan);

    let err = io.err.clone();
    let progress = move |stage: String| {
        let mut err = err.lock().unwrap_or_else(|p| p.into_inner());
        let _ = writeln!(err, "… {stage}");
    };
    match ops.execute(&plan, &progress).await {
        Ok(outcome) => {
            document["outcome"] = outcome_json(&outcome);
            Ok(ended(&plan, &outcome))
        }
        Err(e) => Err(op_error(e)),
    }
}

/// The words and the code of a carried-out action.
fn ended(plan: &Plan, outcome: &Outcome) -> Ending {
    let id = outcome
        .receipt
        .resource_id
        .as_deref()
        .map_or(String::new(), |id| format!(" ({id})"));
    let audit = match &outcome.audit_error {
        Some(e) => format!("; AUDIT LOG NOT WRITTEN: {e}"),
        None => String::new(),
    };
    if outcome.verified {
        Ending::new(
            EXIT_DONE,
            "verified",
            format!(
                "{}: done{id}, verified in {}{audit}",
                plan.title,
                crate::ops::took(outcome.elapsed)
            ),
        )
    } else {
        Ending::new(
            EXIT_UNVERIFIED,
            "unverified",
            format!(
                "{}: the call was made{id}, but the new state was not seen in {:.0} s: look \
                 before acting again{audit}",
                plan.title,
                outcome.elapsed.as_secs_f64()
            ),
        )
    }
}

fn outcome_json(outcome: &Outcome) -> Value {
    json!({
        "verified": outcome.verified,
        "elapsed_ms": outcome.elapsed.as_secs_f64() * 1e3,
        "resource_id": outcome.receipt.resource_id,
        "request_id": outcome.receipt.request_id,
        "audit_error": outcome.audit_error,
    })
}

fn op_error(e: OpError) -> Ending {
    let (code, kind) = match &e {
        OpError::ReadOnly => (EXIT_REFUSED, "read-only"),
        OpError::Busy => (EXIT_REFUSED, "busy"),
        OpError::Preflight(_) => (EXIT_REFUSED, "preflight"),
        OpError::NotAccepted(_) => (EXIT_REFUSED, "not-accepted"),
        OpError::Stale(_) => (EXIT_REFUSED, "stale"),
        OpError::Cloud(_) => (EXIT_CLOUD, "cloud"),
        OpError::Audit(_) => (EXIT_USAGE, "audit-log"),
    };
    let mut message = e.to_string();
    if let OpError::Stale(_) = e {
        message.push_str(" (run the command again to plan from the new state)");
    }
    Ending::new(code, kind, message)
}

/// Every `?` consequence must be accepted: by `--accept`, or one by one on the terminal.
fn accept_consequences(plan: &mut Plan, io: &mut Console) -> Result<(), Ending> {
    let open: Vec<_> = plan.open_choices().cloned().collect();
    for check in open {
        let prompt = format!(
            "? {}: {}\nAccept this consequence? Type yes to accept it: ",
            check.what, check.detail
        );
        match io.ask(&prompt) {
            Some(Ok(answer)) if answer.trim() == "yes" => plan.accepted.push(check.key()),
            Some(Ok(_)) => {
                return Err(Ending::new(
                    EXIT_REFUSED,
                    "not-accepted",
                    format!("not accepted: {}; nothing was changed", check.key()),
                ))
            }
            Some(Err(e)) => {
                return Err(Ending::new(
                    EXIT_REFUSED,
                    "not-accepted",
                    format!("cannot read the answer ({e}); nothing was changed"),
                ))
            }
            None => {
                return Err(Ending::new(
                    EXIT_REFUSED,
                    "not-accepted",
                    format!(
                        "not accepted: {}; --accept accepts it (recorded in the audit log); \
                         nothing was changed",
                        check.key()
                    ),
                ))
            }
        }
    }
    Ok(())
}

/// `--yes`, or `yes` typed on the terminal; on a production target, its name.
fn confirm(
    plan: &Plan,
    production: Option<&str>,
    flags: &Flags,
    io: &mut Console,
) -> Result<(), Ending> {
    let refused = |m: String| Err(Ending::new(EXIT_REFUSED, "not-confirmed", m));
    let word = production.unwrap_or("yes");
    if flags.yes {
        return match (production, flags.confirm.as_deref()) {
            (None, _) => Ok(()),
            (Some(name), Some(typed)) if typed == name => Ok(()),
            (Some(name), _) => refused(format!(
                "{name} is a production target: --yes also needs --confirm {name}; nothing \
                 was changed"
            )),
        };
    }
    let prompt = match production {
        Some(name) => format!("PRODUCTION target {name}: type {name} to go ahead: "),
        None => format!("{}: type yes to go ahead: ", plan.title),
    };
    match io.ask(&prompt) {
        Some(Ok(answer)) if answer.trim() == word => Ok(()),
        Some(Ok(_)) => refused("not confirmed: nothing was changed".into()),
        Some(Err(e)) => refused(format!("cannot read the answer ({e}); nothing was changed")),
        None => refused(
            "not confirmed: standard input is not a terminal; --yes goes ahead without \
             asking; nothing was changed"
                .into(),
        ),
    }
}

/// The action the operator named, or why it cannot be found.
fn resolve(s: &Snapshot, request: &Request) -> Result<Arc<dyn Action>, String> {
    let region = s.world.region();
    Ok(match request {
        Request::Swap { address, to } => {
            let found = s
                .elastic_ips
                .iter()
                .find(|a| &a.public_ip == address || &a.allocation_id == address)
                .ok_or_else(|| {
                    format!("{address} is not an Elastic IP of this account in {region}")
                })?;
            let to = match to {
                Some(to) => Some(instance(s, to)?.id.clone()),
                None => None,
            };
            Arc::new(Swap::new(&found.allocation_id, to.as_deref()))
        }
        Request::Clone {
            instance: who,
            name,
            no_reboot,
        } => {
            let i = instance(s, who)?;
            let name = name
                .clone()
                .unwrap_or_else(|| default_image_name(i, s.taken_at));
            Arc::new(CloneToAmi::new(&i.id, &name, *no_reboot))
        }
        Request::ScaleOut { group, by, to } => {
            let g = s
                .auto_scaling_groups
                .iter()
                .find(|g| &g.name == group)
                .ok_or_else(|| format!("{group} is not an Auto Scaling group in {region}"))?;
            let to = match (to, by) {
                (Some(to), _) => *to,
                (None, by) => g.desired.saturating_add(by.unwrap_or(1)),
            };
            Arc::new(ScaleOut::new(&g.name, to))
        }
        Request::Maintenance {
            start,
            instance: who,
            keep_desired,
        } => {
            if !start && *keep_desired {
                return Err("--keep-desired applies to `maintenance start` only".into());
            }
            let i = instance(s, who)?;
            let direction = if *start {
                Direction::Start
            } else {
                Direction::End
            };
            Arc::new(Maintenance::new(&i.id, direction, !keep_desired))
        }
    })
}

/// An instance by id, or by a Name tag only one instance has.
fn instance<'a>(s: &'a Snapshot, who: &str) -> Result<&'a Instance, String> {
    if let Some(i) = s.instance(who) {
        return Ok(i);
    }
    let named: Vec<&Instance> = s
        .instances
        .iter()
        .filter(|i| i.name.as_deref() == Some(who))
        .collect();
    match named.as_slice() {
        [one] => Ok(one),
        [] => Err(format!(
            "{who} is neither the id nor the Name of an instance in {}",
            s.world.region()
        )),
        many => Err(format!(
            "{who} names {} instances ({}): give the instance id",
            many.len(),
            many.iter()
                .map(|i| i.id.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        )),
    }
}
