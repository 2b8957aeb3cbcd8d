//! The confirmation dialog of an operator action, and what follows it on screen.
//!
//! The plan shown is always computed from the latest data: every refresh re-plans, and a
//! plan that changed loses the focus, so Yes never confirms something the operator did not
//! see. The dialog opens unfocused: Enter does nothing until a button has the focus; Esc
//! (or No) cancels and changes nothing.

use super::keymap::KeyAction;
use super::rows::{row_keys, selected_index, target_rows, TableRow};
use super::{AppState, Effect, View};
use crate::ops::{default_image_name, plan_clone, plan_scale_out, plan_swap, OpError, Outcome};
use crate::ops::{Plan, Request};
use crossterm::event::{KeyCode, KeyEvent};

/// Which button has the focus.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Focus {
    Unfocused,
    No,
    Yes,
}

/// What the operator chose in the dialog; the plan is recomputed from it.
#[derive(Debug, Clone, PartialEq)]
pub enum Choice {
    Swap {
        allocation_id: String,
        to: Option<String>,
        /// It undoes the last swap (after it, `b` has nothing left to undo).
        back: bool,
    },
    Clone {
        instance_id: String,
        name: String,
        no_reboot: bool,
        editing: bool,
    },
    ScaleOut {
        group: String,
        to: u32,
        typed: Option<String>,
    },
}

#[derive(Debug, Clone, PartialEq)]
pub struct Dialog {
    pub choice: Choice,
    pub plan: Plan,
    pub focus: Focus,
    /// Why the dialog was reopened, e.g. the world changed under the plan.
    pub note: Option<String>,
    /// On a production target: the name typed so far to confirm (after Yes).
    pub typed: Option<String>,
    /// The first row on screen when the dialog is taller than the terminal.
    pub scroll: usize,
    /// The text of every row as last laid out (`plan_text::sync`), and which have been
    /// drawn: Yes needs every one.
    pub shown: Vec<String>,
    pub seen: Vec<bool>,
}

/// The action running or last run, shown on every view until the next one.
#[derive(Debug, Clone, PartialEq)]
pub struct Operation {
    pub id: u64,
    pub title: String,
    pub request: Request,
    /// What the operator chose, to plan again if the world moved under the plan.
    pub choice: Choice,
    pub stage: String,
    /// `None` while running.
    pub result: Option<Result<Outcome, OpError>>,
}

impl Operation {
    pub fn running(&self) -> bool {
        self.result.is_none()
    }
}

/// Quits, or, while an action runs, quits as soon as it has finished: stopping in the middle
/// would leave a change made but not verified, and an intent in the audit log with no outcome.
/// Ctrl-C still quits at once.
pub fn quit(state: &mut AppState) -> Vec<Effect> {
    let Some(op) = state.running_operation() else {
        return vec![Effect::Quit];
    };
    state.message = Some(format!(
        "quitting when {} has finished (verified and logged) · Ctrl-C quits now",
        op.title
    ));
    state.quit_pending = true;
    vec![]
}

/// True (and says so) when an action is still running: the world must not change under it,
/// or its result would be shown on a world it was not made in.
pub fn refuse_while_running(state: &mut AppState, what: &str) -> bool {
    let Some(op) = state.running_operation() else {
        return false;
    };
    state.message = Some(format!(
        "{} is still running: {what} when it has finished",
        op.title
    ));
    true
}

fn plan_for(state: &AppState, choice: &Choice) -> Option<Plan> {
    let fleet = &state.fleet;
    match choice {
        Choice::Swap {
            allocation_id, to, ..
        } => plan_swap(fleet, allocation_id, to.as_deref()),
        Choice::Clone {
            instance_id,
            name,
            no_reboot,
            ..
        } => Some(plan_clone(fleet, instance_id, name, *no_reboot)),
        Choice::ScaleOut { group, to, .. } => plan_scale_out(fleet, group, *to),
    }
}

