//! Books as Parquet, read column by column.
//!
//! Text columns with few distinct values are written dictionary-encoded and come back as
//! arrow dictionary arrays; dates are `Date32`, money `Decimal128`. The reader also accepts
//! plain strings for any column (what other tools often write) and parses them like CSV cells.

use std::path::Path;
use std::sync::Arc;

use arrow_array::cast::AsArray;
use arrow_array::types::{Date32Type, Decimal128Type, Int32Type, Int64Type, UInt32Type};
use arrow_array::{
    Array, ArrayRef, BooleanArray, Date32Array, Decimal128Array, DictionaryArray, Int32Array, RecordBatch, StringArray,
};
use arrow_schema::{DataType, Field, Schema};
use jiff::civil::Date;
use medmal_core::book::{Book, Dict, PHYSICIAN};
use parquet::arrow::ArrowWriter;
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use parquet::basic::Compression;
use parquet::file::properties::WriterProperties;
use rust_decimal::Decimal;

use crate::build::{
    BadRow, BookBuilder, COLUMNS, REQUIRED, RowInput, c, claims_text, deductible_text, disciplinary_text, parse_bool,
    parse_date, parse_decimal, parse_form, parse_resident, parse_surgery, parse_transaction, resident_text,
    schedule_text, transaction_text,
};
use crate::{BookError, Loaded, ReadOptions};

const BATCH: usize = 65_536;

/// Days from 0000-03-01 to 1970-01-01 in the proleptic Gregorian calendar.
const EPOCH_SHIFT: i64 = 719_468;

fn date_from_days(days: i32) -> Option<Date> {
    // Civil-from-days (H. Hinnant): exact integer arithmetic, no calendar tables.
    let z = i64::from(days) + EPOCH_SHIFT;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    Date::new(i16::try_from(y).ok()?, i8::try_from(m).ok()?, i8::try_from(d).ok()?).ok()
}

fn days_from_date(d: Date) -> i32 {
    let (y, m, day) = (i64::from(d.year()), i64::from(d.month()), i64::from(d.day()));
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let mp = if m > 2 { m - 3 } else { m + 9 };
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    i32::try_from(era * 146_097 + doe - EPOCH_SHIFT).unwrap_or(0)
}

