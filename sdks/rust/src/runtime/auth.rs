//! Credentials, and where a channel carries them.
//!
//! An [`Auth`] is asked for the credential on every connection attempt, so a closure can
//! hand out a fresh, short-lived token each time the socket reconnects. A [`Carrier`]
//! (decided by the generator from the spec) says where the credential goes.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use super::error::Error;

/// Any error an auth closure may return.
pub type BoxError = Box<dyn std::error::Error + Send + Sync>;

type Fetch =
    dyn Fn() -> Pin<Box<dyn Future<Output = Result<String, BoxError>> + Send>> + Send + Sync;

/// Where a credential is produced: a fixed value, or an async closure called on every
/// (re)connect. Its `Debug` output never shows the credential.
#[derive(Clone)]
pub struct Auth {
    fetch: Arc<Fetch>,
}

impl Auth {
    /// A credential that never changes.
    pub fn value(credential: impl Into<String>) -> Auth {
        let credential: String = credential.into();
        Auth::with(move || {
            let credential = credential.clone();
            async move { Ok(credential) }
        })
    }

    /// A credential fetched anew before every connection attempt.
    pub fn with<F, Fut>(fetch: F) -> Auth
    where
        F: Fn() -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<String, BoxError>> + Send + 'static,
    {
        Auth {
            fetch: Arc::new(move || Box::pin(fetch())),
        }
    }

    /// Asks for the credential once.
    pub async fn credential(&self) -> Result<String, Error> {
        (self.fetch)().await.map_err(Error::Auth)
    }
}

impl fmt::Debug for Auth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Auth(..)")
    }
}

/// Where a channel carries the credential.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Carrier {
    /// A request header, as `prefix` + credential; with `basic`, the credential
    /// (`user:password`) is Base64-encoded first.
    Header {
        name: &'static str,
        prefix: &'static str,
        basic: bool,
    },
    /// A query parameter.
    Query { name: &'static str },
    /// The `Sec-WebSocket-Protocol` header.
    Subprotocol,
    /// A JSON message `{"<field>": "<credential>"}` sent right after the socket opens,
    /// before any queued message.
    FirstMessage { field: &'static str },
}

/// Standard Base64 with padding, for HTTP Basic credentials.
pub fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for (i, shift) in [18, 12, 6, 0].into_iter().enumerate() {
            if i <= chunk.len() {
                out.push(char::from(ALPHABET[((n >> shift) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}
