//! The runtime every generated SDK builds on: connecting, authenticating, reconnecting
//! with backoff, queueing sends while disconnected, and handing received text frames to
//! the generated, typed socket.
//!
//! This code is the same in every SDK; only the generated modules differ. It knows
//! nothing about any particular API: the generated code tells it the URL, the headers
//! and where the credential goes, and decodes the frames it returns.
//!
//! # Layout
//! - [`error`]: the one error type of the SDK.
//! - [`auth`]: credentials as a value or as an async closure, and where they travel.
//! - [`backoff`]: reconnect options and the delay between attempts.
//! - [`request`]: builds the URL and headers of one connection attempt.
//! - [`connection`]: the background task that owns the socket and reconnects it.
//! - [`resume`]: session resume through the first message (a session id sent back).
//! - [`wire`]: serde helpers the generated models use (literal values, tagged unions).

pub mod auth;
pub mod backoff;
pub mod connection;
pub mod error;
pub mod request;
pub mod resume;
pub mod wire;

pub use auth::{Auth, BoxError, Carrier};
pub use backoff::ReconnectOptions;
pub use connection::{Connection, Status};
pub use error::Error;
pub use request::{CloseCode, Request};
pub use resume::Resume;

/// What every generated client shares between its channels.
#[derive(Debug, Clone, Default)]
pub struct ClientConfig {
    /// Replaces the environment's URL when set.
    pub base_url: Option<String>,
    pub auth: Option<Auth>,
    /// Sent with every connection attempt, before the channel's own headers.
    pub headers: Vec<(String, String)>,
    pub reconnect: ReconnectOptions,
}

impl ClientConfig {
    /// The base URL: the configured one, else the environment's.
    pub fn base_url(&self, environment: Option<&str>) -> Result<String, Error> {
        self.base_url
            .clone()
            .or_else(|| environment.map(str::to_owned))
            .ok_or(Error::NoBaseUrl)
    }

    /// Opens a channel's socket with this client's headers, credential and options.
    pub async fn open(
        &self,
        request: Request,
        carrier: Option<Carrier>,
        channel: &'static str,
    ) -> Result<Connection, Error> {
        let auth = match (carrier, &self.auth) {
            (Some(carrier), Some(auth)) => Some((auth.clone(), carrier)),
            (Some(_), None) => return Err(Error::MissingAuth { channel }),
            (None, _) => None,
        };
        Connection::open(connection::Target {
            request,
            headers: self.headers.clone(),
            auth,
            reconnect: self.reconnect.clone(),
        })
        .await
    }
}
