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
    planned(s, settings, route).collect()
}

/// `plan`, made a group at a time as they are asked for: at 20,000 targets the whole plan
/// is megabytes held for as long as the probes take.
fn planned<'a>(
    s: &'a Snapshot,
    settings: &'a ProbeSettings,
    route: Route,
) -> impl Iterator<Item = Probe> + Send + 'a {
    let index = s.instance_index();
    (s.target_groups.iter()).flat_map(move |g| group_plan(g, &index, settings, route))
}

/// The probes of one target group's targets.
fn group_plan(
    g: &crate::model::TargetGroup,
    index: &std::collections::HashMap<&str, &crate::model::Instance>,
    settings: &ProbeSettings,
    route: Route,
) -> Vec<Probe> {
    let mut out = Vec::new();
    {
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

/// Sends every probe that may be sent, `settings.concurrency` at a time, each over a
/// connection of its own (as a load balancer's health checker does), and says what became
/// of each (those that may not be sent: why, with nothing sent).
pub async fn run(
    probes: Vec<Probe>,
    settings: &ProbeSettings,
    at: DateTime<Utc>,
) -> Vec<ProbeResult> {
    run_over(probes, settings, at, None).await
}

/// `run`, with plain HTTP probes over the connections of `pool` when there is one.
async fn run_over(
    probes: impl IntoIterator<Item = Probe>,
    settings: &ProbeSettings,
    at: DateTime<Utc>,
    pool: Option<&Pool>,
) -> Vec<ProbeResult> {
    use futures::stream::{self, StreamExt};
    let timeout = settings.timeout;
    stream::iter(probes)
        .map(|p| async move {
            // `plan` gives a reason whenever there is no address to send to.
            let pool = pool.filter(|_| !p.tls);
            let outcome = match (&p.not_probed, p.address) {
                (None, Some(address)) => {
                    let exchange = exchange(address, &p.host, &p.path, p.tls, pool);
                    within(timeout, address, exchange).await
                }
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
    within(timeout, address, exchange(address, host, path, tls, None)).await
}

/// What became of `exchange`, given `timeout` for all of it.
async fn within(
    timeout: Duration,
    address: SocketAddr,
    exchange: impl std::future::Future<Output = Result<(u16, Option<String>, Bytes), String>>,
) -> ProbeOutcome {
    let started = Instant::now();
    match tokio::time::timeout(timeout, exchange).await {
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

/// A connection's sending half.
type Sender = hyper::client::conn::http1::SendRequest<Empty<Bytes>>;

/// Open connections to the one listener that answers for every target (the simulator's,
/// `Route::Via`): a probe takes one that is idle or opens one, and gives it back once its
/// answer is read. At 20,000 targets a connection per probe costs a third of the machine;
/// a load balancer's own checks, and so probes sent straight to targets, open one each.
#[derive(Default)]
struct Pool(std::sync::Mutex<Vec<Sender>>);

impl Pool {
    fn take(&self) -> Option<Sender> {
        let mut idle = self.0.lock().unwrap_or_else(|e| e.into_inner());
        while let Some(sender) = idle.pop() {
            if !sender.is_closed() {
                return Some(sender);
            }
        }
        None
    }

    fn give_back(&self, sender: Sender) {
        if !sender.is_closed() {
            (self.0.lock().unwrap_or_else(|e| e.into_inner())).push(sender);
        }
    }
}

/// One GET, over a connection of `pool` (plain HTTP only) or one opened for it.
async fn exchange(
    address: SocketAddr,
    host: &str,
    path: &str,
    tls: bool,
    pool: Option<&Pool>,
) -> Result<(u16, Option<String>, Bytes), String> {
    if let Some(mut sender) = pool.and_then(Pool::take) {
        // An idle connection the listener closed meanwhile fails at once: a new one then.
        if sender.ready().await.is_ok() {
            if let Ok(answer) = ask(&mut sender, address, host, path).await {
                pool.inspect(|p| p.give_back(sender));
                return Ok(answer);
            }
        }
    }
    let stream = tokio::net::TcpStream::connect(address)
        .await
        .map_err(|e| format!("cannot connect to {address}: {}", connect_words(&e)))?;
    let (mut sender, driver) = if tls {
        let stream = tls::connect(stream, host)
            .await
            .map_err(|e| format!("{address}: TLS handshake failed: {e}"))?;
        open(hyper_util::rt::TokioIo::new(stream), address).await?
    } else {
        open(hyper_util::rt::TokioIo::new(stream), address).await?
    };
    let answer = ask(&mut sender, address, host, path).await;
    match pool {
        // The connection ends when its last sender is dropped.
        Some(pool) if answer.is_ok() => pool.give_back(sender),
        _ => driver.abort(),
    }
    answer
}

/// An HTTP/1 connection over `io`, driven by a task of its own.
async fn open<T>(
    io: T,
    address: SocketAddr,
) -> Result<(Sender, tokio::task::JoinHandle<()>), String>
where
    T: hyper::rt::Read + hyper::rt::Write + Unpin + Send + 'static,
{
    let (sender, connection) = hyper::client::conn::http1::handshake(io)
        .await
        .map_err(|e| format!("{address}: {e}"))?;
    let driver = tokio::spawn(async move {
        let _ = connection.await;
    });
    Ok((sender, driver))
}

/// The request and its answer, over a connection already open.
async fn ask(
    sender: &mut Sender,
    address: SocketAddr,
    host: &str,
    path: &str,
) -> Result<(u16, Option<String>, Bytes), String> {
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
        let probes = planned(fleet, &self.settings, self.route);
        let pool = match self.route {
            Route::Via(_) => Some(Pool::default()),
            Route::Direct => None,
        };
        run_over(probes, &self.settings, at, pool.as_ref()).await
    }
}
