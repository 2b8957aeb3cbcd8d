//! Plans: what an action will change, in the operator's words and as API calls, what it
//! should lead to, and the preflight checks that can stop it. Each action makes its plan
//! (`Action::plan`, a pure function of a snapshot); this is what every plan has.

use super::action::{Action, Field};
use serde::Serialize;
use std::sync::Arc;

/// How a preflight check stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum CheckLevel {
    Pass,
    /// A consequence the operator must accept explicitly (it is recorded in the audit log).
    Choice,
    /// No way past it.
    Fail,
}

/// One preflight check: what was checked, how it stands, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Check {
    pub what: String,
    pub level: CheckLevel,
    pub detail: String,
}

impl Check {
    /// What the operator accepts with this check: the check and its detail, so a different
    /// consequence is never covered by an earlier acceptance.
    pub fn key(&self) -> String {
        format!("{}: {}", self.what, self.detail)
    }
}

/// A check that passes or fails.
pub(super) fn check(what: &str, ok: bool, detail: impl Into<String>) -> Check {
    at_level(
        what,
        if ok {
            CheckLevel::Pass
        } else {
            CheckLevel::Fail
        },
        detail,
    )
}

/// A check that passes, or needs the operator's explicit choice.
pub(super) fn choice(what: &str, clear: bool, detail: impl Into<String>) -> Check {
    let level = if clear {
        CheckLevel::Pass
    } else {
        CheckLevel::Choice
    };
    at_level(what, level, detail)
}

fn at_level(what: &str, level: CheckLevel, detail: impl Into<String>) -> Check {
    Check {
        what: what.to_string(),
        level,
        detail: detail.into(),
    }
}

/// A planned action, ready to show in the confirmation dialog.
#[derive(Debug, Clone, Serialize)]
pub struct Plan {
    /// The action, with what the plan saw: `Ops::execute` carries out exactly this.
    #[serde(serialize_with = "action_json")]
    pub action: Arc<dyn Action>,
    pub title: String,
    /// The change in the operator's words.
    pub change: Vec<String>,
    /// The exact API calls.
    pub calls: Vec<String>,
    /// What should follow.
    pub effect: Vec<String>,
    pub checks: Vec<Check>,
    /// What the dialog (and the runbook command's flags) let the operator change.
    pub fields: Vec<Field>,
    /// The consequences the operator accepted (`Check::key` of `Choice` checks).
    pub accepted: Vec<String>,
}

fn action_json<S: serde::Serializer>(action: &Arc<dyn Action>, s: S) -> Result<S::Ok, S::Error> {
    action.json().serialize(s)
}

/// Two plans are the same when they say the same (an action compares by what it says).
impl PartialEq for Plan {
    fn eq(&self, o: &Self) -> bool {
        *self.action == *o.action
            && self.title == o.title
            && self.change == o.change
            && self.calls == o.calls
            && self.effect == o.effect
            && self.checks == o.checks
            && self.fields == o.fields
            && self.accepted == o.accepted
    }
}

impl Eq for Plan {}

impl Plan {
    /// The plan's three parts in the operator's words: the change, the exact API calls, and
    /// what should follow.
    pub fn sections(&self) -> [(&'static str, &[String]); 3] {
        [
            ("Change", &self.change),
            ("API calls", &self.calls),
            ("Then", &self.effect),
        ]
    }

    /// A check's mark: ✓ passed, ? a consequence to accept, ! accepted, ✗ failed.
    pub fn mark(&self, check: &Check) -> &'static str {
        match check.level {
            CheckLevel::Pass => "✓",
            CheckLevel::Choice if self.accepted(check) => "!",
            CheckLevel::Choice => "?",
            CheckLevel::Fail => "✗",
        }
    }

    /// The whole plan as plain text, one line each, as the runbook commands print it.
    pub fn text(&self) -> Vec<String> {
        let mut out = vec![self.title.clone()];
        for (name, items) in self.sections() {
            out.push(name.to_string());
            out.extend(items.iter().map(|l| format!("  {l}")));
        }
        out.push("Preflight".to_string());
        out.extend(
            self.checks
                .iter()
                .map(|c| format!("  {} {}: {}", self.mark(c), c.what, c.detail)),
        );
        out
    }

    /// The options of the plan's pick field (a swap's candidate standbys), best first.
    pub fn candidates(&self) -> &[String] {
        self.fields
            .iter()
            .find_map(|f| match f {
                Field::Pick { options, .. } => Some(options.as_slice()),
                _ => None,
            })
            .unwrap_or(&[])
    }

    /// A check failed: this plan cannot be carried out.
    pub fn blocked(&self) -> bool {
        self.checks.iter().any(|c| c.level == CheckLevel::Fail)
    }

    /// Whether the operator accepted this check's consequence.
    pub fn accepted(&self, check: &Check) -> bool {
        self.accepted.contains(&check.key())
    }

    /// The checks that need a choice the operator has not made.
    pub fn open_choices(&self) -> impl Iterator<Item = &Check> {
        self.checks
            .iter()
            .filter(|c| c.level == CheckLevel::Choice && !self.accepted(c))
    }

    /// Nothing failed and every consequence was accepted: Yes may carry it out.
    pub fn ready(&self) -> bool {
        !self.blocked() && self.open_choices().next().is_none()
    }

    /// Accepts every open consequence, or, when all are accepted, takes them back.
    pub fn toggle_accept(&mut self) {
        let open: Vec<String> = self.open_choices().map(Check::key).collect();
        if open.is_empty() {
            self.accepted.clear();
        } else {
            self.accepted.extend(open);
        }
    }

    /// Keeps the acceptances of `old` that still name a consequence of this plan.
    pub fn keep_accepted(&mut self, old: &Plan) {
        let keys: Vec<String> = self
            .checks
            .iter()
            .filter(|c| c.level == CheckLevel::Choice)
            .map(Check::key)
            .collect();
        self.accepted = old
            .accepted
            .iter()
            .filter(|k| keys.contains(k))
            .cloned()
            .collect();
    }
}
