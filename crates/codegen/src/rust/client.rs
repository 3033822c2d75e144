//! `src/client.rs`: the `Client`, its builder, and the `Environment` enum of the spec's
//! servers (WebSocket and HTTP ones; others cannot carry a WebSocket).
//!
//! Server variables are filled in with their default (or first allowed value); a server
//! with a variable that has neither is left out, and users reach it with `base_url`.

use duplex_spec::ir::{Api, Server};
use duplex_spec::naming::Scope;

use super::rustdoc::{code, doc, lit};
use crate::writer::Writer;

pub fn generate(api: &Api) -> String {
    let environments = environments(api);
    let mut w = Writer::new("    ");
    w.line("//! The client, its builder and the servers it can connect to.");
    w.line("");
    w.line("/// The servers the spec lists. The first is the default.");
    if environments.is_empty() {
        w.line("#[derive(Debug, Clone, Copy, PartialEq, Eq)]");
        w.line("pub enum Environment {}");
    } else {
        w.line("#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]");
        w.block("pub enum Environment {", "}", |w| {
            for (i, (variant, url, server)) in environments.iter().enumerate() {
                doc(w, server.docs.as_deref());
                w.line(format!("/// {}", code(url)));
                if i == 0 {
                    w.line("#[default]");
                }
                w.line(format!("{variant},"));
            }
        });
    }
    w.line("");
    w.block("impl Environment {", "}", |w| {
        w.line("/// The base URL for a channel; `named` picks one of a server's named URLs.");
        w.line("pub fn url(self, named: ::std::option::Option<&str>) -> &'static str {");
        w.indent(|w| {
            if environments.is_empty() {
                w.line("let _ = named;");
                w.line("match self {}");
                return;
            }
            let has_named = environments.iter().any(|(_, _, s)| !s.urls.is_empty());
            if has_named {
                w.block("match (self, named) {", "}", |w| {
                    for (variant, _, server) in &environments {
                        for (key, url) in &server.urls {
                            w.line(format!(
                                "(Environment::{variant}, Some({})) => {},",
                                lit(key),
                                lit(url)
                            ));
                        }
                    }
                    for (variant, url, _) in &environments {
                        w.line(format!("(Environment::{variant}, _) => {},", lit(url)));
                    }
                });
            } else {
                w.line("let _ = named;");
                w.block("match self {", "}", |w| {
                    for (variant, url, _) in &environments {
                        w.line(format!("Environment::{variant} => {},", lit(url)));
                    }
                });
            }
        });
        w.line("}");
    });
    w.line("");
    w.line(format!(
        "/// A client for {}. Cheap to clone; clones share their configuration.",
        code(&api.title)
    ));
    w.line("#[derive(Debug, Clone)]");
    w.block("pub struct Client {", "}", |w| {
        w.line("environment: ::std::option::Option<Environment>,");
        w.line("config: ::std::sync::Arc<crate::runtime::ClientConfig>,");
    });
    w.line("");
    w.block("impl Client {", "}", |w| {
        w.line("/// Starts configuring a client.");
        w.line("pub fn builder() -> ClientBuilder {");
        w.line("    ClientBuilder::default()");
        w.line("}");
        w.line("");
        w.line("pub(crate) fn base_url(");
        w.line("    &self,");
        w.line("    named: ::std::option::Option<&str>,");
        w.line(") -> ::std::result::Result<::std::string::String, crate::Error> {");
        w.line("    let environment = self.environment.map(|e| e.url(named));");
        w.line("    self.config.base_url(environment)");
        w.line("}");
        w.line("");
        w.line("pub(crate) async fn open(");
        w.line("    &self,");
        w.line("    request: crate::runtime::Request,");
        w.line("    carrier: ::std::option::Option<crate::runtime::Carrier>,");
        w.line("    channel: &'static str,");
        w.line(") -> ::std::result::Result<crate::runtime::Connection, crate::Error> {");
        w.line("    self.config.open(request, carrier, channel).await");
        w.line("}");
    });
    w.line("");
    w.line("/// Configures a [`Client`]: server, credential, headers and reconnect behaviour.");
    if environments.is_empty() {
        w.line("#[derive(Debug, Clone, Default)]");
    } else {
        w.line("#[derive(Debug, Clone)]");
    }
    w.block("pub struct ClientBuilder {", "}", |w| {
        w.line("environment: ::std::option::Option<Environment>,");
        w.line("config: crate::runtime::ClientConfig,");
    });
    if !environments.is_empty() {
        w.line("");
        w.block(
            "impl ::std::default::Default for ClientBuilder {",
            "}",
            |w| {
                w.block("fn default() -> ClientBuilder {", "}", |w| {
                    w.block("ClientBuilder {", "}", |w| {
                        w.line("environment: ::std::option::Option::Some(Environment::default()),");
                        w.line("config: crate::runtime::ClientConfig::default(),");
                    });
                });
            },
        );
    }
    w.line("");
    w.block("impl ClientBuilder {", "}", |w| {
        w.lines(BUILDER_METHODS);
    });
    w.finish()
}

