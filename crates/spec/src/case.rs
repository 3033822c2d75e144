//! The case conversions behind [`crate::naming::Name`], with heck's word rules.
//!
//! heck writes its output one character at a time through `fmt`, which made case
//! conversion about a quarter of loading a large document (Deepgram). ASCII text, which
//! nearly every name is, takes a direct path here; anything else goes to heck itself, and
//! a property test checks that both paths agree on ASCII.

use heck::{ToLowerCamelCase, ToPascalCase, ToSnakeCase};

/// The three case forms of a name, heck's `to_pascal_case`, `to_lower_camel_case` and
/// `to_snake_case`, from one split into words.
pub struct Forms {
    pub pascal: String,
    pub camel: String,
    pub snake: String,
}

/// The [`Forms`] of `text`: one word split for all three (splitting three times was a
/// third of the conversion), and no intermediate string per word.
pub fn forms(text: &str) -> Forms {
    if !text.is_ascii() {
        return Forms {
            pascal: text.to_pascal_case(),
            camel: text.to_lower_camel_case(),
            snake: text.to_snake_case(),
        };
    }
    let mut pascal = String::with_capacity(text.len());
    let mut camel = String::with_capacity(text.len());
    let mut snake = String::with_capacity(text.len() + 4);
    for (i, word) in words(text).into_iter().enumerate() {
        capitalize(word, &mut pascal);
        if i == 0 {
            camel.extend(word.chars().map(|c| c.to_ascii_lowercase()));
        } else {
            capitalize(word, &mut camel);
            snake.push('_');
        }
        snake.extend(word.chars().map(|c| c.to_ascii_lowercase()));
    }
    Forms {
        pascal,
        camel,
        snake,
    }
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

    use super::forms;

    fn pascal(text: &str) -> String {
        forms(text).pascal
    }

    fn camel(text: &str) -> String {
        forms(text).camel
    }

    fn snake(text: &str) -> String {
        forms(text).snake
    }

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
