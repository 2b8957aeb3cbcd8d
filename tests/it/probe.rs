//! Deep Health Check from the inside: reading health pages, and probing them.

use patrol::model::{ComponentState, ReportFormat};
use patrol::probe::report::read;

fn states(body: &str) -> Vec<(String, ComponentState)> {
    (read(body.as_bytes()).components.into_iter())
        .map(|c| (c.name, c.state))
        .collect()
}

#[test]
fn health_json_names_the_failing_dependency() {
    let body = r#"{
        "status": "fail",
        "version": "1",
        "checks": {
            "db:connections": [
                {"componentId": "primary", "status": "pass"},
                {"componentId": "replica", "status": "fail", "output": "connection refused"}
            ],
            "cache:responseTime": [{"status": "warn", "observedValue": 250}],
            "app": {"status": "pass"}
        }
    }"#;
    let r = read(body.as_bytes());
    assert_eq!(r.format, ReportFormat::HealthJson);
    assert_eq!(r.status, Some(ComponentState::Fail));
    let db = r
        .components
        .iter()
        .find(|c| c.name == "db:connections")
        .unwrap();
    assert_eq!(
        db.state,
        ComponentState::Fail,
        "a component is its worst entry"
    );
    assert_eq!(db.detail.as_deref(), Some("connection refused"));
    assert_eq!(
        states(body),
        vec![
            ("app".to_string(), ComponentState::Pass),
            ("cache:responseTime".to_string(), ComponentState::Warn),
            ("db:connections".to_string(), ComponentState::Fail),
        ]
    );
    assert_eq!(r.failing().count(), 1);
}

#[test]
fn spring_actuator_reads_up_and_down() {
    let body = r#"{"status":"DOWN","components":{
        "db":{"status":"DOWN","details":{"database":"PostgreSQL","error":"org.postgresql.util.PSQLException: Connection refused"}},
        "diskSpace":{"status":"UP","details":{"total":1000,"free":500}},
        "ping":{"status":"UP"}}}"#;
    let r = read(body.as_bytes());
    assert_eq!(r.format, ReportFormat::SpringActuator);
    assert_eq!(r.status, Some(ComponentState::Fail));
    let db = &r.components[0];
    assert_eq!(
        (db.name.as_str(), db.state, db.said.as_str()),
        ("db", ComponentState::Fail, "DOWN")
    );
    assert!(db.detail.as_deref().unwrap().contains("Connection refused"));
    assert_eq!(r.components.len(), 3);
    // Spring Boot 1 and 2.0 call them details.
    let old = r#"{"status":"UP","details":{"db":{"status":"UP"}}}"#;
    assert_eq!(states(old), vec![("db".to_string(), ComponentState::Pass)]);
}

#[test]
fn a_plain_map_of_words_is_a_report() {
    let r = read(br#"{"db": "fail", "cache": "ok", "queue": "degraded", "search": true}"#);
    assert_eq!(r.format, ReportFormat::NameMap);
    assert_eq!(r.status, None);
    let find = |n: &str| r.components.iter().find(|c| c.name == n).unwrap().state;
    assert_eq!(find("db"), ComponentState::Fail);
    assert_eq!(find("cache"), ComponentState::Pass);
    assert_eq!(find("queue"), ComponentState::Warn);
    assert_eq!(find("search"), ComponentState::Pass);
    // A status key is the whole's, not a component.
    let r = read(br#"{"status": "ok", "db": "ok"}"#);
    assert_eq!(
        (r.status, r.components.len()),
        (Some(ComponentState::Pass), 1)
    );
}

#[test]
fn anything_else_is_kept_as_its_first_line() {
    for (body, first) in [
        ("OK\n", Some("OK")),
        (
            "\n\n  <html><body>It works</body></html>\n",
            Some("<html><body>It works</body></html>"),
        ),
        ("", None),
        ("{\"status\": ", Some("{\"status\":")),
        ("[1, 2, 3]", Some("[1, 2, 3]")),
        ("{\"version\": \"1.2.3\"}", Some("{\"version\": \"1.2.3\"}")),
        ("{\"checks\": 5}", Some("{\"checks\": 5}")),
    ] {
        let r = read(body.as_bytes());
        assert_eq!(r.format, ReportFormat::Text, "{body:?}");
        assert_eq!(r.first_line.as_deref(), first, "{body:?}");
        assert!(r.components.is_empty());
    }
    // Not UTF-8, and very long: still one bounded line.
    let r = read(&[0xff, 0xfe, b'a', b'\n']);
    assert_eq!(r.format, ReportFormat::Text);
    let long = "x".repeat(5000);
    let r = read(long.as_bytes());
    assert_eq!(r.first_line.unwrap().chars().count(), 201);
}
