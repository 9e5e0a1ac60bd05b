//! The proposal document: a golden HTML checked by hand once, and a PDF read back in-process
//! (lopdf: its page tree, and its text decoded through each font's ToUnicode map) to check its
//! pages and text.
#![allow(clippy::unwrap_used)]

use std::path::{Path, PathBuf};
use std::process::Command;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn proposal(out: &Path) {
    let o = Command::new(env!("CARGO_BIN_EXE_medmal"))
        .args([
            "proposal",
            "testdata/practices/tiny-solo.toml",
            "--manuals",
            "testdata/manuals",
            "--date",
            "2026-11-23",
        ])
        .args(["--prepared-by", "Test Brokerage", "--out"])
        .arg(out)
        .current_dir(root())
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
}

/// The golden file was read line by line against the hand-computed projections in
/// tests/compare.rs (Tiny 8,663 first year / 81,926 over five years; Steady 10,024 / 77,076).
/// Regenerate with `UPDATE_GOLDEN=1 cargo test -p medmal-cli --test proposal` and read it again.
#[test]
fn html_proposal_matches_the_hand_checked_golden_file() {
    let out = std::env::temp_dir().join(format!("medmal-proposal-{}.html", std::process::id()));
    proposal(&out);
    let got = std::fs::read_to_string(&out).unwrap();
    let golden = root().join("testdata/golden/proposal-tiny-solo.html");
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        std::fs::write(&golden, &got).unwrap();
    }
    let want = std::fs::read_to_string(&golden).unwrap();
    assert!(
        got == want,
        "proposal HTML differs from {}; diff {} {}",
        golden.display(),
        golden.display(),
        out.display()
    );
    for must in [
        "We recommend Steady Mutual.",
        "$10,024.00 in the first year and $77,076.00 over 5 years",
        "The cheapest first year (Tiny Mutual) is not the cheapest over 5 years (Steady Mutual)",
        "<svg",
        "Questions to ask before binding",
        "Appendix: rating worksheets",
        "It is not a binder or a policy",
    ] {
        assert!(got.contains(must), "missing {must:?}");
    }
    std::fs::remove_file(&out).ok();
}

#[test]
fn pdf_proposal_has_its_pages_and_text() {
    let out = std::env::temp_dir().join(format!("medmal-proposal-{}.pdf", std::process::id()));
    proposal(&out);
    let bytes = std::fs::read(&out).unwrap();
    assert!(bytes.starts_with(b"%PDF-"));
    let doc = lopdf::Document::load_mem(&bytes).unwrap();
    let pages: Vec<u32> = doc.get_pages().into_keys().collect();
    assert_eq!(pages, [1, 2, 3], "the proposal should be 3 pages");
    // Every page's text, in page order; a font whose text cannot be decoded fails here.
    let text = doc.extract_text(&pages).unwrap();
    for must in [
        "Medical professional liability proposal",
        "Tiny Solo (PA) · prepared 2026-11-23 by Test Brokerage",
        "We recommend Steady Mutual.",
        "81,926.00",
        "77,076.00",
        "Coverage gaps",
        "Appendix: rating worksheets",
        "Claims-made step factor",
    ] {
        assert!(text.contains(must), "PDF text lacks {must:?}:\n{text}");
    }
    std::fs::remove_file(&out).ok();
}
