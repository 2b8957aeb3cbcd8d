//! Reading a health page's body: the IETF draft `application/health+json`, Spring Boot
//! actuator, a plain `{"name": "ok|fail"}` map, or else its first line.

use crate::model::{Component, ComponentState, HealthReport, ReportFormat};
use serde_json::{Map, Value};

/// The longest first line kept from a body that is no report.
const FIRST_LINE_MAX: usize = 200;

/// Reads a body. Never fails: what is no report is kept as its first line.
pub fn read(body: &[u8]) -> HealthReport {
    let text = String::from_utf8_lossy(body);
    let parsed: Option<Map<String, Value>> = match serde_json::from_str(text.trim()) {
        Ok(Value::Object(map)) => Some(map),
        _ => None,
    };
    parsed
        .and_then(|map| {
            health_json(&map)
                .or_else(|| spring(&map))
                .or_else(|| name_map(&map))
        })
        .unwrap_or_else(|| HealthReport {
            format: ReportFormat::Text,
            status: None,
            components: Vec::new(),
            first_line: first_line(&text),
        })
}

fn first_line(text: &str) -> Option<String> {
    let line = text.lines().map(str::trim).find(|l| !l.is_empty())?;
    let mut cut: String = line.chars().take(FIRST_LINE_MAX).collect();
    if line.chars().count() > FIRST_LINE_MAX {
        cut.push('…');
    }
    Some(cut)
}

/// A component of `name`: the state and word of `status`, and what it says of it.
fn component(
    name: &str,
    (state, said): (ComponentState, String),
    detail: Option<&str>,
) -> Component {
    Component {
        name: name.to_string(),
        state,
        said,
        detail: detail.map(str::to_string),
    }
}

/// A `status` given as a word.
fn status_of(map: &Map<String, Value>) -> Option<(ComponentState, String)> {
    match map.get("status")? {
        Value::String(s) => Some((ComponentState::of_word(s), s.clone())),
        Value::Bool(b) => Some((ComponentState::of_word(&b.to_string()), b.to_string())),
        _ => None,
    }
}

/// `{"status": "pass", "checks": {"db:connections": [{"status": "fail", "output": …}]}}`.
/// A component with several entries (one per instance of it) is its worst.
fn health_json(map: &Map<String, Value>) -> Option<HealthReport> {
    let checks = map.get("checks")?.as_object()?;
    let mut components = Vec::new();
    for (name, entries) in checks {
        let entries: Vec<&Map<String, Value>> = match entries {
            Value::Array(list) => list.iter().filter_map(Value::as_object).collect(),
            Value::Object(one) => vec![one],
            _ => continue,
        };
        let worst = (entries.iter())
            .filter_map(|e| status_of(e))
            .min_by_key(|(state, _)| *state);
        let Some((state, said)) = worst else {
            continue;
        };
        let detail = (entries.iter())
            .filter(|e| status_of(e).is_some_and(|(s, _)| s == state))
            .find_map(|e| e.get("output").and_then(Value::as_str));
        components.push(component(name, (state, said), detail));
    }
    Some(HealthReport {
        format: ReportFormat::HealthJson,
        status: status_of(map).map(|(s, _)| s),
        components,
        first_line: None,
    })
}

/// `{"status": "UP", "components": {"db": {"status": "DOWN", "details": {"error": …}}}}`
/// (`details` in Spring Boot 1 and 2.0). Nested groups are read one level down.
fn spring(map: &Map<String, Value>) -> Option<HealthReport> {
    let (status, _) = status_of(map)?;
    let parts = (map.get("components").or_else(|| map.get("details")))?.as_object()?;
    let mut components = Vec::new();
    for (name, part) in parts {
        let Some(part) = part.as_object() else {
            continue;
        };
        let Some(status) = status_of(part) else {
            continue;
        };
        let details = part.get("details").and_then(Value::as_object);
        let detail = details
            .and_then(|d| (d.get("error").or_else(|| d.get("message"))).and_then(Value::as_str));
        components.push(component(name, status, detail));
    }
    Some(HealthReport {
        format: ReportFormat::SpringActuator,
        status: Some(status),
        components,
        first_line: None,
    })
}

/// `{"db": "ok", "cache": "fail"}`: every value a word (a `status` key is the whole's).
fn name_map(map: &Map<String, Value>) -> Option<HealthReport> {
    let words: Vec<(&String, String)> = map
        .iter()
        .map(|(k, v)| match v {
            Value::String(s) => Some((k, s.clone())),
            Value::Bool(b) => Some((k, b.to_string())),
            _ => None,
        })
        .collect::<Option<_>>()?;
    if words.is_empty() {
        return None;
    }
    let components: Vec<Component> = (words.iter())
        .filter(|(k, _)| k.as_str() != "status")
        .map(|(k, said)| component(k, (ComponentState::of_word(said), said.clone()), None))
        .collect();
    // A map of words none of which is a state is no report (`{"version": "1.2"}`).
    let status = status_of(map).map(|(s, _)| s);
    if status.is_none()
        && components
            .iter()
            .all(|c| c.state == ComponentState::Unknown)
    {
        return None;
    }
    Some(HealthReport {
        format: ReportFormat::NameMap,
        status,
        components,
        first_line: None,
    })
}
