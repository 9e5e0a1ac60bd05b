//! Arrow's own decode of a Parquet book to record batches, with no conversion: the least any
//! reader must do. Shared by the reading benchmark and the `read_book` example.

use std::hint::black_box;
use std::path::Path;

use parquet::arrow::arrow_reader::{ArrowReaderMetadata, ParquetRecordBatchReaderBuilder};

/// Decode every row group of `path` (whose metadata is `meta`), the row groups dealt over the
/// cores as the book reader deals them, in batches of `batch` rows; the rows decoded.
pub fn decode(path: &Path, meta: &ArrowReaderMetadata, batch: usize) -> usize {
    let groups = meta.metadata().num_row_groups();
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get()).clamp(1, groups.max(1));
    std::thread::scope(|s| {
        let handles: Vec<_> = (0..threads)
            .map(|t| {
                let meta = meta.clone();
                s.spawn(move || {
                    let mut rows = 0;
                    for g in (t..groups).step_by(threads) {
                        let file = std::fs::File::open(path).unwrap();
                        let reader = ParquetRecordBatchReaderBuilder::new_with_metadata(file, meta.clone())
                            .with_row_groups(vec![g])
                            .with_batch_size(batch)
                            .build()
                            .unwrap();
                        for b in reader {
                            rows += black_box(b.unwrap()).num_rows();
                        }
                    }
                    rows
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).sum()
    })
}
