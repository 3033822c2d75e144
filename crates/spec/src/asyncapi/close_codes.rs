//! `x-duplex-close-codes` on a channel: which WebSocket close codes end a connection for
//! good. AsyncAPI has no word for close codes, yet a client must know that after, say,
//! `4001 unauthorized` reconnecting cannot help, so the generated clients stop and say why.

use crate::diagnostics::Diagnostic;
use crate::ir::CloseCode;
use crate::source::Node;

use super::Loader;

const EXTENSION: &str = "x-duplex-close-codes";

impl Loader<'_> {
    /// The channel's `x-duplex-close-codes: {<code>: {reconnect: <bool>, description}}`,
    /// sorted by code; faulty entries are reported and left out.
    pub(super) fn close_codes(&mut self, channel: &Node) -> Vec<CloseCode> {
        let Some(map) = channel.map_field(EXTENSION, &mut self.diags) else {
            return Vec::new();
        };
        let mut codes = Vec::new();
        for entry in map.entries() {
            let Some(code) = entry
                .key
                .parse::<u16>()
                .ok()
                .filter(|c| (1000..=4999).contains(c))
            else {
                self.diags.push(
                    Diagnostic::error(
                        "E0109",
                        format!(
                            "`{EXTENSION}` has the key `{}`, which is not a WebSocket close code",
                            entry.key
                        ),
                        entry.key_pos.location(),
                    )
                    .with_hint("use a close code from 1000 to 4999 as the key, e.g. `4001:`"),
                );
                continue;
            };
            let value = &entry.value;
            if !value.is_map() {
                self.diags.push(value.type_error(
                    &format!("`{EXTENSION}.{code}`"),
                    "a mapping such as `{reconnect: false, description: ...}`",
                ));
                continue;
            }
            let Some(reconnect) = value.get("reconnect") else {
                self.diags.push(
                    Diagnostic::error(
                        "E0104",
                        format!("`{EXTENSION}.{code}` has no `reconnect`"),
                        value.location(),
                    )
                    .with_hint(
                        "say whether a client should connect again after this code: \
                         `reconnect: true` or `reconnect: false`",
                    ),
                );
                continue;
            };
            let Some(reconnect) = reconnect.as_bool() else {
                self.diags.push(reconnect.type_error(
                    &format!("`{EXTENSION}.{code}.reconnect`"),
                    "a boolean (`true` or `false`)",
                ));
                continue;
            };
            let docs = value
                .str_field("description", &mut self.diags)
                .map(|s| s.trim_end().to_owned())
                .filter(|s| !s.is_empty());
            codes.push(CloseCode {
                code,
                reconnect,
                docs,
            });
        }
        codes.sort_by_key(|c| c.code);
        codes
    }
}
