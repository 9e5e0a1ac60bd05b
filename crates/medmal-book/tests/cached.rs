//! Rating a book through a shared cache gives, row for row, what rating each row alone gives:
//! the cache only ever skips work whose result is already known.
#![allow(clippy::unwrap_used)]

use std::path::Path;

use medmal_book::generate::{GenerateOptions, generate};
use medmal_core::Manual;
use medmal_core::book::{CompiledManual, RowCache};

fn manuals() -> Vec<Manual> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../manuals");
    let (loaded, diags) = medmal_manual::load_all(&root);
    assert!(diags.is_empty(), "{diags:?}");
    loaded.into_iter().map(|l| l.manual).collect()
}

#[test]
fn cached_rating_equals_rating_each_row_alone() {
    let ms = manuals();
    let refs: Vec<&Manual> = ms.iter().collect();
    for (carrier, state, seed) in [
        ("keystone-mutual", "PA", 21),
        ("summit-national", "FL", 22),
        ("meridian-specialty", "NY", 23),
        ("harbor-rrg", "PA", 24),
    ] {
        let options = GenerateOptions {
            carrier: carrier.into(),
            state: state.into(),
            version: None,
            policies: None,
            rows: Some(20_000),
            seed,
        };
        let book = generate(&refs, &options).unwrap();
        for m in ms.iter().filter(|m| m.meta.carrier == carrier && m.meta.state == state) {
            let compiled = CompiledManual::new(m, &book.dicts);
            let mut cache = RowCache::new();
            let mut rated = 0;
            for i in 0..book.len() {
                let alone = compiled.rate_row(&book, i);
                let cached = compiled.rate_row_cached(&book, i, &mut cache);
                assert_eq!(cached, alone, "{} row {i}", m.meta.id());
                rated += usize::from(alone.is_ok());
            }
            // Keys must be shared by many rows, or this test would not exercise reuse.
            let (prefixes, groups) = cache.kept();
            assert!(
                prefixes > 0 && groups > 0 && prefixes * 2 < rated && groups * 8 < rated,
                "{}: {prefixes} + {groups} keys",
                m.meta.id()
            );
        }
    }
}
