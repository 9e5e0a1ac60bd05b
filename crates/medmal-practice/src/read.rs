//! Small reading helpers on top of `medmal_text`: enums, non-empty text, state codes, ranges.

use jiff::civil::Date;
use medmal_text::{Diags, Location, Node, NodeKind, TableReader, as_date, as_decimal, as_str};
use rust_decimal::Decimal;

/// `"a", "b", "c"` for messages.
pub(crate) fn quoted_list(options: &[&str]) -> String {
    options.iter().map(|o| format!("\"{o}\"")).collect::<Vec<_>>().join(", ")
}

/// One of a fixed set of names (matched ignoring ASCII case and surrounding spaces).
pub(crate) fn choice<T: Copy>(node: &Node, d: &mut Diags<'_>, key: &str, options: &[(&str, T)]) -> Option<T> {
    let names: Vec<&str> = options.iter().map(|(n, _)| *n).collect();
    let NodeKind::Str(s) = &node.kind else {
        d.at(node, format!("`{key}` is {}: expected one of {}", node.type_name(), quoted_list(&names)));
        return None;
    };
    let found = options.iter().find(|(n, _)| n.eq_ignore_ascii_case(s.trim())).map(|(_, v)| *v);
    if found.is_none() {
        d.at(node, format!("unknown {key} `{}`: expected one of {}", shorten(s), quoted_list(&names)));
    }
    found
}

/// A required key with one of a fixed set of names.
pub(crate) fn req_choice<T: Copy>(
    r: &mut TableReader<'_>,
    d: &mut Diags<'_>,
    key: &'static str,
    options: &[(&str, T)],
) -> Option<T> {
    let names: Vec<&str> = options.iter().map(|(n, _)| *n).collect();
    let node = r.require(d, key, &format!("one of {}", quoted_list(&names)))?;
    choice(node, d, key, options)
}

/// A string that is not blank, trimmed.
pub(crate) fn text(node: &Node, d: &mut Diags<'_>, key: &str, expected: &str) -> Option<String> {
    let s = as_str(node, d)?;
    let t = s.trim();
    if t.is_empty() {
        d.at(node, format!("`{key}` is empty: expected {expected}"));
        return None;
    }
    Some(t.to_string())
}

pub(crate) fn req_text(
    r: &mut TableReader<'_>,
    d: &mut Diags<'_>,
    key: &'static str,
    expected: &str,
) -> Option<String> {
    let node = r.require(d, key, expected)?;
    text(node, d, key, expected)
}

/// A two-letter US state or territory code, uppercased.
pub(crate) fn state_code(node: &Node, d: &mut Diags<'_>, key: &str) -> Option<String> {
    let s = as_str(node, d)?;
    let t = s.trim();
    if t.len() == 2 && t.chars().all(|c| c.is_ascii_alphabetic()) {
        Some(t.to_ascii_uppercase())
    } else {
        d.at(
            node,
            format!(
                "`{}` in `{key}` is not a state code: expected a two-letter code such as \"PA\"",
                shorten(s.as_str())
            ),
        );
        None
    }
}

/// A decimal in `(low, high]` (or `[low, high]` when `low_inclusive`).
pub(crate) fn decimal_in(
    node: &Node,
    d: &mut Diags<'_>,
    key: &str,
    low: (Decimal, bool),
    high: Decimal,
) -> Option<Decimal> {
    let v = as_decimal(node, d)?;
    let (lo, inclusive) = low;
    let ok = (if inclusive { v >= lo } else { v > lo }) && v <= high;
    if !ok {
        let lower = if inclusive { format!("at least {lo}") } else { format!("more than {lo}") };
        d.at(node, format!("`{key}` is {v}: expected {lower} and at most {high}"));
        return None;
    }
    Some(v)
}

/// A money amount ≥ 0.
pub(crate) fn money(node: &Node, d: &mut Diags<'_>, key: &str) -> Option<Decimal> {
    let v = as_decimal(node, d)?;
    if v < Decimal::ZERO {
        d.at(node, format!("`{key}` is {v}: expected an amount of at least 0"));
        return None;
    }
    Some(v)
}

/// A whole number in `low..=high`.
pub(crate) fn whole_in(node: &Node, d: &mut Diags<'_>, key: &str, low: u32, high: u32) -> Option<u32> {
    let v = medmal_text::as_u32(node, d)?;
    if v < low || v > high {
        d.at(node, format!("`{key}` is {v}: expected a whole number from {low} to {high}"));
        return None;
    }
    Some(v)
}

/// A date that is not after the policy's effective date (when that is known).
pub(crate) fn past_date(node: &Node, d: &mut Diags<'_>, key: &str, effective: Option<Date>) -> Option<Date> {
    let date = as_date(node, d)?;
    match effective {
        Some(eff) if date > eff => {
            d.at(
                node,
                format!("`{key}` {date} is after the policy's effective date {eff}: expected a date on or before it"),
            );
            None
        }
        _ => Some(date),
    }
}

/// Where a node is, as `line:col` or its field path, for "first given at …" notes.
pub(crate) fn place(d: &Diags<'_>, node: &Node) -> String {
    match d.location_of(node) {
        Location::Position { line, col } => format!("{line}:{col}"),
        Location::Path(p) => p,
        Location::File => "the top of the file".to_string(),
    }
}

/// Cut long echoed input so one bad value cannot flood the report.
pub(crate) fn shorten(s: &str) -> String {
    const MAX: usize = 60;
    if s.chars().count() <= MAX { s.to_string() } else { format!("{}…", s.chars().take(MAX).collect::<String>()) }
}

/// Start reading a table; `None` (after one diagnostic) when the node is not a table, so a
/// wrong value is not also reported as a string of missing keys.
pub(crate) fn table<'n>(node: &'n Node, d: &mut Diags<'_>, what: &str) -> Option<TableReader<'n>> {
    let r = TableReader::new(node, d, what);
    matches!(node.kind, NodeKind::Table(_)).then_some(r)
}
