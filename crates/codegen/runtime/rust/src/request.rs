//! The URL and headers of a connection attempt, built from a channel's typed parameters.
//!
//! Parameters arrive as any `Serialize` value and are turned into text the way the
//! wire expects: strings as they are, numbers and booleans in their JSON form, `None`
//! left out, arrays as a repeated query parameter, and anything else as JSON text.

use serde::Serialize;
use serde_json::Value;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::{self, HeaderName, HeaderValue};

use super::auth::{Carrier, base64};
use super::error::Error;
use super::resume::Resume;

/// One connection target: base URL, path, query and headers. Built by generated code
/// for every `connect`, then replayed (with a fresh credential) on every reconnect.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    base: String,
    path: String,
    query: Vec<(String, String)>,
    headers: Vec<(String, String)>,
    resume: Option<Resume>,
    close_codes: Vec<CloseCode>,
}

/// What the API's spec says one close code means (`x-duplex-close-codes`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CloseCode {
    pub code: u16,
    /// Whether reconnecting can help; after a `false` code the socket ends for good.
    pub reconnect: bool,
    /// What the code means, for people; empty when the spec says nothing.
    pub description: String,
}

impl Request {
    /// Starts at `base_url`; `http(s)://` becomes `ws(s)://`.
    pub fn new(base_url: &str) -> Request {
        let base = if let Some(rest) = base_url.strip_prefix("https://") {
            format!("wss://{rest}")
        } else if let Some(rest) = base_url.strip_prefix("http://") {
            format!("ws://{rest}")
        } else {
            base_url.to_owned()
        };
        Request {
            base: base.trim_end_matches('/').to_owned(),
            path: String::new(),
            query: Vec::new(),
            headers: Vec::new(),
            resume: None,
            close_codes: Vec::new(),
        }
    }

    /// Resumes the session on every (re)connect through the first message.
    pub fn resume(&mut self, resume: Resume) {
        self.resume = Some(resume);
    }

    /// Replaces the channel's address with the caller's own (`/chat/support`, for a
    /// channel mounted elsewhere), when given; the host stays the base URL's.
    pub fn address(&mut self, address: Option<&str>) -> Result<(), Error> {
        let Some(address) = address else {
            return Ok(());
        };
        if !address.starts_with('/') {
            return Err(Error::InvalidUrl {
                url: address.to_owned(),
                reason: "the channel address override is not a path: give one such as \
                         `/chat/support`, and the host in `ClientBuilder::base_url`"
                    .to_owned(),
            });
        }
        self.path = address.to_owned();
        Ok(())
    }

    /// Says what the server's close `code` means: whether to reconnect after it, and why.
    pub fn close_code(&mut self, code: u16, reconnect: bool, description: &str) {
        self.close_codes.push(CloseCode {
            code,
            reconnect,
            description: description.to_owned(),
        });
    }

    /// What the spec says about close `code`, if anything.
    pub fn close_code_info(&self, code: u16) -> Option<&CloseCode> {
        self.close_codes.iter().find(|c| c.code == code)
    }

    /// The session resume, when the channel has one.
    pub fn resumes(&self) -> Option<&Resume> {
        self.resume.as_ref()
    }

    /// Appends literal path text (from the channel address).
    pub fn path(&mut self, text: &str) {
        self.path.push_str(text);
    }

    /// Appends one path parameter, percent-encoded.
    pub fn path_param(&mut self, value: &impl Serialize) -> Result<(), Error> {
        let texts = texts(value)?;
        self.path.push_str(&percent_encode(&texts.join(",")));
        Ok(())
    }

    /// Adds a query parameter; `None` adds nothing and an array repeats the name.
    pub fn query(&mut self, name: &str, value: &impl Serialize) -> Result<(), Error> {
        for text in texts(value)? {
            self.query.push((name.to_owned(), text));
        }
        Ok(())
    }

    /// Adds a header; `None` adds nothing and an array is sent comma-separated.
    pub fn header(&mut self, name: &str, value: &impl Serialize) -> Result<(), Error> {
        let texts = texts(value)?;
        if !texts.is_empty() {
            self.headers.push((name.to_owned(), texts.join(",")));
        }
        Ok(())
    }

    /// The full URL, without any credential.
    pub fn url(&self) -> String {
        self.url_with(None)
    }

    fn url_with(&self, extra: Option<(&str, &str)>) -> String {
        let mut url = self.base.clone();
        if !self.path.starts_with('/') {
            url.push('/');
        }
        url.push_str(&self.path);
        let pairs = self.query.iter().map(|(k, v)| (k.as_str(), v.as_str()));
        for (i, (name, value)) in pairs.chain(extra).enumerate() {
            url.push(if i == 0 && !url.contains('?') {
                '?'
            } else {
                '&'
            });
            url.push_str(&percent_encode(name));
            url.push('=');
            url.push_str(&percent_encode(value));
        }
        url
    }

