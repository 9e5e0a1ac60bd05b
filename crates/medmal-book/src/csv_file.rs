//! Books as CSV: a header row naming the columns, one row per insured provider.

use std::io::{Read, Write};

use medmal_core::book::{Book, PHYSICIAN};
use medmal_core::money::fmt_money;

use crate::build::{
    BadRow, BookBuilder, COLUMNS, REQUIRED, RowInput, c, claims_text, deductible_text, disciplinary_text, parse_bool,
    parse_date, parse_decimal, parse_form, parse_resident, parse_surgery, parse_transaction, resident_text,
    schedule_text, transaction_text,
};
use crate::{BookError, Loaded, ReadOptions};

/// Read a CSV book. Bad rows are errors unless `options.skip_bad_rows`.
pub fn read_csv(name: &str, input: impl Read, options: &ReadOptions) -> Result<Loaded, BookError> {
    let mut reader = csv::ReaderBuilder::new().has_headers(true).flexible(false).from_reader(input);
    let header = reader.byte_headers().map_err(|e| BookError::Format(format!("{name}: {e}")))?.clone();
    let mut at = [usize::MAX; COLUMNS.len()];
    for (i, h) in header.iter().enumerate() {
        let h = String::from_utf8_lossy(h);
        let h = h.trim().trim_start_matches('\u{feff}');
        let Some(c) = COLUMNS.iter().position(|c| *c == h) else {
            return Err(BookError::Format(format!(
                "{name}: line 1, column {}: unknown column `{h}`; expected one of: {}",
                i + 1,
                COLUMNS.join(", ")
            )));
        };
        if at[c] != usize::MAX {
            return Err(BookError::Format(format!("{name}: line 1: column `{h}` appears twice")));
        }
        at[c] = i;
    }
    let missing: Vec<&str> = REQUIRED
        .iter()
        .copied()
        .filter(|r| COLUMNS.iter().position(|c| c == r).is_none_or(|i| at[i] == usize::MAX))
        .collect();
    if !missing.is_empty() {
        return Err(BookError::Format(format!("{name}: line 1: missing required columns: {}", missing.join(", "))));
    }

    let mut builder = BookBuilder::new();
    let mut rejected = Vec::new();
    let mut record = csv::ByteRecord::new();
    let mut row: u64 = 0;
    loop {
        match reader.read_byte_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {}
            Err(e) => {
                row += 1;
                let bad = BadRow {
                    row,
                    column: String::new(),
                    message: format!("unreadable CSV record: {e}"),
                    cells: Vec::new(),
                };
                if !options.skip_bad_rows {
                    return Err(BookError::BadRows { name: name.to_string(), rows: vec![bad] });
                }
                rejected.push(bad);
                continue;
            }
        }
        row += 1;
        let result = row_input(&record, &at, row).and_then(|input| builder.push(row, &input));
        if let Err(mut bad) = result {
            bad.cells = record.iter().map(|c| String::from_utf8_lossy(c).into_owned()).collect();
            rejected.push(bad);
            if !options.skip_bad_rows && rejected.len() >= options.max_errors {
                break;
            }
        }
    }
    if !options.skip_bad_rows && !rejected.is_empty() {
        return Err(BookError::BadRows { name: name.to_string(), rows: rejected });
    }
    Ok(Loaded {
        book: builder.finish(),
        rejected,
        header: header.iter().map(|h| String::from_utf8_lossy(h).into_owned()).collect(),
    })
}

