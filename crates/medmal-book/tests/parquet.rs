//! A Parquet book is read with each distinct text resolved once per batch; CSV is read cell by
//! cell. However a file encodes its text (dictionary or plain strings, empty cells as nulls or
//! empty strings, a dictionary per row group), the same cells give the same book — rows,
//! dictionaries in order of first appearance, claims — and the same bad rows with the same
//! messages.
#![allow(clippy::unwrap_used)]

use std::path::{Path, PathBuf};
use std::sync::Arc;

use arrow_array::types::Int32Type;
use arrow_array::{ArrayRef, DictionaryArray, RecordBatch, StringArray};
use arrow_schema::{DataType, Field, Schema};
use medmal_book::generate::{GenerateOptions, generate};
use medmal_book::{BookError, COLUMNS, Loaded, ReadOptions, read_book, write_csv};
use medmal_core::Manual;
use medmal_core::book::{Book, PHYSICIAN};
use parquet::arrow::ArrowWriter;
use parquet::file::properties::WriterProperties;

fn generated(rows: u64, seed: u64) -> Book {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../manuals");
    let (loaded, diags) = medmal_manual::load_all(&root);
    assert!(diags.is_empty(), "{diags:?}");
    let manuals: Vec<Manual> = loaded.into_iter().map(|l| l.manual).collect();
    let refs: Vec<&Manual> = manuals.iter().collect();
    let options = GenerateOptions {
        carrier: "keystone-mutual".into(),
        state: "PA".into(),
        version: None,
        policies: None,
        rows: Some(rows),
        seed,
    };
    generate(&refs, &options).unwrap()
}

/// The book's cells as CSV writes them, row by row.
fn cells(book: &Book) -> Vec<Vec<String>> {
    let mut out = Vec::new();
    write_csv(book, &mut out).unwrap();
    let mut reader = csv::Reader::from_reader(out.as_slice());
    reader.records().map(|r| r.unwrap().iter().map(str::to_string).collect()).collect()
}

fn col(name: &str) -> usize {
    COLUMNS.iter().position(|c| *c == name).unwrap()
}

fn dir(test: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("medmal-parquet-{test}-{}", std::process::id()));
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn write_csv_cells(path: &Path, rows: &[Vec<String>]) {
    let mut w = csv::Writer::from_path(path).unwrap();
    w.write_record(COLUMNS).unwrap();
    for r in rows {
        w.write_record(r).unwrap();
    }
    w.flush().unwrap();
}

/// Every column as text, dictionary-encoded or plain, an empty cell as a null or as "".
#[derive(Debug, Clone, Copy)]
struct Encoding {
    dictionary: bool,
    empty_as_null: bool,
    rows_per_group: usize,
}

fn write_parquet_cells(path: &Path, rows: &[Vec<String>], e: Encoding) {
    let ty = if e.dictionary {
        DataType::Dictionary(Box::new(DataType::Int32), Box::new(DataType::Utf8))
    } else {
        DataType::Utf8
    };
    let schema = Arc::new(Schema::new(COLUMNS.iter().map(|c| Field::new(*c, ty.clone(), true)).collect::<Vec<_>>()));
    let props = WriterProperties::builder().set_max_row_group_size(e.rows_per_group).build();
    let mut w = ArrowWriter::try_new(std::fs::File::create(path).unwrap(), schema.clone(), Some(props)).unwrap();
    for chunk in rows.chunks(e.rows_per_group) {
        let columns: Vec<ArrayRef> = (0..COLUMNS.len())
            .map(|c| {
                let values = chunk.iter().map(|r| Some(r[c].as_str()).filter(|s| !(e.empty_as_null && s.is_empty())));
                if e.dictionary {
                    Arc::new(values.collect::<DictionaryArray<Int32Type>>()) as ArrayRef
                } else {
                    Arc::new(values.collect::<StringArray>()) as ArrayRef
                }
            })
            .collect();
        w.write(&RecordBatch::try_new(schema.clone(), columns).unwrap()).unwrap();
    }
    w.close().unwrap();
}

/// The rejects as (row, column, message, cells).
fn rejects(l: &Loaded) -> Vec<(u64, String, String, Vec<String>)> {
    l.rejected.iter().map(|b| (b.row, b.column.clone(), b.message.clone(), b.cells.clone())).collect()
}

