//! Reading speed of a Parquet book: `read_book` against the least any reader must do, arrow's
//! own decode of the same file to record batches with no conversion. Run with
//! `cargo bench -p medmal-book --bench read`.
//!
//! Both are measured in the same process, on the same file and the same split of row groups
//! over the cores, and the result is printed as a ratio, so figures from different (or busy)
//! machines can be compared.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::time::Instant;

use criterion::{Criterion, criterion_group, criterion_main};
use medmal_book::generate::{GenerateOptions, generate};
use medmal_book::{ReadOptions, read_book, write_book};
use parquet::arrow::arrow_reader::{ArrowReaderMetadata, ArrowReaderOptions};

#[path = "support/decode.rs"]
mod shared;

const ROWS: u64 = 200_000;

fn book_file() -> PathBuf {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../manuals");
    let (loaded, diags) = medmal_manual::load_all(&root);
    assert!(diags.is_empty(), "{diags:?}");
    let manuals: Vec<_> = loaded.into_iter().map(|l| l.manual).collect();
    let refs: Vec<_> = manuals.iter().collect();
    let options = GenerateOptions {
        carrier: "keystone-mutual".into(),
        state: "PA".into(),
        version: None,
        policies: None,
        rows: Some(ROWS),
        seed: 42,
    };
    let book = generate(&refs, &options).expect("generate");
    let path = std::env::temp_dir().join(format!("medmal-bench-read-{}.parquet", std::process::id()));
    write_book(&book, &path).expect("write");
    path
}

/// Arrow's decode of every row group to record batches, the row groups dealt over the cores as
/// the reader deals them; the rows decoded.
fn decode(path: &Path) -> usize {
    let file = std::fs::File::open(path).unwrap();
    let meta = ArrowReaderMetadata::load(&file, ArrowReaderOptions::new()).unwrap();
    shared::decode(path, &meta, 65_536)
}

/// Seconds `f` takes.
fn time(f: impl FnOnce()) -> f64 {
    let t = Instant::now();
    f();
    t.elapsed().as_secs_f64()
}

fn bench(c: &mut Criterion) {
    let path = book_file();
    assert_eq!(decode(&path), ROWS as usize);
    assert_eq!(read_book(&path, &ReadOptions::default()).unwrap().book.len(), ROWS as usize);

    let mut group = c.benchmark_group("read 200k-row Parquet book");
    group.sample_size(20);
    group.bench_function("baseline: arrow decode only", |b| b.iter(|| black_box(decode(&path))));
    group.bench_function("read_book", |b| b.iter(|| black_box(read_book(&path, &ReadOptions::default()).unwrap())));
    group.finish();

    // Interleaved rounds, so both see the same machine load.
    let (mut base, mut read) = (Vec::new(), Vec::new());
    for _ in 0..15 {
        base.push(time(|| {
            black_box(decode(&path));
        }));
        read.push(time(|| {
            black_box(read_book(&path, &ReadOptions::default()).unwrap());
        }));
    }
    base.sort_by(f64::total_cmp);
    read.sort_by(f64::total_cmp);
    let (base, read) = (base[base.len() / 2], read[read.len() / 2]);
    println!(
        "\nmedians for {ROWS} rows: arrow decode {:.1} ms; read_book {:.1} ms ({:.2}× decode; {:.0} ns/row)",
        base * 1e3,
        read * 1e3,
        read / base,
        read * 1e9 / ROWS as f64
    );
    std::fs::remove_file(&path).ok();
}

criterion_group!(benches, bench);
criterion_main!(benches);
