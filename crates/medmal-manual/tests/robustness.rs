//! The manual reader never panics: arbitrary bytes and randomly mutated copies of real manuals
//! (and of their CSV tables) must come back as a manual or as diagnostics.
#![allow(clippy::unwrap_used)]

use std::path::Path;

use medmal_text::SourceFile;
use proptest::prelude::*;

fn root() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn tiny() -> String {
    std::fs::read_to_string(root().join("testdata/manuals/tiny-mutual/PA/2026-01/manual.toml")).unwrap()
}

/// Every manual.toml in the repo, with its table files.
fn corpus() -> Vec<(String, Vec<(String, String)>)> {
    let mut out = Vec::new();
    for dir in ["manuals", "testdata/manuals"] {
        for f in medmal_manual::find_manuals(&root().join(dir)).unwrap() {
            let text = std::fs::read_to_string(&f).unwrap();
            let mut tables = Vec::new();
            if let Ok(entries) = std::fs::read_dir(f.parent().unwrap().join("tables")) {
                for e in entries.flatten() {
                    let name = format!("tables/{}", e.file_name().to_string_lossy());
                    tables.push((name, std::fs::read_to_string(e.path()).unwrap()));
                }
            }
            out.push((text, tables));
        }
    }
    out
}

fn parse(text: &str, tables: &[(String, String)]) {
    let src = SourceFile::new("manual.toml", text);
    let read = |rel: &str| -> Result<SourceFile, String> {
        tables
            .iter()
            .find(|(n, _)| n == rel)
            .map(|(n, t)| SourceFile::new(n.clone(), t.clone()))
            .ok_or_else(|| format!("no table {rel}"))
    };
    match medmal_manual::parse_manual(&src, &read) {
        Ok(_) => {}
        Err(diags) => assert!(!diags.is_empty()),
    }
}

#[derive(Debug, Clone)]
enum Mutation {
    Delete(usize, usize),
    Duplicate(usize, usize),
    Replace(usize, Vec<u8>),
    SwapLines(usize, usize),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        (any::<usize>(), 0usize..40).prop_map(|(a, n)| Mutation::Delete(a, n)),
        (any::<usize>(), 0usize..80).prop_map(|(a, n)| Mutation::Duplicate(a, n)),
        (
            any::<usize>(),
            prop::collection::vec(prop::sample::select(b"[]{}=\",.-_0123456789e \n#abcxyz\xff".to_vec()), 1..8)
        )
            .prop_map(|(a, b)| Mutation::Replace(a, b)),
        (any::<usize>(), any::<usize>()).prop_map(|(a, b)| Mutation::SwapLines(a, b)),
    ]
}

fn apply(text: &str, muts: &[Mutation]) -> String {
    let mut bytes = text.as_bytes().to_vec();
    for m in muts {
        let len = bytes.len().max(1);
        match m {
            Mutation::Delete(a, n) => {
                let a = a % len;
                let end = (a + n).min(bytes.len());
                if a < end {
                    bytes.drain(a..end);
                }
            }
            Mutation::Duplicate(a, n) => {
                let a = a % len;
                let end = (a + n).min(bytes.len());
                let piece = bytes.get(a..end).map(<[u8]>::to_vec).unwrap_or_default();
                bytes.splice(a..a, piece);
            }
            Mutation::Replace(a, b) => {
                let a = a % len;
                let end = (a + b.len()).min(bytes.len());
                if a <= end {
                    bytes.splice(a..end, b.iter().copied());
                }
            }
            Mutation::SwapLines(a, b) => {
                let s = String::from_utf8_lossy(&bytes).into_owned();
                let mut lines: Vec<&str> = s.lines().collect();
                if !lines.is_empty() {
                    let (i, j) = (a % lines.len(), b % lines.len());
                    lines.swap(i, j);
                }
                bytes = lines.join("\n").into_bytes();
            }
        }
    }
    String::from_utf8_lossy(&bytes).into_owned()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_text_never_panics(s in ".{0,400}") {
        parse(&s, &[]);
    }

    #[test]
    fn mutated_manuals_never_panic(which in any::<usize>(), muts in prop::collection::vec(mutation(), 1..6)) {
        let corpus = corpus();
        let (text, tables) = &corpus[which % corpus.len()];
        parse(&apply(text, &muts), tables);
    }

    #[test]
    fn mutated_tables_never_panic(which in any::<usize>(), t in any::<usize>(), muts in prop::collection::vec(mutation(), 1..6)) {
        let corpus = corpus();
        let (text, tables) = &corpus[which % corpus.len()];
        if tables.is_empty() { return Ok(()); }
        let mut tables = tables.clone();
        let k = t % tables.len();
        tables[k].1 = apply(&tables[k].1, &muts);
        parse(text, &tables);
    }
}

#[test]
fn the_fixture_manual_parses() {
    parse(&tiny(), &[]);
    let src = SourceFile::new("manual.toml", tiny());
    assert!(medmal_manual::parse_manual(&src, &|_| Err("none".into())).is_ok());
}