fn open(state: &mut AppState, choice: Choice, note: Option<String>) {
    if let Some(plan) = plan_for(state, &choice) {
        state.dialog = Some(Dialog {
            choice,
            plan,
            focus: Focus::Unfocused,
            note,
            typed: None,
            scroll: 0,
            shown: Vec::new(),
            seen: Vec::new(),
        });
        super::plan_text::sync(state);
    }
}

/// Re-plans an open dialog from the latest data; a changed plan loses the focus (and its
/// rows must be on screen again). Acceptances stay only for consequences still planned.
pub fn replan(state: &mut AppState) {
    let Some(dialog) = &state.dialog else { return };
    let Some(mut plan) = plan_for(state, &dialog.choice) else {
        state.dialog = None;
        state.message = Some("the resource is gone: nothing was changed".into());
        return;
    };
    if let Some(dialog) = &mut state.dialog {
        plan.keep_accepted(&dialog.plan);
        if dialog.plan != plan {
            dialog.plan = plan;
            dialog.focus = Focus::Unfocused;
        }
    }
    super::plan_text::sync(state);
}

/// The key of the selected row of the current view: the row the operator sees marked.
/// When that resource has gone, nothing is selected and the action keys say so.
fn selected_row(state: &mut AppState) -> Option<String> {
    let keys = row_keys(state);
    let at = selected_index(state.list(), keys.len(), |k| {
        keys.iter().position(|x| x == k)
    });
    if at.is_none() {
        state.message = Some(match &state.list().selected_key {
            Some(k) => format!("{k} is no longer listed: select a row first (j/k)"),
            None => "nothing selected".into(),
        });
    }
    keys.into_iter().nth(at?)
}

/// The instance of the selected row, on views whose rows have one.
fn selected_instance(state: &mut AppState) -> Option<String> {
    let key = selected_row(state)?;
    match state.view {
        View::Targets => target_rows(&state.fleet, state.list())
            .iter()
            .find(|r| r.key() == key)
            .map(|r| r.target.target_id.clone()),
        View::ElasticIps => state
            .fleet
            .elastic_ips
            .iter()
            .find(|a| a.allocation_id == key)
            .and_then(|a| a.instance_id.clone()),
        _ => None,
    }
}

/// The action keys: `s` swap, `b` swap back, `c` clone, `+`/`o` scale out. They do nothing
/// in read-only mode or while an action runs.
pub fn action_key(state: &mut AppState, action: KeyAction) -> bool {
    if state.read_only || state.running_operation().is_some() {
        return false;
    }
    if let Some((_, world)) = &state.switching {
        state.message = Some(format!(
            "switching to {world}: actions wait until it is on screen"
        ));
        return false;
    }
    match action {
        KeyAction::Swap if state.view == View::ElasticIps => {
            let Some(allocation_id) = selected_row(state) else {
                return false;
            };
            open(
                state,
                Choice::Swap {
                    allocation_id,
                    to: None,
                    back: false,
                },
                None,
            );
        }
        KeyAction::SwapBack => {
            let Some((allocation_id, to)) = state.swap_back.clone() else {
                return false;
            };
            open(
                state,
                Choice::Swap {
                    allocation_id,
                    to: Some(to),
                    back: true,
                },
                Some("swap back".into()),
            );
        }
        KeyAction::Clone if matches!(state.view, View::Targets | View::ElasticIps) => {
            let Some(id) = selected_instance(state) else {
                return false;
            };
            let Some(instance) = state.fleet.instances.iter().find(|i| i.id == id) else {
                return false;
            };
            let name = default_image_name(instance, state.clock);
            open(
                state,
                Choice::Clone {
                    instance_id: id,
                    name,
                    no_reboot: false,
                    editing: false,
                },
                None,
            );
        }
        KeyAction::ScaleOut if state.view == View::Capacity => {
            let Some(group) = selected_row(state) else {
                return false;
            };
            let Some(g) = state
                .fleet
                .auto_scaling_groups
                .iter()
                .find(|g| g.name == group)
            else {
                return false;
            };
            let to = g.desired + 1;
            open(
                state,
                Choice::ScaleOut {
                    group,
                    to,
                    typed: None,
                },
                None,
            );
        }
        _ => return false,
    }
    true
}

