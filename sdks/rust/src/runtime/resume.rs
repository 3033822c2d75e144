//! Session resume through the first message: the server hands out a value (a session
//! id) in one of its messages, and every later (re)connect sends the latest one back in
//! the first message, next to the credential, so a dropped connection continues the
//! same session without any code in the application.
//!
//! The generated channel says which received message carries the value (by its tag
//! property, when it has one), which property holds it and which field sends it back.
//! The value is shared between the connection task, which sees every frame, and the
//! socket, which reports it.

use std::fmt;
use std::sync::{Arc, Mutex, PoisonError};

use serde_json::Value;

/// Where a channel's resume value comes from and goes to, and the latest value.
#[derive(Clone)]
pub struct Resume {
    /// `(property, value)` that marks the message carrying the value; `None` when the
    /// channel receives only that message.
    tag: Option<(&'static str, &'static str)>,
    property: &'static str,
    field: &'static str,
    value: Arc<Mutex<Option<String>>>,
}

impl Resume {
    /// Resumes from `initial` (e.g. a session id kept from an earlier run) until the
    /// server sends a value.
    pub fn new(
        tag: Option<(&'static str, &'static str)>,
        property: &'static str,
        field: &'static str,
        initial: Option<String>,
    ) -> Resume {
        Resume {
            tag,
            property,
            field,
            value: Arc::new(Mutex::new(initial)),
        }
    }

    /// The value the next (re)connect sends back, if there is one yet.
    pub fn value(&self) -> Option<String> {
        self.value
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// The first message's field that carries the value.
    pub fn field(&self) -> &'static str {
        self.field
    }

    /// Remembers the value when `text` is the message that carries one. Frames that do
    /// not even mention the property are not parsed (every frame passes through here).
    pub fn observe(&self, text: &str) {
        if !text.contains(self.property) {
            return;
        }
        let Ok(Value::Object(message)) = serde_json::from_str::<Value>(text) else {
            return;
        };
        if let Some((property, value)) = self.tag
            && message.get(property).and_then(Value::as_str) != Some(value)
        {
            return;
        }
        if let Some(Value::String(found)) = message.get(self.property) {
            *self.value.lock().unwrap_or_else(PoisonError::into_inner) = Some(found.clone());
        }
    }
}

impl fmt::Debug for Resume {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Resume")
            .field("tag", &self.tag)
            .field("property", &self.property)
            .field("field", &self.field)
            .finish_non_exhaustive()
    }
}

/// Two resumes are alike when they read and write the same places.
impl PartialEq for Resume {
    fn eq(&self, other: &Resume) -> bool {
        (self.tag, self.property, self.field) == (other.tag, other.property, other.field)
    }
}

impl Eq for Resume {}
