//! The confirmation dialog of an operator action, and what follows it on screen.
//!
//! The plan shown is always computed from the latest data: every refresh re-plans, and a
//! plan that changed loses the focus, so Yes never confirms something the operator did not
//! see. The dialog opens unfocused: Enter does nothing until a button has the focus; Esc
//! (or No) cancels and changes nothing.

use super::rows::{listing, selected_index, target_row_of};
use super::{AppState, Effect, View};
use crate::keymap::KeyAction;
use crate::ops::{
    Action, CloneToAmi, Field, FieldValue, Maintenance, OpError, Outcome, Plan, ScaleOut, Swap,
};
use crossterm::event::{KeyCode, KeyEvent};
use std::sync::Arc;

/// Which button has the focus.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Focus {
    Unfocused,
    No,
    Yes,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Dialog {
    /// The plan on screen; its action holds what the operator chose, and is planned again
    /// from every refresh.
    pub plan: Plan,
    /// The text field being typed into (its name), if any: it takes every key but Enter
    /// and Esc.
    pub editing: Option<&'static str>,
    /// The digits typed into the count field so far.
    pub digits: Option<String>,
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
#[derive(Debug, Clone)]
pub struct Operation {
    pub id: u64,
    pub title: String,
    /// The action as planned: what the operator chose, to plan again if the world moved
    /// under the plan, and what the action line follows.
    pub action: Arc<dyn Action>,
    pub stage: String,
    /// `None` while running.
    pub result: Option<Result<Outcome, OpError>>,
}

impl PartialEq for Operation {
    fn eq(&self, o: &Self) -> bool {
        self.id == o.id
            && self.title == o.title
            && *self.action == *o.action
            && self.stage == o.stage
            && self.result == o.result
    }
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

fn open(state: &mut AppState, action: Arc<dyn Action>, note: Option<String>) {
    if let Some(plan) = action.plan(&state.fleet) {
        state.dialog = Some(Dialog {
            plan,
            editing: None,
            digits: None,
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
    let Some(mut plan) = dialog.plan.action.plan(&state.fleet) else {
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
    let rows = listing(state);
    let at = selected_index(state.list(), rows.len(), |k| rows.position(k));
    if at.is_none() {
        state.message = Some(match &state.list().selected_key {
            Some(k) => format!("{k} is no longer listed: select a row first (j/k)"),
            None => "nothing selected".into(),
        });
    }
    rows.key(at?).map(str::to_string)
}

/// The instance of the selected row, on views whose rows have one.
fn selected_instance(state: &mut AppState) -> Option<String> {
    let key = selected_row(state)?;
    match state.view {
        View::Targets => {
            let lookups = super::rows::lookups(state);
            target_row_of(&state.fleet, &lookups, &key).map(|r| r.target_id.to_string())
        }
        View::ElasticIps => state
            .fleet
            .elastic_ips
            .iter()
            .find(|a| a.allocation_id == key)
            .and_then(|a| a.instance_id.clone()),
        View::Instances | View::Nfs => Some(key),
        View::Health => (key.split_once('|'))
            .and_then(|(_, target)| target.rsplit_once(':'))
            .map(|(id, _)| id.to_string()),
        _ => None,
    }
}

/// The action keys: `s` swap, `b` swap back, `c` clone, `+`/`o` scale out. They do nothing
/// in read-only mode or while an action runs.
pub fn action_key(state: &mut AppState, action: KeyAction) -> bool {
    let opened = open_action(state, action);
    if !opened && state.message.is_none() {
        state.message = Some(why_not(state, action));
    }
    opened
}

/// Why an action key did nothing here, naming the key and where it works.
fn why_not(state: &AppState, action: KeyAction) -> String {
    let key = (state.keymap.keys_of(action).into_iter().next()).unwrap_or_else(|| "the key".into());
    if state.read_only {
        return format!(
            "{key} changes the cloud: this console is read-only (--read-only or a replay)"
        );
    }
    if let Some(op) = state.running_operation() {
        return format!("{key} waits: {} is still running", op.title);
    }
    let view = |v: View| state.keymap.view_label(v);
    match action {
        KeyAction::Swap => format!(
            "{key} swaps an Elastic IP: open {} and select one",
            view(View::ElasticIps)
        ),
        KeyAction::SwapBack => {
            format!("{key} undoes the last verified action: there is none to undo")
        }
        KeyAction::Clone => format!(
            "{key} clones an instance: select one in {}, {} or {}",
            view(View::Targets),
            view(View::ElasticIps),
            view(View::Instances)
        ),
        KeyAction::ScaleOut => format!(
            "{key} scales a group out: open {} and select one",
            view(View::Capacity)
        ),
        KeyAction::Maintenance => format!(
            "{key} takes an instance out for maintenance: select one in {} or {}",
            view(View::Targets),
            view(View::Instances)
        ),
        _ => format!("{key} does nothing here"),
    }
}

/// Opens the plan of an action key when the view and the selection allow it.
fn open_action(state: &mut AppState, action: KeyAction) -> bool {
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
            open(state, Arc::new(Swap::new(&allocation_id, None)), None);
        }
        KeyAction::SwapBack => {
            let Some(undo) = state.undo.clone() else {
                return false;
            };
            open(state, undo.action, Some(undo.name.into()));
        }
        KeyAction::Clone
            if matches!(
                state.view,
                View::Targets | View::ElasticIps | View::Instances | View::Nfs | View::Health
            ) =>
        {
            let Some(id) = selected_instance(state) else {
                return false;
            };
            let Some(instance) = state.fleet.instances.iter().find(|i| i.id == id) else {
                return false;
            };
            let name = crate::ops::default_image_name(instance, state.clock);
            open(state, Arc::new(CloneToAmi::new(&id, &name, false)), None);
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
            open(state, Arc::new(ScaleOut::new(&group, to)), None);
        }
        KeyAction::Maintenance if matches!(state.view, View::Targets | View::Instances) => {
            let Some(id) = selected_instance(state) else {
                return false;
            };
            let action = Maintenance::toggle(&state.fleet, &id);
            open(state, Arc::new(action), None);
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
            "{} not shown yet: PgDn/Space shows them, then Yes",
            crate::model::plural(dialog.unseen(), "row")
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
    // What the last key said is over; this key says its own (the dialog shows it).
    if state.dialog.is_some() {
        state.message = None;
    }
    let Some(dialog) = state.dialog.as_mut() else {
        return vec![];
    };
    // Typing into a text field takes every key but Enter and Esc.
    if let Some(field) = dialog.editing {
        match key.code {
            KeyCode::Enter | KeyCode::Esc => dialog.editing = None,
            _ => {
                let mut text = match dialog.plan.fields.iter().find(|f| f.name() == field) {
                    Some(Field::Text { value, .. }) => value.clone(),
                    _ => String::new(),
                };
                super::line_edit::edit(&mut text, &key);
                set_field(dialog, field, FieldValue::Text(text));
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
    let candidates = dialog.plan.candidates().len() > 1;
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
            // Nothing chosen: nothing happens, and the dialog says what would let Yes go.
            Focus::Unfocused => {
                state.message =
                    Some(why_not_yes(dialog).unwrap_or_else(|| {
                        "nothing chosen: y chooses Yes, n or Tab chooses No".into()
                    }))
            }
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
            field_key(dialog, code);
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
    state.events.push([action_event(
        state,
        &*dialog.plan.action,
        "confirmed",
        dialog.plan.title.clone(),
    )]);
    state.operation = Some(Operation {
        id,
        title: dialog.plan.title.clone(),
        action: dialog.plan.action.clone(),
        stage: "starting".into(),
        result: None,
    });
    vec![Effect::Execute {
        id,
        plan: Box::new(dialog.plan),
    }]
}

/// An operator action confirmed, or its outcome, for the Events view.
fn action_event(
    state: &AppState,
    action: &dyn Action,
    after: &str,
    detail: String,
) -> crate::record::Event {
    crate::record::Event {
        at: state.clock,
        kind: crate::record::EventKind::Action,
        resource: action.resources().first().cloned().unwrap_or_default(),
        name: Some(action.name().to_string()),
        zone: None,
        before: None,
        after: after.into(),
        detail,
        origin: "action".into(),
    }
}

/// The dialog's action with one field changed (the caller plans it again).
fn set_field(dialog: &mut Dialog, field: &str, value: FieldValue) {
    dialog.plan.action = dialog.plan.action.with(field, value);
}

/// A key that changes one of the plan's fields: j/k picks, a text field's key starts typing,
/// a flag's key toggles, + - and digits set a count.
fn field_key(dialog: &mut Dialog, code: KeyCode) {
    for field in dialog.plan.fields.clone() {
        match field {
            Field::Pick {
                name,
                value,
                options,
                ..
            } if !options.is_empty() => {
                let at = options.iter().position(|c| *c == value).unwrap_or(0);
                let next = match code {
                    KeyCode::Char('j') | KeyCode::Down => (at + 1) % options.len(),
                    KeyCode::Char('k') | KeyCode::Up => (at + options.len() - 1) % options.len(),
                    _ => continue,
                };
                return set_field(dialog, name, FieldValue::Text(options[next].clone()));
            }
            Field::Pick { .. } => {}
            Field::Text { name, key, .. } if code == KeyCode::Char(key) => {
                dialog.editing = Some(name);
                return;
            }
            Field::Text { .. } => {}
            Field::Flag {
                name, key, value, ..
            } if code == KeyCode::Char(key) => {
                return set_field(dialog, name, FieldValue::Flag(!value));
            }
            Field::Flag { .. } => {}
            Field::Count { name, value } => {
                let to = match code {
                    KeyCode::Char('+') => {
                        dialog.digits = None;
                        value + 1
                    }
                    KeyCode::Char('-') => {
                        dialog.digits = None;
                        value.saturating_sub(1)
                    }
                    KeyCode::Char(c @ '0'..='9') => {
                        let text = dialog.digits.get_or_insert_with(String::new);
                        if text.len() < 5 {
                            text.push(c);
                        }
                        text.parse().unwrap_or(value)
                    }
                    KeyCode::Backspace => match &mut dialog.digits {
                        Some(text) => {
                            text.pop();
                            text.parse().unwrap_or(0)
                        }
                        None => continue,
                    },
                    _ => continue,
                };
                return set_field(dialog, name, FieldValue::Count(to));
            }
        }
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
    let (after, detail) = match &result {
        Ok(o) if o.verified => (
            "verified",
            format!("{} in {}", op.title, crate::ops::took(o.elapsed)),
        ),
        Ok(_) => (
            "unverified",
            format!("{}: the new state was not seen in time", op.title),
        ),
        Err(e) => ("not done", format!("{}: {e}", op.title)),
    };
    let action = op.action.clone();
    let event = action_event(state, &*action, after, detail);
    state.events.push([event]);
    let Some(op) = state.operation.as_mut().filter(|o| o.id == id) else {
        return vec![];
    };
    if let Ok(outcome) = &result {
        // After a swap, b undoes it; after the swap back there is nothing left to undo.
        if outcome.verified {
            match op.action.undo() {
                Some(undo) => state.undo = Some(undo),
                None if state
                    .undo
                    .as_ref()
                    .is_some_and(|u| u.action.name() == op.action.name()) =>
                {
                    state.undo = None
                }
                None => {}
            }
        }
    }
    if let Err(OpError::Stale(why)) = &result {
        // The world moved under the plan: plan again from fresh data and ask again.
        let action = op.action.clone();
        let note = format!("re-planned: {why}");
        op.result = Some(result);
        open(state, action, Some(note));
        return vec![Effect::RefreshNow];
    }
    op.result = Some(result);
    vec![Effect::RefreshNow]
}
