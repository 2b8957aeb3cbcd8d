//! Deep Health Check from the inside: reading health pages, and probing them.

use patrol::model::{ComponentState, ReportFormat};
use patrol::playback::Playback;
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

use patrol::model::ProbeOutcome;
use patrol::probe::{get, plan, run, Cidr, ProbeSettings, Route};
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// A loopback server that answers every request with `answer` (None: never answers),
/// counting connections and keeping each request's text.
async fn serve(
    answer: Option<&'static str>,
) -> (SocketAddr, Arc<AtomicUsize>, Arc<Mutex<Vec<String>>>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let count = Arc::new(AtomicUsize::new(0));
    let requests = Arc::new(Mutex::new(Vec::new()));
    let (c, r) = (count.clone(), requests.clone());
    tokio::spawn(async move {
        loop {
            let Ok((mut socket, _)) = listener.accept().await else {
                return;
            };
            c.fetch_add(1, Ordering::SeqCst);
            let r = r.clone();
            tokio::spawn(async move {
                let mut buf = vec![0u8; 4096];
                let n = socket.read(&mut buf).await.unwrap_or(0);
                r.lock()
                    .unwrap()
                    .push(String::from_utf8_lossy(&buf[..n]).to_string());
                match answer {
                    Some(text) => {
                        let _ = socket.write_all(text.as_bytes()).await;
                        let _ = socket.shutdown().await;
                    }
                    None => tokio::time::sleep(Duration::from_secs(30)).await,
                }
            });
        }
    });
    (address, count, requests)
}

fn http(status: &str, headers: &str, body: &str) -> &'static str {
    Box::leak(
        format!(
            "HTTP/1.1 {status}\r\ncontent-length: {}\r\nconnection: close\r\n{headers}\r\n{body}",
            body.len()
        )
        .into_boxed_str(),
    )
}

#[tokio::test]
async fn a_probe_reads_the_answer_and_sends_the_targets_host() {
    let body =
        r#"{"status":"fail","checks":{"db":[{"status":"fail","output":"connection refused"}]}}"#;
    let (address, count, requests) = serve(Some(http(
        "503 Service Unavailable",
        "content-type: application/health+json\r\n",
        body,
    )))
    .await;
    let outcome = get(
        address,
        "10.0.1.5:80",
        "/health/deep",
        false,
        Duration::from_secs(2),
    )
    .await;
    let ProbeOutcome::Answered {
        status,
        report,
        location,
        latency_ms,
    } = outcome
    else {
        panic!("{outcome:?}");
    };
    assert_eq!((status, location), (503, None));
    assert!(latency_ms >= 0.0);
    assert_eq!(report.failing().next().unwrap().name, "db");
    assert_eq!(count.load(Ordering::SeqCst), 1);
    let request = requests.lock().unwrap()[0].clone();
    assert!(
        request.starts_with("GET /health/deep HTTP/1.1\r\n"),
        "{request}"
    );
    assert!(
        request.to_ascii_lowercase().contains("host: 10.0.1.5:80"),
        "{request}"
    );
}

#[tokio::test]
async fn a_redirect_is_reported_never_followed() {
    let (address, count, _) = serve(Some(http(
        "302 Found",
        "location: http://203.0.113.99/elsewhere\r\n",
        "",
    )))
    .await;
    let outcome = get(
        address,
        "10.0.1.5:80",
        "/health",
        false,
        Duration::from_secs(2),
    )
    .await;
    let ProbeOutcome::Answered {
        status, location, ..
    } = outcome
    else {
        panic!("{outcome:?}");
    };
    assert_eq!(status, 302);
    assert_eq!(location.as_deref(), Some("http://203.0.113.99/elsewhere"));
    assert_eq!(count.load(Ordering::SeqCst), 1, "one request, and no other");
}

