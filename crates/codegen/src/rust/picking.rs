//! Typed picking of received messages in a generated Rust channel: `into_<message>` on
//! the received-message enum (`Some` for that variant) and `wait_for` on the socket, so
//! "wait for the `connected` message" is `socket.wait_for(ChatServerMessage::into_connected)`;
//! and `send_raw`, for a text frame the typed methods cannot express.
//! Kept apart from `channels.rs` so the channel layout and these helpers change alone.

use duplex_spec::ir::Message;
use duplex_spec::naming::Scope;

use super::rustdoc::code;
use crate::writer::Writer;

/// The `into_<message>` accessors, inside the received enum's `impl` block.
/// `receives` is (variant, payload type, message), as the enum declares them.
pub fn accessors(w: &mut Writer, receives: &[(String, String, &Message)]) {
    let mut scope = Scope::new();
    for taken in ["from_json", "from_value", "from_str"] {
        scope.reserve(taken);
    }
    for (variant, ty, message) in receives {
        let name = scope.claim(duplex_spec::naming::Name::new(&format!(
            "into_{}",
            message.name.snake.trim_end_matches('_')
        )));
        w.line("");
        w.line(format!(
            "/// The message if it is a {}, else `None`.",
            code(&message.name.wire)
        ));
        let head = format!(
            "pub fn {}(self) -> ::std::option::Option<{ty}> {{",
            name.snake
        );
        if head.len() + 4 <= 100 {
            w.line(head);
        } else {
            w.line(format!("pub fn {}(", name.snake));
            w.line("    self,");
            w.line(format!(") -> ::std::option::Option<{ty}> {{"));
        }
        w.indent(|w| {
            w.block("match self {", "}", |w| {
                let arm = format!("Self::{variant}(message) => Some(message),");
                if arm.len() + w.depth() * 4 <= 100 {
                    w.line(arm);
                } else {
                    w.line(format!("Self::{variant}(message) => {{"));
                    w.line("    Some(message)");
                    w.line("}");
                }
                w.line("_ => None,");
            });
        });
        w.line("}");
    }
}

/// The socket's `wait_for`, inside the socket's `impl` block.
pub fn wait_for(w: &mut Writer, received: &str) {
    w.line(
        "/// Receives until `pick` returns `Some` (an `into_<message>` accessor of the received",
    );
    w.line(
        "/// enum, or a closure that also checks an id) and returns that; messages before it are",
    );
    w.line("/// skipped.");
    w.line("/// [`Error::Closed`](crate::Error::Closed) when the socket closes for good first.");
    w.line("pub async fn wait_for<T>(");
    w.line("    &mut self,");
    w.indent(|w| {
        let tail = " -> ::std::option::Option<T>,";
        super::layout::closure_param(w, "mut pick: impl FnMut", received, tail);
    });
    w.line(") -> ::std::result::Result<T, crate::Error> {");
    w.block(
        "    while let ::std::option::Option::Some(item) = self.recv().await {",
        "    }",
        |w| {
            w.block(
                "    if let ::std::option::Option::Some(found) = pick(item?) {",
                "    }",
                |w| {
                    w.line("    return Ok(found);");
                },
            );
        },
    );
    w.line("    Err(crate::Error::Closed)");
    w.line("}");
    w.line("");
    w.line("/// Sends a text frame as it is, queued like the typed sends.");
    w.line("pub async fn send_raw(");
    w.line("    &self,");
    w.line("    text: impl ::std::convert::Into<::std::string::String>,");
    w.line(") -> ::std::result::Result<(), crate::Error> {");
    w.line("    self.connection.send_text(text.into())");
    w.line("}");
    w.line("");
}
