//! The book columns of one record batch, each in whichever physical type the file used: the
//! types the writer uses are read straight from their value buffers and null bitmaps; text in
//! place of a typed column is parsed like a CSV cell.

use arrow_array::cast::AsArray;
use arrow_array::types::{Date32Type, Decimal128Type, Int32Type, Int64Type, UInt32Type};
use arrow_array::{Array, ArrayRef, BooleanArray, RecordBatch, StringArray};
use arrow_buffer::NullBuffer;
use arrow_schema::DataType;
use jiff::civil::Date;
use rust_decimal::Decimal;

pub(super) use crate::build::trim;
use crate::build::{COLUMNS, parse_bool, parse_date, parse_decimal};

/// Days from 0000-03-01 to 1970-01-01 in the proleptic Gregorian calendar.
pub(super) const EPOCH_SHIFT: i64 = 719_468;

pub(super) fn date_from_days(days: i32) -> Option<Date> {
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

/// Day numbers to dates, each day converted once: a book's dates fall on a few thousand days.
#[derive(Debug)]
pub(super) struct DateCache {
    dates: Vec<Option<Date>>,
}

/// The days the cache covers: 1900-01-01 to 2099-12-31.
const FIRST_DAY: i32 = -25_567;
const DAYS: usize = 73_049;

impl Default for DateCache {
    fn default() -> Self {
        Self { dates: vec![None; DAYS] }
    }
}

impl DateCache {
    #[inline]
    fn date(&mut self, days: i32) -> Option<Date> {
        let Some(slot) = usize::try_from(days.wrapping_sub(FIRST_DAY)).ok().and_then(|i| self.dates.get_mut(i)) else {
            return date_from_days(days);
        };
        match slot {
            Some(d) => Some(*d),
            None => {
                *slot = date_from_days(days);
                *slot
            }
        }
    }
}

fn decimal(v: i128, scale: i8) -> Option<Decimal> {
    let scale = u32::try_from(scale).ok()?;
    Decimal::try_from_i128_with_scale(v, scale).ok()
}

/// A cell's error: the column and what is wrong.
pub(super) type CellError = (&'static str, String);

fn is_null(nulls: Option<&NullBuffer>, i: usize) -> bool {
    nulls.is_some_and(|n| n.is_null(i))
}

/// The keys of a dictionary column.
#[derive(Debug, Clone, Copy)]
pub(super) enum Keys<'a> {
    I32(&'a [i32]),
    U32(&'a [u32]),
}

/// A text column of one batch.
#[derive(Debug, Clone, Copy)]
pub(super) enum Text<'a> {
    /// Not in the file: every cell is empty.
    Missing,
    Dict {
        keys: Keys<'a>,
        nulls: Option<&'a NullBuffer>,
        values: &'a StringArray,
        /// The dictionary, to tell whether a batch shares its predecessor's.
        array: &'a ArrayRef,
    },
    Plain(&'a StringArray),
    /// A column of another type where text belongs.
    Other,
}

/// One cell of a text column.
#[derive(Debug, Clone, Copy)]
pub(super) enum Cell<'a> {
    /// A dictionary key (in range).
    Key(usize),
    /// Null, or no column: read as empty.
    Empty,
    /// A plain string cell, trimmed.
    Str(&'a str),
}

impl<'a> Text<'a> {
    /// The column as text; `Ok(None)` when it is of another type.
    pub(super) fn of_array(a: &'a ArrayRef, name: &str) -> Result<Option<Self>, String> {
        Ok(Some(match a.data_type() {
            DataType::Utf8 => Text::Plain(a.as_string::<i32>()),
            DataType::Dictionary(k, v) if **v == DataType::Utf8 => match **k {
                DataType::Int32 => {
                    let d = a.as_dictionary::<Int32Type>();
                    let values = d.values();
                    let keys = Keys::I32(d.keys().values());
                    Text::Dict { keys, nulls: d.keys().nulls(), values: values.as_string::<i32>(), array: values }
                }
                DataType::UInt32 => {
                    let d = a.as_dictionary::<UInt32Type>();
                    let values = d.values();
                    let keys = Keys::U32(d.keys().values());
                    Text::Dict { keys, nulls: d.keys().nulls(), values: values.as_string::<i32>(), array: values }
                }
                _ => return Err(format!("column {name}: dictionary keys must be int32 or uint32")),
            },
            _ => return Ok(None),
        }))
    }

    #[inline]
    pub(super) fn cell(&self, i: usize) -> Cell<'a> {
        match self {
            Text::Missing | Text::Other => Cell::Empty,
            Text::Dict { keys, nulls, values, .. } => {
                if is_null(*nulls, i) {
                    return Cell::Empty;
                }
                let k = match keys {
                    Keys::I32(k) => k.get(i).and_then(|&k| usize::try_from(k).ok()),
                    Keys::U32(k) => k.get(i).and_then(|&k| usize::try_from(k).ok()),
                };
                // Arrow guarantees keys in range; were one not, the cell reads as empty rather
                // than panicking.
                k.filter(|&k| k < values.len()).map_or(Cell::Empty, Cell::Key)
            }
            Text::Plain(a) => {
                if a.is_null(i) {
                    Cell::Empty
                } else {
                    Cell::Str(trim(a.value(i)))
                }
            }
        }
    }

    /// The trimmed text of dictionary value `key` (in range, from [`Text::cell`]).
    #[inline]
    pub(super) fn value(&self, key: usize) -> &'a str {
        match self {
            Text::Dict { values, .. } => trim(values.value(key)),
            _ => "",
        }
    }

    /// A cell's trimmed text.
    #[inline]
    pub(super) fn str(&self, i: usize) -> &'a str {
        self.text_of(self.cell(i))
    }

    /// The trimmed text of a cell of this column.
    #[inline]
    pub(super) fn text_of(&self, cell: Cell<'a>) -> &'a str {
        match cell {
            Cell::Key(k) => self.value(k),
            Cell::Empty => "",
            Cell::Str(s) => s,
        }
    }

    /// The cell's text, or the error of a column that is not text.
    #[inline]
    pub(super) fn text(&self, name: &'static str, i: usize) -> Result<&'a str, CellError> {
        match self {
            Text::Other => Err((name, "expected a text column".into())),
            _ => Ok(self.str(i)),
        }
    }

    /// A non-empty trimmed cell of a text column standing in for a typed one.
    fn nonempty(&self, i: usize) -> Option<&'a str> {
        Some(self.str(i)).filter(|s| !s.is_empty())
    }
}

/// The array of a book column, by its position in [`COLUMNS`].
fn column(batch: &RecordBatch, idx: usize) -> Option<&ArrayRef> {
    batch.column_by_name(COLUMNS.get(idx)?)
}

pub(super) fn text<'a>(batch: &'a RecordBatch, idx: usize) -> Result<Text<'a>, String> {
    let Some(a) = column(batch, idx) else { return Ok(Text::Missing) };
    Ok(Text::of_array(a, COLUMNS[idx])?.unwrap_or(Text::Other))
}

