//! Typed reading of a [`Node`] tree with every problem collected, never a panic.

use jiff::civil::Date;
use rust_decimal::Decimal;

use crate::{Diags, Entry, Node, NodeKind, parse_date, parse_decimal};

/// Reads the keys of one table. Every key read is marked; [`TableReader::finish`] reports the
/// keys nobody asked for as unknown, listing the keys that were expected.
#[derive(Debug)]
pub struct TableReader<'n> {
    node: &'n Node,
    entries: &'n [Entry],
    used: Vec<bool>,
    asked: Vec<&'static str>,
}

static EMPTY: [Entry; 0] = [];

impl<'n> TableReader<'n> {
    /// Start reading `node` as a table; reports and returns an empty reader if it is not one.
    pub fn new(node: &'n Node, d: &mut Diags<'_>, what: &str) -> Self {
        let entries: &'n [Entry] = match &node.kind {
            NodeKind::Table(entries) => entries,
            _ => {
                d.at(node, format!("expected {what} as a table, found {}", node.type_name()));
                &EMPTY
            }
        };
        Self { node, entries, used: vec![false; entries.len()], asked: Vec::new() }
    }

    pub fn node(&self) -> &'n Node {
        self.node
    }

    pub fn has(&self, key: &str) -> bool {
        self.entries.iter().any(|e| e.key == key)
    }

    /// The value under `key`, if present.
    pub fn get(&mut self, key: &'static str) -> Option<&'n Node> {
        self.asked.push(key);
        let i = self.entries.iter().position(|e| e.key == key)?;
        self.used[i] = true;
        Some(&self.entries[i].value)
    }

    /// The value under `key`; reports it missing otherwise.
    pub fn require(&mut self, d: &mut Diags<'_>, key: &'static str, expected: &str) -> Option<&'n Node> {
        let v = self.get(key);
        if v.is_none() {
            d.at(self.node, format!("missing key `{key}`: expected {expected}"));
        }
        v
    }

    /// Entries not yet read, for tables whose keys are data (class ids, counties, …).
    pub fn rest(&mut self) -> Vec<&'n Entry> {
        let mut out = Vec::new();
        for (i, e) in self.entries.iter().enumerate() {
            if !self.used[i] {
                self.used[i] = true;
                out.push(e);
            }
        }
        out
    }

    pub fn str(&mut self, d: &mut Diags<'_>, key: &'static str) -> Option<String> {
        self.get(key).and_then(|n| as_str(n, d))
    }

    pub fn req_str(&mut self, d: &mut Diags<'_>, key: &'static str, expected: &str) -> Option<String> {
        self.require(d, key, expected).and_then(|n| as_str(n, d))
    }

    pub fn decimal(&mut self, d: &mut Diags<'_>, key: &'static str) -> Option<Decimal> {
        self.get(key).and_then(|n| as_decimal(n, d))
    }

    pub fn req_decimal(&mut self, d: &mut Diags<'_>, key: &'static str, expected: &str) -> Option<Decimal> {
        self.require(d, key, expected).and_then(|n| as_decimal(n, d))
    }

    pub fn u32(&mut self, d: &mut Diags<'_>, key: &'static str) -> Option<u32> {
        self.get(key).and_then(|n| as_u32(n, d))
    }

    pub fn req_u32(&mut self, d: &mut Diags<'_>, key: &'static str, expected: &str) -> Option<u32> {
        self.require(d, key, expected).and_then(|n| as_u32(n, d))
    }

    pub fn bool(&mut self, d: &mut Diags<'_>, key: &'static str) -> Option<bool> {
        self.get(key).and_then(|n| as_bool(n, d))
    }

    pub fn date(&mut self, d: &mut Diags<'_>, key: &'static str) -> Option<Date> {
        self.get(key).and_then(|n| as_date(n, d))
    }

    pub fn req_date(&mut self, d: &mut Diags<'_>, key: &'static str, expected: &str) -> Option<Date> {
        self.require(d, key, expected).and_then(|n| as_date(n, d))
    }

    /// A list of strings (an array, or a single string taken as a list of one).
    pub fn strings(&mut self, d: &mut Diags<'_>, key: &'static str) -> Vec<String> {
        match self.get(key) {
            None => Vec::new(),
            Some(n) => match &n.kind {
                NodeKind::Str(s) => vec![s.clone()],
                _ => ArrayReader::new(n, d, key).items.iter().filter_map(|i| as_str(i, d)).collect(),
            },
        }
    }

    /// An array of tables (or an absent key, read as empty).
    pub fn array(&mut self, d: &mut Diags<'_>, key: &'static str) -> Vec<&'n Node> {
        match self.get(key) {
            None => Vec::new(),
            Some(n) => ArrayReader::new(n, d, key).items.iter().collect(),
        }
    }

    /// Report every key that was present but never read.
    pub fn finish(self, d: &mut Diags<'_>) {
        for (i, e) in self.entries.iter().enumerate() {
            if !self.used[i] {
                let mut expected: Vec<&str> = self.asked.clone();
                expected.sort_unstable();
                expected.dedup();
                let msg = if expected.is_empty() {
                    format!("unknown key `{}`: this table takes no keys", e.key)
                } else {
                    format!("unknown key `{}`: expected one of {}", e.key, expected.join(", "))
                };
                d.at(&Node::key_node(e), msg);
            }
        }
    }
}

