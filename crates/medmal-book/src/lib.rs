//! In-force book files: reading and writing CSV and Parquet, rejects files, and a synthetic
//! book generator. The book itself and its re-rating are plain data and pure functions in
//! `medmal_core::book`; this crate is the edge that touches files.

mod build;
mod csv_file;
pub mod generate;
mod parquet_file;

use std::path::Path;

pub use build::{BadRow, BookBuilder, COLUMNS, RowInput, parse_deductible, parse_schedule};
pub use csv_file::{read_csv, write_csv};
pub use parquet_file::{read_parquet, write_parquet, write_parquet_in_groups};

use medmal_core::book::Book;

#[derive(Debug, Clone, Copy)]
pub struct ReadOptions {
    /// Leave bad rows out (the caller writes them to a rejects file) instead of failing.
    pub skip_bad_rows: bool,
    /// Without skipping: stop after this many bad rows.
    pub max_errors: usize,
}

impl Default for ReadOptions {
    fn default() -> Self {
        Self { skip_bad_rows: false, max_errors: 20 }
    }
}

/// A book read from a file, with the rows left out.
#[derive(Debug)]
pub struct Loaded {
    pub book: Book,
    pub rejected: Vec<BadRow>,
    /// The file's column names in file order (the cells of a rejected row follow it).
    pub header: Vec<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum BookError {
    #[error("{0}")]
    Io(String),
    #[error("{0}")]
    Format(String),
    #[error("{name}: {} bad row(s); the first: {}", rows.len(), rows.first().map(|r| r.to_string()).unwrap_or_default())]
    BadRows { name: String, rows: Vec<BadRow> },
}

/// Read a book, CSV or Parquet by the file's extension.
pub fn read_book(path: &Path, options: &ReadOptions) -> Result<Loaded, BookError> {
    let name = path.display().to_string();
    let file = std::fs::File::open(path).map_err(|e| BookError::Io(format!("{name}: cannot open: {e}")))?;
    match extension(path).as_deref() {
        Some("csv") => read_csv(&name, std::io::BufReader::with_capacity(1 << 20, file), options),
        Some("parquet") => {
            drop(file);
            read_parquet(&name, path, options)
        }
        _ => Err(BookError::Format(format!("{name}: unknown book format; expected a .csv or .parquet file"))),
    }
}

/// Write a book, CSV or Parquet by the file's extension.
pub fn write_book(book: &Book, path: &Path) -> Result<(), BookError> {
    let name = path.display().to_string();
    let ext = extension(path);
    if !matches!(ext.as_deref(), Some("csv" | "parquet")) {
        return Err(BookError::Format(format!("{name}: unknown book format; expected a .csv or .parquet file")));
    }
    let file = std::fs::File::create(path).map_err(|e| BookError::Io(format!("{name}: cannot create: {e}")))?;
    match ext.as_deref() {
        Some("csv") => write_csv(book, std::io::BufWriter::with_capacity(1 << 20, file)),
        _ => write_parquet(book, file),
    }
}

/// Write rejected rows: the file's own columns, then the row number, column and reason.
pub fn write_rejects(loaded_header: &[String], rejected: &[BadRow], out: impl std::io::Write) -> Result<(), BookError> {
    let mut w = csv::Writer::from_writer(out);
    let io = |e: csv::Error| BookError::Io(e.to_string());
    let mut header: Vec<&str> = vec!["row", "error_column", "error"];
    header.extend(loaded_header.iter().map(String::as_str));
    w.write_record(&header).map_err(io)?;
    for b in rejected {
        let mut rec = vec![b.row.to_string(), b.column.clone(), b.message.clone()];
        rec.extend(b.cells.iter().cloned());
        rec.resize(header.len(), String::new());
        w.write_record(&rec).map_err(io)?;
    }
    w.flush().map_err(|e| BookError::Io(e.to_string()))?;
    Ok(())
}

fn extension(path: &Path) -> Option<String> {
    path.extension().map(|e| e.to_string_lossy().to_ascii_lowercase())
}
