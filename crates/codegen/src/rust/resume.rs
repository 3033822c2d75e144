//! Session resume in a generated Rust channel: the `connect` parameter that starts from
//! a known session, the runtime `Resume` the request carries, and the socket's getter.
//! Kept apart from `channels.rs` so the channel layout and this feature change alone.

use duplex_spec::ir::{AuthScheme, Channel, Recognition};
use duplex_spec::naming::{Name, Scope};

use super::rustdoc::{code, lit};
use crate::writer::Writer;

/// What a channel with session resume adds, with its names claimed.
pub struct ChannelResume {
    /// The `connect` parameter field (`session_id`).
    pub field: String,
    /// The socket method that reports the value (`session_id`).
    pub method: String,
    name: Name,
    /// The `(property, value)` literal that marks the resume message, or `None`.
    tag: String,
    property: String,
    message: String,
    into_field: String,
}

impl ChannelResume {
    /// The channel's resume, if it has one; claims its field in the `connect` parameters.
    pub fn new(
        channel: &Channel,
        schemes: &[AuthScheme],
        fields: &mut Scope,
    ) -> Option<ChannelResume> {
        let (resume, message) = channel.resume(schemes)?;
        let tag = match &message.recognition {
            Recognition::Field {
                property,
                value: serde_json::Value::String(value),
            } => format!(
                "::std::option::Option::Some(({}, {}))",
                lit(property),
                lit(value)
            ),
            _ => "::std::option::Option::None".to_owned(),
        };
        let name: &Name = &resume.name;
        Some(ChannelResume {
            field: fields.claim(name.clone()).snake,
            method: name.snake.clone(),
            name: name.clone(),
            tag,
            property: resume.property.clone(),
            message: message.name.wire.clone(),
            into_field: resume.field.clone(),
        })
    }

    /// Claims the socket getter's name among the socket's methods.
    pub fn claim_method(&mut self, methods: &mut Scope) {
        self.method = methods.claim(self.name.clone()).snake;
    }

    /// The field of the `connect` parameters.
    pub fn connect_field(&self, w: &mut Writer) {
        w.line(format!(
            "/// Resumes this {} (from an earlier {} message) on the first connect.",
            code(&self.property),
            code(&self.message)
        ));
        w.line("/// Later reconnects always resume the latest one by themselves.");
        w.line(format!(
            "pub {}: ::std::option::Option<::std::string::String>,",
            self.field
        ));
    }

    /// Hands the resume to the request, inside `connect`.
    pub fn connect_call(&self, w: &mut Writer) {
        w.line("request.resume(crate::runtime::Resume::new(");
        w.line(format!("    {},", self.tag));
        w.line(format!("    {},", lit(&self.property)));
        w.line(format!("    {},", lit(&self.into_field)));
        w.line(format!("    params.{}.clone(),", self.field));
        w.line("));");
    }

    /// The socket's getter.
    pub fn socket_method(&self, w: &mut Writer) {
        w.line(format!(
            "/// The {} the next (re)connect resumes: the latest {} message's, else the",
            code(&self.property),
            code(&self.message)
        ));
        w.line("/// one given to `connect`; `None` before either.");
        w.block(
            &format!(
                "pub fn {}(&self) -> ::std::option::Option<::std::string::String> {{",
                self.method
            ),
            "}",
            |w| {
                w.line("self.connection.resume_value()");
            },
        );
        w.line("");
    }
}
