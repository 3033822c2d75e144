//! The client, its builder and the servers it can connect to.

/// The servers the spec lists. The first is the default.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Environment {
    /// `duplex serve` with its default listen address. Each connector in `duplex.toml`
    /// has its own path; `/ws` is the one the web chat page uses.
    /// `ws://127.0.0.1:8080`
    #[default]
    Local,
}

impl Environment {
    /// The base URL for a channel; `named` picks one of a server's named URLs.
    pub fn url(self, named: ::std::option::Option<&str>) -> &'static str {
        let _ = named;
        match self {
            Environment::Local => "ws://127.0.0.1:8080",
        }
    }
}

/// A client for `Duplex connector`. Cheap to clone; clones share their configuration.
#[derive(Debug, Clone)]
pub struct Client {
    environment: ::std::option::Option<Environment>,
    config: ::std::sync::Arc<crate::runtime::ClientConfig>,
}

impl Client {
    /// Starts configuring a client.
    pub fn builder() -> ClientBuilder {
        ClientBuilder::default()
    }

    pub(crate) fn base_url(
        &self,
        named: ::std::option::Option<&str>,
    ) -> ::std::result::Result<::std::string::String, crate::Error> {
        let environment = self.environment.map(|e| e.url(named));
        self.config.base_url(environment)
    }

    pub(crate) async fn open(
        &self,
        request: crate::runtime::Request,
        carrier: ::std::option::Option<crate::runtime::Carrier>,
        channel: &'static str,
    ) -> ::std::result::Result<crate::runtime::Connection, crate::Error> {
        self.config.open(request, carrier, channel).await
    }
}

/// Configures a [`Client`]: server, credential, headers and reconnect behaviour.
#[derive(Debug, Clone)]
pub struct ClientBuilder {
    environment: ::std::option::Option<Environment>,
    config: crate::runtime::ClientConfig,
}

impl ::std::default::Default for ClientBuilder {
    fn default() -> ClientBuilder {
        ClientBuilder {
            environment: ::std::option::Option::Some(Environment::default()),
            config: crate::runtime::ClientConfig::default(),
        }
    }
}

impl ClientBuilder {
    /// Connects to one of the spec's servers.
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
    }
}
