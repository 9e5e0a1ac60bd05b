//! Books as Parquet.
//!
//! Text columns with few distinct values are written dictionary-encoded and come back as
//! arrow dictionary arrays; dates are `Date32`, money `Decimal128`. The reader also accepts
//! plain strings for any column (what other tools often write) and parses them like CSV cells.
//!
//! Reading: arrow's decode of the row groups is most of the work, so it runs on every core,
//! row groups dealt round-robin to the decoding threads; one thread turns the decoded batches
//! into rows in file order, which with each distinct text resolved once per batch is quick
//! enough to keep up. Rows are built once, with their final symbols, in file order: the same
//! book, dictionaries and row numbers as reading the file row by row.

mod columns;
mod convert;
mod tables;
mod write;

use std::path::Path;
use std::sync::mpsc::{Receiver, SyncSender, sync_channel};

use arrow_array::RecordBatch;
use parquet::arrow::arrow_reader::{ArrowReaderMetadata, ArrowReaderOptions, ParquetRecordBatchReaderBuilder};

use crate::build::{COLUMNS, REQUIRED};
use crate::{BookError, Loaded, ReadOptions};
use convert::Converter;
pub use write::{write_parquet, write_parquet_in_groups};

const BATCH: usize = 65_536;

/// Decoded batches on their way from a decoding thread to the converting one.
enum Decoded {
    Batch(RecordBatch),
    /// The row group's last batch has been sent.
    GroupEnd,
    Failed(String),
}

/// Read a Parquet book. Bad rows are errors unless `options.skip_bad_rows`.
pub fn read_parquet(name: &str, path: &Path, options: &ReadOptions) -> Result<Loaded, BookError> {
    let format = |e: &dyn std::fmt::Display| BookError::Format(format!("{name}: {e}"));
    let open = || std::fs::File::open(path).map_err(|e| BookError::Io(format!("{name}: cannot open: {e}")));
    let meta = ArrowReaderMetadata::load(&open()?, ArrowReaderOptions::new()).map_err(|e| format(&e))?;
    let header: Vec<String> = meta.schema().fields().iter().map(|f| f.name().clone()).collect();
    for (i, h) in header.iter().enumerate() {
        if !COLUMNS.contains(&h.as_str()) {
            return Err(format(&format!(
                "column {} `{h}` is not a book column; expected one of: {}",
                i + 1,
                COLUMNS.join(", ")
            )));
        }
    }
    let missing: Vec<&str> = REQUIRED.iter().copied().filter(|r| !header.iter().any(|h| h == r)).collect();
    if !missing.is_empty() {
        return Err(format(&format!("missing required columns: {}", missing.join(", "))));
    }
    let groups = meta.metadata().num_row_groups();
    let rows: i64 = meta.metadata().row_groups().iter().map(|g| g.num_rows()).sum();
    let decoders = std::thread::available_parallelism().map_or(1, |n| n.get()).clamp(1, groups.max(1));
    let stop_after = (!options.skip_bad_rows).then_some(options.max_errors);
    let failed = || BookError::Format(format!("{name}: a reader thread failed"));

    // Each decoder its own handle: handles cloned from one share a file position.
    let files = (0..decoders).map(|_| open()).collect::<Result<Vec<_>, _>>()?;
    let mut converter = Converter::new(&header, usize::try_from(rows).unwrap_or(0));
    std::thread::scope(|s| {
        let mut handles = Vec::with_capacity(decoders);
        let mut queues: Vec<Receiver<Decoded>> = Vec::with_capacity(decoders);
        for (first, file) in files.into_iter().enumerate() {
            // Two batches in flight per decoder: enough to keep the converter fed without
            // holding the file's decoded columns in memory.
            let (tx, rx) = sync_channel(2);
            queues.push(rx);
            let meta = meta.clone();
            handles.push(s.spawn(move || decode((first..groups).step_by(decoders), &file, &meta, &tx)));
        }
        let result = convert(groups, &queues, &mut converter, stop_after, &format, &failed);
        // Decoders still sending stop at their next batch.
        drop(queues);
        let joined = handles.into_iter().all(|h| h.join().is_ok());
        result.and_then(|()| if joined { Ok(()) } else { Err(failed()) })
    })?;
    let mut rejected = converter.rejected;
    if !options.skip_bad_rows && !rejected.is_empty() {
        rejected.truncate(options.max_errors);
        return Err(BookError::BadRows { name: name.to_string(), rows: rejected });
    }
    Ok(Loaded { book: converter.builder.finish(), rejected, header })
}

/// Decode row groups `groups` in order, each to its batches and an end mark.
fn decode(
    groups: impl Iterator<Item = usize>,
    file: &std::fs::File,
    meta: &ArrowReaderMetadata,
    tx: &SyncSender<Decoded>,
) {
    let send = |d: Decoded| tx.send(d).is_ok();
    for g in groups {
        let reader = file.try_clone().map_err(|e| e.to_string()).and_then(|f| {
            ParquetRecordBatchReaderBuilder::new_with_metadata(f, meta.clone())
                .with_row_groups(vec![g])
                .with_batch_size(BATCH)
                .build()
                .map_err(|e| e.to_string())
        });
        let reader = match reader {
            Ok(r) => r,
            Err(e) => {
                send(Decoded::Failed(e));
                return;
            }
        };
        for batch in reader {
            let ok = match batch {
                Ok(b) => send(Decoded::Batch(b)),
                Err(e) => {
                    send(Decoded::Failed(e.to_string()));
                    return;
                }
            };
            if !ok {
                return;
            }
        }
        if !send(Decoded::GroupEnd) {
            return;
        }
    }
}

/// Take every row group's batches in file order (group `g` from decoder `g % decoders`).
fn convert(
    groups: usize,
    queues: &[Receiver<Decoded>],
    converter: &mut Converter<'_>,
    stop_after: Option<usize>,
    format: &dyn Fn(&dyn std::fmt::Display) -> BookError,
    failed: &dyn Fn() -> BookError,
) -> Result<(), BookError> {
    for g in 0..groups {
        let queue = queues.get(g % queues.len().max(1)).ok_or_else(failed)?;
        loop {
            match queue.recv() {
                Ok(Decoded::Batch(batch)) => {
                    if !converter.batch(&batch, stop_after).map_err(|e| format(&e))? {
                        return Ok(());
                    }
                }
                Ok(Decoded::GroupEnd) => break,
                Ok(Decoded::Failed(e)) => return Err(format(&e)),
                Err(_) => return Err(failed()),
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::columns::date_from_days;
    use super::write::days_from_date;

    #[test]
    fn day_numbers_round_trip_through_civil_dates() {
        for days in [-719_468, -1, 0, 1, 59, 10_957, 20_454, 20_513, 2_932_896] {
            let d = date_from_days(days);
            assert_eq!(d.map(days_from_date), Some(days), "{days}");
        }
        assert_eq!(date_from_days(0).map(|d| d.to_string()).as_deref(), Some("1970-01-01"));
        assert_eq!(date_from_days(20_454).map(|d| d.to_string()).as_deref(), Some("2026-01-01"));
    }
}
