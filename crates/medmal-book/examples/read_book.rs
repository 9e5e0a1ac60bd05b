//! Time reading a book file: `cargo run --release -p medmal-book --example read_book -- FILE [TIMES]`.
//! With `DECODE=1`, time arrow's own decode of the file instead (the least any reader does);
//! with `STATS=1`, print the sizes of the book's dictionaries and lists.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;
use std::time::Instant;

use medmal_book::{ReadOptions, read_book};
use parquet::arrow::arrow_reader::{ArrowReaderMetadata, ArrowReaderOptions};

#[path = "../benches/support/decode.rs"]
mod shared;

fn decode(path: &Path, batch: usize) -> usize {
    let file = std::fs::File::open(path).unwrap();
    let mut meta = ArrowReaderMetadata::load(&file, ArrowReaderOptions::new()).unwrap();
    if std::env::var_os("VIEW").is_some() {
        use arrow_schema::{DataType, Field, Schema};
        let fields: Vec<Field> = meta
            .schema()
            .fields()
            .iter()
            .map(|f| {
                if *f.data_type() == DataType::Utf8 {
                    f.as_ref().clone().with_data_type(DataType::Utf8View)
                } else {
                    f.as_ref().clone()
                }
            })
            .collect();
        let options = ArrowReaderOptions::new().with_schema(std::sync::Arc::new(Schema::new(fields)));
        meta = ArrowReaderMetadata::try_new(meta.metadata().clone(), options).unwrap();
    }
    shared::decode(path, &meta, batch)
}

fn main() {
    let mut args = std::env::args().skip(1);
    let path = args.next().expect("a book file");
    let path = Path::new(&path);
    let times: usize = args.next().map_or(1, |n| n.parse().expect("a count"));
    if let Some(batch) = std::env::var("DECODE").ok().and_then(|b| b.parse::<usize>().ok()) {
        for _ in 0..times {
            let t = Instant::now();
            let rows = decode(path, if batch > 1 { batch } else { 65_536 });
            println!("{rows} rows decoded in {:.3} s", t.elapsed().as_secs_f64());
        }
        return;
    }
    if std::env::var_os("CHECK").is_some() {
        // The book read from Parquet against the same rows written to CSV and read back.
        let parquet = read_book(path, &ReadOptions::default()).expect("read");
        let csv = std::env::temp_dir().join(format!("medmal-read-book-{}.csv", std::process::id()));
        medmal_book::write_book(&parquet.book, &csv).expect("write");
        let again = read_book(&csv, &ReadOptions::default()).expect("read csv");
        std::fs::remove_file(&csv).ok();
        assert!(parquet.book == again.book, "Parquet and CSV books differ");
        println!("{} rows: Parquet and CSV books are equal", parquet.book.len());
        return;
    }
    for _ in 0..times {
        let t = Instant::now();
        let loaded = read_book(path, &ReadOptions::default()).expect("read");
        let read = t.elapsed().as_secs_f64();
        let rows = loaded.book.len();
        if std::env::var_os("STATS").is_some() {
            let d = &loaded.book.dicts;
            println!(
                "dicts: carrier {} state {} role {} specialty {} county {} limits {} deductible {} schedule {}; \
                 claims {} disciplinary {}",
                d.carrier.len(),
                d.state.len(),
                d.role.len(),
                d.specialty.len(),
                d.county.len(),
                d.limits.len(),
                d.deductible.len(),
                d.schedule.len(),
                loaded.book.claims.len(),
                loaded.book.disciplinary.len()
            );
        }
        let t = Instant::now();
        drop(loaded);
        println!("{rows} rows read in {read:.3} s (dropped in {:.3} s)", t.elapsed().as_secs_f64());
    }
}