/// Bad and odd cells at known rows, in several row groups.
fn spoil(rows: &mut [Vec<String>]) -> Vec<(u64, &'static str)> {
    let mid_level = (100..rows.len()).find(|&i| rows[i][col("role")] != PHYSICIAN).unwrap();
    let physician = (200..rows.len()).find(|&i| rows[i][col("role")] == PHYSICIAN).unwrap();
    assert!(mid_level < 2_000 && physician < 2_000);
    let edits: Vec<(usize, &str, &str, Option<&'static str>)> = vec![
        (4, "limits", "bogus", Some("limits")),
        (16, "county", "", Some("county")),
        (17, "county", "   ", Some("county")),
        (mid_level, "specialty_code", "80420", Some("specialty_code")),
        (30, "deductible", "5000 indemnity sometimes", Some("deductible")),
        (39, "schedule", "risk_controls:x", Some("schedule")),
        (46, "claims", "2023-04-11", Some("claims")),
        (51, "transaction", "renew", Some("transaction")),
        (physician, "specialty_code", "", Some("specialty_code")),
        (2_499, "limits", "bogus", Some("limits")),
        (2_999, "effective_date", "2026-02-30", Some("effective_date")),
        (3_500, "carrier", "", Some("carrier")),
        // Later parts of one batch (the reader hands rows over a few thousand at a time).
        (9_000, "schedule", "risk_controls:-0.05;risk_controls:0.05", Some("schedule")),
        (16_383, "county", "", Some("county")),
        (16_384, "limits", "bogus", Some("limits")),
        (16_500, "limits", "2000000/4000000", None),
        // Spellings of one value: one dictionary entry each.
        (70, "limits", " 1M/3M ", None),
        (71, "limits", "1000000/3000000", None),
        (72, "county", "  Allegheny ", None),
        (74, "schedule", "risk_controls:-0.050", None),
        (75, "schedule", " risk_controls : -0.05 ", None),
        (12_001, "schedule", "risk_controls:-0.05", None),
        (3_001, "deductible", "", None),
    ];
    let mut bad = Vec::new();
    for (i, column, value, error) in edits {
        rows[i][col(column)] = value.to_string();
        if let Some(e) = error {
            bad.push((i as u64 + 1, e));
        }
    }
    bad.sort();
    bad
}

#[test]
fn parquet_text_in_any_encoding_reads_as_csv_reads_the_same_cells() {
    let book = generated(20_000, 31);
    let mut rows = cells(&book);
    let bad = spoil(&mut rows);
    let d = dir("cells");
    let csv_path = d.join("book.csv");
    write_csv_cells(&csv_path, &rows);
    let skip = ReadOptions { skip_bad_rows: true, ..ReadOptions::default() };
    let from_csv = read_book(&csv_path, &skip).unwrap();
    let csv_bad: Vec<(u64, &str)> = from_csv.rejected.iter().map(|b| (b.row, b.column.as_str())).collect();
    assert_eq!(csv_bad, bad);
    assert_eq!(from_csv.book.len(), 20_000 - bad.len());
    // Spellings of one value are one entry.
    let limits: Vec<String> = from_csv.book.dicts.limits.values.iter().map(|l| l.label()).collect();
    assert_eq!(limits.iter().filter(|l| *l == "1M/3M").count(), 1, "{limits:?}");
    let county = &from_csv.book.dicts.county.values;
    assert!(county.iter().all(|c| c.trim() == c && !c.is_empty()), "{county:?}");
    let adjustment = rust_decimal::Decimal::new(-5, 2);
    let spelt = from_csv.book.dicts.schedule.values.iter().filter(|s| *s == &[("risk_controls".into(), adjustment)]);
    assert_eq!(spelt.count(), 1);
    let csv_errors = match read_book(&csv_path, &ReadOptions::default()) {
        Err(BookError::BadRows { rows, .. }) => rows,
        other => panic!("expected bad rows, got {other:?}"),
    };

    for dictionary in [true, false] {
        for empty_as_null in [true, false] {
            for rows_per_group in [700, 100_000] {
                let e = Encoding { dictionary, empty_as_null, rows_per_group };
                let path = d.join("book.parquet");
                write_parquet_cells(&path, &rows, e);
                let from_parquet = read_book(&path, &skip).unwrap();
                assert_eq!(from_parquet.book, from_csv.book, "{e:?}");
                assert_eq!(rejects(&from_parquet), rejects(&from_csv), "{e:?}");
                match read_book(&path, &ReadOptions::default()) {
                    Err(BookError::BadRows { rows, .. }) => assert_eq!(rows, csv_errors, "{e:?}"),
                    other => panic!("{e:?}: expected bad rows, got {other:?}"),
                }
                // The first bad rows only, as many as asked for.
                let few = ReadOptions { skip_bad_rows: false, max_errors: 3 };
                match read_book(&path, &few) {
                    Err(BookError::BadRows { rows, .. }) => assert_eq!(rows, csv_errors[..3], "{e:?}"),
                    other => panic!("{e:?}: expected bad rows, got {other:?}"),
                }
            }
        }
    }
    std::fs::remove_dir_all(&d).ok();
}

