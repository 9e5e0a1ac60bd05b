//! `parse_practice` never panics: arbitrary bytes, and the sample practices mangled at random.
#![allow(clippy::unwrap_used)]

use medmal_practice::parse_practice;
use medmal_text::SourceFile;
use proptest::prelude::*;

const SAMPLES: [(&str, &str); 4] = [
    ("solo-family.toml", include_str!("../../../examples/practices/solo-family.toml")),
    ("solo-family.json", include_str!("../../../examples/practices/solo-family.json")),
    ("obgyn-group.toml", include_str!("../../../examples/practices/obgyn-group.toml")),
    ("multispecialty-group.toml", include_str!("../../../examples/practices/multispecialty-group.toml")),
];

/// Text likely to reach the checks behind the syntax: odd numbers, dates, keys, brackets.
const SNIPPETS: [&str; 24] = [
    "\"",
    "[",
    "]]",
    "{",
    "}",
    "=",
    ",",
    "\n",
    "null",
    "true",
    "-1",
    "0",
    "1e999",
    "1e28",
    "0.0000000000000000000000000001",
    "79228162514264337593543950336",
    "99999999999999999999999999999",
    "2026-02-30",
    "2099-01-01",
    "\"\"",
    "[[providers]]\n",
    "\"physician\"",
    "percent = 100",
    "1M/0",
];

#[derive(Debug, Clone)]
enum Edit {
    Delete { at: usize, len: usize },
    Duplicate { at: usize, len: usize },
    Replace { at: usize, len: usize, with: Vec<u8> },
    Insert { at: usize, snippet: usize },
    SwapLines { a: usize, b: usize },
}

fn edit() -> impl Strategy<Value = Edit> {
    prop_oneof![
        (any::<usize>(), 0usize..40).prop_map(|(at, len)| Edit::Delete { at, len }),
        (any::<usize>(), 0usize..200).prop_map(|(at, len)| Edit::Duplicate { at, len }),
        (any::<usize>(), 0usize..8, proptest::collection::vec(any::<u8>(), 0..8))
            .prop_map(|(at, len, with)| Edit::Replace { at, len, with }),
        (any::<usize>(), 0..SNIPPETS.len()).prop_map(|(at, snippet)| Edit::Insert { at, snippet }),
        (any::<usize>(), any::<usize>()).prop_map(|(a, b)| Edit::SwapLines { a, b }),
    ]
}

fn apply(bytes: &mut Vec<u8>, e: &Edit) {
    let n = bytes.len();
    let range = |at: usize, len: usize| {
        let start = if n == 0 { 0 } else { at % n };
        (start, (start + len).min(n))
    };
    match e {
        Edit::Delete { at, len } => {
            let (s, t) = range(*at, *len);
            bytes.drain(s..t);
        }
        Edit::Duplicate { at, len } => {
            let (s, t) = range(*at, *len);
            let copy = bytes[s..t].to_vec();
            bytes.splice(t..t, copy);
        }
        Edit::Replace { at, len, with } => {
            let (s, t) = range(*at, *len);
            bytes.splice(s..t, with.iter().copied());
        }
        Edit::Insert { at, snippet } => {
            let (s, _) = range(*at, 0);
            bytes.splice(s..s, SNIPPETS[*snippet].bytes());
        }
        Edit::SwapLines { a, b } => {
            let mut lines: Vec<Vec<u8>> = bytes.split(|c| *c == b'\n').map(<[u8]>::to_vec).collect();
            let m = lines.len();
            lines.swap(a % m, b % m);
            *bytes = lines.join(&b'\n');
        }
    }
}

/// Parse, and check the result is well formed: an error is never empty and names the file.
fn check(name: &str, bytes: &[u8]) {
    let source = SourceFile::new(name, String::from_utf8_lossy(bytes).into_owned());
    if let Err(diags) = parse_practice(&source) {
        assert!(!diags.is_empty());
        for d in &diags {
            assert_eq!(d.file, name);
            assert!(!d.message.is_empty());
            let _ = d.to_string();
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..600), json in any::<bool>()) {
        check(if json { "any.json" } else { "any.toml" }, &bytes);
    }

    #[test]
    fn mutated_samples_never_panic(sample in 0..SAMPLES.len(), edits in proptest::collection::vec(edit(), 1..6)) {
        let (name, text) = SAMPLES[sample];
        let mut bytes = text.as_bytes().to_vec();
        for e in &edits {
            apply(&mut bytes, e);
        }
        check(name, &bytes);
    }

    /// Valid-looking values swapped into valid files: exercises the checks rather than the
    /// syntax errors.
    #[test]
    fn mutated_values_never_panic(sample in 0..SAMPLES.len(), picks in proptest::collection::vec((any::<usize>(), 0..SNIPPETS.len()), 1..4)) {
        let (name, text) = SAMPLES[sample];
        let mut out = text.to_string();
        for (at, snippet) in picks {
            // Replace the value after the `at`-th `=` or `:` with a snippet.
            let marks: Vec<usize> = out.match_indices(['=', ':']).map(|(i, _)| i + 1).collect();
            if marks.is_empty() {
                break;
            }
            let start = marks[at % marks.len()];
            let end = out[start..].find([',', '\n', '}']).map_or(out.len(), |i| start + i);
            out.replace_range(start..end, &format!(" {}", SNIPPETS[snippet]));
        }
        check(name, out.as_bytes());
    }
}

#[test]
fn unmodified_samples_parse() {
    for (name, text) in SAMPLES {
        assert!(parse_practice(&SourceFile::new(name, text)).is_ok(), "{name}");
    }
}