fn row_input<'r>(record: &'r csv::ByteRecord, at: &[usize; COLUMNS.len()], row: u64) -> Result<RowInput<'r>, BadRow> {
    let mut cells: [&str; COLUMNS.len()] = [""; COLUMNS.len()];
    for (c, &i) in at.iter().enumerate() {
        if i == usize::MAX {
            continue;
        }
        let bytes = record.get(i).unwrap_or_default();
        cells[c] = std::str::from_utf8(bytes).map_err(|_| BadRow {
            row,
            column: COLUMNS[c].to_string(),
            message: "not valid UTF-8".into(),
            cells: Vec::new(),
        })?;
    }
    let cell = |idx: usize| cells[idx].trim();
    let bad = |name: &str, what: String| BadRow { row, column: name.to_string(), message: what, cells: Vec::new() };
    let opt = |idx: usize, expected: &str, parse: &dyn Fn(&str) -> Option<()>| -> Result<(), BadRow> {
        let name = COLUMNS[idx];
        let v = cell(idx);
        if v.is_empty() || parse(v).is_some() {
            Ok(())
        } else {
            Err(bad(name, format!("`{v}` is not valid; expected {expected}")))
        }
    };
    let date = |idx: usize| -> Result<Option<jiff::civil::Date>, BadRow> {
        let name = COLUMNS[idx];
        let v = cell(idx);
        if v.is_empty() {
            return Ok(None);
        }
        parse_date(v).map(Some).ok_or_else(|| bad(name, format!("`{v}` is not a date; expected YYYY-MM-DD")))
    };
    let boolean = |idx: usize| -> Result<Option<bool>, BadRow> {
        let name = COLUMNS[idx];
        let v = cell(idx);
        if v.is_empty() {
            return Ok(None);
        }
        parse_bool(v).map(Some).ok_or_else(|| bad(name, format!("`{v}` is not a boolean; expected true or false")))
    };
    let count = |idx: usize| -> Result<Option<u32>, BadRow> {
        let name = COLUMNS[idx];
        let v = cell(idx);
        if v.is_empty() {
            return Ok(None);
        }
        v.parse::<u32>().map(Some).map_err(|_| bad(name, format!("`{v}` is not a whole number ≥ 0")))
    };
    let decimal = |idx: usize| -> Result<Option<rust_decimal::Decimal>, BadRow> {
        let name = COLUMNS[idx];
        let v = cell(idx);
        if v.is_empty() {
            return Ok(None);
        }
        parse_decimal(v).map(Some).ok_or_else(|| bad(name, format!("`{v}` is not a decimal number such as 1234.50")))
    };
    opt(c!("transaction"), "new or renewal", &|v| parse_transaction(v).map(|_| ()))?;
    opt(c!("form"), "claims_made or occurrence", &|v| parse_form(v).map(|_| ()))?;
    opt(c!("surgery"), "none, minor or major", &|v| parse_surgery(v).map(|_| ()))?;
    opt(c!("resident"), "resident or moonlighting, or empty", &|v| parse_resident(v).map(|_| ()))?;
    let hours = decimal(c!("hours_per_week"))?;
    let current = decimal(c!("current_premium"))?;
    Ok(RowInput {
        policy_id: cell(c!("policy_id")),
        provider_id: cell(c!("provider_id")),
        carrier: cell(c!("carrier")),
        state: cell(c!("state")),
        effective: date(c!("effective_date"))?,
        transaction: parse_transaction(cell(c!("transaction"))),
        role: cell(c!("role")),
        specialty: cell(c!("specialty_code")),
        surgery: parse_surgery(cell(c!("surgery"))),
        shared_limits: boolean(c!("shared_limits"))?,
        county: cell(c!("county")),
        form: parse_form(cell(c!("form"))),
        retro_date: date(c!("retro_date"))?,
        limits: cell(c!("limits")),
        deductible: cell(c!("deductible")),
        hours_per_week: hours,
        years_since_training: count(c!("years_since_training"))?,
        board_certified: boolean(c!("board_certified"))?.unwrap_or(false),
        society_member: boolean(c!("society_member"))?.unwrap_or(false),
        teaching: boolean(c!("teaching"))?.unwrap_or(false),
        resident: parse_resident(cell(c!("resident"))),
        risk_management_course: date(c!("risk_management_date"))?,
        years_insured: count(c!("years_insured"))?.unwrap_or(0),
        locum_days: count(c!("locum_days"))?.unwrap_or(0),
        leave_months: count(c!("leave_months"))?.unwrap_or(0),
        claims: cell(c!("claims")),
        disciplinary: cell(c!("disciplinary")),
        schedule: cell(c!("schedule")),
        current_premium: current,
    })
}

/// Write a book as CSV with every column.
pub fn write_csv(book: &Book, out: impl Write) -> Result<(), BookError> {
    let mut w = csv::Writer::from_writer(out);
    let io = |e: csv::Error| BookError::Format(e.to_string());
    w.write_record(COLUMNS).map_err(io)?;
    let d = &book.dicts;
    let text = |dict: &medmal_core::book::Dict<String>, s: u32| dict.get(s).cloned().unwrap_or_default();
    for (i, r) in book.rows.iter().enumerate() {
        let physician = d.role.get(r.role).is_some_and(|x| x == PHYSICIAN);
        let opt = |x: Option<String>| x.unwrap_or_default();
        let record: [String; COLUMNS.len()] = [
            book.policy_ids.get(i).to_string(),
            book.provider_ids.get(i).to_string(),
            text(&d.carrier, r.carrier),
            text(&d.state, r.state),
            r.effective.to_string(),
            transaction_text(r.transaction).to_string(),
            text(&d.role, r.role),
            text(&d.specialty, r.specialty),
            if physician { r.surgery.name().to_string() } else { String::new() },
            if physician { String::new() } else { r.shared_limits.to_string() },
            text(&d.county, r.county),
            r.form.name().to_string(),
            opt(r.retro_date.map(|x| x.to_string())),
            d.limits.get(r.limits).map(|l| l.label()).unwrap_or_default(),
            d.deductible.get(r.deductible).map(deductible_text).unwrap_or_default(),
            opt(r.hours_per_week.map(|h| h.normalize().to_string())),
            opt(r.years_since_training.map(|y| y.to_string())),
            r.board_certified.to_string(),
            r.society_member.to_string(),
            r.teaching.to_string(),
            resident_text(r.resident).to_string(),
            opt(r.risk_management_course.map(|x| x.to_string())),
            r.years_insured.to_string(),
            r.locum_days.to_string(),
            r.leave_months.to_string(),
            claims_text(book.claims_of(r)),
            disciplinary_text(book.disciplinary_of(r)),
            d.schedule.get(r.schedule).map(schedule_text).unwrap_or_default(),
            opt(r.current_premium.map(fmt_money)),
        ];
        w.write_record(&record).map_err(io)?;
    }
    w.flush().map_err(|e| BookError::Format(e.to_string()))?;
    Ok(())
}
