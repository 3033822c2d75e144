//! Human durations in `duplex.toml` (`"250ms"`, `"10s"`, `"5m"`, `"1h"`).
//!
//! Kept tiny and strict on purpose: one number and one unit, so a typo such as
//! `"10 sec"` is an error that says which units exist rather than a silent default.

use std::fmt;
use std::time::Duration;

use serde::{Deserialize, Deserializer};

/// A [`Duration`] read from a string with a unit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HumanDuration(pub Duration);

/// Parses `"<integer><unit>"` with unit `ms`, `s`, `m` or `h`.
pub fn parse(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    let split = text
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len());
    let (digits, unit) = text.split_at(split);
    let hint = "write a whole number and a unit: \"250ms\", \"10s\", \"5m\" or \"1h\"";
    let value: u64 = digits
        .parse()
        .map_err(|_| format!("`{text}` is not a duration; {hint}"))?;
    let millis_per_unit = match unit {
        "ms" => 1,
        "s" => 1_000,
        "m" => 60_000,
        "h" => 3_600_000,
        _ => return Err(format!("`{text}` has no known unit; {hint}")),
    };
    value
        .checked_mul(millis_per_unit)
        .map(Duration::from_millis)
        .ok_or_else(|| format!("`{text}` is too long a duration"))
}

impl<'de> Deserialize<'de> for HumanDuration {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl serde::de::Visitor<'_> for Visitor {
            type Value = HumanDuration;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a duration such as \"250ms\", \"10s\", \"5m\" or \"1h\"")
            }
            fn visit_str<E: serde::de::Error>(self, text: &str) -> Result<HumanDuration, E> {
                parse(text).map(HumanDuration).map_err(E::custom)
            }
        }
        deserializer.deserialize_str(Visitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[track_caller]
    fn check(text: &str, expected: Result<u64, &str>) {
        let got = parse(text).map(|d| d.as_millis() as u64);
        match (got, expected) {
            (Ok(ms), Ok(want)) => assert_eq!(ms, want, "{text}"),
            (Err(err), Err(fragment)) => assert!(err.contains(fragment), "{err}"),
            (got, want) => panic!("{text}: got {got:?}, want {want:?}"),
        }
    }

    #[test]
    fn units() {
        check("250ms", Ok(250));
        check("10s", Ok(10_000));
        check("5m", Ok(300_000));
        check("1h", Ok(3_600_000));
        check("10 sec", Err("no known unit"));
        check("s", Err("not a duration"));
        check("99999999999999999h", Err("too long"));
    }
}
