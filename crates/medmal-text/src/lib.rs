//! Spanned document trees and `file:line:col` diagnostics.
//!
//! Manuals and practice files are read in two stages: the text is parsed into a [`Node`] tree
//! that remembers where every key and value came from, then a hand-written lowering walks the
//! tree with a [`TableReader`] and builds the validated core types. Doing the lowering by hand
//! (rather than with `serde::Deserialize`) lets us report *every* problem in a file at once,
//! each at its exact position, and read numbers from their source text so that `0.35` is the
//! decimal 0.35 and never a binary float.
//!
//! TOML nodes carry byte spans. JSON nodes carry no span (serde_json keeps none), so their
//! diagnostics name the field path (`providers[2].hours_per_week`) instead of a column.

use std::fmt;
use std::ops::Range;
use std::str::FromStr;

use rust_decimal::Decimal;

mod reader;
pub use reader::{ArrayReader, TableReader, as_bool, as_date, as_decimal, as_str, as_u32};

/// A source file's name and text, used to turn byte offsets into line and column.
#[derive(Debug, Clone)]
pub struct SourceFile {
    pub name: String,
    pub text: String,
}

impl SourceFile {
    pub fn new(name: impl Into<String>, text: impl Into<String>) -> Self {
        Self { name: name.into(), text: text.into() }
    }

    /// 1-based line and column (in characters) of a byte offset.
    pub fn line_col(&self, offset: usize) -> (usize, usize) {
        let offset = offset.min(self.text.len());
        let before = self.text.get(..offset).unwrap_or(&self.text);
        let line = before.matches('\n').count() + 1;
        let line_start = before.rfind('\n').map_or(0, |i| i + 1);
        let col = before.get(line_start..).map_or(0, |s| s.chars().count()) + 1;
        (line, col)
    }
}

/// Where a problem is.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Location {
    /// A position in a text file.
    Position { line: usize, col: usize },
    /// A field path, for formats that keep no positions (JSON values).
    Path(String),
    /// The file as a whole.
    File,
}

/// One problem found in an input file: `file:line:col: message`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Diagnostic {
    pub file: String,
    pub location: Location,
    pub message: String,
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.location {
            Location::Position { line, col } => {
                write!(f, "{}:{}:{}: {}", self.file, line, col, self.message)
            }
            Location::Path(path) => write!(f, "{}: at {}: {}", self.file, path, self.message),
            Location::File => write!(f, "{}: {}", self.file, self.message),
        }
    }
}

/// Collects diagnostics for one source file.
#[derive(Debug)]
pub struct Diags<'s> {
    source: &'s SourceFile,
    pub list: Vec<Diagnostic>,
}

impl<'s> Diags<'s> {
    pub fn new(source: &'s SourceFile) -> Self {
        Self { source, list: Vec::new() }
    }

    pub fn source(&self) -> &'s SourceFile {
        self.source
    }

    /// Report a problem at a node (its span, or its path when it has none).
    pub fn at(&mut self, node: &Node, message: impl Into<String>) {
        let location = self.location_of(node);
        self.push(location, message);
    }

    pub fn location_of(&self, node: &Node) -> Location {
        match &node.span {
            Some(span) => {
                let (line, col) = self.source.line_col(span.start);
                Location::Position { line, col }
            }
            None if node.path.is_empty() => Location::File,
            None => Location::Path(node.path.clone()),
        }
    }

    pub fn at_offset(&mut self, offset: usize, message: impl Into<String>) {
        let (line, col) = self.source.line_col(offset);
        self.push(Location::Position { line, col }, message);
    }

    pub fn file(&mut self, message: impl Into<String>) {
        self.push(Location::File, message);
    }

    pub fn push(&mut self, location: Location, message: impl Into<String>) {
        self.list.push(Diagnostic { file: self.source.name.clone(), location, message: message.into() });
    }

    pub fn is_empty(&self) -> bool {
        self.list.is_empty()
    }
}

/// A value in a parsed document, with where it came from.
#[derive(Debug, Clone)]
pub struct Node {
    pub kind: NodeKind,
    /// Byte range in the source text (TOML only).
    pub span: Option<Range<usize>>,
    /// Dotted path from the document root, e.g. `providers[1].claims[0].paid`.
    pub path: String,
}

#[derive(Debug, Clone)]
pub enum NodeKind {
    /// Entries in source order; each key keeps its own span.
    Table(Vec<Entry>),
    Array(Vec<Node>),
    Str(String),
    /// A number exactly as written (`0.35`, `12_000`, `1e3`).
    Number(String),
    Bool(bool),
    /// A TOML date or datetime, as written.
    Date(String),
    Null,
}

#[derive(Debug, Clone)]
pub struct Entry {
    pub key: String,
    pub key_span: Option<Range<usize>>,
    pub value: Node,
}

