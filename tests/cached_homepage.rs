//! The memoized homepage of `examples/cached_homepage.rs`, served by axum and requested
//! over HTTP.
//!
//! The cache behind `homepage` is a process-wide static keyed by nothing: one test holds
//! every request of this file, so that no other test's page is served to it.

#[allow(dead_code)] // The example's `main`, `run` and `tour` are not used here.
#[path = "../examples/cached_homepage.rs"]
mod cached_homepage;

use std::net::SocketAddr;
use std::time::Duration;

use cached_homepage::{homepage_cache, http_get, serve, Site};

async fn body_of_home(addr: SocketAddr) -> String {
    let response = http_get(addr, "/").await.expect("the server answers");
    assert_eq!(response.status, 200, "{}", response.body);
    response.body
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_homepage_is_rendered_once_and_again_only_after_a_clear() {
    let site = Site::new(Duration::from_millis(50));
    let server = serve(site.clone())
        .await
        .expect("127.0.0.1 has a free port");

    let first = body_of_home(server.addr()).await;
    let second = body_of_home(server.addr()).await;
    assert_eq!(first, second);
    assert!(first.contains("This is now prebuilt"), "{first}");
    assert_eq!(site.renders(), 1);

    homepage_cache().clear().await;
    let burst: Vec<_> = (0..10)
        .map(|_| tokio::spawn(body_of_home(server.addr())))
        .collect();
    let mut bodies = Vec::new();
    for request in burst {
        bodies.push(request.await.expect("no request panics"));
    }
    assert!(bodies.iter().all(|body| *body == bodies[0]));
    assert_ne!(bodies[0], first, "rendered afresh after the clear");
    assert_eq!(site.renders(), 2, "concurrent requests share one render");
}