/// The items of an array node.
#[derive(Debug)]
pub struct ArrayReader<'n> {
    pub items: &'n [Node],
}

static NO_ITEMS: [Node; 0] = [];

impl<'n> ArrayReader<'n> {
    pub fn new(node: &'n Node, d: &mut Diags<'_>, what: &str) -> Self {
        match &node.kind {
            NodeKind::Array(items) => Self { items },
            _ => {
                d.at(node, format!("expected `{what}` to be an array, found {}", node.type_name()));
                Self { items: &NO_ITEMS }
            }
        }
    }
}

pub fn as_str(node: &Node, d: &mut Diags<'_>) -> Option<String> {
    match &node.kind {
        NodeKind::Str(s) => Some(s.clone()),
        _ => {
            d.at(node, format!("expected a string, found {}", node.type_name()));
            None
        }
    }
}

/// A decimal from a number or a numeric string (`"0.35"`), read exactly.
pub fn as_decimal(node: &Node, d: &mut Diags<'_>) -> Option<Decimal> {
    let text = match &node.kind {
        NodeKind::Number(t) | NodeKind::Str(t) => t,
        _ => {
            d.at(node, format!("expected a number, found {}", node.type_name()));
            return None;
        }
    };
    let v = parse_decimal(text);
    if v.is_none() {
        d.at(node, format!("`{text}` is not a decimal number: expected e.g. 0.85 or 12000"));
    }
    v
}

pub fn as_u32(node: &Node, d: &mut Diags<'_>) -> Option<u32> {
    let v = as_decimal(node, d)?;
    if v.fract().is_zero()
        && v >= Decimal::ZERO
        && let Ok(n) = u32::try_from(v.trunc().mantissa() / 10i128.pow(v.trunc().scale()))
    {
        return Some(n);
    }
    d.at(node, format!("expected a whole number ≥ 0, found {v}"));
    None
}

pub fn as_bool(node: &Node, d: &mut Diags<'_>) -> Option<bool> {
    match node.kind {
        NodeKind::Bool(b) => Some(b),
        _ => {
            d.at(node, format!("expected true or false, found {}", node.type_name()));
            None
        }
    }
}

pub fn as_date(node: &Node, d: &mut Diags<'_>) -> Option<Date> {
    let text = match &node.kind {
        NodeKind::Date(t) | NodeKind::Str(t) => t,
        _ => {
            d.at(node, format!("expected a date (YYYY-MM-DD), found {}", node.type_name()));
            return None;
        }
    };
    let v = parse_date(text);
    if v.is_none() {
        d.at(node, format!("`{text}` is not a date: expected YYYY-MM-DD"));
    }
    v
}
