//! A small webhook receiver: an HTTP server that verifies forge deliveries
//! (HMAC-SHA256 signatures, compared in constant time) and turns them into
//! Mosaic's normalized `WebhookEvent`s with `mosaic_providers::webhook`.
//!
//! Routes: `POST /webhooks/github` (`X-Hub-Signature-256`,
//! `X-GitHub-Event`) and `POST /webhooks/gitea` (`X-Gitea-Signature`,
//! `X-Gitea-Event`). Answers: `200` with a JSON summary for an event Mosaic
//! models (and for a replay of one, unprocessed), `202` for a well-formed
//! delivery of an event it does not, `401` for a missing or wrong
//! signature, `400` for a bad body, `503` when the replay guard cannot
//! decide, `404`/`405` for other paths and methods. The HTTP/1.1 reader is deliberately minimal
//! (one request per connection, `Content-Length` bodies up to 5 MiB, a
//! 5-second read deadline); put a real HTTP server in front of it in
//! production.
//!
//! Replays are refused with a [`DeliveryGuard`] (opt-in): a delivery whose
//! id (`X-GitHub-Delivery`, `X-Gitea-Delivery`) was already processed in
//! the last 24 hours is answered `200` with `"duplicate": true` and not
//! processed again, so the forge stops retrying and nothing runs twice.
//! The guard here keeps ids in memory (one replica); a host with several
//! replicas shares them in Redis with `RedisDeliveries` (feature `redis`
//! of `mosaic-providers`), choosing what happens while Redis is down.
//!
//! At startup it sends itself, over loopback, one signed GitHub `push`
//! delivery, the same delivery again (a replay), and one whose signature
//! is wrong, prints the answers, checks that the push was processed once,
//! and exits. With `--serve` it keeps listening (on `--addr`, default
//! `127.0.0.1:8787`) until interrupted. The shared secret is
//! `WEBHOOK_SECRET` from the environment, or an example value.
//!
//! Offline, no credentials. Run it with
//! `cargo run -p mosaic-examples --example webhook_receiver` (add
//! `-- --serve` to keep it running).

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use http::{HeaderName, HeaderValue};
use mosaic_core::{Error, Result};
use mosaic_providers::gitea::webhook::GiteaWebhooks;
use mosaic_providers::github::webhook::{
    DELIVERY_HEADER, EVENT_HEADER, GitHubWebhooks, SIGNATURE_HEADER,
};
use mosaic_providers::webhook::{
    DeliveryGuard, HeaderMap, WebhookError, WebhookEvent, WebhookHandler, WebhookOutcome,
    delivery_key, verify,
};
use serde_json::json;
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::{TcpListener, TcpStream};

/// Largest request head accepted.
const MAX_HEAD: usize = 16 * 1024;
/// Largest body accepted (GitHub caps deliveries at 25 MB; ours is smaller).
const MAX_BODY: usize = 5 * 1024 * 1024;
/// How long a client may take to send its request.
const READ_DEADLINE: Duration = Duration::from_secs(5);

/// How long a delivery id is remembered (forges redeliver within hours).
const REPLAY_WINDOW: Duration = Duration::from_secs(24 * 3600);
/// The most delivery ids remembered at once.
const MAX_REMEMBERED: usize = 100_000;

