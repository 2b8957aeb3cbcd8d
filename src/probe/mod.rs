//! Deep Health Check from the inside: patrol's own GET of each target's health page, read
//! for the dependency that failed.
//!
//! Probing sends traffic, so it is bounded everywhere: only targets of groups with an HTTP
//! health check, only to addresses the allow-list admits (checked before any connection),
//! GET only, a timeout over the whole exchange, a cap on the body, a limit on how many run
//! at once, and no redirect is ever followed.

pub mod report;
mod tls;

use crate::model::{ProbeOutcome, ProbeResult, Snapshot};
use bytes::Bytes;
use chrono::{DateTime, Utc};
use http_body_util::{BodyExt, Empty, Limited};
use std::collections::BTreeMap;
use std::net::{IpAddr, SocketAddr};
use std::str::FromStr;
use std::time::{Duration, Instant};

/// The most of a body that is read.
const BODY_MAX: usize = 64 * 1024;

/// An address range: `10.0.0.0/16`, `127.0.0.1/32`, `fd00::/8`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cidr {
    net: IpAddr,
    prefix: u8,
}

impl Cidr {
    /// Whether `ip` is in the range.
    pub fn contains(&self, ip: IpAddr) -> bool {
        fn masked(bits: u128, width: u8, prefix: u8) -> u128 {
            if prefix == 0 {
                0
            } else {
                bits >> (width - prefix)
            }
        }
        match (self.net, ip) {
            (IpAddr::V4(net), IpAddr::V4(ip)) => {
                masked(u32::from(net) as u128, 32, self.prefix)
                    == masked(u32::from(ip) as u128, 32, self.prefix)
            }
            (IpAddr::V6(net), IpAddr::V6(ip)) => {
                masked(u128::from(net), 128, self.prefix)
                    == masked(u128::from(ip), 128, self.prefix)
            }
            _ => false,
        }
    }
}

impl FromStr for Cidr {
    type Err = String;

    fn from_str(text: &str) -> Result<Cidr, String> {
        let bad = || format!("{text:?} is not an address range like 10.0.0.0/16 or 127.0.0.1/32");
        let (net, prefix) = text.trim().split_once('/').ok_or_else(bad)?;
        let net: IpAddr = net.parse().map_err(|_| bad())?;
        let prefix: u8 = prefix.parse().map_err(|_| bad())?;
        let width = if net.is_ipv4() { 32 } else { 128 };
        if prefix > width {
            return Err(bad());
        }
        Ok(Cidr { net, prefix })
    }
}

impl std::fmt::Display for Cidr {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.net, self.prefix)
    }
}

/// How patrol probes: off unless enabled (on AWS), where it may connect, and how gently.
#[derive(Debug, Clone, PartialEq)]
pub struct ProbeSettings {
    pub enabled: bool,
    /// The only address ranges a probe may connect to.
    pub allow: Vec<Cidr>,
    /// Per target group (by name): the address to connect to instead of the target's own
    /// (a bastion, a port-forward on loopback). The allow-list still applies to it.
    pub overrides: BTreeMap<String, SocketAddr>,
    /// Also asked of groups whose own check is shallow (`/health/deep`).
    pub deep_path: Option<String>,
    /// Over the whole exchange: connect, request, answer and body.
    pub timeout: Duration,
    /// Probes in flight at once.
    pub concurrency: usize,
}

impl Default for ProbeSettings {
    fn default() -> Self {
        ProbeSettings {
            enabled: false,
            allow: Vec::new(),
            overrides: BTreeMap::new(),
            deep_path: None,
            timeout: Duration::from_secs(2),
            concurrency: 8,
        }
    }
}

/// One probe to send, or the reason it is not sent.
#[derive(Debug, Clone, PartialEq)]
pub struct Probe {
    pub target_group_arn: String,
    pub target_group: String,
    pub target_id: String,
    pub port: u16,
    pub path: String,
    /// Where it connects.
    pub address: Option<SocketAddr>,
    /// The Host header: the target's own address, as the load balancer's checker sends it.
    pub host: String,
    /// Over TLS (an HTTPS health check).
    pub tls: bool,
    /// Why it is not sent, when it is not.
    pub not_probed: Option<String>,
}

/// Where probes connect: straight to each target, or (the simulator) to one listener that
/// answers for every target by its Host header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Route {
    Direct,
    Via(SocketAddr),
}

