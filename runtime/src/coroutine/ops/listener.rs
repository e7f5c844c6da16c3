//! Listening sockets as a protocol coroutine holds them: [`Listener`], whose `accept`
//! makes the operation that waits for the next connection.

use std::fmt;
use std::io;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use tokio::net::{TcpListener, ToSocketAddrs};

use super::conn::Conn;
use super::io::Stream;
use super::op::{Op, Operation, Outcome};
use super::simulation::ScriptedListener;

/// A listening socket as a protocol coroutine holds it: [`accept`](Self::accept) makes the
/// operation that waits for the next connection. Clones name the same socket, which
/// closes when the last clone (and the last operation made from one) is dropped.
#[derive(Clone)]
pub struct Listener(Arc<ListenerInner>);

struct ListenerInner {
    id: u64,
    kind: ListenerKind,
}

enum ListenerKind {
    Tcp(TcpListener),
    #[cfg(unix)]
    Unix(tokio::net::UnixListener),
    Scripted(ScriptedListener),
}

impl Listener {
    fn new(kind: ListenerKind) -> Self {
        static NEXT: AtomicU64 = AtomicU64::new(1);
        Self(Arc::new(ListenerInner {
            id: NEXT.fetch_add(1, Ordering::Relaxed),
            kind,
        }))
    }

    pub(super) fn scripted(listener: ScriptedListener) -> Self {
        Self::new(ListenerKind::Scripted(listener))
    }

    /// Listens on a TCP address (port 0 for one the system picks: see
    /// [`local_addr`](Self::local_addr)).
    ///
    /// # Errors
    ///
    /// When the address cannot be bound.
    pub async fn bind_tcp(address: impl ToSocketAddrs) -> io::Result<Self> {
        Ok(Self::tcp(TcpListener::bind(address).await?))
    }

    /// Accepts on a TCP listener the program bound itself.
    #[must_use]
    pub fn tcp(listener: TcpListener) -> Self {
        Self::new(ListenerKind::Tcp(listener))
    }

    /// Listens on a Unix-domain socket at `path`.
    ///
    /// # Errors
    ///
    /// When the path cannot be bound (it exists, say).
    #[cfg(unix)]
    pub fn bind_unix(path: impl AsRef<std::path::Path>) -> io::Result<Self> {
        Ok(Self::new(ListenerKind::Unix(
            tokio::net::UnixListener::bind(path)?,
        )))
    }

    /// The address a TCP listener listens on.
    ///
    /// # Errors
    ///
    /// For a listener that is not TCP, or when the system cannot tell.
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        match &self.0.kind {
            ListenerKind::Tcp(listener) => listener.local_addr(),
            _ => Err(io::Error::new(
                io::ErrorKind::Unsupported,
                "not a TCP listener",
            )),
        }
    }

    /// Wait for the next connection: [`Outcome::Accepted`](super::Outcome::Accepted).
    #[must_use]
    pub fn accept<X: Operation>(&self) -> Op<X> {
        Op::Accept {
            listener: self.clone(),
            timeout: None,
        }
    }

    pub(super) async fn accept_now<X: Operation>(&self) -> Outcome<X> {
        let accepted = match &self.0.kind {
            ListenerKind::Tcp(listener) => listener
                .accept()
                .await
                .map(|(stream, peer)| Conn::new(Stream::Tcp(stream), Some(peer))),
            #[cfg(unix)]
            ListenerKind::Unix(listener) => listener
                .accept()
                .await
                .map(|(stream, _)| Conn::new(Stream::Unix(stream), None)),
            ListenerKind::Scripted(listener) => {
                Ok(Conn::new(Stream::Scripted(listener.accept().await), None))
            }
        };
        match accepted {
            Ok(conn) => Outcome::Accepted(conn),
            Err(error) => Outcome::Failed(error),
        }
    }
}

impl PartialEq for Listener {
    fn eq(&self, other: &Self) -> bool {
        self.0.id == other.0.id
    }
}

impl Eq for Listener {}

impl fmt::Debug for Listener {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Listener({})", self.0.id)
    }
}
