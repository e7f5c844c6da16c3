//! A cached homepage on a real web framework: an axum handler whose page takes
//! a while to render is memoized with `#[identity_cached(memoize, ttl = ...)]`, so the
//! first request pays for the render and the next ones are served from memory.
//!
//! `cargo run --example cached_homepage`

use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::extract::State;
use axum::response::Html;
use axum::routing::get;
use axum::Router;
use coact::identity_cached;
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::{TcpListener, TcpStream};

/// Sendable, so that requests can run in their own tasks.
pub type Error = Box<dyn std::error::Error + Send + Sync>;

/// How long a rendered homepage is served before it is rendered again.
pub const HOMEPAGE_TTL: Duration = Duration::from_secs(60);

/// What the homepage is rendered from; the server's state.
#[derive(Clone)]
pub struct Site {
    render_time: Duration,
    renders: Arc<AtomicUsize>,
}

impl Site {
    /// A site whose homepage takes `render_time` to render.
    #[must_use]
    pub fn new(render_time: Duration) -> Self {
        Self {
            render_time,
            renders: Arc::new(AtomicUsize::new(0)),
        }
    }

    /// How many times the homepage was rendered.
    #[must_use]
    pub fn renders(&self) -> usize {
        self.renders.load(Ordering::SeqCst)
    }
}

/// The homepage: rendered once, then served from memory until the TTL
/// runs out or someone calls `homepage_cache().clear()`.
///
/// `key = []`: the site is not part of the key, so there is one homepage per process.
/// The page is `Bytes` because the cache hands out an `Arc` and axum wants an owned body:
/// cloning `Bytes` shares the buffer, where cloning a `String` would copy the page.
#[identity_cached(memoize, ttl = HOMEPAGE_TTL, key = [])]
pub async fn homepage(site: &Site) -> Bytes {
    let render = site.renders.fetch_add(1, Ordering::SeqCst) + 1;
    // Stands for templates, queries and calls to other services.
    tokio::time::sleep(site.render_time).await;
    Bytes::from(format!(
        "<html><body><h1>This is now prebuilt</h1><p>render #{render}</p></body></html>"
    ))
}

async fn index(State(site): State<Site>) -> Html<Bytes> {
    Html(Bytes::clone(&*homepage(&site).await))
}

/// The site's routes.
pub fn router(site: Site) -> Router {
    Router::new().route("/", get(index)).with_state(site)
}

/// A running server; stopped when dropped.
pub struct Server {
    addr: SocketAddr,
    task: tokio::task::JoinHandle<std::io::Result<()>>,
}

impl Server {
    /// Where it listens.
    #[must_use]
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }
}

impl Drop for Server {
    // The tour and the tests go on after their server is done with: don't leave it
    // accepting connections in the background.
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Serves `site` on a free port of 127.0.0.1.
///
/// # Errors
///
/// When no port of 127.0.0.1 can be bound.
pub async fn serve(site: Site) -> std::io::Result<Server> {
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    let task = tokio::spawn(async move { axum::serve(listener, router(site)).await });
    Ok(Server { addr, task })
}

/// An HTTP response, and how long it took from connecting to the last byte.
#[derive(Debug)]
pub struct Response {
    pub status: u16,
    pub body: String,
    pub took: Duration,
}

/// `GET path` over HTTP/1.1 on a fresh connection, as `curl` does it. Written by hand over
/// a TCP stream so that the example needs no HTTP client crate.
///
/// # Errors
///
/// When the connection fails or the response is not HTTP/1.1.
pub async fn http_get(addr: SocketAddr, path: &str) -> std::io::Result<Response> {
    let start = Instant::now();
    let mut stream = TcpStream::connect(addr).await?;
    let request = format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n");
    stream.write_all(request.as_bytes()).await?;
    let mut raw = Vec::new();
    // `Connection: close`: the server closes the stream after the response.
    stream.read_to_end(&mut raw).await?;
    let took = start.elapsed();
    let raw = String::from_utf8_lossy(&raw);
    let (head, body) = raw.split_once("\r\n\r\n").unwrap_or((&raw, ""));
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|code| code.parse().ok())
        .ok_or_else(|| {
            std::io::Error::new(
                std::io::ErrorKind::InvalidData,
                format!("not an HTTP response: {head:?}"),
            )
        })?;
    Ok(Response {
        status,
        body: body.to_owned(),
        took,
    })
}

/// `GET /`, failing on anything but 200 OK.
async fn get_home(addr: SocketAddr) -> Result<Response, Error> {
    let response = http_get(addr, "/").await?;
    if response.status != 200 {
        return Err(format!("GET / answered {}: {}", response.status, response.body).into());
    }
    Ok(response)
}

fn curl(addr: SocketAddr, response: &Response, note: &str) {
    println!("  $ curl http://{addr}/ -w %{{time_total}}s");
    println!("  {:.3}s   ({note})", response.took.as_secs_f64());
}

/// A few requests timed from the outside, then an invalidation and a burst of concurrent requests.
///
/// # Errors
///
/// When the server cannot start or a request fails.
pub async fn run() -> Result<(), Error> {
    let render_time = Duration::from_millis(300);
    let site = Site::new(render_time);
    let server = serve(site.clone()).await?;
    let addr = server.addr();
    println!(
        "  serving http://{addr}/ with axum; the homepage takes {} ms to render and is \
         cached for {} s",
        render_time.as_millis(),
        HOMEPAGE_TTL.as_secs()
    );

    let first = get_home(addr).await?;
    curl(addr, &first, "rendered");
    for _ in 0..2 {
        let later = get_home(addr).await?;
        curl(addr, &later, "served from the cache");
        if later.body != first.body {
            return Err("a cached request got a different page".into());
        }
    }
    println!("  page: {}", first.body);

    println!("  an editor publishes: homepage_cache().clear()");
    homepage_cache().clear().await;
    let start = Instant::now();
    let burst: Vec<_> = (0..5).map(|_| tokio::spawn(get_home(addr))).collect();
    let mut times = Vec::new();
    for request in burst {
        let response = request.await??;
        times.push(format!("{:.3}s", response.took.as_secs_f64()));
    }
    println!(
        "  5 browsers at once: {} (all done after {:.3}s): they waited for one render",
        times.join(", "),
        start.elapsed().as_secs_f64()
    );
    println!("  in all: 8 requests, {} renders", site.renders());
    Ok(())
}

/// The short version, for the tour.
///
/// # Errors
///
/// When the server cannot start or a request fails.
pub async fn tour() -> Result<(), Error> {
    let site = Site::new(Duration::from_millis(300));
    let server = serve(site.clone()).await?;
    let first = get_home(server.addr()).await?;
    let second = get_home(server.addr()).await?;
    if first.body != second.body {
        return Err("a cached request got a different page".into());
    }
    println!(
        "  an axum homepage taking 300 ms to render, memoized for {} s:",
        HOMEPAGE_TTL.as_secs()
    );
    println!(
        "  GET / took {:.3}s, then {:.3}s: {} render, the same page",
        first.took.as_secs_f64(),
        second.took.as_secs_f64(),
        site.renders()
    );
    Ok(())
}

#[allow(dead_code)] // `main` is unused when the tour or a test includes this file.
#[tokio::main]
async fn main() -> Result<(), Error> {
    run().await
}
