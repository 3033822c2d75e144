//! The one error type of the SDK, so callers match on a single enum.

use std::fmt;
use std::time::Duration;

use super::auth::BoxError;

/// Everything that can go wrong while connecting, sending or receiving.
#[derive(Debug)]
#[non_exhaustive]
pub enum Error {
    /// Neither an environment nor a base URL was configured.
    NoBaseUrl,
    /// The channel needs a credential but the client has none.
    MissingAuth { channel: &'static str },
    /// The URL of a connection attempt is not a valid WebSocket URL.
    InvalidUrl { url: String, reason: String },
    /// A header name or value cannot be sent.
    InvalidHeader { name: String, reason: String },
    /// The auth closure failed.
    Auth(BoxError),
    /// The WebSocket handshake or the socket itself failed.
    Connect(Box<tokio_tungstenite::tungstenite::Error>),
    /// A connection attempt took longer than [`ReconnectOptions::connect_timeout`](super::ReconnectOptions).
    Timeout { after: Duration },
    /// The connection dropped and every reconnect attempt failed; `last` is the last failure.
    ReconnectFailed { attempts: u32, last: Box<Error> },
    /// A message could not be turned into JSON.
    Encode(serde_json::Error),
    /// A received frame is not a message this channel knows how to read.
    Decode {
        error: serde_json::Error,
        text: String,
    },
    /// A binary frame that is not UTF-8 text was received.
    NotText { len: usize },
    /// The server closed the connection with a code after which reconnecting cannot help
    /// (the spec's `x-duplex-close-codes` says so: 4001 for a wrong secret, say), so the
    /// socket did not retry. `description` is the spec's, empty when it gives none.
    ServerClosed {
        code: u16,
        reason: String,
        description: String,
    },
    /// The socket was closed (by [`close`](super::Connection::close) or after a final failure).
    Closed,
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::NoBaseUrl => f.write_str(
                "no server URL: call `ClientBuilder::environment` or `ClientBuilder::base_url`",
            ),
            Error::MissingAuth { channel } => write!(
                f,
                "channel `{channel}` needs a credential: call `ClientBuilder::auth` or `ClientBuilder::auth_with`"
            ),
            Error::InvalidUrl { url, reason } => {
                write!(f, "invalid WebSocket URL `{url}`: {reason}")
            }
            Error::InvalidHeader { name, reason } => write!(f, "invalid header `{name}`: {reason}"),
            Error::Auth(error) => write!(f, "could not get a credential: {error}"),
            Error::Connect(error) => write!(f, "WebSocket error: {error}"),
            Error::Timeout { after } => write!(f, "connecting timed out after {after:?}"),
            Error::ReconnectFailed { attempts, last } => {
                write!(
                    f,
                    "connection lost; gave up after {attempts} reconnect attempts: {last}"
                )
            }
            Error::Encode(error) => write!(f, "could not encode a message as JSON: {error}"),
            Error::Decode { error, text } => {
                write!(f, "could not decode a received message ({error}): {text}")
            }
            Error::NotText { len } => {
                write!(
                    f,
                    "received a binary frame of {len} bytes that is not UTF-8 text"
                )
            }
            Error::ServerClosed {
                code,
                reason,
                description,
            } => {
                write!(f, "the server closed the connection with {code}")?;
                if !reason.is_empty() {
                    write!(f, " ({reason})")?;
                }
                f.write_str(", which is not retried")?;
                if !description.is_empty() {
                    write!(f, ": {description}")?;
                }
                Ok(())
            }
            Error::Closed => f.write_str("the socket is closed"),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Auth(error) => Some(error.as_ref()),
            Error::Connect(error) => Some(error.as_ref()),
            Error::ReconnectFailed { last, .. } => Some(last.as_ref()),
            Error::Encode(error) | Error::Decode { error, .. } => Some(error),
            _ => None,
        }
    }
}

impl From<tokio_tungstenite::tungstenite::Error> for Error {
    fn from(error: tokio_tungstenite::tungstenite::Error) -> Error {
        Error::Connect(Box::new(error))
    }
}