/// Row groups each carry their own dictionary, with the values in their own order: each value
/// is still one entry, in order of first appearance in the file.
#[test]
fn one_dictionary_entry_per_value_across_row_groups() {
    let book = generated(3_000, 32);
    let d = dir("groups");
    let path = d.join("book.parquet");
    medmal_book::write_parquet_in_groups(&book, std::fs::File::create(&path).unwrap(), 257).unwrap();
    let read = read_book(&path, &ReadOptions::default()).unwrap().book;
    assert_eq!(read, book);
    let county = &read.dicts.county.values;
    let mut first_seen: Vec<&str> = Vec::new();
    for r in &read.rows {
        let c = county[r.county as usize].as_str();
        if !first_seen.contains(&c) {
            first_seen.push(c);
        }
    }
    assert_eq!(first_seen, county.iter().map(String::as_str).collect::<Vec<_>>());
    std::fs::remove_dir_all(&d).ok();
}

/// A batch larger than the reader's parts: the parts join into the same book, claims and all.
#[test]
fn a_large_batch_reads_whole() {
    let book = generated(30_000, 36);
    let d = dir("large");
    let path = d.join("book.parquet");
    medmal_book::write_book(&book, &path).unwrap();
    assert_eq!(read_book(&path, &ReadOptions::default()).unwrap().book, book);
    std::fs::remove_dir_all(&d).ok();
}

#[test]
fn column_types_the_reader_does_not_know_are_refused_by_name() {
    let book = generated(50, 33);
    let rows = cells(&book);
    let d = dir("types");
    let path = d.join("book.parquet");
    write_parquet_cells(&path, &rows, Encoding { dictionary: true, empty_as_null: true, rows_per_group: 1000 });
    let file = std::fs::File::open(&path).unwrap();
    let batch =
        parquet::arrow::arrow_reader::ParquetRecordBatchReader::try_new(file, 1000).unwrap().next().unwrap().unwrap();
    let hours = col("hours_per_week");
    let mut columns = batch.columns().to_vec();
    columns[hours] = Arc::new(arrow_array::Float64Array::from(vec![Some(40.0); batch.num_rows()]));
    let mut fields: Vec<Field> = batch.schema().fields().iter().map(|f| f.as_ref().clone()).collect();
    fields[hours] = Field::new("hours_per_week", DataType::Float64, true);
    let schema = Arc::new(Schema::new(fields));
    let mut w = ArrowWriter::try_new(std::fs::File::create(&path).unwrap(), schema.clone(), None).unwrap();
    w.write(&RecordBatch::try_new(schema, columns).unwrap()).unwrap();
    w.close().unwrap();
    let e = read_book(&path, &ReadOptions::default()).unwrap_err().to_string();
    assert!(e.ends_with("column hours_per_week: type Float64 is not supported; see docs/book-format.md"), "{e}");
    std::fs::remove_dir_all(&d).ok();
}

/// Text where a typed column belongs is parsed as CSV parses it, with the same message.
#[test]
fn typed_columns_written_as_text_read_as_csv_cells() {
    let book = generated(50, 35);
    let mut rows = cells(&book);
    rows[9][col("hours_per_week")] = "forty".into();
    let d = dir("text-types");
    let (csv_path, path) = (d.join("book.csv"), d.join("book.parquet"));
    write_csv_cells(&csv_path, &rows);
    write_parquet_cells(&path, &rows, Encoding { dictionary: false, empty_as_null: true, rows_per_group: 1000 });
    for p in [&csv_path, &path] {
        match read_book(p, &ReadOptions::default()) {
            Err(BookError::BadRows { rows, .. }) => assert_eq!(
                rows[0].to_string(),
                "row 10, column hours_per_week: `forty` is not a decimal number such as 1234.50"
            ),
            other => panic!("expected a bad row, got {other:?}"),
        }
    }
    std::fs::remove_dir_all(&d).ok();
}

#[test]
fn a_truncated_file_is_an_error_not_a_panic() {
    let book = generated(500, 34);
    let d = dir("truncated");
    let path = d.join("book.parquet");
    medmal_book::write_book(&book, &path).unwrap();
    let bytes = std::fs::read(&path).unwrap();
    std::fs::write(&path, &bytes[..bytes.len() / 2]).unwrap();
    let e = read_book(&path, &ReadOptions::default()).unwrap_err().to_string();
    assert!(e.starts_with(&path.display().to_string()), "{e}");
    std::fs::remove_dir_all(&d).ok();
}
