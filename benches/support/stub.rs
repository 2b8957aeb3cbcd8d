//! A replay stub for benchmarks: records moto's answers through a proxy, then serves them
//! to any number of clients at once, each after an added latency. One moto process answers
//! one request at a time; the stub measures patrol, not moto. Everything on 127.0.0.1.

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// A recorded answer: status, content type, body.
pub type Answer = (u16, String, Bytes);

/// Recorded answers by what was asked.
#[derive(Clone, Default)]
pub struct Book(Arc<Mutex<HashMap<String, Answer>>>);

impl Book {
    pub fn len(&self) -> usize {
        self.0.lock().unwrap().len()
    }
}

/// A server on 127.0.0.1: its URL and how many connections it accepted.
pub struct Server {
    pub address: SocketAddr,
    pub connections: Arc<AtomicU64>,
}

impl Server {
    pub fn url(&self) -> String {
        format!("http://{}", self.address)
    }

    pub fn connections(&self) -> u64 {
        self.connections.load(Ordering::Relaxed)
    }
}

/// What a request asks, whatever its signature and date: its path and its body's
/// parameters, less the times that move with the clock (GetMetricData's window).
pub fn key(path: &str, body: &[u8]) -> String {
    let body = String::from_utf8_lossy(body);
    let kept: Vec<&str> = (body.split('&'))
        .filter(|p| !p.split('=').next().unwrap_or_default().ends_with("Time"))
        .collect();
    format!("{path}\n{}", kept.join("&"))
}

/// Serves on 127.0.0.1 with `answer` for each request, as many at once as come.
pub async fn serve<F, Fut>(answer: F) -> Server
where
    F: Fn(String, hyper::http::request::Parts, Bytes) -> Fut + Send + Sync + Clone + 'static,
    Fut: std::future::Future<Output = Answer> + Send,
{
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let connections = Arc::new(AtomicU64::new(0));
    let counted = connections.clone();
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            counted.fetch_add(1, Ordering::Relaxed);
            let answer = answer.clone();
            tokio::spawn(async move {
                let service = hyper::service::service_fn(
                    move |req: hyper::Request<hyper::body::Incoming>| {
                        let answer = answer.clone();
                        async move {
                            let (parts, body) = req.into_parts();
                            let body = body
                                .collect()
                                .await
                                .map(|b| b.to_bytes())
                                .unwrap_or_default();
                            let path = parts.uri.to_string();
                            let (status, kind, bytes) =
                                answer(key(&path, &body), parts, body).await;
                            hyper::Response::builder()
                                .status(status)
                                .header(hyper::header::CONTENT_TYPE, kind)
                                .body(Full::new(bytes))
                        }
                    },
                );
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(hyper_util::rt::TokioIo::new(stream), service)
                    .await;
            });
        }
    });
    Server {
        address,
        connections,
    }
}

/// Forwards one request to moto and gives back its answer.
pub async fn forward(moto: SocketAddr, parts: hyper::http::request::Parts, body: Bytes) -> Answer {
    let stream = tokio::net::TcpStream::connect(moto).await.unwrap();
    let (mut sender, connection) =
        hyper::client::conn::http1::handshake(hyper_util::rt::TokioIo::new(stream))
            .await
            .unwrap();
    tokio::spawn(connection);
    let mut request = hyper::Request::builder()
        .method(parts.method)
        .uri(parts.uri);
    for (name, value) in parts.headers.iter() {
        request = request.header(name, value);
    }
    let response = sender
        .send_request(request.body(Full::new(body)).unwrap())
        .await
        .unwrap();
    let status = response.status().as_u16();
    let kind = (response.headers().get(hyper::header::CONTENT_TYPE))
        .and_then(|v| v.to_str().ok())
        .unwrap_or("text/xml")
        .to_string();
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    (status, kind, bytes)
}

/// moto's address, from the harness's URL.
pub fn moto_address(url: &str) -> SocketAddr {
    url.trim_start_matches("http://").parse().unwrap()
}

/// A proxy to moto that writes every answer into `book`.
pub async fn recorder(moto: SocketAddr, book: &Book) -> Server {
    let book = book.clone();
    serve(move |key, parts, body| {
        let book = book.clone();
        async move {
            let answer = forward(moto, parts, body).await;
            book.0.lock().unwrap().insert(key, answer.clone());
            answer
        }
    })
    .await
}

/// A proxy to moto that adds `latency` to every answer.
pub async fn slow_proxy(moto: SocketAddr, latency: Duration) -> Server {
    serve(move |_, parts, body| async move {
        tokio::time::sleep(latency).await;
        forward(moto, parts, body).await
    })
    .await
}

/// Serves the recorded answers to anyone, each after `latency` (a request never recorded
/// gets a 500 that says so).
pub async fn replay(book: &Book, latency: Duration) -> Server {
    let book = book.clone();
    serve(move |key, _, _| {
        let found = book.0.lock().unwrap().get(&key).cloned();
        async move {
            tokio::time::sleep(latency).await;
            found.unwrap_or((
                500,
                "text/plain".into(),
                Bytes::from_static(b"not recorded"),
            ))
        }
    })
    .await
}