/// Why Yes cannot be chosen now, if it cannot.
fn why_not_yes(dialog: &Dialog) -> Option<String> {
    if dialog.plan.blocked() {
        return Some("a preflight check failed: this cannot be done (Esc closes)".into());
    }
    if !dialog.wholly_seen() {
        return Some(format!(
            "{} rows of the plan have not been on screen: PgDn/Space shows them, then Yes",
            dialog.unseen()
        ));
    }
    dialog.plan.open_choices().next().map(|c| {
        format!(
            "accept first (a): {}",
            c.detail.split(';').next().unwrap_or(&c.detail)
        )
    })
}

/// A key while the dialog is open.
pub fn on_dialog_key(state: &mut AppState, key: KeyEvent) -> Vec<Effect> {
    use super::plan_text::{page, scroll};
    let Some(dialog) = state.dialog.as_mut() else {
        return vec![];
    };
    // Typing a name takes every key but Enter and Esc.
    if let Choice::Clone {
        name,
        editing: editing @ true,
        ..
    } = &mut dialog.choice
    {
        match key.code {
            KeyCode::Enter | KeyCode::Esc => *editing = false,
            _ => {
                super::line_edit::edit(name, &key);
            }
        }
        replan(state);
        return vec![];
    }
    // A production target: after Yes, its name must be typed.
    let no_yes = why_not_yes(dialog);
    if let (Some(typed), Some(name)) = (dialog.typed.as_mut(), state.production.clone()) {
        match key.code {
            KeyCode::Esc => dialog.typed = None,
            KeyCode::Enter if *typed == name && no_yes.is_none() => return confirmed(state),
            KeyCode::Enter => {
                state.message = Some(match no_yes {
                    Some(why) => why,
                    None => format!("type {name} exactly to go ahead, or Esc"),
                });
            }
            _ => {
                super::line_edit::edit(typed, &key);
            }
        }
        return vec![];
    }
    let candidates =
        matches!(dialog.choice, Choice::Swap { .. }) && dialog.plan.candidates.len() > 1;
    match key.code {
        KeyCode::Esc => {
            state.dialog = None;
            state.message = Some("cancelled: nothing was changed".into());
        }
        KeyCode::PageDown | KeyCode::Char(' ') => scroll(state, page(state)),
        KeyCode::PageUp => scroll(state, -page(state)),
        KeyCode::Home => scroll(state, isize::MIN / 2),
        KeyCode::End => scroll(state, isize::MAX / 2),
        KeyCode::Down if !candidates => scroll(state, 1),
        KeyCode::Up if !candidates => scroll(state, -1),
        KeyCode::Tab | KeyCode::BackTab | KeyCode::Left | KeyCode::Right => {
            // From nothing to No, the safe button; then between No and Yes.
            let no_yes = why_not_yes(dialog);
            dialog.focus = match dialog.focus {
                Focus::No if no_yes.is_none() => Focus::Yes,
                _ => Focus::No,
            };
            if dialog.focus == Focus::No {
                state.message = no_yes;
            }
        }
        KeyCode::Char('y') => match why_not_yes(dialog) {
            None => dialog.focus = Focus::Yes,
            Some(why) => state.message = Some(why),
        },
        KeyCode::Char('n') => dialog.focus = Focus::No,
        KeyCode::Char('a') if !dialog.plan.blocked() => {
            dialog.plan.toggle_accept();
            super::plan_text::sync(state);
        }
        KeyCode::Enter => match dialog.focus {
            Focus::Unfocused => {}
            Focus::No => {
                state.dialog = None;
                state.message = Some("cancelled: nothing was changed".into());
            }
            Focus::Yes => match why_not_yes(dialog) {
                Some(why) => {
                    dialog.focus = Focus::Unfocused;
                    state.message = Some(why);
                }
                None if state.production.is_some() => dialog.typed = Some(String::new()),
                None => return confirmed(state),
            },
        },
        code => {
            choice_key(dialog, code);
            replan(state);
        }
    }
    vec![]
}

