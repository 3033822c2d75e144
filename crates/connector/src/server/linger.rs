//! A lingering close for every connection the server accepts, so that the last frames
//! it sends are read.
//!
//! A socket closed while bytes from the peer are still unread in it is reset, not
//! closed: the kernel sends RST, drops what it had not sent yet, and the peer's pending
//! writes and reads fail, so the peer may never read the frames sent last. That is the
//! case after an oversized frame: tungstenite refuses it as its header arrives, the
//! session sends `message_too_large` and close 4005, and the rest of the frame (and
//! whatever the client sent behind it) is still on the wire. So no socket is closed
//! outright. When hyper lets go of a connection ([`Lingering`] is dropped: the
//! session's WebSocket, or an HTTP connection, is done with it), a task shuts down
//! writing (the peer reads everything sent, then the end of the stream) and reads and
//! drops what still arrives, until the peer closes its side, [`LINGER_TIME`] has
//! passed, or the drain budget is spent. Only then is the socket closed; past the
//! budget or the time, with the peer still sending, that close is a reset after all.
//!
//! Memory stays bounded: a lingering socket costs one [`DRAIN_BUFFER`]-byte buffer and
//! its kernel buffers, for at most [`LINGER_TIME`], whatever the peer sends.

use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use axum::serve::Listener;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, ReadBuf};
use tokio::net::{TcpListener, TcpStream};

use crate::config::ConnectorConfig;

/// The longest a closed connection is drained.
const LINGER_TIME: Duration = Duration::from_secs(5);

/// The drain budget is this many times the largest `max_message_size`...
const DRAIN_FACTOR: usize = 16;

/// ...and at least this many bytes.
const MIN_DRAIN: usize = 1 << 20;

/// The buffer each lingering socket is read through.
const DRAIN_BUFFER: usize = 8 * 1024;

/// The bytes a closed connection may still read from its peer:
/// [`DRAIN_FACTOR`] × the largest `max_message_size` of `connectors`, at least
/// [`MIN_DRAIN`] (1 MiB with the default 64 KiB limit). A client that sends a message
/// up to about that much over the limit reads its `message_too_large` and close 4005.
pub(super) fn drain_budget(connectors: &[ConnectorConfig]) -> usize {
    let largest = connectors
        .iter()
        .map(|connector| connector.max_message_size)
        .max()
        .unwrap_or(0);
    largest.saturating_mul(DRAIN_FACTOR).max(MIN_DRAIN)
}

/// A TCP listener whose connections linger when closed.
#[derive(Debug)]
pub(super) struct LingeringListener {
    listener: TcpListener,
    budget: usize,
}

impl LingeringListener {
    /// Wraps `listener`; each closed connection reads at most `budget` more bytes.
    pub(super) fn new(listener: TcpListener, budget: usize) -> LingeringListener {
        LingeringListener { listener, budget }
    }
}

impl Listener for LingeringListener {
    type Io = Lingering;
    type Addr = SocketAddr;

    async fn accept(&mut self) -> (Lingering, SocketAddr) {
        // axum's accept loop: connection errors are skipped, others logged and retried.
        let (stream, address) = Listener::accept(&mut self.listener).await;
        // A turn is several small frames written one after another (ack, stream_start,
        // chunks). With Nagle's algorithm each one after the first waits until the peer
        // acknowledges the last, and a peer that is only reading delays that ACK (40 ms
        // on Linux): every turn stalled ~40 ms between its ack and its first chunk.
        if let Err(err) = stream.set_nodelay(true) {
            tracing::debug!(error = %err, %address, "cannot set TCP_NODELAY");
        }
        let lingering = Lingering {
            stream: Some(stream),
            budget: self.budget,
        };
        (lingering, address)
    }

    fn local_addr(&self) -> io::Result<SocketAddr> {
        self.listener.local_addr()
    }
}

/// An accepted connection: a `TcpStream` that drains instead of resetting when dropped.
#[derive(Debug)]
pub(super) struct Lingering {
    /// Always `Some` until dropped.
    stream: Option<TcpStream>,
    budget: usize,
}

impl Lingering {
    fn stream(&mut self) -> io::Result<Pin<&mut TcpStream>> {
        self.stream
            .as_mut()
            .map(Pin::new)
            .ok_or_else(|| io::Error::from(io::ErrorKind::NotConnected))
    }
}

impl Drop for Lingering {
    fn drop(&mut self) {
        let Some(stream) = self.stream.take() else {
            return;
        };
        // Outside a runtime (it is shutting down) the socket just closes.
        if let Ok(runtime) = tokio::runtime::Handle::try_current() {
            runtime.spawn(linger(stream, self.budget));
        }
    }
}

/// Shuts down writing, then reads and drops what the peer still sends, within the
/// budget and [`LINGER_TIME`]; dropping the stream at the end closes it.
async fn linger(mut stream: TcpStream, budget: usize) {
    let _ = stream.shutdown().await;
    let drained = tokio::time::timeout(LINGER_TIME, async {
        let mut buffer = [0u8; DRAIN_BUFFER];
        let mut left = budget;
        loop {
            match stream.read(&mut buffer).await {
                Ok(0) | Err(_) => return true,
                Ok(read) if read >= left => return false,
                Ok(read) => left -= read,
            }
        }
    })
    .await;
    if drained != Ok(true) {
        tracing::debug!(
            budget,
            "a closed connection kept sending past the drain budget or time; resetting it"
        );
    }
}

impl AsyncRead for Lingering {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        match self.stream() {
            Ok(stream) => stream.poll_read(cx, buf),
            Err(err) => Poll::Ready(Err(err)),
        }
    }
}

impl AsyncWrite for Lingering {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        match self.stream() {
            Ok(stream) => stream.poll_write(cx, buf),
            Err(err) => Poll::Ready(Err(err)),
        }
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        match self.stream() {
            Ok(stream) => stream.poll_write_vectored(cx, bufs),
            Err(err) => Poll::Ready(Err(err)),
        }
    }

    fn is_write_vectored(&self) -> bool {
        self.stream
            .as_ref()
            .is_some_and(AsyncWrite::is_write_vectored)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.stream() {
            Ok(stream) => stream.poll_flush(cx),
            Err(err) => Poll::Ready(Err(err)),
        }
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.stream() {
            Ok(stream) => stream.poll_shutdown(cx),
            Err(err) => Poll::Ready(Err(err)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;

    fn connectors(limits: &[&str]) -> Vec<ConnectorConfig> {
        let mut toml = String::from("[agents.a]\nkind = \"echo\"\n");
        for (n, limit) in limits.iter().enumerate() {
            toml.push_str(&format!(
                "[connectors.c{n}]\npath = \"/c{n}\"\nagents = [\"a\"]\nrequire_auth = false\n{limit}\n"
            ));
        }
        Config::from_toml(&toml, "duplex.toml", &|_| None)
            .expect("a valid config")
            .connectors
    }

    #[test]
    fn the_budget_follows_the_largest_limit_and_is_at_least_1_mib() {
        assert_eq!(drain_budget(&connectors(&[""])), 1 << 20);
        assert_eq!(
            drain_budget(&connectors(&["max_message_size = 1000"])),
            1 << 20
        );
        let budget = drain_budget(&connectors(&["", "max_message_size = 16777216"]));
        assert_eq!(budget, 256 << 20);
    }
}