/// A date column.
#[derive(Debug, Clone, Copy)]
pub(super) enum Dates<'a> {
    Missing,
    Days(&'a [i32], Option<&'a NullBuffer>),
    Text(Text<'a>),
    Wrong,
}

impl<'a> Dates<'a> {
    pub(super) fn of(batch: &'a RecordBatch, idx: usize) -> Result<Self, String> {
        let Some(a) = column(batch, idx) else { return Ok(Dates::Missing) };
        if *a.data_type() == DataType::Date32 {
            let a = a.as_primitive::<Date32Type>();
            return Ok(Dates::Days(a.values(), a.nulls()));
        }
        Ok(Text::of_array(a, COLUMNS[idx])?.map_or(Dates::Wrong, Dates::Text))
    }

    #[inline]
    pub(super) fn get(&self, name: &'static str, i: usize) -> Result<Option<Date>, CellError> {
        match self {
            Dates::Missing => Ok(None),
            Dates::Days(days, nulls) => match days.get(i) {
                Some(&d) if !is_null(*nulls, i) => {
                    date_from_days(d).map(Some).ok_or_else(|| (name, format!("day {d} is out of range")))
                }
                _ => Ok(None),
            },
            Dates::Text(t) => match t.nonempty(i) {
                None => Ok(None),
                Some(s) => {
                    parse_date(s).map(Some).ok_or_else(|| (name, format!("`{s}` is not a date; expected YYYY-MM-DD")))
                }
            },
            Dates::Wrong => Err((name, "expected a date32 or text column".into())),
        }
    }
}