/// The receiver: its routes (path → handler), the replay guard, and how
/// many events it processed.
struct Receiver {
    routes: Vec<(&'static str, Box<dyn WebhookHandler>)>,
    guard: DeliveryGuard,
    processed: AtomicU64,
}

type Routes = Arc<Receiver>;

/// One parsed request.
struct HttpRequest {
    method: String,
    path: String,
    headers: HeaderMap,
    body: Vec<u8>,
}

/// A response: status and JSON body.
struct Reply(u16, serde_json::Value);

impl Reply {
    fn error(status: u16, message: impl Into<String>) -> Reply {
        Reply(status, json!({"error": message.into()}))
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// Read one HTTP/1.1 request (head, then a `Content-Length` body).
async fn read_request(stream: &mut TcpStream) -> std::result::Result<HttpRequest, Reply> {
    let io = |e: std::io::Error| Reply::error(400, format!("reading the request: {e}"));
    let mut buf = Vec::with_capacity(4096);
    let mut chunk = [0u8; 4096];
    let head_end = loop {
        if let Some(pos) = find(&buf, b"\r\n\r\n") {
            break pos;
        }
        if buf.len() > MAX_HEAD {
            return Err(Reply::error(431, "request head too large"));
        }
        let n = stream.read(&mut chunk).await.map_err(io)?;
        if n == 0 {
            return Err(Reply::error(
                400,
                "connection closed inside the request head",
            ));
        }
        buf.extend_from_slice(&chunk[..n]);
    };
    let head = std::str::from_utf8(&buf[..head_end])
        .map_err(|_| Reply::error(400, "request head is not UTF-8"))?;
    let mut lines = head.split("\r\n");
    let mut parts = lines.next().unwrap_or_default().split(' ');
    let (method, path, version) = (parts.next(), parts.next(), parts.next());
    let (Some(method), Some(path), Some(version)) = (method, path, version) else {
        return Err(Reply::error(400, "malformed request line"));
    };
    if !version.starts_with("HTTP/1.") {
        return Err(Reply::error(505, "only HTTP/1.x is spoken here"));
    }
    let mut headers = HeaderMap::new();
    for line in lines {
        let Some((name, value)) = line.split_once(':') else {
            return Err(Reply::error(400, "malformed header line"));
        };
        let name = HeaderName::from_bytes(name.trim().as_bytes())
            .map_err(|_| Reply::error(400, "invalid header name"))?;
        let value = HeaderValue::from_str(value.trim())
            .map_err(|_| Reply::error(400, format!("invalid value of header `{name}`")))?;
        headers.append(name, value);
    }
    if headers.contains_key(http::header::TRANSFER_ENCODING) {
        return Err(Reply::error(411, "send the body with a Content-Length"));
    }
    let length = match headers.get(http::header::CONTENT_LENGTH) {
        None => 0,
        Some(v) => v
            .to_str()
            .ok()
            .and_then(|v| v.parse::<usize>().ok())
            .ok_or_else(|| Reply::error(400, "invalid Content-Length"))?,
    };
    if length > MAX_BODY {
        return Err(Reply::error(413, "body too large"));
    }
    let mut body = buf[head_end + 4..].to_vec();
    while body.len() < length {
        let n = stream.read(&mut chunk).await.map_err(io)?;
        if n == 0 {
            return Err(Reply::error(400, "connection closed inside the body"));
        }
        body.extend_from_slice(&chunk[..n]);
    }
    body.truncate(length);
    Ok(HttpRequest {
        method: method.to_owned(),
        path: path.to_owned(),
        headers,
        body,
    })
}

/// What the receiver answers for one request.
async fn respond(receiver: &Receiver, req: &HttpRequest) -> Reply {
    let Some((_, handler)) = receiver.routes.iter().find(|(path, _)| *path == req.path) else {
        return Reply::error(404, format!("no webhook endpoint at {}", req.path));
    };
    if req.method != "POST" {
        return Reply::error(405, "webhooks are POSTed");
    }
    // verified first: an unsigned request must not use up a delivery's id
    match handler.handle(&req.headers, &req.body) {
        Ok(WebhookOutcome::Event(d)) => {
            // a delivery without an id cannot be de-duplicated: process it
            if let Some(key) = delivery_key(handler.forge(), &req.headers) {
                match receiver.guard.first_delivery(&key).await {
                    Ok(true) => {}
                    // a replay: acknowledged so the forge stops, not processed
                    Ok(false) => {
                        return Reply(200, json!({"duplicate": true, "delivery": d.delivery_id}));
                    }
                    // a shared guard configured to fail closed: ask for a retry
                    Err(e) => return Reply::error(503, e.to_string()),
                }
            }
            // "processing": a real host would act on the event here (and,
            // if that failed, `receiver.guard.forget(&key)` so that the
            // forge's retry is processed)
            receiver.processed.fetch_add(1, Ordering::SeqCst);
            let mut summary = json!({
                "forge": d.forge.as_str(),
                "event": d.event.name(),
                "repository": format!("{}/{}", d.repository.owner, d.repository.name),
                "delivery": d.delivery_id,
                "sender": d.sender,
            });
            if let WebhookEvent::Push(p) = &d.event {
                summary["branch"] = json!(p.branch());
                summary["commits"] = json!(p.commits.len());
                summary["after"] = json!(p.after);
            }
            Reply(200, summary)
        }
        Ok(WebhookOutcome::Ignored { event, reason }) => {
            Reply(202, json!({"ignored": event, "reason": reason}))
        }
        // signatures: say no more than that
        Err(e) if e.is_signature_error() => Reply::error(401, e.to_string()),
        Err(WebhookError::Payload(e)) => Reply::error(400, e.to_string()),
        Err(e) => Reply::error(400, e.to_string()),
    }
}

async fn serve_one(routes: Routes, mut stream: TcpStream, peer: SocketAddr) {
    let reply = match tokio::time::timeout(READ_DEADLINE, read_request(&mut stream)).await {
        Ok(Ok(req)) => {
            let reply = respond(&routes, &req).await;
            println!(
                "   server: {} {} from {peer} → {}",
                req.method, req.path, reply.0
            );
            reply
        }
        Ok(Err(reply)) => reply,
        Err(_) => Reply::error(408, "request not received in time"),
    };
    let body = reply.1.to_string();
    let reason = match reply.0 {
        200 => "OK",
        202 => "Accepted",
        400 => "Bad Request",
        401 => "Unauthorized",
        404 => "Not Found",
        405 => "Method Not Allowed",
        408 => "Request Timeout",
        411 => "Length Required",
        413 => "Payload Too Large",
        431 => "Request Header Fields Too Large",
        503 => "Service Unavailable",
        _ => "HTTP Version Not Supported",
    };
    let head = format!(
        "HTTP/1.1 {} {reason}\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
        reply.0,
        body.len()
    );
    // the client may already be gone; nothing to do about it then
    let _ = stream.write_all(head.as_bytes()).await;
    let _ = stream.write_all(body.as_bytes()).await;
    let _ = stream.shutdown().await;
}

/// Accept connections forever, one task each.
async fn serve(listener: TcpListener, routes: Routes) {
    loop {
        match listener.accept().await {
            Ok((stream, peer)) => {
                tokio::spawn(serve_one(routes.clone(), stream, peer));
            }
            Err(e) => {
                eprintln!("accept failed: {e}");
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        }
    }
}

/// POST `body` to `path` over a fresh connection; the status and body.
async fn post(
    addr: SocketAddr,
    path: &str,
    headers: &[(&str, String)],
    body: &[u8],
) -> Result<(u16, String)> {
    let io = |e: std::io::Error| Error::unavailable(format!("talking to {addr}: {e}"));
    let mut stream = TcpStream::connect(addr).await.map_err(io)?;
    let mut head = format!(
        "POST {path} HTTP/1.1\r\nhost: {addr}\r\ncontent-type: application/json\r\ncontent-length: {}\r\n",
        body.len()
    );
    for (name, value) in headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str("\r\n");
    stream.write_all(head.as_bytes()).await.map_err(io)?;
    stream.write_all(body).await.map_err(io)?;
    let mut answer = Vec::new();
    stream.read_to_end(&mut answer).await.map_err(io)?;
    let text = String::from_utf8_lossy(&answer);
    let status = text
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| Error::unavailable(format!("{addr} answered without an HTTP status")))?;
    let body = text
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_owned())
        .unwrap_or_default();
    Ok((status, body))
}

#[tokio::main]
async fn main() -> Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let serving = args.iter().any(|a| a == "--serve");
    let addr = match args.iter().position(|a| a == "--addr") {
        Some(i) => args
            .get(i + 1)
            .ok_or_else(|| Error::invalid_input("--addr", "needs a value"))?
            .clone(),
        None if serving => "127.0.0.1:8787".to_owned(),
        None => "127.0.0.1:0".to_owned(),
    };
    let secret =
        std::env::var("WEBHOOK_SECRET").unwrap_or_else(|_| "mosaic-example-secret".to_owned());
    let routes: Routes = Arc::new(Receiver {
        routes: vec![
            (
                "/webhooks/github",
                Box::new(GitHubWebhooks::new(secret.clone())?),
            ),
            (
                "/webhooks/gitea",
                Box::new(GiteaWebhooks::new(secret.clone())?),
            ),
        ],
        guard: DeliveryGuard::in_memory(REPLAY_WINDOW, MAX_REMEMBERED),
        processed: AtomicU64::new(0),
    });
    let receiver = routes.clone();
    let listener = TcpListener::bind(&addr)
        .await
        .map_err(|e| Error::config(format!("cannot listen on {addr}: {e}")))?;
    let local = listener
        .local_addr()
        .map_err(|e| Error::internal(e.to_string()))?;
    println!("Webhook receiver listening on http://{local} (/webhooks/github, /webhooks/gitea)");
    let server = tokio::spawn(serve(listener, routes));