/// One column of a batch, in whichever physical type the file used.
enum Col<'a> {
    Missing,
    Str(&'a StringArray),
    Dict(&'a DictionaryArray<Int32Type>, &'a StringArray),
    DictU32(&'a DictionaryArray<UInt32Type>, &'a StringArray),
    Date(&'a Date32Array),
    Bool(&'a BooleanArray),
    I32(&'a Int32Array),
    I64(&'a arrow_array::Int64Array),
    Dec(&'a Decimal128Array, i8),
}

impl<'a> Col<'a> {
    fn of(batch: &'a RecordBatch, name: &str) -> Result<Self, String> {
        let Some(a) = batch.column_by_name(name) else { return Ok(Col::Missing) };
        Ok(match a.data_type() {
            DataType::Utf8 => Col::Str(a.as_string::<i32>()),
            DataType::Dictionary(k, v) if **v == DataType::Utf8 => match **k {
                DataType::Int32 => {
                    let d = a.as_dictionary::<Int32Type>();
                    Col::Dict(d, d.values().as_string::<i32>())
                }
                DataType::UInt32 => {
                    let d = a.as_dictionary::<UInt32Type>();
                    Col::DictU32(d, d.values().as_string::<i32>())
                }
                _ => return Err(format!("column {name}: dictionary keys must be int32 or uint32")),
            },
            DataType::Date32 => Col::Date(a.as_primitive::<Date32Type>()),
            DataType::Boolean => Col::Bool(a.as_boolean()),
            DataType::Int32 => Col::I32(a.as_primitive::<Int32Type>()),
            DataType::Int64 => Col::I64(a.as_primitive::<Int64Type>()),
            DataType::Decimal128(_, s) => Col::Dec(a.as_primitive::<Decimal128Type>(), *s),
            other => return Err(format!("column {name}: type {other} is not supported; see docs/book-format.md")),
        })
    }

    fn str(&self, i: usize) -> Option<&'a str> {
        match self {
            Col::Str(a) => a.is_valid(i).then(|| a.value(i)),
            Col::Dict(d, v) => d.key(i).map(|k| v.value(k)),
            Col::DictU32(d, v) => d.key(i).map(|k| v.value(k)),
            _ => None,
        }
    }

    fn is_text(&self) -> bool {
        matches!(self, Col::Str(_) | Col::Dict(..) | Col::DictU32(..))
    }

    /// The cell as text, for messages and rejects files.
    fn display(&self, i: usize) -> String {
        match self {
            Col::Missing => String::new(),
            Col::Str(_) | Col::Dict(..) | Col::DictU32(..) => self.str(i).unwrap_or("").to_string(),
            Col::Date(a) => {
                if a.is_valid(i) {
                    date_from_days(a.value(i)).map_or(format!("day {}", a.value(i)), |d| d.to_string())
                } else {
                    String::new()
                }
            }
            Col::Bool(a) => {
                if a.is_valid(i) {
                    a.value(i).to_string()
                } else {
                    String::new()
                }
            }
            Col::I32(a) => {
                if a.is_valid(i) {
                    a.value(i).to_string()
                } else {
                    String::new()
                }
            }
            Col::I64(a) => {
                if a.is_valid(i) {
                    a.value(i).to_string()
                } else {
                    String::new()
                }
            }
            Col::Dec(a, s) => {
                if a.is_valid(i) {
                    decimal(a.value(i), *s).map_or(String::new(), |d| d.to_string())
                } else {
                    String::new()
                }
            }
        }
    }
}

fn decimal(v: i128, scale: i8) -> Option<Decimal> {
    let scale = u32::try_from(scale).ok()?;
    Decimal::try_from_i128_with_scale(v, scale).ok()
}

struct Batch<'a> {
    cols: Vec<Col<'a>>,
}

impl<'a> Batch<'a> {
    fn at(&self, idx: usize) -> &Col<'a> {
        self.cols.get(idx).unwrap_or(&Col::Missing)
    }

    fn named(&self, name: &str) -> &Col<'a> {
        COLUMNS.iter().position(|c| *c == name).map_or(&Col::Missing, |i| self.at(i))
    }

    fn text(&self, idx: usize, i: usize) -> Result<&'a str, (&'static str, String)> {
        let name = COLUMNS[idx];
        let c = self.at(idx);
        if matches!(c, Col::Missing) {
            return Ok("");
        }
        if !c.is_text() {
            return Err((name, "expected a text column".into()));
        }
        Ok(c.str(i).unwrap_or("").trim())
    }

    fn date(&self, idx: usize, i: usize) -> Result<Option<Date>, (&'static str, String)> {
        let name = COLUMNS[idx];
        match self.at(idx) {
            Col::Missing => Ok(None),
            Col::Date(a) => {
                if !a.is_valid(i) {
                    return Ok(None);
                }
                date_from_days(a.value(i))
                    .map(Some)
                    .ok_or_else(|| (name, format!("day {} is out of range", a.value(i))))
            }
            c if c.is_text() => match c.str(i).map(str::trim).filter(|s| !s.is_empty()) {
                None => Ok(None),
                Some(s) => {
                    parse_date(s).map(Some).ok_or_else(|| (name, format!("`{s}` is not a date; expected YYYY-MM-DD")))
                }
            },
            _ => Err((name, "expected a date32 or text column".into())),
        }
    }

    fn boolean(&self, idx: usize, i: usize) -> Result<Option<bool>, (&'static str, String)> {
        let name = COLUMNS[idx];
        match self.at(idx) {
            Col::Missing => Ok(None),
            Col::Bool(a) => Ok(a.is_valid(i).then(|| a.value(i))),
            c if c.is_text() => match c.str(i).map(str::trim).filter(|s| !s.is_empty()) {
                None => Ok(None),
                Some(s) => parse_bool(s)
                    .map(Some)
                    .ok_or_else(|| (name, format!("`{s}` is not a boolean; expected true or false"))),
            },
            _ => Err((name, "expected a boolean column".into())),
        }
    }

    fn count(&self, idx: usize, i: usize) -> Result<Option<u32>, (&'static str, String)> {
        let name = COLUMNS[idx];
        let bad = |v: String| (name, format!("`{v}` is not a whole number ≥ 0"));
        match self.at(idx) {
            Col::Missing => Ok(None),
            Col::I32(a) => {
                if !a.is_valid(i) {
                    return Ok(None);
                }
                u32::try_from(a.value(i)).map(Some).map_err(|_| bad(a.value(i).to_string()))
            }
            Col::I64(a) => {
                if !a.is_valid(i) {
                    return Ok(None);
                }
                u32::try_from(a.value(i)).map(Some).map_err(|_| bad(a.value(i).to_string()))
            }
            c if c.is_text() => match c.str(i).map(str::trim).filter(|s| !s.is_empty()) {
                None => Ok(None),
                Some(s) => s.parse::<u32>().map(Some).map_err(|_| bad(s.to_string())),
            },
            _ => Err((name, "expected an integer column".into())),
        }
    }

    fn decimal(&self, idx: usize, i: usize) -> Result<Option<Decimal>, (&'static str, String)> {
        let name = COLUMNS[idx];
        match self.at(idx) {
            Col::Missing => Ok(None),
            Col::Dec(a, s) => {
                if !a.is_valid(i) {
                    return Ok(None);
                }
                decimal(a.value(i), *s).map(Some).ok_or_else(|| (name, "decimal out of range".into()))
            }
            Col::I32(a) => Ok(a.is_valid(i).then(|| Decimal::from(a.value(i)))),
            Col::I64(a) => Ok(a.is_valid(i).then(|| Decimal::from(a.value(i)))),
            c if c.is_text() => match c.str(i).map(str::trim).filter(|s| !s.is_empty()) {
                None => Ok(None),
                Some(s) => parse_decimal(s)
                    .map(Some)
                    .ok_or_else(|| (name, format!("`{s}` is not a decimal number such as 1234.50"))),
            },
            _ => Err((name, "expected a decimal128 column (floating point is not accepted for money)".into())),
        }
    }

    fn row(&self, i: usize) -> Result<RowInput<'a>, (&'static str, String)> {
        let keyword = |idx: usize,
                       expected: &str,
                       ok: &dyn Fn(&str) -> bool|
         -> Result<&'a str, (&'static str, String)> {
            let name = COLUMNS[idx];
            let v = self.text(idx, i)?;
            if v.is_empty() || ok(v) { Ok(v) } else { Err((name, format!("`{v}` is not valid; expected {expected}"))) }
        };
        let transaction = keyword(c!("transaction"), "new or renewal", &|v| parse_transaction(v).is_some())?;
        let form = keyword(c!("form"), "claims_made or occurrence", &|v| parse_form(v).is_some())?;
        let surgery = keyword(c!("surgery"), "none, minor or major", &|v| parse_surgery(v).is_some())?;
        let resident = keyword(c!("resident"), "resident or moonlighting, or empty", &|v| parse_resident(v).is_some())?;
        let hours = self.decimal(c!("hours_per_week"), i)?;
        let current = self.decimal(c!("current_premium"), i)?;
        Ok(RowInput {
            policy_id: self.text(c!("policy_id"), i)?,
            provider_id: self.text(c!("provider_id"), i)?,
            carrier: self.text(c!("carrier"), i)?,
            state: self.text(c!("state"), i)?,
            effective: self.date(c!("effective_date"), i)?,
            transaction: parse_transaction(transaction),
            role: self.text(c!("role"), i)?,
            specialty: self.text(c!("specialty_code"), i)?,
            surgery: parse_surgery(surgery),
            shared_limits: self.boolean(c!("shared_limits"), i)?,
            county: self.text(c!("county"), i)?,
            form: parse_form(form),
            retro_date: self.date(c!("retro_date"), i)?,
            limits: self.text(c!("limits"), i)?,
            deductible: self.text(c!("deductible"), i)?,
            hours_per_week: hours,
            years_since_training: self.count(c!("years_since_training"), i)?,
            board_certified: self.boolean(c!("board_certified"), i)?.unwrap_or(false),
            society_member: self.boolean(c!("society_member"), i)?.unwrap_or(false),
            teaching: self.boolean(c!("teaching"), i)?.unwrap_or(false),
            resident: parse_resident(resident),
            risk_management_course: self.date(c!("risk_management_date"), i)?,
            years_insured: self.count(c!("years_insured"), i)?.unwrap_or(0),
            locum_days: self.count(c!("locum_days"), i)?.unwrap_or(0),
            leave_months: self.count(c!("leave_months"), i)?.unwrap_or(0),
            claims: self.text(c!("claims"), i)?,
            disciplinary: self.text(c!("disciplinary"), i)?,
            schedule: self.text(c!("schedule"), i)?,
            current_premium: current,
        })
    }
}

