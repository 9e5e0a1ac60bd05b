//! Reads practice files into [`medmal_core::practice::Practice`].
//!
//! A practice file is TOML (or JSON with the same schema, chosen by a `.json` file name); the
//! format is described in `docs/practice-format.md`. Reading never stops at the first problem:
//! every problem in the file is returned as a [`Diagnostic`] that prints as
//! `file:line:col: what is wrong: what was expected` (JSON keeps no positions, so its
//! diagnostics name the field path instead). Numbers are read exactly from their source text.

mod coverage;
mod document;
mod policy;
mod provider;
mod read;
mod underwriting;

use std::path::Path;

use medmal_core::practice::Practice;
use medmal_text::{Diags, Location, Node, NodeKind, SourceFile, parse_json, parse_toml};

pub use medmal_core::limits::{parse_amount, parse_limits};
pub use medmal_text::Diagnostic;
pub use policy::{load_policy, parse_policy};

/// Parse a practice from source text: JSON when the file name ends in `.json`, TOML otherwise.
///
/// All problems are reported: TOML ones in file order, JSON ones (field paths) in reading order.
pub fn parse_practice(source: &SourceFile) -> Result<Practice, Vec<Diagnostic>> {
    let root = if is_json(&source.name) {
        // In JSON, `"key": null` means the same as leaving the key out.
        let mut root = parse_json(source)?;
        drop_nulls(&mut root);
        root
    } else {
        parse_toml(source)?
    };
    practice_from_node(source, &root)
}

/// Build a practice from an already-parsed tree (a rating example is a practice file plus an
/// `[expect]` table that the example runner removes first).
pub fn practice_from_node(source: &SourceFile, root: &Node) -> Result<Practice, Vec<Diagnostic>> {
    let mut d = Diags::new(source);
    let practice = document::read(root, &mut d);
    match practice {
        Some(p) if d.is_empty() => Ok(p),
        _ => {
            let mut list = d.list;
            if list.is_empty() {
                // Cannot happen (every failed read reports), but never return an empty error.
                d = Diags::new(source);
                d.file(
                    "the practice could not be read: expected a practice file as described in docs/practice-format.md",
                );
                list = d.list;
            }
            // TOML diagnostics in file order; JSON ones (field paths) stay in reading order.
            if !is_json(&source.name) {
                list.sort();
            }
            list.dedup();
            Err(list)
        }
    }
}

/// Read and parse a practice file. A file that cannot be read is one diagnostic for the file.
pub fn load_practice(path: &Path) -> Result<Practice, Vec<Diagnostic>> {
    let name = path.display().to_string();
    match std::fs::read_to_string(path) {
        Ok(text) => parse_practice(&SourceFile::new(name, text)),
        Err(e) => Err(vec![Diagnostic {
            file: name,
            location: Location::File,
            message: format!("cannot read the practice file: {e}"),
        }]),
    }
}

fn is_json(name: &str) -> bool {
    name.len() >= 5 && name.get(name.len() - 5..).is_some_and(|ext| ext.eq_ignore_ascii_case(".json"))
}

/// Remove `null` members of JSON objects, at any depth.
fn drop_nulls(node: &mut Node) {
    match &mut node.kind {
        NodeKind::Table(entries) => {
            entries.retain(|e| !matches!(e.value.kind, NodeKind::Null));
            entries.iter_mut().for_each(|e| drop_nulls(&mut e.value));
        }
        NodeKind::Array(items) => items.iter_mut().for_each(drop_nulls),
        _ => {}
    }
}