    // a GitHub push delivery, as GitHub would send it
    let body = json!({
        "ref": "refs/heads/main",
        "before": "6113728f27ae82c7b1a177c8d03f9e96e0adf246",
        "after": "59b20b8d5c6ff8d09518454d4dd8b7a30f095ab5",
        "commits": [
            {"id": "1c1a2f8f3e1d5cbb2c8a8f3f4c7d9e1a2b3c4d5e", "message": "Fix the retry budget", "author": {"name": "Ada"}},
            {"id": "59b20b8d5c6ff8d09518454d4dd8b7a30f095ab5", "message": "Document the breaker", "author": {"name": "Grace"}}
        ],
        "repository": {"name": "website", "full_name": "acme/website", "owner": {"login": "acme"}},
        "sender": {"login": "ada"}
    })
    .to_string();
    let signature = format!(
        "sha256={}",
        verify::hmac_sha256_hex(secret.as_bytes(), body.as_bytes())
    );
    let headers = |signature: String| {
        vec![
            (EVENT_HEADER, "push".to_owned()),
            (
                DELIVERY_HEADER,
                "72d3162e-cc78-11e3-81ab-4c9367dc0958".to_owned(),
            ),
            (SIGNATURE_HEADER, signature),
        ]
    };

    println!("1. A signed GitHub push delivery");
    let (status, answer) = post(
        local,
        "/webhooks/github",
        &headers(signature.clone()),
        body.as_bytes(),
    )
    .await?;
    println!("   client: {status} {answer}");
    if status != 200 || answer.contains("duplicate") {
        return Err(Error::internal("the signed delivery was refused"));
    }

    println!("2. The same delivery again (a retry, a redelivery or a replay)");
    let (status, answer) = post(
        local,
        "/webhooks/github",
        &headers(signature),
        body.as_bytes(),
    )
    .await?;
    println!("   client: {status} {answer}");
    let processed = receiver.processed.load(Ordering::SeqCst);
    println!("   events processed so far: {processed}");
    if status != 200 || !answer.contains("\"duplicate\":true") || processed != 1 {
        return Err(Error::internal("a replayed delivery was processed again"));
    }

    println!("3. The same delivery signed with another secret");
    let forged = format!(
        "sha256={}",
        verify::hmac_sha256_hex(b"not-the-secret", body.as_bytes())
    );
    let (status, answer) =
        post(local, "/webhooks/github", &headers(forged), body.as_bytes()).await?;
    println!("   client: {status} {answer}");
    if status != 401 {
        return Err(Error::internal("a forged delivery was accepted"));
    }

    if serving {
        println!(
            "Serving until interrupted. Configure the forge's webhook with this URL and the secret in WEBHOOK_SECRET."
        );
        server.await.map_err(|e| Error::internal(e.to_string()))?;
    } else {
        server.abort();
    }
    Ok(())
}
