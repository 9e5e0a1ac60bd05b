#![allow(clippy::unwrap_used)]
use std::path::Path;

#[test]
fn load() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../manuals");
    let (m, d) = medmal_manual::load_all(&root);
    for x in &d {
        println!("{x}");
    }
    assert!(d.is_empty());
    assert!(!m.is_empty());
}