/// The probes of a fleet: for each target of each group with an HTTP health check, its
/// check's path (and the deep path where the group's own looks shallow).
pub fn plan(s: &Snapshot, settings: &ProbeSettings, route: Route) -> Vec<Probe> {
    let index = s.instance_index();
    let mut out = Vec::new();
    for g in s.target_groups.iter() {
        let hc = &g.health_check;
        let protocol = hc.protocol.to_ascii_uppercase();
        let http = matches!(protocol.as_str(), "HTTP" | "HTTPS");
        let tls = protocol == "HTTPS";
        let own = hc.path.clone().unwrap_or_else(|| "/".into());
        let mut paths = vec![own.clone()];
        if let Some(deep) = &settings.deep_path {
            if crate::model::looks_shallow(&own) && deep != &own {
                paths.push(deep.clone());
            }
        }
        for t in &g.targets {
            let port = match hc.port.parse::<u16>() {
                Ok(p) => p,
                Err(_) => t.port,
            };
            let ip = (index.get(t.target_id.as_str()))
                .and_then(|i| i.private_ip.as_deref())
                .or_else(|| {
                    t.target_id
                        .parse::<IpAddr>()
                        .is_ok()
                        .then_some(t.target_id.as_str())
                })
                .and_then(|ip| ip.parse::<IpAddr>().ok());
            for path in &paths {
                let host = ip.map_or(t.target_id.clone(), |ip| {
                    SocketAddr::new(ip, port).to_string()
                });
                let own_address = ip.map(|ip| SocketAddr::new(ip, port));
                let address = match (settings.overrides.get(&g.name), route) {
                    (Some(a), _) => Some(*a),
                    (None, Route::Via(a)) => own_address.map(|_| a),
                    (None, Route::Direct) => own_address,
                };
                let not_probed = if !settings.enabled {
                    Some("probing is off (see [probe] in the config file)".to_string())
                } else if !http {
                    Some(format!(
                        "its health check is {}, not HTTP or HTTPS: nothing to read",
                        hc.protocol
                    ))
                } else {
                    match address {
                        None => Some("its address is not known".to_string()),
                        Some(a) if !settings.allow.iter().any(|c| c.contains(a.ip())) => Some(
                            format!(
                                "{} is outside probe.allow: add its range (or an override for {}) to probe it",
                                a.ip(),
                                g.name
                            ),
                        ),
                        Some(_) => None,
                    }
                };
                out.push(Probe {
                    target_group_arn: g.arn.clone(),
                    target_group: g.name.clone(),
                    target_id: t.target_id.clone(),
                    port: t.port,
                    path: path.clone(),
                    address,
                    host,
                    tls,
                    not_probed,
                });
            }
        }
    }
    out
}

/// Sends every probe that may be sent, `settings.concurrency` at a time, and says what
/// became of each (those that may not be sent: why, with nothing sent).
pub async fn run(
    probes: Vec<Probe>,
    settings: &ProbeSettings,
    at: DateTime<Utc>,
) -> Vec<ProbeResult> {
    use futures::stream::{self, StreamExt};
    let timeout = settings.timeout;
    stream::iter(probes)
        .map(|p| async move {
            // `plan` gives a reason whenever there is no address to send to.
            let outcome = match (&p.not_probed, p.address) {
                (None, Some(address)) => get(address, &p.host, &p.path, p.tls, timeout).await,
                (why, _) => ProbeOutcome::NotProbed {
                    why: why
                        .clone()
                        .unwrap_or_else(|| "its address is not known".into()),
                },
            };
            ProbeResult {
                target_group_arn: p.target_group_arn,
                target_id: p.target_id,
                port: p.port,
                path: p.path,
                address: p.address.map_or(String::new(), |a| a.to_string()),
                host: p.host,
                tls: p.tls,
                at,
                outcome,
            }
        })
        .buffered(settings.concurrency.max(1))
        .collect()
        .await
}

/// One GET of `path` at `address` (over TLS with `tls`), with `host` as its Host header, all
/// within `timeout`.
pub async fn get(
    address: SocketAddr,
    host: &str,
    path: &str,
    tls: bool,
    timeout: Duration,
) -> ProbeOutcome {
    let started = Instant::now();
    match tokio::time::timeout(timeout, exchange(address, host, path, tls)).await {
        Err(_) => ProbeOutcome::Unreachable {
            why: format!("no answer from {address} within {}s", timeout.as_secs_f64()),
        },
        Ok(Err(why)) => ProbeOutcome::Unreachable { why },
        Ok(Ok((status, location, body))) => ProbeOutcome::Answered {
            status,
            latency_ms: started.elapsed().as_secs_f64() * 1000.0,
            location,
            report: report::read(&body),
        },
    }
}

