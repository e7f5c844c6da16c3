//! Connections and listeners as a protocol coroutine holds them: tokens naming a socket
//! the driver performs operations on ([`Conn`], [`ConnRef`], [`Listener`]), and the
//! operations on them (reading a line into a bounded buffer, reading, writing, accepting).

use std::fmt;
use std::io;
use std::net::SocketAddr;
use std::ops::Deref;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::task::{ready, Context, Poll};

use crossbeam_utils::atomic::AtomicCell;
use tokio::io::{AsyncRead, AsyncWrite, AsyncWriteExt as _, ReadBuf};
use tokio::net::{TcpListener, TcpStream, ToSocketAddrs};

use super::op::{Op, Operation, Outcome};
use super::simulation::{Scripted, ScriptedListener};

/// How much a connection buffers for reading before a line needs more (then it grows,
/// up to the longest line a [`Op::ReadLine`] allows).
const BUFFER: usize = 8 * 1024;

/// A connection a protocol coroutine owns: it names a socket without touching it, and
/// closes it when dropped (so a coroutine that returns, or panics, closes its
/// connections).
///
/// It derefs to [`ConnRef`], whose methods make the operations on it:
/// `yield_!(conn.read_line(8192))`. Move it into another coroutine to hand the
/// connection over ([`Op::spawn`]).
pub struct Conn {
    inner: ConnRef,
}

/// A connection as an operation names it: what [`Op::ReadLine`], [`Op::Read`] and
/// [`Op::Write`] carry, and what makes them.
///
/// It does not keep the connection open: that is its [`Conn`]'s job. An operation on a
/// connection whose `Conn` is gone ends with [`Outcome::Failed`].
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

/// A socket of any kind the driver performs operations on.
pub(super) enum Stream {
    Tcp(TcpStream),
    #[cfg(unix)]
    Unix(tokio::net::UnixStream),
    Scripted(Scripted),
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

    /// Read one line of at most `max` bytes, its `\n` included: [`Outcome::Line`], or
    /// [`Outcome::TooLong`] with the first `max` bytes of a longer one. The connection
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
    /// has: [`Outcome::Data`].
    #[must_use]
    pub fn read<X: Operation>(&self, max: usize) -> Op<X> {
        Op::Read {
            conn: self.clone(),
            max,
            timeout: None,
        }
    }

    /// Send all of `bytes`: [`Outcome::Written`].
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

/// A socket and what has been read from it but not yet returned.
pub(super) struct Io {
    stream: Stream,
    /// `buf[start..end]` is read and not yet returned. Allocated at the first read.
    buf: Vec<u8>,
    start: usize,
    end: usize,
    /// How much of what is buffered is known to hold no `\n` (a line read that waited
    /// for more, or timed out, looked there already).
    scanned: usize,
    /// The peer closed its side.
    eof: bool,
}

impl Io {
    fn new(stream: Stream) -> Self {
        Self {
            stream,
            buf: Vec::new(),
            start: 0,
            end: 0,
            scanned: 0,
            eof: false,
        }
    }

    /// What has been read and not yet returned.
    fn buffered(&self) -> &[u8] {
        &self.buf[self.start..self.end]
    }

    /// Returns the first `n` buffered bytes.
    fn consume(&mut self, n: usize) -> Vec<u8> {
        let bytes = self.buf[self.start..self.start + n].to_vec();
        self.start += n;
        self.scanned = 0;
        if self.start == self.end {
            (self.start, self.end) = (0, 0);
        }
        bytes
    }

    /// Reads once more into the buffer, growing it up to `limit` bytes if it is full;
    /// `Ok(false)` at the end of the stream. Cancel-safe: what a read returns is counted
    /// when it returns.
    fn poll_fill(&mut self, cx: &mut Context<'_>, limit: usize) -> Poll<io::Result<bool>> {
        if self.end == self.buf.len() {
            if self.start > 0 {
                self.buf.copy_within(self.start..self.end, 0);
                (self.start, self.end) = (0, self.end - self.start);
            } else {
                let grown = (self.buf.len() * 2).clamp(BUFFER, limit.max(BUFFER));
                self.buf.resize(grown, 0);
            }
        }
        let mut free = ReadBuf::new(&mut self.buf[self.end..]);
        ready!(Pin::new(&mut self.stream).poll_read(cx, &mut free))?;
        let read = free.filled().len();
        self.end += read;
        if read == 0 {
            self.eof = true;
        }
        Poll::Ready(Ok(read > 0))
    }

    /// A line of at most `max` bytes, or the first `max` bytes of a longer one. A poll
    /// function rather than an `async fn`: the wait around it is the driver's one future.
    pub(super) fn poll_read_line<X: Operation>(
        &mut self,
        cx: &mut Context<'_>,
        max: usize,
    ) -> Poll<Outcome<X>> {
        let max = max.max(1);
        loop {
            let data = self.buffered();
            let limit = data.len().min(max);
            let scanned = self.scanned.min(limit);
            if let Some(at) = data[scanned..limit].iter().position(|&b| b == b'\n') {
                return Poll::Ready(Outcome::Line(self.consume(scanned + at + 1)));
            }
            if data.len() >= max {
                return Poll::Ready(Outcome::TooLong(self.consume(max)));
            }
            if self.eof {
                return Poll::Ready(match data.len() {
                    0 => Outcome::Closed,
                    n => Outcome::Line(self.consume(n)),
                });
            }
            // No `\n` in what is buffered: the next look starts after it.
            self.scanned = limit;
            if let Err(error) = ready!(self.poll_fill(cx, max)) {
                return Poll::Ready(Outcome::Failed(error));
            }
        }
    }

