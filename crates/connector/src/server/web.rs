//! The web chat page: `GET /` for the connector at `/ws` (else the first connector),
//! `GET /chat/<connector>` for any connector, and its assets under `/assets/`.
//!
//! Everything is embedded in the binary, so the page works offline with no CDN. The
//! JavaScript is `web/dist/`, compiled by `web/build.sh` from `web/src/app.ts` and the
//! generated TypeScript SDK in `sdks/typescript` (the browser test checks it is fresh).
//! The page learns its connector's path from a `<meta>` tag filled in here.

use std::sync::Arc;

use axum::Router;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;

use crate::config::ConnectorConfig;

/// The page's HTML, with `{{CONNECTOR_PATH}}` and `{{CONNECTOR_NAME}}` placeholders.
const PAGE: &str = include_str!("../../../../web/index.html");

/// Every asset under `/assets/`: path, content type, body.
const ASSETS: &[(&str, &str, &str)] = &[
    ("style.css", CSS, include_str!("../../../../web/style.css")),
    (
        "web/src/app.js",
        JS,
        include_str!("../../../../web/dist/web/src/app.js"),
    ),
    (
        "sdks/typescript/src/index.js",
        JS,
        include_str!("../../../../web/dist/sdks/typescript/src/index.js"),
    ),
    (
        "sdks/typescript/src/client.js",
        JS,
        include_str!("../../../../web/dist/sdks/typescript/src/client.js"),
    ),
    (
        "sdks/typescript/src/connection.js",
        JS,
        include_str!("../../../../web/dist/sdks/typescript/src/connection.js"),
    ),
    (
        "sdks/typescript/src/types.js",
        JS,
        include_str!("../../../../web/dist/sdks/typescript/src/types.js"),
    ),
    (
        "sdks/typescript/src/channels/chat.js",
        JS,
        include_str!("../../../../web/dist/sdks/typescript/src/channels/chat.js"),
    ),
    (
        "sdks/typescript/src/runtime/index.js",
        JS,
        include_str!("../../../../web/dist/sdks/typescript/src/runtime/index.js"),
    ),
    (
        "sdks/typescript/src/runtime/classify.js",
        JS,
        include_str!("../../../../web/dist/sdks/typescript/src/runtime/classify.js"),
    ),
    (
        "sdks/typescript/src/runtime/socket.js",
        JS,
        include_str!("../../../../web/dist/sdks/typescript/src/runtime/socket.js"),
    ),
    (
        "sdks/typescript/src/runtime/target.js",
        JS,
        include_str!("../../../../web/dist/sdks/typescript/src/runtime/target.js"),
    ),
    (
        "sdks/typescript/src/runtime/transport.js",
        JS,
        include_str!("../../../../web/dist/sdks/typescript/src/runtime/transport.js"),
    ),
];

const CSS: &str = "text/css; charset=utf-8";
const JS: &str = "text/javascript; charset=utf-8";

/// Same-origin everything: no inline script, no third-party anything.
const CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/// The page's routes for `connectors`.
pub(super) fn routes(connectors: &[ConnectorConfig]) -> Router {
    let connectors: Arc<[(String, String)]> = connectors
        .iter()
        .map(|c| (c.name.clone(), c.path.clone()))
        .collect();
    Router::new()
        .route("/", get(home))
        .route("/chat/{connector}", get(chat))
        .route("/assets/{*path}", get(asset))
        // Browsers ask for an icon on their own; "no content" keeps their consoles clean.
        .route("/favicon.ico", get(|| async { StatusCode::NO_CONTENT }))
        .with_state(connectors)
}

async fn home(State(connectors): State<Arc<[(String, String)]>>) -> Response {
    match connectors
        .iter()
        .find(|(_, path)| path == "/ws")
        .or_else(|| connectors.first())
    {
        Some((name, path)) => page(name, path),
        None => (StatusCode::NOT_FOUND, "no connector is configured\n").into_response(),
    }
}

async fn chat(
    State(connectors): State<Arc<[(String, String)]>>,
    Path(connector): Path<String>,
) -> Response {
    match connectors.iter().find(|(name, _)| *name == connector) {
        Some((name, path)) => page(name, path),
        None => (
            StatusCode::NOT_FOUND,
            format!(
                "no connector named `{connector}`; duplex.toml names them in [connectors.<name>]\n"
            ),
        )
            .into_response(),
    }
}

async fn asset(Path(path): Path<String>) -> Response {
    match ASSETS.iter().find(|(name, _, _)| *name == path) {
        Some((_, content_type, body)) => (
            [
                (header::CONTENT_TYPE, *content_type),
                (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
                (header::CACHE_CONTROL, "no-cache"),
            ],
            *body,
        )
            .into_response(),
        None => (StatusCode::NOT_FOUND, "no such asset\n").into_response(),
    }
}

fn page(name: &str, path: &str) -> Response {
    let html = PAGE
        .replace("{{CONNECTOR_PATH}}", &escape(path))
        .replace("{{CONNECTOR_NAME}}", &escape(name));
    (
        [
            (header::CONTENT_TYPE, "text/html; charset=utf-8"),
            (header::CONTENT_SECURITY_POLICY, CSP),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
            (header::CACHE_CONTROL, "no-cache"),
        ],
        html,
    )
        .into_response()
}

/// Escapes text for an HTML attribute or element.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_built_file_is_served() {
        let dist = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../web/dist");
        let mut missing = Vec::new();
        let mut stack = vec![dist.clone()];
        while let Some(dir) = stack.pop() {
            for entry in std::fs::read_dir(&dir).expect("web/dist is readable") {
                let path = entry.expect("an entry").path();
                if path.is_dir() {
                    stack.push(path);
                } else {
                    let relative = path.strip_prefix(&dist).expect("under dist");
                    let relative = relative.to_string_lossy().replace('\\', "/");
                    if !ASSETS.iter().any(|(name, _, _)| *name == relative) {
                        missing.push(relative);
                    }
                }
            }
        }
        assert!(
            missing.is_empty(),
            "web/dist has files web.rs does not serve (add them to ASSETS): {missing:?}"
        );
    }

    #[test]
    fn connector_names_cannot_inject_markup() {
        assert_eq!(
            escape(r#"<script>"x"&'y'</script>"#),
            "&lt;script&gt;&quot;x&quot;&amp;&#39;y&#39;&lt;/script&gt;"
        );
    }
}
