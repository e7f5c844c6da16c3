//! A connection's socket of any kind ([`Stream`]: TCP, Unix or scripted) and what has
//! been read from it but not returned yet ([`Io`]): the reading of lines into a buffer
//! bounded by their limit, reads and writes.

use std::io;
use std::pin::Pin;
use std::task::{ready, Context, Poll};

use tokio::io::{AsyncRead, AsyncWrite, AsyncWriteExt as _, ReadBuf};
use tokio::net::TcpStream;

use super::op::{Operation, Outcome};
use super::simulation::Scripted;

/// How much a connection buffers for reading before a line needs more (then it grows,
/// up to the longest line a [`ReadLine`](super::Op::ReadLine) allows).
const BUFFER: usize = 8 * 1024;

/// A socket of any kind the driver performs operations on.
pub(super) enum Stream {
    Tcp(TcpStream),
    #[cfg(unix)]
    Unix(tokio::net::UnixStream),
    Scripted(Scripted),
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
    pub(super) fn new(stream: Stream) -> Self {
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

#[cfg(test)]
mod tests {
    use super::super::op::NoOperation;
    use super::super::simulation::Script;
    use super::*;

    fn io_of(script: Script) -> Io {
        let (stream, _peer) = Scripted::new(script);
        Io::new(Stream::Scripted(stream))
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