    /// What has arrived, at most `max` bytes.
    pub(super) fn poll_read<X: Operation>(
        &mut self,
        cx: &mut Context<'_>,
        max: usize,
    ) -> Poll<Outcome<X>> {
        let max = max.max(1);
        loop {
            let buffered = self.buffered().len();
            if buffered > 0 {
                return Poll::Ready(Outcome::Data(self.consume(buffered.min(max))));
            }
            if self.eof {
                return Poll::Ready(Outcome::Closed);
            }
            if let Err(error) = ready!(self.poll_fill(cx, BUFFER)) {
                return Poll::Ready(Outcome::Failed(error));
            }
        }
    }

    #[cfg(test)]
    pub(super) async fn read_line<X: Operation>(&mut self, max: usize) -> Outcome<X> {
        std::future::poll_fn(|cx| self.poll_read_line(cx, max)).await
    }

    #[cfg(test)]
    pub(super) async fn read<X: Operation>(&mut self, max: usize) -> Outcome<X> {
        std::future::poll_fn(|cx| self.poll_read(cx, max)).await
    }

    pub(super) async fn write<X: Operation>(&mut self, bytes: &[u8]) -> Outcome<X> {
        match self.stream.write_all(bytes).await {
            Ok(()) => Outcome::Written,
            Err(error) => Outcome::Failed(error),
        }
    }

    /// How much the connection buffers: for tests of its bound.
    #[cfg(test)]
    pub(super) fn capacity(&self) -> usize {
        self.buf.len()
    }
}

impl AsyncRead for Stream {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Self::Tcp(stream) => Pin::new(stream).poll_read(cx, buf),
            #[cfg(unix)]
            Self::Unix(stream) => Pin::new(stream).poll_read(cx, buf),
            Self::Scripted(stream) => Pin::new(stream).poll_read(cx, buf),
        }
    }
}

impl AsyncWrite for Stream {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        match self.get_mut() {
            Self::Tcp(stream) => Pin::new(stream).poll_write(cx, buf),
            #[cfg(unix)]
            Self::Unix(stream) => Pin::new(stream).poll_write(cx, buf),
            Self::Scripted(stream) => Pin::new(stream).poll_write(cx, buf),
        }
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Self::Tcp(stream) => Pin::new(stream).poll_flush(cx),
            #[cfg(unix)]
            Self::Unix(stream) => Pin::new(stream).poll_flush(cx),
            Self::Scripted(stream) => Pin::new(stream).poll_flush(cx),
        }
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Self::Tcp(stream) => Pin::new(stream).poll_shutdown(cx),
            #[cfg(unix)]
            Self::Unix(stream) => Pin::new(stream).poll_shutdown(cx),
            Self::Scripted(stream) => Pin::new(stream).poll_shutdown(cx),
        }
    }
}

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

    /// Wait for the next connection: [`Outcome::Accepted`].
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

#[cfg(test)]
mod tests {
    use super::super::op::NoOperation;
    use super::super::simulation::Script;
    use super::*;

    fn io_of(script: Script) -> Io {
        let (stream, _peer) = Scripted::new(script);
        Io::new(Stream::Scripted(stream))
    }

    #[test]
    fn a_connection_hands_its_socket_over_without_a_lock() {
        assert!(AtomicCell::<Option<Box<Io>>>::is_lock_free());
    }

    #[tokio::test]
    async fn a_line_longer_than_its_limit_is_returned_in_pieces_of_that_limit() {
        let mut io = io_of(Script::new().send(vec![b'x'; 100_000]).send("\nend\n"));
        let mut pieces = 0;
        loop {
            match io.read_line::<NoOperation>(10_000).await {
                Outcome::TooLong(bytes) => {
                    assert_eq!(bytes.len(), 10_000);
                    pieces += 1;
                }
                Outcome::Line(line) => {
                    assert_eq!(line, b"\n");
                    break;
                }
                other => panic!("unexpected {other:?}"),
            }
            assert!(io.capacity() <= 10_000, "buffered {}", io.capacity());
        }
        assert_eq!(pieces, 10);
        assert!(
            matches!(io.read_line::<NoOperation>(10_000).await, Outcome::Line(l) if l == b"end\n")
        );
        assert!(io.capacity() <= 10_000);
    }

    #[tokio::test]
    async fn a_small_limit_keeps_the_default_buffer() {
        let mut io = io_of(Script::new().send(vec![b'y'; 50_000]));
        for _ in 0..5 {
            assert!(
                matches!(io.read_line::<NoOperation>(64).await, Outcome::TooLong(b) if b.len() == 64)
            );
            assert_eq!(io.capacity(), BUFFER);
        }
    }

    #[tokio::test]
    async fn the_last_line_may_have_no_newline_and_then_the_peer_is_closed() {
        let mut io = io_of(Script::new().send("a\nb").close());
        assert!(matches!(io.read_line::<NoOperation>(64).await, Outcome::Line(l) if l == b"a\n"));
        assert!(matches!(io.read_line::<NoOperation>(64).await, Outcome::Line(l) if l == b"b"));
        assert!(matches!(
            io.read_line::<NoOperation>(64).await,
            Outcome::Closed
        ));
        assert!(matches!(io.read::<NoOperation>(64).await, Outcome::Closed));
    }

    #[tokio::test]
    async fn read_returns_what_is_buffered_first_and_at_most_max() {
        let mut io = io_of(Script::new().send("hello\nworld").close());
        assert!(
            matches!(io.read_line::<NoOperation>(64).await, Outcome::Line(l) if l == b"hello\n")
        );
        assert!(matches!(io.read::<NoOperation>(3).await, Outcome::Data(d) if d == b"wor"));
        assert!(matches!(io.read::<NoOperation>(64).await, Outcome::Data(d) if d == b"ld"));
        assert!(matches!(io.read::<NoOperation>(64).await, Outcome::Closed));
    }
}