#[tokio::test]
async fn silence_and_refusal_are_unreachable_never_a_guess() {
    let (address, count, _) = serve(None).await;
    let outcome = get(address, "h", "/health", false, Duration::from_millis(300)).await;
    match outcome {
        ProbeOutcome::Unreachable { why } => assert!(why.contains("no answer"), "{why}"),
        other => panic!("{other:?}"),
    }
    assert_eq!(count.load(Ordering::SeqCst), 1);
    // A closed loopback port refuses.
    let closed = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap()
    };
    match get(closed, "h", "/health", false, Duration::from_secs(2)).await {
        ProbeOutcome::Unreachable { why } => assert!(why.contains("connection refused"), "{why}"),
        other => panic!("{other:?}"),
    }
    // A server that hangs up without a word.
    let (address, _, _) = serve(Some("")).await;
    match get(address, "h", "/health", false, Duration::from_secs(2)).await {
        ProbeOutcome::Unreachable { why } => {
            assert!(why.contains("closed the connection"), "{why}")
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn address_ranges_parse_and_contain() {
    let c: Cidr = "10.0.0.0/16".parse().unwrap();
    assert!(c.contains("10.0.255.1".parse().unwrap()));
    assert!(!c.contains("10.1.0.1".parse().unwrap()));
    assert!(!c.contains("::1".parse().unwrap()));
    let one: Cidr = "127.0.0.1/32".parse().unwrap();
    assert!(one.contains("127.0.0.1".parse().unwrap()));
    assert!(!one.contains("127.0.0.2".parse().unwrap()));
    let all: Cidr = "0.0.0.0/0".parse().unwrap();
    assert!(all.contains("198.51.100.7".parse().unwrap()));
    let v6: Cidr = "fd00::/8".parse().unwrap();
    assert!(v6.contains("fd12::1".parse().unwrap()));
    for bad in ["10.0.0.0", "10.0.0.0/33", "ten/8", "::/129", ""] {
        let e = bad.parse::<Cidr>().unwrap_err();
        assert!(e.contains("not an address range"), "{bad}: {e}");
    }
}

#[tokio::test]
async fn only_allowed_addresses_are_ever_contacted() {
    // The default world's targets have 10.x addresses: never probed from here.
    let s = crate::snapshot(&crate::default_sim());
    let off = plan(&s, &ProbeSettings::default(), Route::Direct);
    assert!(!off.is_empty());
    assert!(off
        .iter()
        .all(|p| p.not_probed.as_deref().unwrap().contains("probing is off")));
    let (address, count, requests) = serve(Some(http("200 OK", "", "OK"))).await;
    let mut settings = ProbeSettings {
        enabled: true,
        allow: vec!["127.0.0.0/8".parse().unwrap()],
        ..ProbeSettings::default()
    };
    // web-tg through a port-forward on loopback; app-tg left at its own 10.x addresses.
    settings.overrides.insert("web-tg".into(), address);
    let probes = plan(&s, &settings, Route::Direct);
    for p in &probes {
        let ip = p.address.unwrap().ip();
        assert!(
            ip.is_loopback() || p.not_probed.is_some(),
            "{p:?} would reach {ip}"
        );
    }
    let results = run(probes, &settings, s.taken_at).await;
    let web = s.target_groups.iter().find(|g| g.name == "web-tg").unwrap();
    for r in &results {
        match (&r.outcome, r.target_group_arn == web.arn) {
            (ProbeOutcome::Answered { status: 200, .. }, true) => {}
            (ProbeOutcome::NotProbed { why }, false) => {
                assert!(why.contains("outside probe.allow"), "{why}");
                assert!(why.starts_with("10."), "{why}");
            }
            other => panic!("{r:?}: {other:?}"),
        }
    }
    assert_eq!(count.load(Ordering::SeqCst), web.targets.len());
    // Each asked with its own target's address as Host, as the load balancer does.
    let hosts: Vec<String> = (requests.lock().unwrap().iter())
        .filter_map(|r| {
            r.lines()
                .find(|l| l.to_ascii_lowercase().starts_with("host:"))
                .map(str::to_string)
        })
        .collect();
    assert!(hosts.iter().all(|h| h.contains("10.")), "{hosts:?}");
}

/// The simulator's probes of `scenario` after `secs`: every target, through its health
/// pages on loopback.
async fn sim_probes(
    sim: &patrol::cloud::sim::SimCloud,
    via: SocketAddr,
) -> Vec<(String, patrol::model::ProbeResult)> {
    let s = crate::snapshot(sim);
    let settings = ProbeSettings {
        enabled: true,
        allow: vec!["127.0.0.0/8".parse().unwrap()],
        ..ProbeSettings::default()
    };
    let probes = plan(&s, &settings, Route::Via(via));
    assert!(
        probes.iter().all(|p| p.address == Some(via)),
        "only the loopback listener"
    );
    let names: Vec<String> = probes.iter().map(|p| p.target_group.clone()).collect();
    names
        .into_iter()
        .zip(run(probes, &settings, s.taken_at).await)
        .collect()
}

#[tokio::test]
async fn the_simulators_health_pages_show_db_down_and_back() {
    use patrol::cloud::sim::{Scenario, SimCloud};
    use patrol::model::ComponentState;
    let sim = SimCloud::new(&Scenario::load("db-down").unwrap(), 42, crate::start(), 1.0);
    let pages = sim.serve_health_pages().await.unwrap();
    let via = pages.address;
    let verdicts = |results: &[(String, patrol::model::ProbeResult)], group: &str| {
        (results.iter())
            .filter(|(g, _)| g == group)
            .map(|(_, r)| match &r.outcome {
                ProbeOutcome::Answered { status, report, .. } => (
                    *status,
                    report
                        .components
                        .iter()
                        .find(|c| c.name == "db")
                        .map(|c| c.state),
                ),
                other => panic!("{r:?}: {other:?}"),
            })
            .collect::<Vec<_>>()
    };
    sim.advance(Duration::from_secs(50));
    let before = sim_probes(&sim, via).await;
    assert!(verdicts(&before, "web-tg")
        .iter()
        .all(|v| *v == (200, Some(ComponentState::Pass))));
    // The database fails at 1m: the deep page names it on every target; the static page
    // on the same instances stays 200.
    sim.advance(Duration::from_secs(40));
    let down = sim_probes(&sim, via).await;
    let deep = verdicts(&down, "web-tg");
    assert_eq!(deep.len(), 4);
    assert!(
        deep.iter().all(|v| *v == (503, Some(ComponentState::Fail))),
        "{deep:?}"
    );
    assert!(verdicts(&down, "web-static-tg")
        .iter()
        .all(|v| *v == (200, None)));
    let detail = (down.iter())
        .find_map(|(_, r)| match &r.outcome {
            ProbeOutcome::Answered { report, .. } => report.failing().next().cloned(),
            _ => None,
        })
        .unwrap();
    assert_eq!(detail.name, "db");
    assert!(detail.detail.unwrap().contains("cannot reach db"));
    // Back at 5m.
    sim.advance(Duration::from_secs(5 * 60));
    let back = sim_probes(&sim, via).await;
    assert!(verdicts(&back, "web-tg")
        .iter()
        .all(|v| *v == (200, Some(ComponentState::Pass))));
}

#[tokio::test]
async fn a_crashed_simulated_instance_does_not_answer() {
    // The default scenario crashes a web instance at 4m: its page no longer answers.
    let sim = crate::default_sim();
    let pages = sim.serve_health_pages().await.unwrap();
    let via = pages.address;
    sim.advance(Duration::from_secs(4 * 60 + 30));
    let results = sim_probes(&sim, via).await;
    let unreachable: Vec<_> = (results.iter())
        .filter(|(_, r)| matches!(r.outcome, ProbeOutcome::Unreachable { .. }))
        .collect();
    assert_eq!(unreachable.len(), 1, "{results:?}");
    let s = crate::snapshot(&sim);
    let crashed = &unreachable[0].1.target_id;
    let target = (s.target_groups.iter())
        .flat_map(|g| g.targets.iter())
        .find(|t| &t.target_id == crashed)
        .unwrap();
    assert!(
        matches!(target.state.as_str(), "unhealthy" | "draining"),
        "ELB no longer sends it traffic either: {:?}",
        target.state
    );
}

/// A loopback HTTPS server with a self-signed certificate (tests/fixtures/tls) that answers
/// every request with `answer`.
async fn serve_tls(answer: &'static str) -> SocketAddr {
    use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
    let fixture = |name: &str| {
        std::fs::read(format!(
            "{}/tests/fixtures/tls/{name}",
            env!("CARGO_MANIFEST_DIR")
        ))
        .unwrap()
    };
    let config = rustls::ServerConfig::builder_with_provider(Arc::new(
        rustls::crypto::aws_lc_rs::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .unwrap()
    .with_no_client_auth()
    .with_single_cert(
        vec![CertificateDer::from(fixture("cert.der"))],
        PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(fixture("key.der"))),
    )
    .unwrap();
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((socket, _)) = listener.accept().await {
            let acceptor = acceptor.clone();
            tokio::spawn(async move {
                let Ok(mut tls) = acceptor.accept(socket).await else {
                    return;
                };
                let mut buf = vec![0u8; 4096];
                let _ = tls.read(&mut buf).await;
                let _ = tls.write_all(answer.as_bytes()).await;
                let _ = tls.shutdown().await;
            });
        }
    });
    address
}

#[tokio::test]
async fn an_https_page_is_read_without_verifying_its_certificate() {
    // As ELB's checker: the target's certificate (self-signed, for another name) is not
    // verified; the page is read as over HTTP.
    let body =
        r#"{"status":"DOWN","components":{"db":{"status":"DOWN","details":{"error":"timeout"}}}}"#;
    let address = serve_tls(http("503 Service Unavailable", "", body)).await;
    let outcome = get(
        address,
        "10.0.1.5:443",
        "/actuator/health",
        true,
        Duration::from_secs(2),
    )
    .await;
    let ProbeOutcome::Answered { status, report, .. } = outcome else {
        panic!("{outcome:?}");
    };
    assert_eq!(status, 503);
    let db = report.failing().next().unwrap();
    assert_eq!(
        (db.name.as_str(), db.detail.as_deref()),
        ("db", Some("timeout"))
    );
    // TLS spoken to a plain HTTP page fails the handshake: unreachable, never a guess.
    let (plain, _, _) = serve(Some(http("200 OK", "", "OK"))).await;
    match get(plain, "10.0.1.5:443", "/", true, Duration::from_secs(2)).await {
        ProbeOutcome::Unreachable { why } => assert!(why.contains("TLS handshake failed"), "{why}"),
        other => panic!("{other:?}"),
    }
}

#[test]
fn https_checks_are_probed_over_tls_and_others_say_why_not() {
    let mut s = crate::snapshot(&crate::default_sim());
    s.target_groups_mut()[0].health_check.protocol = "HTTPS".into();
    s.target_groups_mut()[1].health_check.protocol = "TCP".into();
    let settings = ProbeSettings {
        enabled: true,
        allow: vec!["10.0.0.0/8".parse().unwrap()],
        ..ProbeSettings::default()
    };
    let probes = plan(&s, &settings, Route::Direct);
    let arns: Vec<String> = s.target_groups.iter().map(|g| g.arn.clone()).collect();
    let of = |g: usize| {
        let arn = arns[g].clone();
        probes.iter().filter(move |p| p.target_group_arn == arn)
    };
    assert!(of(0).all(|p| p.tls && p.not_probed.is_none()));
    assert!(of(1).all(|p| p
        .not_probed
        .as_deref()
        .unwrap()
        .contains("its health check is TCP, not HTTP or HTTPS")));
}

/// A loopback server that keeps each connection open and answers every request on it with
/// a 200 and `body`, counting connections and requests.
async fn serve_keep_alive(body: &'static str) -> (SocketAddr, Arc<AtomicUsize>, Arc<AtomicUsize>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let (connections, requests) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
    let (c, r) = (connections.clone(), requests.clone());
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            c.fetch_add(1, Ordering::SeqCst);
            let r = r.clone();
            tokio::spawn(async move {
                let mut pending = Vec::new();
                let mut buf = vec![0u8; 4096];
                loop {
                    let Ok(n) = socket.read(&mut buf).await else {
                        return;
                    };
                    if n == 0 {
                        return;
                    }
                    pending.extend_from_slice(&buf[..n]);
                    // A GET has no body: each blank line ends one request.
                    while let Some(end) = pending.windows(4).position(|w| w == b"\r\n\r\n") {
                        pending.drain(..end + 4);
                        r.fetch_add(1, Ordering::SeqCst);
                        let answer = format!(
                            "HTTP/1.1 200 OK\r\ncontent-length: {}\r\n\r\n{body}",
                            body.len()
                        );
                        if socket.write_all(answer.as_bytes()).await.is_err() {
                            return;
                        }
                    }
                }
            });
        }
    });
    (address, connections, requests)
}