/// A boolean column.
#[derive(Debug, Clone, Copy)]
pub(super) enum Bools<'a> {
    Missing,
    Bits(&'a BooleanArray),
    Text(Text<'a>),
    Wrong,
}

impl<'a> Bools<'a> {
    pub(super) fn of(batch: &'a RecordBatch, idx: usize) -> Result<Self, String> {
        let Some(a) = column(batch, idx) else { return Ok(Bools::Missing) };
        if *a.data_type() == DataType::Boolean {
            return Ok(Bools::Bits(a.as_boolean()));
        }
        Ok(Text::of_array(a, COLUMNS[idx])?.map_or(Bools::Wrong, Bools::Text))
    }

    #[inline]
    pub(super) fn get(&self, name: &'static str, i: usize) -> Result<Option<bool>, CellError> {
        match self {
            Bools::Missing => Ok(None),
            Bools::Bits(a) => Ok((i < a.len() && a.is_valid(i)).then(|| a.value(i))),
            Bools::Text(t) => match t.nonempty(i) {
                None => Ok(None),
                Some(s) => parse_bool(s)
                    .map(Some)
                    .ok_or_else(|| (name, format!("`{s}` is not a boolean; expected true or false"))),
            },
            Bools::Wrong => Err((name, "expected a boolean column".into())),
        }
    }
}

/// A whole-number column.
#[derive(Debug, Clone, Copy)]
pub(super) enum Counts<'a> {
    Missing,
    I32(&'a [i32], Option<&'a NullBuffer>),
    I64(&'a [i64], Option<&'a NullBuffer>),
    Text(Text<'a>),
    Wrong,
}

impl<'a> Counts<'a> {
    pub(super) fn of(batch: &'a RecordBatch, idx: usize) -> Result<Self, String> {
        let Some(a) = column(batch, idx) else { return Ok(Counts::Missing) };
        Ok(match a.data_type() {
            DataType::Int32 => {
                let a = a.as_primitive::<Int32Type>();
                Counts::I32(a.values(), a.nulls())
            }
            DataType::Int64 => {
                let a = a.as_primitive::<Int64Type>();
                Counts::I64(a.values(), a.nulls())
            }
            _ => Text::of_array(a, COLUMNS[idx])?.map_or(Counts::Wrong, Counts::Text),
        })
    }

    #[inline]
    pub(super) fn get(&self, name: &'static str, i: usize) -> Result<Option<u32>, CellError> {
        let bad = |v: String| (name, format!("`{v}` is not a whole number ≥ 0"));
        match self {
            Counts::Missing => Ok(None),
            Counts::I32(v, nulls) => match v.get(i) {
                Some(&x) if !is_null(*nulls, i) => u32::try_from(x).map(Some).map_err(|_| bad(x.to_string())),
                _ => Ok(None),
            },
            Counts::I64(v, nulls) => match v.get(i) {
                Some(&x) if !is_null(*nulls, i) => u32::try_from(x).map(Some).map_err(|_| bad(x.to_string())),
                _ => Ok(None),
            },
            Counts::Text(t) => match t.nonempty(i) {
                None => Ok(None),
                Some(s) => s.parse::<u32>().map(Some).map_err(|_| bad(s.to_string())),
            },
            Counts::Wrong => Err((name, "expected an integer column".into())),
        }
    }
}

/// A decimal column (hours, money).
#[derive(Debug, Clone, Copy)]
pub(super) enum Decimals<'a> {
    Missing,
    Dec(&'a [i128], Option<&'a NullBuffer>, i8),
    I32(&'a [i32], Option<&'a NullBuffer>),
    I64(&'a [i64], Option<&'a NullBuffer>),
    Text(Text<'a>),
    Wrong,
}

impl<'a> Decimals<'a> {
    pub(super) fn of(batch: &'a RecordBatch, idx: usize) -> Result<Self, String> {
        let Some(a) = column(batch, idx) else { return Ok(Decimals::Missing) };
        Ok(match a.data_type() {
            DataType::Decimal128(_, s) => {
                let a = a.as_primitive::<Decimal128Type>();
                Decimals::Dec(a.values(), a.nulls(), *s)
            }
            DataType::Int32 => {
                let a = a.as_primitive::<Int32Type>();
                Decimals::I32(a.values(), a.nulls())
            }
            DataType::Int64 => {
                let a = a.as_primitive::<Int64Type>();
                Decimals::I64(a.values(), a.nulls())
            }
            _ => Text::of_array(a, COLUMNS[idx])?.map_or(Decimals::Wrong, Decimals::Text),
        })
    }

    #[inline]
    pub(super) fn get(&self, name: &'static str, i: usize) -> Result<Option<Decimal>, CellError> {
        match self {
            Decimals::Missing => Ok(None),
            Decimals::Dec(v, nulls, s) => match v.get(i) {
                Some(&x) if !is_null(*nulls, i) => {
                    decimal(x, *s).map(Some).ok_or_else(|| (name, "decimal out of range".into()))
                }
                _ => Ok(None),
            },
            Decimals::I32(v, nulls) => Ok(v.get(i).filter(|_| !is_null(*nulls, i)).map(|&x| Decimal::from(x))),
            Decimals::I64(v, nulls) => Ok(v.get(i).filter(|_| !is_null(*nulls, i)).map(|&x| Decimal::from(x))),
            Decimals::Text(t) => match t.nonempty(i) {
                None => Ok(None),
                Some(s) => parse_decimal(s)
                    .map(Some)
                    .ok_or_else(|| (name, format!("`{s}` is not a decimal number such as 1234.50"))),
            },
            Decimals::Wrong => {
                Err((name, "expected a decimal128 column (floating point is not accepted for money)".into()))
            }
        }
    }
}

/// A cell as text, for messages and rejects files.
pub(super) fn display(a: &dyn Array, i: usize) -> String {
    if i >= a.len() || a.is_null(i) {
        return String::new();
    }
    match a.data_type() {
        DataType::Utf8 => a.as_string::<i32>().value(i).to_string(),
        DataType::Dictionary(k, _) => {
            let (key, values) = match **k {
                DataType::Int32 => {
                    let d = a.as_dictionary::<Int32Type>();
                    (usize::try_from(d.keys().value(i)).ok(), d.values())
                }
                DataType::UInt32 => {
                    let d = a.as_dictionary::<UInt32Type>();
                    (usize::try_from(d.keys().value(i)).ok(), d.values())
                }
                _ => return String::new(),
            };
            match (key, values.as_string_opt::<i32>()) {
                (Some(k), Some(v)) if k < v.len() => v.value(k).to_string(),
                _ => String::new(),
            }
        }
        DataType::Date32 => {
            let d = a.as_primitive::<Date32Type>().value(i);
            date_from_days(d).map_or(format!("day {d}"), |d| d.to_string())
        }
        DataType::Boolean => a.as_boolean().value(i).to_string(),
        DataType::Int32 => a.as_primitive::<Int32Type>().value(i).to_string(),
        DataType::Int64 => a.as_primitive::<Int64Type>().value(i).to_string(),
        DataType::Decimal128(_, s) => {
            decimal(a.as_primitive::<Decimal128Type>().value(i), *s).map_or(String::new(), |d| d.to_string())
        }
        _ => String::new(),
    }
}

/// Every cell of a column, read one by one; a cell that does not read is `None`, its row marked.
fn fill_cells<T>(out: &mut Vec<Option<T>>, bad: &mut [bool], get: impl Fn(usize) -> Result<Option<T>, CellError>) {
    out.clear();
    for (i, b) in bad.iter_mut().enumerate() {
        out.push(get(i).unwrap_or_else(|_| {
            *b = true;
            None
        }));
    }
}

/// Call `f` with the index of every null cell, a 64-cell word of the validity bitmap at a time.
pub(super) fn each_null(nulls: &NullBuffer, mut f: impl FnMut(usize)) {
    let chunks = nulls.inner().bit_chunks();
    let words = chunks.iter().chain(std::iter::once(chunks.remainder_bits()));
    let tail = chunks.remainder_len();
    for (w, word) in words.enumerate() {
        let len = if w < chunks.chunk_len() { 64 } else { tail };
        let mut missing = !word & if len == 64 { u64::MAX } else { (1u64 << len) - 1 };
        while missing != 0 {
            f(w * 64 + missing.trailing_zeros() as usize);
            missing &= missing - 1;
        }
    }
}

/// Every cell of a primitive column through `read`, which gives `None` for a value that does
/// not read (its row is marked); nulls are `None`.
fn fill_values<V: Copy, T>(
    out: &mut Vec<Option<T>>,
    bad: &mut [bool],
    values: &[V],
    nulls: Option<&NullBuffer>,
    mut read: impl FnMut(V) -> Option<T>,
) {
    out.clear();
    let mut unread = false;
    out.extend(values.iter().map(|&v| {
        let x = read(v);
        unread |= x.is_none();
        x
    }));
    out.resize_with(bad.len(), || None);
    // Values that do not read are rare (null slots hold zeros, which read): look for them
    // among the `None`s only when there are any, skipping nulls.
    if unread {
        for ((v, b), i) in out.iter().zip(bad.iter_mut()).zip(0..) {
            if v.is_none() && !is_null(nulls, i) {
                *b = true;
            }
        }
    }
    if let Some(nulls) = nulls {
        each_null(nulls, |i| {
            if let Some(v) = out.get_mut(i) {
                *v = None;
            }
        });
    }
}

impl Dates<'_> {
    /// Every cell of the column into `out`, rows whose cell does not read marked in `bad`.
    pub(super) fn fill(
        &self,
        name: &'static str,
        out: &mut Vec<Option<Date>>,
        bad: &mut [bool],
        cache: &mut DateCache,
    ) {
        match self {
            Dates::Days(days, nulls) => fill_values(out, bad, days, *nulls, |d| cache.date(d)),
            _ => fill_cells(out, bad, |i| self.get(name, i)),
        }
    }
}

