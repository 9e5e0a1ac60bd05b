//! The examples in `docs/practice-format.md` say what the reader does.
#![allow(clippy::unwrap_used)]

use medmal_practice::parse_practice;
use medmal_text::SourceFile;

const DOC: &str = include_str!("../../../docs/practice-format.md");

/// The fenced code blocks of one language, in order.
fn blocks(lang: &str) -> Vec<String> {
    let fence = format!("```{lang}\n");
    let mut out = Vec::new();
    let mut rest = DOC;
    while let Some(start) = rest.find(&fence) {
        let body = &rest[start + fence.len()..];
        let end = body.find("```").unwrap();
        out.push(body[..end].to_string());
        rest = &body[end + 3..];
    }
    out
}

#[test]
fn complete_example_parses_the_same_in_toml_and_json() {
    let toml = blocks("toml");
    let json = blocks("json");
    assert_eq!((toml.len(), json.len()), (2, 1));
    let t = parse_practice(&SourceFile::new("doc.toml", toml[0].as_str())).unwrap();
    let j = parse_practice(&SourceFile::new("doc.json", json[0].as_str())).unwrap();
    assert_eq!(format!("{t:?}"), format!("{j:?}"));
    assert_eq!(t.providers.len(), 2);
    assert_eq!(t.providers[0].claims.len(), 1);
    assert_eq!(t.providers[0].disciplinary.len(), 1);
}

#[test]
fn documented_diagnostics_are_the_real_ones() {
    let bad = &blocks("toml")[1];
    let expected = &blocks("text")[0];
    let got = match parse_practice(&SourceFile::new("riverside.toml", bad.as_str())) {
        Ok(_) => panic!("the documented bad file parses"),
        Err(d) => d.iter().map(|d| format!("{d}\n")).collect::<String>(),
    };
    assert_eq!(&got, expected);
}