#[tokio::test]
async fn probes_through_the_simulators_listener_reuse_connections_and_direct_ones_do_not() {
    use patrol::probe::{Listener, Prober};
    let fleet = crate::snapshot(&crate::default_sim());
    let settings = ProbeSettings {
        enabled: true,
        allow: vec!["127.0.0.0/8".parse().unwrap()],
        concurrency: 2,
        ..ProbeSettings::default()
    };
    // Through one listener (the simulator's route): a few connections for every probe.
    let (via, connections, requests) = serve_keep_alive(r#"{"status":"pass"}"#).await;
    let prober = Prober::via(Listener::new(via, tokio::spawn(async {})), settings.clone());
    let results = prober.probe(&fleet, fleet.taken_at).await;
    let answered = (results.iter())
        .filter(|r| matches!(r.outcome, ProbeOutcome::Answered { status: 200, .. }))
        .count();
    assert!(answered >= 6, "{results:?}");
    assert_eq!(
        answered,
        results.len(),
        "every probe is answered: {results:?}"
    );
    assert_eq!(requests.load(Ordering::SeqCst), answered, "each sent once");
    let opened = connections.load(Ordering::SeqCst);
    assert!(opened <= 2, "{opened} connections for {answered} probes");
    // Straight to each target (as on AWS, here all overridden to the same server): one
    // connection each, as a load balancer's health checker opens.
    let (direct, connections, requests) = serve_keep_alive(r#"{"status":"pass"}"#).await;
    let probes: Vec<_> = plan(&fleet, &settings, Route::Via(direct));
    let n = probes.len();
    let results = run(probes, &settings, fleet.taken_at).await;
    assert_eq!(results.len(), n);
    assert_eq!(requests.load(Ordering::SeqCst), n);
    assert_eq!(connections.load(Ordering::SeqCst), n);
}
