//! Connections as a protocol coroutine holds them: tokens naming a socket the driver
//! performs operations on ([`Conn`], [`ConnRef`]), and the hand-over of the socket to one
//! operation at a time ([`IoGuard`]). The socket and its read buffer are in `io.rs`, the
//! listening sockets in `listener.rs`.

use std::fmt;
use std::io;
use std::net::SocketAddr;
use std::ops::Deref;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;

use crossbeam_utils::atomic::AtomicCell;
use tokio::net::TcpStream;

use super::io::{Io, Stream};
use super::op::{Op, Operation};

/// A connection a protocol coroutine owns: it names a socket without touching it, and
/// closes it when dropped (so a coroutine that returns, or panics, closes its
/// connections).
///
/// It derefs to [`ConnRef`], whose methods make the operations on it:
/// `yield_!(conn.read_line(8192))`. Move it into another coroutine to hand the
/// connection over ([`Op::spawn`](super::Op::spawn)).
pub struct Conn {
    inner: ConnRef,
}

/// A connection as an operation names it: what [`Op::ReadLine`](super::Op::ReadLine), [`Op::Read`](super::Op::Read) and
/// [`Op::Write`](super::Op::Write) carry, and what makes them.
///
/// It does not keep the connection open: that is its [`Conn`]'s job. An operation on a
/// connection whose `Conn` is gone ends with [`Outcome::Failed`](super::Outcome::Failed).
#[derive(Clone)]
pub struct ConnRef(Arc<ConnInner>);

struct ConnInner {
    id: u64,
    peer: Option<SocketAddr>,
    /// The socket and its buffer; taken out while an operation runs on them. Boxed, so
    /// that the cell holds a pointer: taking it out and putting it back are one atomic
    /// swap each, with no lock.
    io: AtomicCell<Option<Box<Io>>>,
    /// The `Conn` was dropped: an operation in flight closes the socket when it ends.
    released: AtomicBool,
}

impl Conn {
    pub(super) fn new(stream: Stream, peer: Option<SocketAddr>) -> Self {
        static NEXT: AtomicU64 = AtomicU64::new(1);
        Self {
            inner: ConnRef(Arc::new(ConnInner {
                id: NEXT.fetch_add(1, Ordering::Relaxed),
                peer,
                io: AtomicCell::new(Some(Box::new(Io::new(stream)))),
                released: AtomicBool::new(false),
            })),
        }
    }

    /// A connection on a TCP stream (one a program connected itself, say).
    #[must_use]
    pub fn tcp(stream: TcpStream) -> Self {
        let peer = stream.peer_addr().ok();
        Self::new(Stream::Tcp(stream), peer)
    }

    /// A connection on a Unix-domain stream.
    #[cfg(unix)]
    #[must_use]
    pub fn unix(stream: tokio::net::UnixStream) -> Self {
        Self::new(Stream::Unix(stream), None)
    }
}

impl Conn {
    /// The connection as operations name it, to keep after the `Conn` is moved (a test
    /// that builds the operations it expects, say).
    #[must_use]
    pub fn to_ref(&self) -> ConnRef {
        self.inner.clone()
    }
}

impl Deref for Conn {
    type Target = ConnRef;
    fn deref(&self) -> &ConnRef {
        &self.inner
    }
}

impl Drop for Conn {
    fn drop(&mut self) {
        let inner = &self.inner.0;
        inner.released.store(true, Ordering::Release);
        // Dropping the socket closes it; if an operation has it out, it closes it when
        // it puts it back.
        drop(inner.take());
    }
}

impl fmt::Debug for Conn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.inner.fmt(f)
    }
}

impl ConnInner {
    fn take(&self) -> Option<Box<Io>> {
        self.io.take()
    }

    /// Puts the socket back after an operation; if its `Conn` was dropped meanwhile, the
    /// socket is dropped (closed) here or by that drop, whichever takes it.
    fn put_back(&self, io: Box<Io>) {
        // The swap and the `Conn`'s (in `take`) are ordered: if the `Conn`'s came first,
        // its `released` store (before it) is seen below; if this one came first, the
        // `Conn`'s takes the socket.
        drop(self.io.swap(Some(io)));
        if self.released.load(Ordering::Acquire) {
            drop(self.take());
        }
    }
}

impl ConnRef {
    /// Tells connections apart (in `Debug` output, in logs).
    #[must_use]
    pub fn id(&self) -> u64 {
        self.0.id
    }

    /// The peer's address, for a TCP connection.
    #[must_use]
    pub fn peer(&self) -> Option<SocketAddr> {
        self.0.peer
    }

    /// Read one line of at most `max` bytes, its `\n` included: [`Outcome::Line`](super::Outcome::Line), or
    /// [`Outcome::TooLong`](super::Outcome::TooLong) with the first `max` bytes of a longer one. The connection
    /// never buffers more than `max` (or 8 KiB, if more).
    #[must_use]
    pub fn read_line<X: Operation>(&self, max: usize) -> Op<X> {
        Op::ReadLine {
            conn: self.clone(),
            max,
            timeout: None,
        }
    }

    /// Read what has arrived, at most `max` bytes, waiting for something if nothing
    /// has: [`Outcome::Data`](super::Outcome::Data).
    #[must_use]
    pub fn read<X: Operation>(&self, max: usize) -> Op<X> {
        Op::Read {
            conn: self.clone(),
            max,
            timeout: None,
        }
    }

    /// Send all of `bytes`: [`Outcome::Written`](super::Outcome::Written).
    #[must_use]
    pub fn write<X: Operation>(&self, bytes: impl Into<Vec<u8>>) -> Op<X> {
        Op::Write {
            conn: self.clone(),
            bytes: bytes.into(),
            timeout: None,
        }
    }

    /// Takes the socket out of the connection for an operation; it goes back when the
    /// guard is dropped, however the operation ended (completed, timed out, interrupted).
    ///
    /// # Errors
    ///
    /// When the `Conn` was dropped, or another operation has the socket.
    pub(super) fn io(&self) -> io::Result<IoGuard<'_>> {
        match self.0.take() {
            Some(io) => Ok(IoGuard {
                conn: &self.0,
                io: Some(io),
            }),
            None => Err(io::Error::new(
                io::ErrorKind::ResourceBusy,
                "the connection is closed, or another operation is using it",
            )),
        }
    }
}

/// A connection's socket, out for one operation: see [`ConnRef::io`].
pub(super) struct IoGuard<'a> {
    conn: &'a ConnInner,
    io: Option<Box<Io>>,
}

impl Deref for IoGuard<'_> {
    type Target = Io;
    fn deref(&self) -> &Io {
        self.io.as_ref().expect("present until dropped")
    }
}

impl std::ops::DerefMut for IoGuard<'_> {
    fn deref_mut(&mut self) -> &mut Io {
        self.io.as_mut().expect("present until dropped")
    }
}

impl Drop for IoGuard<'_> {
    fn drop(&mut self) {
        if let Some(io) = self.io.take() {
            self.conn.put_back(io);
        }
    }
}

impl PartialEq for ConnRef {
    fn eq(&self, other: &Self) -> bool {
        self.0.id == other.0.id
    }
}

impl Eq for ConnRef {}

impl fmt::Debug for ConnRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Conn({})", self.0.id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_connection_hands_its_socket_over_without_a_lock() {
        assert!(AtomicCell::<Option<Box<Io>>>::is_lock_free());
    }
}
