//! Limits of liability written as `per-claim/aggregate`: `1M/3M`, `500K/1.5M`, `1000000/3000000`.

use crate::manual::Limits;
use crate::money::Money;
use rust_decimal::Decimal;

/// Parse limits written as `per-claim/aggregate`.
///
/// Each side is a positive amount in dollars, optionally with a `K` (thousands) or `M`
/// (millions) suffix and optionally a leading `$`; `,` and `_` may separate digit groups and
/// spaces around either side are ignored. Accepts `1M/3M`, `500K/1.5M`, `1000000/3000000`,
/// `$2M/$4M`, `1,000,000/3,000,000`. Amounts are exact decimals, normalized (`1.5M` is
/// `1500000`).
///
/// Only the spelling is checked here: `None` when either side is not a positive amount.
/// Whether the aggregate is at least the per-claim limit is the caller's check (so it can say
/// so precisely).
pub fn parse_limits(text: &str) -> Option<Limits> {
    let (per_claim, aggregate) = text.split_once('/')?;
    Some(Limits { per_claim: parse_amount(per_claim)?, aggregate: parse_amount(aggregate)? })
}

/// A positive dollar amount with an optional `K`/`M` suffix: `500K`, `1.5M`, `$1,000,000`.
pub fn parse_amount(text: &str) -> Option<Money> {
    let t = text.trim();
    let t = t.strip_prefix('$').unwrap_or(t).trim_start();
    let (digits, multiplier) = match t.char_indices().last()? {
        (i, 'k' | 'K') => (t.get(..i)?, Decimal::from(1_000)),
        (i, 'm' | 'M') => (t.get(..i)?, Decimal::from(1_000_000)),
        _ => (t, Decimal::ONE),
    };
    let cleaned: String = digits.trim_end().chars().filter(|c| !matches!(c, ',' | '_')).collect();
    // Plain digits with at most one decimal point: no sign, no exponent, no spaces inside.
    let mut parts = cleaned.splitn(2, '.');
    let whole = parts.next().unwrap_or_default();
    let frac = parts.next().unwrap_or_default();
    let all_digits = |s: &str| s.chars().all(|c| c.is_ascii_digit());
    if whole.is_empty() || !all_digits(whole) || !all_digits(frac) || (cleaned.ends_with('.')) {
        return None;
    }
    let value = cleaned.parse::<Decimal>().ok()?.checked_mul(multiplier)?.normalize();
    (value > Decimal::ZERO).then_some(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lim(text: &str) -> Option<(String, String)> {
        parse_limits(text).map(|l| (l.per_claim.to_string(), l.aggregate.to_string()))
    }

    fn pair(a: &str, b: &str) -> Option<(String, String)> {
        Some((a.to_string(), b.to_string()))
    }

    #[test]
    fn accepts_the_usual_spellings() {
        assert_eq!(lim("1M/3M"), pair("1000000", "3000000"));
        assert_eq!(lim("500K/1.5M"), pair("500000", "1500000"));
        assert_eq!(lim("1000000/3000000"), pair("1000000", "3000000"));
        assert_eq!(lim("2M/4M"), pair("2000000", "4000000"));
        assert_eq!(lim(" $1,000,000 / $3,000,000 "), pair("1000000", "3000000"));
        assert_eq!(lim("250k/750k"), pair("250000", "750000"));
        assert_eq!(lim("1.25M/3M"), pair("1250000", "3000000"));
    }

    #[test]
    fn rejects_everything_else() {
        for bad in [
            "",
            "/",
            "1M",
            "1M/",
            "/3M",
            "1M/3M/5M",
            "0/1M",
            "-1M/3M",
            "1e6/3e6",
            "1 000 000/3M",
            "1.M/3M",
            ".5M/1M",
            "1B/3B",
            "M/3M",
            "K/K",
            "1M/3MM",
            "1M/3M x",
            "+1M/3M",
            "99999999999999999999999999999M/1M",
        ] {
            assert_eq!(parse_limits(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn short_labels_round_trip() {
        for text in ["1M/3M", "500K/1.5M", "2M/4M", "200K/600K"] {
            assert_eq!(parse_limits(text).map(|l| l.label()).as_deref(), Some(text));
        }
    }
}