    /// The HTTP upgrade request of one attempt: `client_headers` first, then the
    /// channel's headers, then the credential where `carrier` says.
    pub fn to_http(
        &self,
        client_headers: &[(String, String)],
        credential: Option<(Carrier, &str)>,
    ) -> Result<http::Request<()>, Error> {
        let query_credential = match credential {
            Some((Carrier::Query { name }, value)) => Some((name, value)),
            _ => None,
        };
        let url = self.url_with(query_credential);
        let mut request =
            url.as_str()
                .into_client_request()
                .map_err(|error| Error::InvalidUrl {
                    url: self.url(),
                    reason: error.to_string(),
                })?;
        let headers = request.headers_mut();
        for (name, value) in client_headers.iter().chain(&self.headers) {
            headers.append(header_name(name)?, header_value(name, value)?);
        }
        match credential {
            Some((
                Carrier::Header {
                    name,
                    prefix,
                    basic,
                },
                value,
            )) => {
                let value = if basic {
                    base64(value.as_bytes())
                } else {
                    value.to_owned()
                };
                let value = header_value(name, &format!("{prefix}{value}"))?;
                headers.insert(header_name(name)?, value);
            }
            Some((Carrier::Subprotocol, value)) => {
                let value = header_value("Sec-WebSocket-Protocol", value)?;
                headers.insert(http::header::SEC_WEBSOCKET_PROTOCOL, value);
            }
            _ => {}
        }
        Ok(request)
    }
}

fn header_name(name: &str) -> Result<HeaderName, Error> {
    HeaderName::from_bytes(name.as_bytes()).map_err(|error| Error::InvalidHeader {
        name: name.to_owned(),
        reason: error.to_string(),
    })
}

fn header_value(name: &str, value: &str) -> Result<HeaderValue, Error> {
    HeaderValue::from_str(value).map_err(|error| Error::InvalidHeader {
        name: name.to_owned(),
        reason: error.to_string(),
    })
}

/// The wire texts of one parameter value: none for `null`, one per array item.
fn texts(value: &impl Serialize) -> Result<Vec<String>, Error> {
    Ok(match serde_json::to_value(value).map_err(Error::Encode)? {
        Value::Null => Vec::new(),
        Value::Array(items) => items.iter().filter(|v| !v.is_null()).map(text).collect(),
        other => vec![text(&other)],
    })
}

fn text(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// Percent-encodes everything but RFC 3986 unreserved characters.
pub fn percent_encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chat_request() -> Request {
        let mut request = Request::new("https://api.example.com/v1/");
        request.path("/chat/");
        request.path_param(&"room 1/a").unwrap();
        request.query("model", &Some("gpt 4")).unwrap();
        request.query("missing", &None::<i32>).unwrap();
        request.query("tag", &vec!["a", "b"]).unwrap();
        request.query("n", &3).unwrap();
        request.header("X-Trace", &true).unwrap();
        request.header("X-None", &None::<String>).unwrap();
        request
    }

    #[test]
    fn builds_url_from_typed_parameters() {
        assert_eq!(
            chat_request().url(),
            "wss://api.example.com/v1/chat/room%201%2Fa?model=gpt%204&tag=a&tag=b&n=3"
        );
        assert_eq!(Request::new("ws://localhost:1").url(), "ws://localhost:1/");
    }

    #[test]
    fn an_address_override_replaces_the_channel_path() {
        let mut request = chat_request();
        request.address(None).unwrap();
        assert!(request.url().contains("/v1/chat/room%201%2Fa?"));
        request.address(Some("/chat/support")).unwrap();
        assert_eq!(
            request.url(),
            "wss://api.example.com/v1/chat/support?model=gpt%204&tag=a&tag=b&n=3"
        );
        let error = request.address(Some("ws://other/chat")).unwrap_err();
        assert!(
            error
                .to_string()
                .contains("`ws://other/chat`: the channel address override is not a path"),
            "{error}"
        );
    }

    #[test]
    fn carries_credentials_where_told() {
        let request = chat_request();
        let client = [("User-Agent".to_owned(), "sdk".to_owned())];
        let bearer = Carrier::Header {
            name: "Authorization",
            prefix: "Bearer ",
            basic: false,
        };
        let http = request.to_http(&client, Some((bearer, "t0k"))).unwrap();
        assert_eq!(http.headers()["authorization"], "Bearer t0k");
        assert_eq!(http.headers()["user-agent"], "sdk");
        assert_eq!(http.headers()["x-trace"], "true");
        assert!(http.headers().get("x-none").is_none());

        let basic = Carrier::Header {
            name: "Authorization",
            prefix: "Basic ",
            basic: true,
        };
        let http = request
            .to_http(&[], Some((basic, "Aladdin:open sesame")))
            .unwrap();
        assert_eq!(
            http.headers()["authorization"],
            "Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ=="
        );

        let query = Carrier::Query { name: "api_key" };
        let http = request.to_http(&[], Some((query, "k&y"))).unwrap();
        assert!(http.uri().to_string().ends_with("&n=3&api_key=k%26y"));

        let http = request
            .to_http(&[], Some((Carrier::Subprotocol, "t0k")))
            .unwrap();
        assert_eq!(http.headers()["sec-websocket-protocol"], "t0k");
    }

    #[test]
    fn reports_bad_urls_and_headers() {
        let error = Request::new("not a url").to_http(&[], None).unwrap_err();
        assert!(
            error
                .to_string()
                .starts_with("invalid WebSocket URL `not a url/`"),
            "{error}"
        );
        let bad = [("bad header".to_owned(), "x".to_owned())];
        let error = Request::new("ws://h").to_http(&bad, None).unwrap_err();
        assert!(
            error.to_string().starts_with("invalid header `bad header`"),
            "{error}"
        );
    }
}