async fn exchange(
    address: SocketAddr,
    host: &str,
    path: &str,
    tls: bool,
) -> Result<(u16, Option<String>, Bytes), String> {
    let stream = tokio::net::TcpStream::connect(address)
        .await
        .map_err(|e| format!("cannot connect to {address}: {}", connect_words(&e)))?;
    if tls {
        let stream = tls::connect(stream, host)
            .await
            .map_err(|e| format!("{address}: TLS handshake failed: {e}"))?;
        ask(hyper_util::rt::TokioIo::new(stream), address, host, path).await
    } else {
        ask(hyper_util::rt::TokioIo::new(stream), address, host, path).await
    }
}

/// The request and its answer, over a connection already open.
async fn ask<T>(
    io: T,
    address: SocketAddr,
    host: &str,
    path: &str,
) -> Result<(u16, Option<String>, Bytes), String>
where
    T: hyper::rt::Read + hyper::rt::Write + Unpin + Send + 'static,
{
    let (mut sender, connection) = hyper::client::conn::http1::handshake(io)
        .await
        .map_err(|e| format!("{address}: {e}"))?;
    let driver = tokio::spawn(connection);
    let path = if path.starts_with('/') {
        path.to_string()
    } else {
        format!("/{path}")
    };
    let request = hyper::Request::get(&path)
        .header(hyper::header::HOST, host)
        .header(hyper::header::USER_AGENT, "patrol-probe")
        .header(
            hyper::header::ACCEPT,
            "application/health+json, application/json;q=0.9, */*;q=0.1",
        )
        .body(Empty::<Bytes>::new())
        .map_err(|e| format!("cannot ask for {path}: {e}"))?;
    let response = (sender.send_request(request).await)
        .map_err(|e| format!("{address} closed the connection without an answer ({e})"))?;
    let status = response.status().as_u16();
    // A redirect is reported, never followed.
    let location = (response.headers().get(hyper::header::LOCATION))
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let body = Limited::new(response.into_body(), BODY_MAX)
        .collect()
        .await
        .map(|b| b.to_bytes())
        .unwrap_or_default();
    driver.abort();
    Ok((status, location, body))
}

fn connect_words(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::ConnectionRefused => "connection refused".into(),
        std::io::ErrorKind::TimedOut => "timed out".into(),
        _ => e.to_string(),
    }
}

/// A listener that serves until it is dropped (the simulator's health pages).
#[derive(Debug)]
pub struct Listener {
    pub address: SocketAddr,
    task: tokio::task::JoinHandle<()>,
}

impl Listener {
    pub fn new(address: SocketAddr, task: tokio::task::JoinHandle<()>) -> Listener {
        Listener { address, task }
    }
}

impl Drop for Listener {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// How one world's targets are probed: the settings, the route, and (the simulator) the
/// listener that answers for its instances, which lives as long as the prober.
#[derive(Debug)]
pub struct Prober {
    settings: ProbeSettings,
    route: Route,
    _listener: Option<Listener>,
}

impl Prober {
    /// Probing straight to each target (AWS), as `settings` allow.
    pub fn direct(settings: ProbeSettings) -> Prober {
        Prober {
            settings,
            route: Route::Direct,
            _listener: None,
        }
    }

    /// Probing through `listener`, which answers for every target (the simulator): on, and
    /// allowed only to loopback.
    pub fn via(listener: Listener, settings: ProbeSettings) -> Prober {
        let loopback = Cidr {
            net: IpAddr::V4(std::net::Ipv4Addr::LOCALHOST),
            prefix: 8,
        };
        Prober {
            settings: ProbeSettings {
                enabled: true,
                allow: vec![loopback],
                overrides: BTreeMap::new(),
                ..settings
            },
            route: Route::Via(listener.address),
            _listener: Some(listener),
        }
    }

    /// Probing off: every target says `not probed`.
    pub fn off() -> Prober {
        Prober::direct(ProbeSettings::default())
    }

    pub fn settings(&self) -> &ProbeSettings {
        &self.settings
    }

    /// Probes every target of `fleet`'s groups (its instances give their addresses).
    pub async fn probe(&self, fleet: &Snapshot, at: DateTime<Utc>) -> Vec<ProbeResult> {
        run(plan(fleet, &self.settings, self.route), &self.settings, at).await
    }
}
