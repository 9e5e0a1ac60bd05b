//! Books written as Parquet: text columns with few distinct values dictionary-encoded, dates
//! `Date32`, money `Decimal128`.

use std::sync::Arc;

use arrow_array::types::Int32Type;
use arrow_array::{
    ArrayRef, BooleanArray, Date32Array, Decimal128Array, DictionaryArray, Int32Array, RecordBatch, StringArray,
};
use arrow_schema::{DataType, Field, Schema};
use jiff::civil::Date;
use medmal_core::book::{Book, Dict, PHYSICIAN};
use parquet::arrow::ArrowWriter;
use parquet::basic::Compression;
use parquet::file::properties::WriterProperties;
use rust_decimal::Decimal;

use super::BATCH;
use super::columns::EPOCH_SHIFT;
use crate::BookError;
use crate::build::{claims_text, deductible_text, disciplinary_text, resident_text, schedule_text, transaction_text};

pub(super) fn days_from_date(d: Date) -> i32 {
    let (y, m, day) = (i64::from(d.year()), i64::from(d.month()), i64::from(d.day()));
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let mp = if m > 2 { m - 3 } else { m + 9 };
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    i32::try_from(era * 146_097 + doe - EPOCH_SHIFT).unwrap_or(0)
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