const BUILDER_METHODS: &str = r#"/// Connects to one of the spec's servers.
pub fn environment(mut self, environment: Environment) -> ClientBuilder {
    self.environment = ::std::option::Option::Some(environment);
    self
}

/// Connects to this base URL instead of an environment (`ws://`, `wss://`, `http://`
/// or `https://`; the channel's address is appended).
pub fn base_url(
    mut self,
    url: impl ::std::convert::Into<::std::string::String>,
) -> ClientBuilder {
    self.config.base_url = ::std::option::Option::Some(url.into());
    self
}

/// A credential that never changes.
pub fn auth(
    mut self,
    credential: impl ::std::convert::Into<::std::string::String>,
) -> ClientBuilder {
    self.config.auth = ::std::option::Option::Some(crate::Auth::value(credential));
    self
}

/// A credential fetched by `fetch` before every connection attempt, reconnects included.
pub fn auth_with<F, Fut>(mut self, fetch: F) -> ClientBuilder
where
    F: Fn() -> Fut + ::std::marker::Send + ::std::marker::Sync + 'static,
    Fut: ::std::future::Future<
            Output = ::std::result::Result<::std::string::String, crate::BoxError>,
        > + ::std::marker::Send
        + 'static,
{
    self.config.auth = ::std::option::Option::Some(crate::Auth::with(fetch));
    self
}

/// A header sent with every connection attempt.
pub fn header(
    mut self,
    name: impl ::std::convert::Into<::std::string::String>,
    value: impl ::std::convert::Into<::std::string::String>,
) -> ClientBuilder {
    self.config.headers.push((name.into(), value.into()));
    self
}

/// How to reconnect after the connection drops.
pub fn reconnect(mut self, options: crate::ReconnectOptions) -> ClientBuilder {
    self.config.reconnect = options;
    self
}

pub fn build(self) -> Client {
    Client {
        environment: self.environment,
        config: ::std::sync::Arc::new(self.config),
    }
}"#;

/// (variant name, URL, server) of every server a WebSocket client can use.
fn environments(api: &Api) -> Vec<(String, String, &Server)> {
    let mut scope = Scope::new();
    api.servers
        .iter()
        .filter(|s| matches!(s.protocol.as_str(), "ws" | "wss" | "http" | "https" | ""))
        .filter_map(|server| {
            let url = fill_variables(server)?;
            let url = if url.contains("://") || server.protocol.is_empty() {
                url
            } else {
                format!("{}://{url}", server.protocol)
            };
            Some((scope.claim(server.name.clone()).pascal, url, server))
        })
        .collect()
}

fn fill_variables(server: &Server) -> Option<String> {
    let mut url = server.url.clone();
    for variable in &server.variables {
        let value = variable
            .default
            .clone()
            .or_else(|| variable.allowed.first().cloned())?;
        url = url.replace(&format!("{{{}}}", variable.name.wire), &value);
    }
    Some(url)
}
