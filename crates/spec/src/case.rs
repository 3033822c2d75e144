//! The case conversions behind [`crate::naming::Name`], with heck's word rules.
//!
//! heck writes its output one character at a time through `fmt`, which made case
//! conversion about a quarter of loading a large document (Deepgram). ASCII text, which
//! nearly every name is, takes a direct path here; anything else goes to heck itself, and
//! a property test checks that both paths agree on ASCII.

use heck::{ToLowerCamelCase, ToPascalCase, ToSnakeCase};

/// `PascalCase` (heck's `to_pascal_case`).
pub fn pascal(text: &str) -> String {
    if !text.is_ascii() {
        return text.to_pascal_case();
    }
    let mut out = String::with_capacity(text.len());
    for word in words(text) {
        capitalize(word, &mut out);
    }
    out
}

/// `camelCase` (heck's `to_lower_camel_case`).
pub fn camel(text: &str) -> String {
    if !text.is_ascii() {
        return text.to_lower_camel_case();
    }
    let mut out = String::with_capacity(text.len());
    for (i, word) in words(text).into_iter().enumerate() {
        if i == 0 {
            out.push_str(&word.to_ascii_lowercase());
        } else {
            capitalize(word, &mut out);
        }
    }
    out
}

/// `snake_case` (heck's `to_snake_case`).
pub fn snake(text: &str) -> String {
    if !text.is_ascii() {
        return text.to_snake_case();
    }
    let mut out = String::with_capacity(text.len() + 4);
    for (i, word) in words(text).into_iter().enumerate() {
        if i > 0 {
            out.push('_');
        }
        out.push_str(&word.to_ascii_lowercase());
    }
    out
}

fn capitalize(word: &str, out: &mut String) {
    let mut chars = word.chars();
    if let Some(first) = chars.next() {
        out.push(first.to_ascii_uppercase());
        out.extend(chars.map(|c| c.to_ascii_lowercase()));
    }
}

/// The case of the last cased character since a word boundary (heck's `WordMode`).
#[derive(Clone, Copy, PartialEq)]
enum Mode {
    Boundary,
    Lower,
    Upper,
}

/// The words of ASCII `text`, split as heck splits them: at every character that is not
/// a letter or digit, between a lowercase letter (or what follows one) and an uppercase
/// one, and before the last capital of a run of capitals followed by a lowercase letter
/// (`HTTPServer` → `HTTP`, `Server`).
fn words(text: &str) -> Vec<&str> {
    let mut out = Vec::new();
    for word in text.split(|c: char| !c.is_ascii_alphanumeric()) {
        let bytes = word.as_bytes();
        let mut start = 0;
        let mut mode = Mode::Boundary;
        for (i, &c) in bytes.iter().enumerate() {
            let Some(&next) = bytes.get(i + 1) else {
                out.push(&word[start..]);
                break;
            };
            let next_mode = if c.is_ascii_lowercase() {
                Mode::Lower
            } else if c.is_ascii_uppercase() {
                Mode::Upper
            } else {
                mode
            };
            if next_mode == Mode::Lower && next.is_ascii_uppercase() {
                out.push(&word[start..=i]);
                start = i + 1;
                mode = Mode::Boundary;
            } else if mode == Mode::Upper && c.is_ascii_uppercase() && next.is_ascii_lowercase() {
                out.push(&word[start..i]);
                start = i;
                mode = Mode::Boundary;
            } else {
                mode = next_mode;
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use heck::{ToLowerCamelCase, ToPascalCase, ToSnakeCase};
    use proptest::prelude::*;

    use super::{camel, pascal, snake};

    #[test]
    fn splits_words_as_heck_does() {
        assert_eq!(
            snake("HTTPServer v1Listen/{id}"),
            "http_server_v1_listen_id"
        );
        assert_eq!(pascal("send_chat-message"), "SendChatMessage");
        assert_eq!(camel("X-API-Key"), "xApiKey");
        assert_eq!(pascal("ünïcode wörds"), "ünïcode wörds".to_pascal_case());
    }

    proptest! {
        #[test]
        fn ascii_path_agrees_with_heck(text in "[a-zA-Z0-9 _./{}$-]{0,24}") {
            prop_assert_eq!(pascal(&text), text.to_pascal_case());
            prop_assert_eq!(camel(&text), text.to_lower_camel_case());
            prop_assert_eq!(snake(&text), text.to_snake_case());
        }
    }
}