impl Node {
    pub fn type_name(&self) -> &'static str {
        match self.kind {
            NodeKind::Table(_) => "a table",
            NodeKind::Array(_) => "an array",
            NodeKind::Str(_) => "a string",
            NodeKind::Number(_) => "a number",
            NodeKind::Bool(_) => "a boolean",
            NodeKind::Date(_) => "a date",
            NodeKind::Null => "null",
        }
    }

    /// A key's node, for diagnostics that should point at the key rather than its value.
    pub fn key_node(entry: &Entry) -> Node {
        Node { kind: NodeKind::Null, span: entry.key_span.clone(), path: entry.value.path.clone() }
    }
}

fn child_path(parent: &str, key: &str) -> String {
    if parent.is_empty() { key.to_string() } else { format!("{parent}.{key}") }
}

/// Parse TOML text into a spanned tree. Syntax errors come back as diagnostics.
pub fn parse_toml(source: &SourceFile) -> Result<Node, Vec<Diagnostic>> {
    use toml::de::DeTable;
    let (table, errors) = DeTable::parse_recoverable(&source.text);
    if !errors.is_empty() {
        let mut diags = Diags::new(source);
        for e in errors {
            let message = format!("invalid TOML: {}", e.message().trim());
            match e.span() {
                Some(span) => diags.at_offset(span.start, message),
                None => diags.file(message),
            }
        }
        return Err(diags.list);
    }
    let span = table.span();
    Ok(Node { kind: NodeKind::Table(toml_entries(table.get_ref(), "")), span: Some(span), path: String::new() })
}

fn toml_entries(table: &toml::de::DeTable<'_>, path: &str) -> Vec<Entry> {
    table
        .iter()
        .map(|(k, v)| {
            let key = k.get_ref().to_string();
            let p = child_path(path, &key);
            Entry { key, key_span: Some(k.span()), value: toml_node(v, p) }
        })
        .collect()
}

fn toml_node(value: &toml::Spanned<toml::de::DeValue<'_>>, path: String) -> Node {
    use toml::de::DeValue;
    let kind = match value.get_ref() {
        DeValue::String(s) => NodeKind::Str(s.to_string()),
        DeValue::Integer(i) => {
            if i.radix() == 10 {
                NodeKind::Number(i.as_str().to_string())
            } else {
                // Hex/octal/binary integers: keep as text the reader will reject as a number.
                NodeKind::Str(i.as_str().to_string())
            }
        }
        DeValue::Float(f) => NodeKind::Number(f.as_str().to_string()),
        DeValue::Boolean(b) => NodeKind::Bool(*b),
        DeValue::Datetime(d) => NodeKind::Date(d.to_string()),
        DeValue::Array(items) => {
            NodeKind::Array(items.into_iter().enumerate().map(|(i, v)| toml_node(v, format!("{path}[{i}]"))).collect())
        }
        DeValue::Table(t) => NodeKind::Table(toml_entries(t, &path)),
    };
    Node { kind, span: Some(value.span()), path }
}

/// Parse JSON text into a tree. Numbers keep their source text (no binary floats).
pub fn parse_json(source: &SourceFile) -> Result<Node, Vec<Diagnostic>> {
    match serde_json::from_str::<serde_json::Value>(&source.text) {
        Ok(v) => Ok(json_node(&v, String::new())),
        Err(e) => {
            let mut diags = Diags::new(source);
            let message = format!("invalid JSON: {e}");
            if e.line() > 0 {
                diags.push(Location::Position { line: e.line(), col: e.column() }, message);
            } else {
                diags.file(message);
            }
            Err(diags.list)
        }
    }
}

fn json_node(value: &serde_json::Value, path: String) -> Node {
    use serde_json::Value;
    let kind = match value {
        Value::Null => NodeKind::Null,
        Value::Bool(b) => NodeKind::Bool(*b),
        Value::Number(n) => NodeKind::Number(n.to_string()),
        Value::String(s) => NodeKind::Str(s.clone()),
        Value::Array(items) => {
            NodeKind::Array(items.iter().enumerate().map(|(i, v)| json_node(v, format!("{path}[{i}]"))).collect())
        }
        Value::Object(map) => NodeKind::Table(
            map.iter()
                .map(|(k, v)| Entry { key: k.clone(), key_span: None, value: json_node(v, child_path(&path, k)) })
                .collect(),
        ),
    };
    Node { kind, span: None, path }
}

/// Parse a decimal number exactly from its source text.
///
/// Accepts TOML's `_` digit separators and plain exponents; rejects `inf`/`nan`.
pub fn parse_decimal(text: &str) -> Option<Decimal> {
    let cleaned: String = text.chars().filter(|c| *c != '_').collect();
    if cleaned.contains(['e', 'E']) {
        Decimal::from_scientific(&cleaned).ok()
    } else {
        Decimal::from_str(&cleaned).ok()
    }
}

/// Parse a `YYYY-MM-DD` date.
pub fn parse_date(text: &str) -> Option<jiff::civil::Date> {
    if text.len() != 10 {
        return None;
    }
    jiff::civil::Date::from_str(text).ok()
}