/// The operator confirmed: the dialog closes and the plan goes to the ops layer.
fn confirmed(state: &mut AppState) -> Vec<Effect> {
    let Some(dialog) = state.dialog.take() else {
        return vec![];
    };
    // What the dialog said before (e.g. "read on first") is over: the action line speaks.
    state.message = None;
    let id = state.operation.as_ref().map_or(0, |o| o.id) + 1;
    state.operation = Some(Operation {
        id,
        title: dialog.plan.title.clone(),
        request: dialog.plan.request.clone(),
        choice: dialog.choice,
        stage: "starting".into(),
        result: None,
    });
    vec![Effect::Execute {
        id,
        plan: Box::new(dialog.plan),
    }]
}

fn choice_key(dialog: &mut Dialog, code: KeyCode) {
    match &mut dialog.choice {
        Choice::Swap { to, .. } => {
            let candidates = &dialog.plan.candidates;
            if candidates.is_empty() {
                return;
            }
            let at = to
                .as_ref()
                .and_then(|t| candidates.iter().position(|c| c == t))
                .unwrap_or(0);
            let next = match code {
                KeyCode::Char('j') | KeyCode::Down => (at + 1) % candidates.len(),
                KeyCode::Char('k') | KeyCode::Up => (at + candidates.len() - 1) % candidates.len(),
                _ => return,
            };
            *to = Some(candidates[next].clone());
        }
        Choice::Clone {
            no_reboot, editing, ..
        } => match code {
            KeyCode::Char('x') => *no_reboot = !*no_reboot,
            KeyCode::Char('e') => *editing = true,
            _ => {}
        },
        Choice::ScaleOut { to, typed, .. } => match code {
            KeyCode::Char('+') => {
                *to += 1;
                *typed = None;
            }
            KeyCode::Char('-') => {
                *to = to.saturating_sub(1);
                *typed = None;
            }
            KeyCode::Char(c @ '0'..='9') => {
                let text = typed.get_or_insert_with(String::new);
                if text.len() < 5 {
                    text.push(c);
                }
                *to = text.parse().unwrap_or(*to);
            }
            KeyCode::Backspace => {
                if let Some(text) = typed {
                    text.pop();
                    *to = text.parse().unwrap_or(0);
                }
            }
            _ => {}
        },
    }
}

/// A running action reported a step.
pub fn on_stage(state: &mut AppState, id: u64, stage: String) {
    if let Some(op) = state.operation.as_mut().filter(|o| o.id == id) {
        op.stage = stage;
        state.dirty = true;
    }
}

/// A running action finished.
pub fn on_done(state: &mut AppState, id: u64, result: Result<Outcome, OpError>) -> Vec<Effect> {
    let Some(op) = state.operation.as_mut().filter(|o| o.id == id) else {
        return vec![];
    };
    state.dirty = true;
    if let (
        Ok(outcome),
        Request::SwapFloatingIp {
            allocation_id,
            from: Some(from),
            ..
        },
    ) = (&result, &op.request)
    {
        // After a swap, b undoes it; after the swap back there is nothing to undo.
        if outcome.verified {
            let back = matches!(op.choice, Choice::Swap { back: true, .. });
            state.swap_back = (!back).then(|| (allocation_id.clone(), from.clone()));
        }
    }
    if let Err(OpError::Stale(why)) = &result {
        // The world moved under the plan: plan again from fresh data and ask again.
        let choice = op.choice.clone();
        let note = format!("re-planned: {why}");
        op.result = Some(result);
        open(state, choice, Some(note));
        return vec![Effect::RefreshNow];
    }
    op.result = Some(result);
    vec![Effect::RefreshNow]
}
