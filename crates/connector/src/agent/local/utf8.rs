//! Holds back the bytes of a character that is split across tokens.
//!
//! A token is a byte string, and one UTF-8 character (an emoji, most CJK text) often spans
//! two or three tokens. Streaming each token's bytes as text would emit broken characters,
//! so decoded bytes go through a [`Utf8Buffer`] that releases only complete characters.

/// Bytes in, complete UTF-8 text out.
#[derive(Debug, Default)]
pub struct Utf8Buffer {
    pending: Vec<u8>,
}

impl Utf8Buffer {
    /// Adds `bytes` and returns all text that is complete so far (possibly empty).
    /// Bytes that can never be valid UTF-8 become U+FFFD rather than blocking the stream.
    pub fn push(&mut self, bytes: &[u8]) -> String {
        self.pending.extend_from_slice(bytes);
        let mut out = String::new();
        let mut rest: &[u8] = &self.pending;
        loop {
            match std::str::from_utf8(rest) {
                Ok(text) => {
                    out.push_str(text);
                    rest = &[];
                    break;
                }
                Err(error) => {
                    let (valid, after) = rest.split_at(error.valid_up_to());
                    out.push_str(std::str::from_utf8(valid).unwrap_or_default());
                    match error.error_len() {
                        // An incomplete character at the end: wait for more bytes.
                        None => {
                            rest = after;
                            break;
                        }
                        Some(bad) => {
                            out.push(char::REPLACEMENT_CHARACTER);
                            rest = &after[bad..];
                        }
                    }
                }
            }
        }
        self.pending = rest.to_vec();
        out
    }

    /// Ends the stream: whatever is still held back is released, lossily.
    pub fn finish(&mut self) -> String {
        let text = String::from_utf8_lossy(&self.pending).into_owned();
        self.pending.clear();
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_character_split_across_pushes_comes_out_whole() {
        let crab = "🦀".as_bytes();
        let mut buffer = Utf8Buffer::default();
        assert_eq!(buffer.push(b"hi "), "hi ");
        assert_eq!(buffer.push(&crab[..1]), "");
        assert_eq!(buffer.push(&crab[1..3]), "");
        assert_eq!(buffer.push(&crab[3..]), "🦀");
        assert_eq!(buffer.finish(), "");
    }

    #[test]
    fn invalid_bytes_become_replacement_characters() {
        let mut buffer = Utf8Buffer::default();
        assert_eq!(buffer.push(b"a\xffb"), "a\u{fffd}b");
    }

    #[test]
    fn finish_releases_a_truncated_character() {
        let mut buffer = Utf8Buffer::default();
        assert_eq!(buffer.push(&"é".as_bytes()[..1]), "");
        assert_eq!(buffer.finish(), "\u{fffd}");
    }
}
