//! Books as Parquet.
//!
//! Text columns with few distinct values are written dictionary-encoded and come back as
//! arrow dictionary arrays; dates are `Date32`, money `Decimal128`. The reader also accepts
//! plain strings for any column (what other tools often write) and parses them like CSV cells.
//!
//! Reading: row groups are dealt round-robin to one reading thread per core, which decodes
//! them a part of a few thousand rows at a time and turns each into book rows and ids with its
//! own dictionaries. The calling thread joins the parts in file order, mapping each part's
//! symbols to the book's; the result is the book, dictionaries and row numbers that reading the
//! file row by row gives ([`crate::build::BookBuilder::join`]).

mod columns;
mod convert;
mod tables;
mod write;

use std::path::Path;
use std::sync::mpsc::{Receiver, SyncSender, sync_channel};

use parquet::arrow::arrow_reader::{ArrowReaderMetadata, ArrowReaderOptions, ParquetRecordBatchReaderBuilder};

use crate::build::{BadRow, BookBuilder, COLUMNS, Part, REQUIRED, SymMap};
use crate::{BookError, Loaded, ReadOptions};
use convert::{Converter, PART_ROWS};
pub use write::{write_parquet, write_parquet_in_groups};

const BATCH: usize = 65_536;

/// Rows read into parts, on their way from a reading thread to the joining one.
enum Read {
    /// Rows of a batch taken and rejected, in row order.
    Part(Box<Part>, Vec<BadRow>),
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
    let readers = std::thread::available_parallelism().map_or(1, |n| n.get()).clamp(1, groups.max(1));
    let stop_after = (!options.skip_bad_rows).then_some(options.max_errors);
    let failed = || BookError::Format(format!("{name}: a reader thread failed"));
    // Each reader its own handle: handles cloned from one share a file position.
    let files = (0..readers).map(|_| open()).collect::<Result<Vec<_>, _>>()?;
    let first_rows: Vec<u64> = meta
        .metadata()
        .row_groups()
        .iter()
        .scan(0u64, |at, g| {
            let first = *at;
            *at += u64::try_from(g.num_rows()).unwrap_or(0);
            Some(first)
        })
        .collect();
    let largest = meta.metadata().row_groups().iter().map(|g| g.num_rows()).max().unwrap_or(0);
    let in_flight = usize::try_from(largest).unwrap_or(0).div_ceil(PART_ROWS).clamp(1, 256) + 2;
    let mut book = BookBuilder::new();
    book.reserve(usize::try_from(rows).unwrap_or(0));
    let mut rejected = Vec::new();
    std::thread::scope(|s| {
        let mut handles = Vec::with_capacity(readers);
        let mut queues = Vec::with_capacity(readers);
        for (first, file) in files.into_iter().enumerate() {
            // A row group's parts in flight per reader: the joining thread takes the groups in
            // file order, so each reader must be able to read a whole group ahead while the
            // group before it, another reader's, is joined. Joined parts come back to be filled
            // again.
            let (tx, rx) = sync_channel(in_flight);
            let (back_tx, back_rx) = sync_channel(in_flight);
            queues.push(Queue { parts: rx, back: back_tx, map: SymMap::default() });
            let source = Source { file, meta: meta.clone(), first_rows: &first_rows, header: &header, stop_after };
            let groups = (first..groups).step_by(readers);
            handles.push(s.spawn(move || read_groups(groups, &source, &tx, &back_rx)));
        }
        let result = join(groups, &mut queues, &mut book, &mut rejected, stop_after, &format, &failed);
        // Readers still sending stop at their next part.
        drop(queues);
        let joined = handles.into_iter().all(|h| h.join().is_ok());
        result.and_then(|()| if joined { Ok(()) } else { Err(failed()) })
    })?;
    if !options.skip_bad_rows && !rejected.is_empty() {
        rejected.truncate(options.max_errors);
        return Err(BookError::BadRows { name: name.to_string(), rows: rejected });
    }
    Ok(Loaded { book: book.finish(), rejected, header })
}

/// A reading thread's parts, as the joining thread sees them.
struct Queue {
    parts: Receiver<Read>,
    back: SyncSender<Box<Part>>,
    /// The reader's symbols → the book's.
    map: SymMap,
}

/// What a reading thread reads from.
struct Source<'a> {
    file: std::fs::File,
    meta: ArrowReaderMetadata,
    /// Each row group's first row, counted from 0.
    first_rows: &'a [u64],
    header: &'a [String],
    stop_after: Option<usize>,
}

/// Read row groups `groups` in order, each to its parts and an end mark; joined parts come
/// back through `recycled`.
fn read_groups(
    groups: impl Iterator<Item = usize>,
    source: &Source<'_>,
    tx: &SyncSender<Read>,
    recycled: &Receiver<Box<Part>>,
) {
    let Source { file, meta, first_rows, header, stop_after } = source;
    let stop_after = *stop_after;
    let send = |r: Read| tx.send(r).is_ok();
    let mut converter = Converter::new(header);
    for g in groups {
        let reader = file.try_clone().map_err(|e| e.to_string()).and_then(|f| {
            ParquetRecordBatchReaderBuilder::new_with_metadata(f, meta.clone())
                .with_row_groups(vec![g])
                .with_batch_size(PART_ROWS)
                .build()
                .map_err(|e| e.to_string())
        });
        let reader = match reader {
            Ok(r) => r,
            Err(e) => {
                send(Read::Failed(e));
                return;
            }
        };
        let mut row = first_rows.get(g).copied().unwrap_or(0);
        for batch in reader {
            let b = match batch {
                Ok(b) => b,
                Err(e) => {
                    send(Read::Failed(e.to_string()));
                    return;
                }
            };
            let mut sent = true;
            let mut part = |c: &mut Converter<'_>| {
                let spare = recycled.try_recv().map_or_else(|_| Part::with_capacity(PART_ROWS), |p| *p);
                let part = c.builder.take_part(spare);
                sent = send(Read::Part(Box::new(part), std::mem::take(&mut c.rejected)));
                sent
            };
            let read = converter.batch(&b, row, stop_after, &mut part);
            if let Err(e) = read {
                send(Read::Failed(e));
                return;
            }
            if !sent {
                return;
            }
            row += b.num_rows() as u64;
        }
        if !send(Read::GroupEnd) {
            return;
        }
    }
}

/// Join every row group's parts in file order (group `g` from reader `g % readers`).
fn join(
    groups: usize,
    queues: &mut [Queue],
    book: &mut BookBuilder,
    rejected: &mut Vec<BadRow>,
    stop_after: Option<usize>,
    format: &dyn Fn(&dyn std::fmt::Display) -> BookError,
    failed: &dyn Fn() -> BookError,
) -> Result<(), BookError> {
    let readers = queues.len().max(1);
    for g in 0..groups {
        let queue = queues.get_mut(g % readers).ok_or_else(failed)?;
        loop {
            match queue.parts.recv() {
                Ok(Read::Part(mut part, bad)) => {
                    book.join(&mut part, &mut queue.map);
                    rejected.extend(bad);
                    if stop_after.is_some_and(|n| rejected.len() >= n) {
                        return Ok(());
                    }
                    // A reader with enough to fill, or gone, does without.
                    let _ = queue.back.try_send(part);
                }
                Ok(Read::GroupEnd) => break,
                Ok(Read::Failed(e)) => return Err(format(&e)),
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