impl Bools<'_> {
    pub(super) fn fill(&self, name: &'static str, out: &mut Vec<Option<bool>>, bad: &mut [bool]) {
        match self {
            Bools::Bits(a) => {
                out.clear();
                out.extend(a.values().iter().map(Some));
                out.resize(bad.len(), None);
                if let Some(nulls) = a.nulls() {
                    each_null(nulls, |i| {
                        if let Some(v) = out.get_mut(i) {
                            *v = None;
                        }
                    });
                }
            }
            _ => fill_cells(out, bad, |i| self.get(name, i)),
        }
    }
}

impl Counts<'_> {
    pub(super) fn fill(&self, name: &'static str, out: &mut Vec<Option<u32>>, bad: &mut [bool]) {
        match self {
            Counts::I32(v, nulls) => fill_values(out, bad, v, *nulls, |x| u32::try_from(x).ok()),
            Counts::I64(v, nulls) => fill_values(out, bad, v, *nulls, |x| u32::try_from(x).ok()),
            _ => fill_cells(out, bad, |i| self.get(name, i)),
        }
    }
}

impl Decimals<'_> {
    pub(super) fn fill(&self, name: &'static str, out: &mut Vec<Option<Decimal>>, bad: &mut [bool]) {
        match self {
            Decimals::Dec(v, nulls, s) => fill_values(out, bad, v, *nulls, |x| decimal(x, *s)),
            Decimals::I32(v, nulls) => fill_values(out, bad, v, *nulls, |x| Some(Decimal::from(x))),
            Decimals::I64(v, nulls) => fill_values(out, bad, v, *nulls, |x| Some(Decimal::from(x))),
            _ => fill_cells(out, bad, |i| self.get(name, i)),
        }
    }
}