/// Read a Parquet book. Bad rows are errors unless `options.skip_bad_rows`.
pub fn read_parquet(name: &str, path: &Path, options: &ReadOptions) -> Result<Loaded, BookError> {
    let format = |e: &dyn std::fmt::Display| BookError::Format(format!("{name}: {e}"));
    let open = || std::fs::File::open(path).map_err(|e| BookError::Io(format!("{name}: cannot open: {e}")));
    let builder = ParquetRecordBatchReaderBuilder::try_new(open()?).map_err(|e| format(&e))?;
    let schema = builder.schema().clone();
    let header: Vec<String> = schema.fields().iter().map(|f| f.name().clone()).collect();
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
    // Row groups are split into one contiguous run per core; each run is read on its own
    // thread from its own file handle, then the parts are joined in file order.
    let groups: Vec<i64> = builder.metadata().row_groups().iter().map(|g| g.num_rows()).collect();
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get()).clamp(1, groups.len().max(1));
    let per = groups.len().div_ceil(threads).max(1);
    let runs: Vec<(Vec<usize>, u64)> = (0..groups.len())
        .collect::<Vec<_>>()
        .chunks(per)
        .map(|run| {
            let first_row: i64 = groups[..run[0]].iter().sum();
            (run.to_vec(), u64::try_from(first_row).unwrap_or(0))
        })
        .collect();
    drop(builder);
    let parts: Vec<Result<(Book, Vec<BadRow>), BookError>> = std::thread::scope(|s| {
        let handles: Vec<_> = runs
            .into_iter()
            .map(|(run, first_row)| {
                let header = &header;
                s.spawn(move || {
                    let builder = ParquetRecordBatchReaderBuilder::try_new(open()?).map_err(|e| format(&e))?;
                    let reader = builder.with_row_groups(run).with_batch_size(BATCH).build().map_err(|e| format(&e))?;
                    read_run(reader, first_row, header, options, &format)
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().unwrap_or_else(|_| Err(BookError::Format(format!("{name}: a reader thread failed")))))
            .collect()
    });
    let mut book = BookBuilder::new();
    let mut rejected = Vec::new();
    for part in parts {
        let (b, bad) = part?;
        book.append(b);
        rejected.extend(bad);
    }
    if !options.skip_bad_rows && !rejected.is_empty() {
        rejected.truncate(options.max_errors);
        return Err(BookError::BadRows { name: name.to_string(), rows: rejected });
    }
    Ok(Loaded { book: book.finish(), rejected, header })
}

/// Read one run of row groups whose first row is data row `first_row + 1`.
fn read_run(
    reader: parquet::arrow::arrow_reader::ParquetRecordBatchReader,
    first_row: u64,
    header: &[String],
    options: &ReadOptions,
    format: &dyn Fn(&dyn std::fmt::Display) -> BookError,
) -> Result<(Book, Vec<BadRow>), BookError> {
    let mut book = BookBuilder::new();
    let mut rejected = Vec::new();
    let mut row = first_row;
    for batch in reader {
        let batch = batch.map_err(|e| format(&e))?;
        let cols = COLUMNS.iter().map(|c| Col::of(&batch, c)).collect::<Result<Vec<_>, _>>().map_err(|e| format(&e))?;
        let b = Batch { cols };
        for i in 0..batch.num_rows() {
            row += 1;
            let result = b
                .row(i)
                .map_err(|(column, message)| BadRow { row, column: column.to_string(), message, cells: Vec::new() })
                .and_then(|input| book.push(row, &input));
            if let Err(mut bad) = result {
                bad.cells = header.iter().map(|h| b.named(h).display(i)).collect();
                rejected.push(bad);
                if !options.skip_bad_rows && rejected.len() >= options.max_errors {
                    return Ok((book.finish(), rejected));
                }
            }
        }
    }
    Ok((book.finish(), rejected))
}

fn dict_type() -> DataType {
    DataType::Dictionary(Box::new(DataType::Int32), Box::new(DataType::Utf8))
}

fn schema() -> Schema {
    let text = |n: &str, null: bool| Field::new(n, DataType::Utf8, null);
    let dict = |n: &str, null: bool| Field::new(n, dict_type(), null);
    let date = |n: &str, null: bool| Field::new(n, DataType::Date32, null);
    let boolean = |n: &str| Field::new(n, DataType::Boolean, true);
    let int = |n: &str| Field::new(n, DataType::Int32, true);
    Schema::new(vec![
        text("policy_id", false),
        text("provider_id", false),
        dict("carrier", false),
        dict("state", false),
        date("effective_date", false),
        dict("transaction", false),
        dict("role", false),
        dict("specialty_code", true),
        dict("surgery", true),
        boolean("shared_limits"),
        dict("county", false),
        dict("form", false),
        date("retro_date", true),
        dict("limits", false),
        dict("deductible", true),
        Field::new("hours_per_week", DataType::Decimal128(6, 2), true),
        int("years_since_training"),
        boolean("board_certified"),
        boolean("society_member"),
        boolean("teaching"),
        dict("resident", true),
        date("risk_management_date", true),
        int("years_insured"),
        int("locum_days"),
        int("leave_months"),
        text("claims", true),
        text("disciplinary", true),
        dict("schedule", true),
        Field::new("current_premium", DataType::Decimal128(14, 2), true),
    ])
}

fn to_i128(x: Decimal, scale: u32) -> Option<i128> {
    let mut x = x;
    x.rescale(scale);
    (x.scale() == scale).then(|| x.mantissa())
}

/// Write a book as Parquet (snappy, row groups of 131,072 rows).
pub fn write_parquet(book: &Book, file: std::fs::File) -> Result<(), BookError> {
    write_parquet_in_groups(book, file, 131_072)
}

/// Write a book as Parquet with row groups of `rows_per_group` rows (readers split the work by
/// row group).
pub fn write_parquet_in_groups(book: &Book, file: std::fs::File, rows_per_group: usize) -> Result<(), BookError> {
    let err = |e: &dyn std::fmt::Display| BookError::Io(e.to_string());
    let schema = Arc::new(schema());
    let props =
        WriterProperties::builder().set_compression(Compression::SNAPPY).set_max_row_group_size(131_072).build();
    let mut writer = ArrowWriter::try_new(file, schema.clone(), Some(props)).map_err(|e| err(&e))?;
    let d = &book.dicts;
    let n = book.rows.len();
    let mut start = 0;
    while start < n {
        let end = (start + BATCH.min(rows_per_group.max(1))).min(n);
        let rows = &book.rows[start..end];
        let dict_col = |values: Vec<Option<String>>| -> ArrayRef {
            Arc::new(values.iter().map(|v| v.as_deref()).collect::<DictionaryArray<Int32Type>>())
        };
        let text_of = |dict: &Dict<String>, s: u32| dict.get(s).cloned();
        let nonempty = |s: String| (!s.is_empty()).then_some(s);
        let physician = |r: &medmal_core::book::BookRow| d.role.get(r.role).is_some_and(|x| x == PHYSICIAN);
        let dates = |f: &dyn Fn(&medmal_core::book::BookRow) -> Option<Date>| -> ArrayRef {
            Arc::new(rows.iter().map(|r| f(r).map(days_from_date)).collect::<Date32Array>())
        };
        let bools = |f: &dyn Fn(&medmal_core::book::BookRow) -> Option<bool>| -> ArrayRef {
            Arc::new(rows.iter().map(f).collect::<BooleanArray>())
        };
        let ints = |f: &dyn Fn(&medmal_core::book::BookRow) -> Option<u32>| -> ArrayRef {
            Arc::new(rows.iter().map(|r| f(r).and_then(|x| i32::try_from(x).ok())).collect::<Int32Array>())
        };
        let decimals =
            |f: &dyn Fn(&medmal_core::book::BookRow) -> Option<Decimal>, p: u8, s: i8| -> Result<ArrayRef, BookError> {
                let a: Decimal128Array =
                    rows.iter().map(|r| f(r).and_then(|x| to_i128(x, u32::try_from(s).unwrap_or(2)))).collect();
                Ok(Arc::new(a.with_precision_and_scale(p, s).map_err(|e| err(&e))?))
            };
        let columns: Vec<ArrayRef> = vec![
            Arc::new((start..end).map(|i| Some(book.policy_ids.get(i))).collect::<StringArray>()),
            Arc::new((start..end).map(|i| Some(book.provider_ids.get(i))).collect::<StringArray>()),
            dict_col(rows.iter().map(|r| text_of(&d.carrier, r.carrier)).collect()),
            dict_col(rows.iter().map(|r| text_of(&d.state, r.state)).collect()),
            dates(&|r| Some(r.effective)),
            dict_col(rows.iter().map(|r| Some(transaction_text(r.transaction).to_string())).collect()),
            dict_col(rows.iter().map(|r| text_of(&d.role, r.role)).collect()),
            dict_col(rows.iter().map(|r| text_of(&d.specialty, r.specialty).and_then(nonempty)).collect()),
            dict_col(rows.iter().map(|r| physician(r).then(|| r.surgery.name().to_string())).collect()),
            bools(&|r| (!physician(r)).then_some(r.shared_limits)),
            dict_col(rows.iter().map(|r| text_of(&d.county, r.county)).collect()),
            dict_col(rows.iter().map(|r| Some(r.form.name().to_string())).collect()),
            dates(&|r| r.retro_date),
            dict_col(rows.iter().map(|r| d.limits.get(r.limits).map(|l| l.label())).collect()),
            dict_col(
                rows.iter().map(|r| d.deductible.get(r.deductible).map(deductible_text).and_then(nonempty)).collect(),
            ),
            decimals(&|r| r.hours_per_week, 6, 2)?,
            ints(&|r| r.years_since_training),
            bools(&|r| Some(r.board_certified)),
            bools(&|r| Some(r.society_member)),
            bools(&|r| Some(r.teaching)),
            dict_col(rows.iter().map(|r| nonempty(resident_text(r.resident).to_string())).collect()),
            dates(&|r| r.risk_management_course),
            ints(&|r| Some(r.years_insured)),
            ints(&|r| Some(r.locum_days)),
            ints(&|r| Some(r.leave_months)),
            Arc::new(rows.iter().map(|r| nonempty(claims_text(book.claims_of(r)))).collect::<StringArray>()),
            Arc::new(
                rows.iter().map(|r| nonempty(disciplinary_text(book.disciplinary_of(r)))).collect::<StringArray>(),
            ),
            dict_col(rows.iter().map(|r| d.schedule.get(r.schedule).map(schedule_text).and_then(nonempty)).collect()),
            decimals(&|r| r.current_premium, 14, 2)?,
        ];
        let batch = RecordBatch::try_new(schema.clone(), columns).map_err(|e| err(&e))?;
        writer.write(&batch).map_err(|e| err(&e))?;
        start = end;
    }
    writer.close().map_err(|e| err(&e))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

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
