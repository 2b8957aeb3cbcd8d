//! The simulated instances' health pages, served for real on loopback: one listener that
//! answers for every instance by the Host header (the instance's own address and port, as
//! a load balancer's checker sends it), so patrol's probe is the same code in both worlds
//! and the instances' own 10.x addresses are never contacted.

use super::world::World;
use super::SimCloud;
use crate::probe::Listener;
use bytes::Bytes;
use http_body_util::Full;

/// Where the health pages look: each address's instance, and each target's groups.
#[derive(Debug, Default)]
pub(super) struct PageIndex {
    by_ip: std::collections::HashMap<String, usize>,
    groups_of: std::collections::HashMap<(usize, u16), Vec<usize>>,
}

impl World {
    /// The pages' lookup, built again only when the fleet's shape has changed.
    fn page_index(&self) -> std::sync::Arc<PageIndex> {
        let mut cached = self.pages.borrow_mut();
        if let Some((shape, index)) = &*cached {
            if *shape == self.shape {
                return index.clone();
            }
        }
        let mut index = PageIndex::default();
        for (at, i) in self.instances.iter().enumerate() {
            // Addresses are never given twice; a terminated instance's stays its own.
            if i.terminated_at.is_none() {
                index.by_ip.insert(i.private_ip.clone(), at);
            }
        }
        for (gi, g) in self.target_groups.iter().enumerate() {
            for t in &g.targets {
                if let Some(at) = self.instance_at(&t.instance_id) {
                    index.groups_of.entry((at, t.port)).or_default().push(gi);
                }
            }
        }
        let index = std::sync::Arc::new(index);
        *cached = Some((self.shape, index.clone()));
        index
    }

    /// What the instance at `host` (`ip:port`) answers for `path`: None when nothing answers
    /// (no such instance, or it is not serving: the connection is dropped).
    pub(super) fn health_page(
        &self,
        host: &str,
        path: &str,
    ) -> Option<(u16, &'static str, String)> {
        let (ip, port) = host.rsplit_once(':')?;
        let port: u16 = port.parse().ok()?;
        let index = self.page_index();
        let at = *index.by_ip.get(ip)?;
        let instance = &self.instances[at];
        if instance.terminated_at.is_some() || !self.is_serving(instance) {
            return None;
        }
        let groups: Vec<_> = (index.groups_of.get(&(at, port)).into_iter().flatten())
            .map(|&gi| &self.target_groups[gi])
            .collect();
        let own = (groups.iter()).any(|g| g.model.health_check.path.as_deref() == Some(path));
        // A static page or `/` sees only the web server; the application's health page goes
        // through every dependency its groups name.
        if crate::model::looks_shallow(path) {
            return Some((200, "text/html", "<html><body>OK</body></html>\n".into()));
        }
        if !own && !path.contains("health") {
            return Some((404, "text/plain", "Not Found\n".into()));
        }
        let mut deps: Vec<&String> = groups.iter().flat_map(|g| g.depends_on.iter()).collect();
        deps.sort();
        deps.dedup();
        let up = |d: &str| self.dependencies.get(d).copied().unwrap_or(true);
        let mut checks = serde_json::Map::new();
        checks.insert("app".into(), serde_json::json!([{"status": "pass"}]));
        for d in &deps {
            let entry = if up(d) {
                serde_json::json!([{"status": "pass"}])
            } else {
                serde_json::json!([{"status": "fail", "output": format!("cannot reach {d}: connection refused")}])
            };
            checks.insert((*d).clone(), entry);
        }
        let failing = deps.iter().any(|d| !up(d));
        let body = serde_json::json!({
            "status": if failing { "fail" } else { "pass" },
            "checks": checks,
        });
        let code = if failing { 503 } else { 200 };
        Some((code, "application/health+json", format!("{body}\n")))
    }
}

impl SimCloud {
    /// Serves every instance's health pages on 127.0.0.1 (a free port) until the listener
    /// is dropped. Probes reach it through `probe::Prober::via`.
    pub async fn serve_health_pages(&self) -> std::io::Result<Listener> {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let address = listener.local_addr()?;
        let world = self.world.clone();
        let task = tokio::spawn(async move {
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    return;
                };
                let world = world.clone();
                tokio::spawn(async move {
                    let service = hyper::service::service_fn(
                        move |req: hyper::Request<hyper::body::Incoming>| {
                            let host = (req.headers().get(hyper::header::HOST))
                                .and_then(|h| h.to_str().ok())
                                .unwrap_or_default()
                                .to_string();
                            let page = {
                                let w = world.lock().unwrap_or_else(|p| p.into_inner());
                                w.health_page(&host, req.uri().path())
                            };
                            async move {
                                match page {
                                    Some((code, kind, body)) => hyper::Response::builder()
                                        .status(code)
                                        .header(hyper::header::CONTENT_TYPE, kind)
                                        .body(Full::new(Bytes::from(body)))
                                        .map_err(|e| e.to_string()),
                                    // Nothing answers: the connection is dropped.
                                    None => Err("not serving".to_string()),
                                }
                            }
                        },
                    );
                    let io = hyper_util::rt::TokioIo::new(stream);
                    let _ = hyper::server::conn::http1::Builder::new()
                        .serve_connection(io, service)
                        .await;
                });
            }
        });
        Ok(Listener::new(address, task))
    }
}
