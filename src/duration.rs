//! Durations as operators write them: `90s`, `5m`, `1h30m`, `2d`.

use serde::de::{self, Deserialize, Deserializer};
use serde::{Serialize, Serializer};
use std::time::Duration;

/// A span of time written as `90s`, `5m`, `1h30m`: scenario timing, `--after`,
/// `--max-image-age`, refresh intervals in the config.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default)]
pub struct Span(pub Duration);

impl Span {
    /// Parses `90s`, `5m`, `1h30m`, `2d` (units d, h, m, s; whole numbers).
    pub fn parse(text: &str) -> Option<Span> {
        let mut total = 0u64;
        let mut digits = String::new();
        let mut any = false;
        for c in text.trim().chars() {
            if c.is_ascii_digit() {
                digits.push(c);
                continue;
            }
            let n: u64 = digits.parse().ok()?;
            digits.clear();
            total += n * match c {
                'd' => 86_400,
                'h' => 3600,
                'm' => 60,
                's' => 1,
                _ => return None,
            };
            any = true;
        }
        (any && digits.is_empty()).then_some(Span(Duration::from_secs(total)))
    }

    /// A flag's or a file's value, or why it is not a duration.
    pub fn parse_arg(text: &str) -> Result<Span, String> {
        Span::parse(text).ok_or_else(|| {
            format!("{text:?} is not a duration: write it like 30s, 5m, 1h30m or 2d")
        })
    }

    /// Whole seconds.
    pub fn secs(self) -> i64 {
        self.0.as_secs() as i64
    }
}

impl std::fmt::Display for Span {
    /// The way it is written: `90s` as `1m30s`, `5400s` as `1h30m`, zero as `0s`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut left = self.0.as_secs();
        if left == 0 {
            return f.write_str("0s");
        }
        for (unit, size) in [('d', 86_400), ('h', 3600), ('m', 60), ('s', 1)] {
            if left >= size {
                write!(f, "{}{unit}", left / size)?;
                left %= size;
            }
        }
        Ok(())
    }
}

impl Serialize for Span {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Span {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        Span::parse_arg(&text).map_err(de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn span(secs: u64) -> Span {
        Span(Duration::from_secs(secs))
    }

    #[test]
    fn spans_parse_and_reject() {
        assert_eq!(Span::parse("90s"), Some(span(90)));
        assert_eq!(Span::parse("1h30m"), Some(span(5400)));
        assert_eq!(Span::parse("2m30s"), Some(span(150)));
        assert_eq!(Span::parse("5"), None);
        assert_eq!(Span::parse("5 mins"), None);
        assert_eq!(Span::parse(""), None);
    }

    #[test]
    fn spans_are_written_as_they_are_read() {
        for (secs, text) in [
            (0, "0s"),
            (90, "1m30s"),
            (5400, "1h30m"),
            (86_400 + 5, "1d5s"),
        ] {
            assert_eq!(span(secs).to_string(), text);
            assert_eq!(Span::parse(text), Some(span(secs)));
        }
    }
}
