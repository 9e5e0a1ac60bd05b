//! Record batches into book rows, each distinct text resolved once.
//!
//! Text columns arrive as dictionary arrays with a handful of distinct values per batch. Each
//! value is resolved (trimmed, checked, parsed, interned) the first time a row of the batch uses
//! it, into a table indexed by the dictionary key ([`super::tables`]), so a row costs an array
//! index per text column. Values no row uses are never looked at: a bad value in a dictionary
//! rejects only the rows that carry it. Resolution happens at the step of a row at which
//! [`BookBuilder::push`] would look at the text, so the dictionaries fill in the same order.
//!
//! The typed and keyword columns are read a whole column at a time first, in tight loops over
//! arrow's value buffers ([`Preparer`]). A row with a cell that does not read is read again
//! cell by cell, in the order [`BookBuilder::push`]'s callers always have, so that its error
//! is the one a row-by-row reader names first.

use arrow_array::{Array, RecordBatch};
use jiff::civil::Date;
use medmal_core::book::{Sym, TextColumn};
use medmal_core::manual::{PolicyForm, SurgeryLevel};
use medmal_core::practice::{ResidentStatus, Transaction};
use rust_decimal::Decimal;

use super::columns::{Bools, CellError, Counts, DateCache, Dates, Decimals, Text, display, text};
use super::tables::{Ids, Keyword, Named, Parsed, Table, Texts, keyword};
use crate::build::{
    BadRow, BookBuilder, COLUMNS, RowInput, Syms, TextFacts, c, check, parse_form, parse_resident, parse_surgery,
    parse_transaction, typed_checks_pass,
};

fn transaction(v: &str) -> Keyword<Transaction> {
    keyword(v, "new or renewal", parse_transaction)
}

fn form(v: &str) -> Keyword<PolicyForm> {
    keyword(v, "claims_made or occurrence", parse_form)
}

fn surgery(v: &str) -> Keyword<SurgeryLevel> {
    keyword(v, "none, minor or major", parse_surgery)
}

fn resident(v: &str) -> Keyword<ResidentStatus> {
    keyword(v, "resident or moonlighting, or empty", parse_resident)
}

fn kw<T: Copy>(r: &Keyword<T>, name: &'static str) -> Result<Option<T>, CellError> {
    match r {
        Ok(v) => Ok(*v),
        Err(m) => Err((name, m.clone())),
    }
}

/// A parsed value's symbol, or the column's error.
fn parsed(r: &Result<Sym, String>, name: &'static str) -> Result<Sym, CellError> {
    match r {
        Ok(v) => Ok(*v),
        Err(m) => Err((name, m.clone())),
    }
}

/// The tables of the text columns that go into the book's dictionaries, kept from batch to
/// batch by the converting thread.
#[derive(Debug, Default)]
struct Tables {
    carrier: Table<Named>,
    state: Table<Named>,
    role: Table<Named>,
    specialty: Table<Named>,
    county: Table<Named>,
    limits: Table<Parsed>,
    deductible: Table<Parsed>,
    schedule: Table<Parsed>,
}

/// The texts of those columns in one batch, by id.
struct BatchTexts<'a> {
    carrier: Texts<'a>,
    state: Texts<'a>,
    role: Texts<'a>,
    specialty: Texts<'a>,
    county: Texts<'a>,
    limits: Texts<'a>,
    deductible: Texts<'a>,
    schedule: Texts<'a>,
}

/// Their cells' ids in one batch.
#[derive(Debug, Default)]
struct BatchIds {
    carrier: Ids,
    state: Ids,
    role: Ids,
    specialty: Ids,
    county: Ids,
    limits: Ids,
    deductible: Ids,
    schedule: Ids,
}

impl Tables {
    fn start<'a>(&mut self, b: &Columns<'a>, ids: &mut BatchIds) -> BatchTexts<'a> {
        BatchTexts {
            carrier: self.carrier.start(&b.carrier, &mut ids.carrier),
            state: self.state.start(&b.state, &mut ids.state),
            role: self.role.start(&b.role, &mut ids.role),
            specialty: self.specialty.start(&b.specialty, &mut ids.specialty),
            county: self.county.start(&b.county, &mut ids.county),
            limits: self.limits.start(&b.limits, &mut ids.limits),
            deductible: self.deductible.start(&b.deductible, &mut ids.deductible),
            schedule: self.schedule.start(&b.schedule, &mut ids.schedule),
        }
    }
}

/// A batch's cells made ready before its rows are built: the typed and keyword columns read
/// whole, the rows with a cell that does not read, and the text columns' ids.
#[derive(Debug, Default)]
struct Prepared {
    bad: Vec<bool>,
    transaction: Vec<Option<Transaction>>,
    form: Vec<Option<PolicyForm>>,
    surgery: Vec<Option<SurgeryLevel>>,
    resident: Vec<Option<ResidentStatus>>,
    hours_per_week: Vec<Option<Decimal>>,
    current_premium: Vec<Option<Decimal>>,
    effective: Vec<Option<Date>>,
    retro_date: Vec<Option<Date>>,
    risk_management: Vec<Option<Date>>,
    shared_limits: Vec<Option<bool>>,
    board_certified: Vec<Option<bool>>,
    society_member: Vec<Option<bool>>,
    teaching: Vec<Option<bool>>,
    years_since_training: Vec<Option<u32>>,
    years_insured: Vec<Option<u32>>,
    locum_days: Vec<Option<u32>>,
    leave_months: Vec<Option<u32>>,
    ids: BatchIds,
    /// The keyword columns' ids, each in turn.
    keyword: Ids,
}

/// A keyword column's cells through its table.
fn fill_keyword<T: Copy>(
    table: &mut Table<Keyword<T>>,
    col: &Text<'_>,
    ids: &mut Ids,
    out: &mut Vec<Option<T>>,
    bad: &mut [bool],
    make: fn(&str) -> Keyword<T>,
) {
    ids.fill(col, bad.len());
    let texts = table.start(col, ids);
    // Each distinct value as its cells take it: the value, or none and the row marked.
    let (slots, empty, ids) = table.all(&texts, make);
    let cell = |k: &Keyword<T>| match k {
        Ok(v) => (*v, false),
        Err(_) => (None, true),
    };
    let values: Vec<(Option<T>, bool)> = slots.iter().map(|s| s.as_ref().map_or((None, false), cell)).collect();
    let empty = cell(empty);
    out.clear();
    out.extend(ids.iter().zip(bad.iter_mut()).map(|(&id, bad)| {
        let (v, unread) = values.get(id as usize).copied().unwrap_or(empty);
        *bad |= unread;
        v
    }));
    out.resize(bad.len(), None);
}

/// What is kept from batch to batch to make batches ready: the keyword values and dates.
#[derive(Debug, Default)]
struct Preparer {
    transaction: Table<Keyword<Transaction>>,
    form: Table<Keyword<PolicyForm>>,
    surgery: Table<Keyword<SurgeryLevel>>,
    resident: Table<Keyword<ResidentStatus>>,
    dates: DateCache,
}

impl Preparer {
    /// Read a batch's typed and keyword columns whole, marking the rows with a cell that does
    /// not read, and give the text columns' cells their ids; into `p`, reusing its memory (a
    /// batch's worth of fresh pages costs more than the work).
    fn prepare(&mut self, batch: &RecordBatch, p: &mut Prepared) -> Result<(), String> {
        supported(batch)?;
        let b = Columns::of(batch)?;
        let n = batch.num_rows();
        p.bad.clear();
        p.bad.resize(n, false);
        let texts = [
            &b.policy_id,
            &b.provider_id,
            &b.carrier,
            &b.state,
            &b.transaction,
            &b.role,
            &b.specialty,
            &b.surgery,
            &b.county,
            &b.form,
            &b.limits,
            &b.deductible,
            &b.resident,
            &b.claims,
            &b.disciplinary,
            &b.schedule,
        ];
        if texts.iter().any(|t| matches!(t, Text::Other)) {
            // Every row fails; the cell-by-cell reading says where first.
            p.bad.fill(true);
            return Ok(());
        }
        let bad = &mut p.bad;
        let ids = &mut p.ids;
        fill_keyword(&mut self.transaction, &b.transaction, &mut p.keyword, &mut p.transaction, bad, transaction);
        fill_keyword(&mut self.form, &b.form, &mut p.keyword, &mut p.form, bad, form);
        fill_keyword(&mut self.surgery, &b.surgery, &mut p.keyword, &mut p.surgery, bad, surgery);
        fill_keyword(&mut self.resident, &b.resident, &mut p.keyword, &mut p.resident, bad, resident);
        b.hours_per_week.fill("hours_per_week", &mut p.hours_per_week, bad);
        b.current_premium.fill("current_premium", &mut p.current_premium, bad);
        b.effective.fill("effective_date", &mut p.effective, bad, &mut self.dates);
        b.retro_date.fill("retro_date", &mut p.retro_date, bad, &mut self.dates);
        b.risk_management.fill("risk_management_date", &mut p.risk_management, bad, &mut self.dates);
        b.shared_limits.fill("shared_limits", &mut p.shared_limits, bad);
        b.board_certified.fill("board_certified", &mut p.board_certified, bad);
        b.society_member.fill("society_member", &mut p.society_member, bad);
        b.teaching.fill("teaching", &mut p.teaching, bad);
        b.years_since_training.fill("years_since_training", &mut p.years_since_training, bad);
        b.years_insured.fill("years_insured", &mut p.years_insured, bad);
        b.locum_days.fill("locum_days", &mut p.locum_days, bad);
        b.leave_months.fill("leave_months", &mut p.leave_months, bad);
        ids.carrier.fill(&b.carrier, n);
        ids.state.fill(&b.state, n);
        ids.role.fill(&b.role, n);
        ids.specialty.fill(&b.specialty, n);
        ids.county.fill(&b.county, n);
        ids.limits.fill(&b.limits, n);
        ids.deductible.fill(&b.deductible, n);
        ids.schedule.fill(&b.schedule, n);
        Ok(())
    }
}

fn get<T: Copy>(v: &[Option<T>], i: usize) -> Option<T> {
    v.get(i).copied().flatten()
}

/// Row `i`'s cells from the prepared columns.
fn input_prepared<'a>(b: &Columns<'a>, p: &Prepared, i: usize) -> RowInput<'a> {
    RowInput {
        policy_id: b.policy_id.str(i),
        provider_id: b.provider_id.str(i),
        claims: b.claims.str(i),
        disciplinary: b.disciplinary.str(i),
        ..typed_prepared(p, i)
    }
}

/// Row `i`'s typed cells from the prepared columns, missing flags and counts taking the
/// defaults the steps give them; its text cells empty.
#[inline]
fn typed_prepared(p: &Prepared, i: usize) -> RowInput<'static> {
    RowInput {
        effective: get(&p.effective, i),
        transaction: get(&p.transaction, i),
        surgery: get(&p.surgery, i),
        shared_limits: get(&p.shared_limits, i),
        form: get(&p.form, i),
        retro_date: get(&p.retro_date, i),
        hours_per_week: get(&p.hours_per_week, i),
        years_since_training: get(&p.years_since_training, i),
        board_certified: get(&p.board_certified, i).unwrap_or(false),
        society_member: get(&p.society_member, i).unwrap_or(false),
        teaching: get(&p.teaching, i).unwrap_or(false),
        resident: get(&p.resident, i),
        risk_management_course: get(&p.risk_management, i),
        years_insured: get(&p.years_insured, i).unwrap_or(0),
        locum_days: get(&p.locum_days, i).unwrap_or(0),
        leave_months: get(&p.leave_months, i).unwrap_or(0),
        current_premium: get(&p.current_premium, i),
        ..RowInput::default()
    }
}

/// The book columns of one batch.
struct Columns<'a> {
    policy_id: Text<'a>,
    provider_id: Text<'a>,
    carrier: Text<'a>,
    state: Text<'a>,
    effective: Dates<'a>,
    transaction: Text<'a>,
    role: Text<'a>,
    specialty: Text<'a>,
    surgery: Text<'a>,
    shared_limits: Bools<'a>,
    county: Text<'a>,
    form: Text<'a>,
    retro_date: Dates<'a>,
    limits: Text<'a>,
    deductible: Text<'a>,
    hours_per_week: Decimals<'a>,
    years_since_training: Counts<'a>,
    board_certified: Bools<'a>,
    society_member: Bools<'a>,
    teaching: Bools<'a>,
    resident: Text<'a>,
    risk_management: Dates<'a>,
    years_insured: Counts<'a>,
    locum_days: Counts<'a>,
    leave_months: Counts<'a>,
    claims: Text<'a>,
    disciplinary: Text<'a>,
    schedule: Text<'a>,
    current_premium: Decimals<'a>,
}

impl<'a> Columns<'a> {
    fn of(batch: &'a RecordBatch) -> Result<Self, String> {
        Ok(Self {
            policy_id: text(batch, c!("policy_id"))?,
            provider_id: text(batch, c!("provider_id"))?,
            carrier: text(batch, c!("carrier"))?,
            state: text(batch, c!("state"))?,
            effective: Dates::of(batch, c!("effective_date"))?,
            transaction: text(batch, c!("transaction"))?,
            role: text(batch, c!("role"))?,
            specialty: text(batch, c!("specialty_code"))?,
            surgery: text(batch, c!("surgery"))?,
            shared_limits: Bools::of(batch, c!("shared_limits"))?,
            county: text(batch, c!("county"))?,
            form: text(batch, c!("form"))?,
            retro_date: Dates::of(batch, c!("retro_date"))?,
            limits: text(batch, c!("limits"))?,
            deductible: text(batch, c!("deductible"))?,
            hours_per_week: Decimals::of(batch, c!("hours_per_week"))?,
            years_since_training: Counts::of(batch, c!("years_since_training"))?,
            board_certified: Bools::of(batch, c!("board_certified"))?,
            society_member: Bools::of(batch, c!("society_member"))?,
            teaching: Bools::of(batch, c!("teaching"))?,
            resident: text(batch, c!("resident"))?,
            risk_management: Dates::of(batch, c!("risk_management_date"))?,
            years_insured: Counts::of(batch, c!("years_insured"))?,
            locum_days: Counts::of(batch, c!("locum_days"))?,
            leave_months: Counts::of(batch, c!("leave_months"))?,
            claims: text(batch, c!("claims"))?,
            disciplinary: text(batch, c!("disciplinary"))?,
            schedule: text(batch, c!("schedule"))?,
            current_premium: Decimals::of(batch, c!("current_premium"))?,
        })
    }
}

/// The error of a text column that is not text, at the point of a row where its cell is read.
fn is_text(col: &Text<'_>, name: &'static str) -> Result<(), CellError> {
    match col {
        Text::Other => Err((name, "expected a text column".into())),
        _ => Ok(()),
    }
}

/// Rows per part handed to the joining thread, and per batch decoded: small parts and batches
/// are buffers that stay in cache and are reused rather than faulted in afresh.
pub(super) const PART_ROWS: usize = 8_192;

/// Builds a book from a file's record batches, in file order.
#[derive(Debug)]
pub(super) struct Converter<'h> {
    /// The rows, without their ids, which the joining thread adds.
    pub builder: BookBuilder,
    pub rejected: Vec<BadRow>,
    /// The rows of the batch taken into the book since the last part, their ids yet to add.
    accepted: Vec<u32>,
    /// The data row number of the last row taken.
    row: u64,
    tables: Tables,
    preparer: Preparer,
    prepared: Prepared,
    header: &'h [String],
}

impl<'h> Converter<'h> {
    pub fn new(header: &'h [String]) -> Self {
        Self {
            builder: BookBuilder::new(),
            rejected: Vec::new(),
            accepted: Vec::new(),
            row: 0,
            tables: Tables::default(),
            preparer: Preparer::default(),
            prepared: Prepared::default(),
            header,
        }
    }

    /// Add a batch's rows, made ready by [`Preparer::prepare`], the first of which is data row
    /// `first_row + 1`. `Ok(false)`: `stop_after` bad rows have been found; read no further.
    ///
    /// Every [`PART_ROWS`] rows and at the end, `part` is called to hand over what has been
    /// built ([`BookBuilder::take_part`], [`Self::accepted`], [`Self::rejected`]); `false` from
    /// it stops the batch.
    pub fn batch(
        &mut self,
        batch: &RecordBatch,
        first_row: u64,
        stop_after: Option<usize>,
        part: &mut dyn FnMut(&mut Self) -> bool,
    ) -> Result<bool, String> {
        // Taken out for the batch, so that rows can be built while it is read.
        let mut p = std::mem::take(&mut self.prepared);
        let result = self.prepare_and_build(batch, &mut p, first_row, stop_after, part);
        self.prepared = p;
        result
    }

    fn prepare_and_build(
        &mut self,
        batch: &RecordBatch,
        p: &mut Prepared,
        first_row: u64,
        stop_after: Option<usize>,
        part: &mut dyn FnMut(&mut Self) -> bool,
    ) -> Result<bool, String> {
        self.preparer.prepare(batch, p)?;
        self.row = first_row;
        self.accepted.clear();
        let cols = Columns::of(batch)?;
        let n = batch.num_rows();
        let texts = self.tables.start(&cols, &mut p.ids);
        for i in 0..n {
            if i > 0 && i % PART_ROWS == 0 && !self.hand_over(&cols, part) {
                return Ok(false);
            }
            self.row += 1;
            let result = if p.bad.get(i).copied().unwrap_or(true) {
                self.row_cell_by_cell(&cols, &texts, i)
            } else {
                self.row_prepared(&cols, &texts, p, i)
            };
            if result.is_ok() {
                self.accepted.push(u32::try_from(i).unwrap_or(u32::MAX));
            }
            if let Err((column, message)) = result {
                let cells = self
                    .header
                    .iter()
                    .map(|h| batch.column_by_name(h).map_or(String::new(), |a| display(a.as_ref(), i)))
                    .collect();
                self.rejected.push(BadRow { row: self.row, column: column.to_string(), message, cells });
                if stop_after.is_some_and(|n| self.rejected.len() >= n) {
                    self.hand_over(&cols, part);
                    return Ok(false);
                }
            }
        }
        Ok(self.hand_over(&cols, part))
    }

    /// Add the ids of the rows taken since the last part, then hand the part over.
    fn hand_over(&mut self, cols: &Columns<'_>, part: &mut dyn FnMut(&mut Self) -> bool) -> bool {
        let (policy, provider) = self.builder.ids_mut();
        push_texts(&cols.policy_id, &self.accepted, policy);
        push_texts(&cols.provider_id, &self.accepted, provider);
        self.accepted.clear();
        part(self)
    }

    /// Row `i`, every cell of which reads: the steps of [`Self::finish`], the checks decided on
    /// the cells' facts ([`typed_checks_pass`] and the text cells' entries) and the row added by
    /// [`BookBuilder::push_row`] from the prepared cells; a row that fails a check takes the
    /// steps in full.
    fn row_prepared(&mut self, b: &Columns<'_>, x: &BatchTexts<'_>, p: &Prepared, i: usize) -> Result<(), CellError> {
        let t = &mut self.tables;
        let carrier = t.carrier.at(&x.carrier, i, Named::new);
        let state = t.state.at(&x.state, i, Named::new);
        let role = t.role.at(&x.role, i, Named::new);
        let specialty = t.specialty.at(&x.specialty, i, Named::new);
        let county = t.county.at(&x.county, i, Named::new);
        let limits = t.limits.at(&x.limits, i, Parsed::new);
        let (policy_id, provider_id) = (b.policy_id.str(i), b.provider_id.str(i));
        let texts_pass = !(policy_id.is_empty()
            || provider_id.is_empty()
            || carrier.empty
            || state.empty
            || role.empty
            || county.empty
            || limits.empty)
            && role.physician != specialty.empty;
        // The typed cells with their defaults, as the steps in full read them.
        let input = typed_prepared(p, i);
        let typed_pass = typed_checks_pass(
            input.effective,
            input.transaction,
            input.form,
            input.hours_per_week,
            input.current_premium,
            input.retro_date,
        );
        let (true, true, Some(effective), Some(transaction), Some(form)) =
            (texts_pass, typed_pass, input.effective, input.transaction, input.form)
        else {
            // The steps in full say which check fails first.
            return self.finish(x, i, &input_prepared(b, p, i));
        };
        self.add_checked(x, i, &input, (effective, transaction, form), (b.claims.str(i), b.disciplinary.str(i)))
    }

    /// Row `i`, some cell of which does not read: its cells read one by one in the order of
    /// [`RowInput`]'s fields (after the keyword and decimal columns), as they always have been,
    /// so the error is the first in that order.
    fn row_cell_by_cell(&mut self, b: &Columns<'_>, x: &BatchTexts<'_>, i: usize) -> Result<(), CellError> {
        is_text(&b.transaction, "transaction")?;
        let transaction = kw(&transaction(b.transaction.str(i)), "transaction")?;
        is_text(&b.form, "form")?;
        let form = kw(&form(b.form.str(i)), "form")?;
        is_text(&b.surgery, "surgery")?;
        let surgery = kw(&surgery(b.surgery.str(i)), "surgery")?;
        is_text(&b.resident, "resident")?;
        let resident = kw(&resident(b.resident.str(i)), "resident")?;
        let hours_per_week = b.hours_per_week.get("hours_per_week", i)?;
        let current_premium = b.current_premium.get("current_premium", i)?;
        let policy_id = b.policy_id.text("policy_id", i)?;
        let provider_id = b.provider_id.text("provider_id", i)?;
        is_text(&b.carrier, "carrier")?;
        is_text(&b.state, "state")?;
        let effective = b.effective.get("effective_date", i)?;
        is_text(&b.role, "role")?;
        is_text(&b.specialty, "specialty_code")?;
        let shared_limits = b.shared_limits.get("shared_limits", i)?;
        is_text(&b.county, "county")?;
        let retro_date = b.retro_date.get("retro_date", i)?;
        is_text(&b.limits, "limits")?;
        is_text(&b.deductible, "deductible")?;
        let years_since_training = b.years_since_training.get("years_since_training", i)?;
        let board_certified = b.board_certified.get("board_certified", i)?.unwrap_or(false);
        let society_member = b.society_member.get("society_member", i)?.unwrap_or(false);
        let teaching = b.teaching.get("teaching", i)?.unwrap_or(false);
        let risk_management_course = b.risk_management.get("risk_management_date", i)?;
        let years_insured = b.years_insured.get("years_insured", i)?.unwrap_or(0);
        let locum_days = b.locum_days.get("locum_days", i)?.unwrap_or(0);
        let leave_months = b.leave_months.get("leave_months", i)?.unwrap_or(0);
        let claims = b.claims.text("claims", i)?;
        let disciplinary = b.disciplinary.text("disciplinary", i)?;
        is_text(&b.schedule, "schedule")?;
        let input = RowInput {
            policy_id,
            provider_id,
            effective,
            transaction,
            surgery,
            shared_limits,
            form,
            retro_date,
            hours_per_week,
            years_since_training,
            board_certified,
            society_member,
            teaching,
            resident,
            risk_management_course,
            years_insured,
            locum_days,
            leave_months,
            claims,
            disciplinary,
            current_premium,
            ..RowInput::default()
        };
        self.finish(x, i, &input)
    }

    /// The steps of [`BookBuilder::push`] for row `i`, its text columns through the tables.
    fn finish(&mut self, x: &BatchTexts<'_>, i: usize, input: &RowInput<'_>) -> Result<(), CellError> {
        let t = &mut self.tables;
        let carrier = t.carrier.at(&x.carrier, i, Named::new);
        let state = t.state.at(&x.state, i, Named::new);
        let role = t.role.at(&x.role, i, Named::new);
        let specialty = t.specialty.at(&x.specialty, i, Named::new);
        let county = t.county.at(&x.county, i, Named::new);
        let limits = t.limits.at(&x.limits, i, Parsed::new);
        let facts = TextFacts {
            empty: [
                input.policy_id.is_empty(),
                input.provider_id.is_empty(),
                carrier.empty,
                state.empty,
                role.empty,
                county.empty,
                limits.empty,
            ],
            role: &role.text,
            physician: role.physician,
            specialty_empty: specialty.empty,
        };
        let checked = check(&facts, input)?;
        self.add_checked(x, i, input, checked, (input.claims, input.disciplinary))
    }

    /// The rest of [`BookBuilder::push`] for row `i`, whose cells passed the checks: the
    /// parsed columns and the lists, which may still fail, then every text column's symbol (in
    /// the order the builder takes them, which fixes the dictionaries' order) and the row.
    fn add_checked(
        &mut self,
        x: &BatchTexts<'_>,
        i: usize,
        input: &RowInput<'_>,
        checked: (Date, Transaction, PolicyForm),
        (claims, disciplinary): (&str, &str),
    ) -> Result<(), CellError> {
        let (t, bk) = (&mut self.tables, &mut self.builder);
        let (id, limits) = t.limits.at_id(&x.limits, i, Parsed::new);
        let limits = parsed(limits.sym(|| x.limits.text(id), |s| bk.limits(s)), "limits")?;
        let (id, deductible) = t.deductible.at_id(&x.deductible, i, Parsed::new);
        let deductible = parsed(deductible.sym(|| x.deductible.text(id), |s| bk.deductible(s)), "deductible")?;
        let (id, schedule) = t.schedule.at_id(&x.schedule, i, Parsed::new);
        let schedule = parsed(schedule.sym(|| x.schedule.text(id), |s| bk.schedule_for_part(s)), "schedule")?;
        let lists = bk.lists(claims, disciplinary)?;
        let syms = Syms {
            carrier: t.carrier.at(&x.carrier, i, Named::new).sym(|s| bk.carrier(s)),
            state: t.state.at(&x.state, i, Named::new).sym(|s| bk.state(s)),
            role: t.role.at(&x.role, i, Named::new).sym(|s| bk.role(s)),
            specialty: t.specialty.at(&x.specialty, i, Named::new).sym(|s| bk.specialty(s)),
            county: t.county.at(&x.county, i, Named::new).sym(|s| bk.county(s)),
            limits,
            deductible,
            schedule,
        };
        bk.push_row(self.row, input, checked, syms, lists);
        Ok(())
    }
}

/// Add the trimmed texts of cells `rows` (in order) of a text column. Plain strings that need no
/// trimming, in runs of consecutive rows, are copied a run at a time.
fn push_texts(col: &Text<'_>, rows: &[u32], out: &mut TextColumn) {
    let Text::Plain(a) = col else {
        rows.iter().for_each(|&i| out.push(col.str(i as usize)));
        return;
    };
    let (offsets, data) = (a.value_offsets(), a.value_data());
    let mut rest = rows;
    while let Some(&first) = rest.first() {
        // The run of consecutive rows from `first`.
        let mut len = 1;
        while rest.get(len).is_some_and(|&r| r == first + len as u32) {
            len += 1;
        }
        let (run, next) = rest.split_at(len);
        rest = next;
        let start = first as usize;
        let copied =
            a.null_count() == 0 && offsets.get(start..=start + len).is_some_and(|ends| copy_run(ends, data, out));
        if !copied {
            run.iter().for_each(|&i| out.push(col.str(i as usize)));
        }
    }
}

/// Copy the strings between consecutive `offsets` of `data` in one go, if none is empty or
/// needs trimming (its first and last bytes printable ASCII); `false` (nothing added) if not.
fn copy_run(offsets: &[i32], data: &[u8], out: &mut TextColumn) -> bool {
    let (Some(&lo), Some(&hi)) = (offsets.first(), offsets.last()) else { return false };
    let printable = |b: Option<&u8>| b.is_some_and(|b| (b'!'..=b'~').contains(b));
    let mut ok = true;
    for w in offsets.windows(2) {
        let (s, e) = (w[0] as usize, w[1] as usize);
        ok &= e > s && printable(data.get(s)) && printable(data.get(e.wrapping_sub(1)));
    }
    let (Ok(start), Ok(end)) = (usize::try_from(lo), usize::try_from(hi)) else { return false };
    match data.get(start..end).map(std::str::from_utf8) {
        Some(Ok(joined)) if ok => {
            let ends = offsets.get(1..).unwrap_or_default();
            out.extend_joined(joined, ends.iter().map(|&o| o.wrapping_sub(lo) as u32));
            true
        }
        _ => false,
    }
}

/// The column types the reader knows; any other is an error for the whole file.
fn supported(batch: &RecordBatch) -> Result<(), String> {
    use arrow_schema::DataType;
    for name in COLUMNS {
        let Some(a) = batch.column_by_name(name) else { continue };
        match a.data_type() {
            DataType::Utf8
            | DataType::Date32
            | DataType::Boolean
            | DataType::Int32
            | DataType::Int64
            | DataType::Decimal128(..) => {}
            DataType::Dictionary(k, v) if **v == DataType::Utf8 => {
                if !matches!(**k, DataType::Int32 | DataType::UInt32) {
                    return Err(format!("column {name}: dictionary keys must be int32 or uint32"));
                }
            }
            other => return Err(format!("column {name}: type {other} is not supported; see docs/book-format.md")),
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use std::sync::Arc;

    use arrow_array::types::Int32Type;
    use arrow_array::{ArrayRef, Date32Array, DictionaryArray, Int32Array, StringArray};
    use arrow_schema::{DataType, Field, Schema};

    use super::*;

    /// A batch of mid-level occurrence rows (no specialty or retroactive date needed) whose
    /// text columns are the given dictionaries and keys.
    fn batch(columns: &[(&str, &[&str], &[i32])]) -> RecordBatch {
        let n = columns[0].2.len();
        let mut fields = vec![
            Field::new("policy_id", DataType::Utf8, false),
            Field::new("provider_id", DataType::Utf8, false),
            Field::new("effective_date", DataType::Date32, false),
        ];
        let ids: Vec<String> = (0..n).map(|i| format!("P{i}")).collect();
        let mut arrays: Vec<ArrayRef> = vec![
            Arc::new(StringArray::from_iter_values(&ids)),
            Arc::new(StringArray::from_iter_values(&ids)),
            Arc::new(Date32Array::from(vec![20_500; n])),
        ];
        let dict = DataType::Dictionary(Box::new(DataType::Int32), Box::new(DataType::Utf8));
        for (name, values, keys) in columns {
            fields.push(Field::new(*name, dict.clone(), true));
            let values = Arc::new(StringArray::from_iter_values(values.iter()));
            let keys = Int32Array::from(keys.to_vec());
            arrays.push(Arc::new(DictionaryArray::<Int32Type>::try_new(keys, values).unwrap()));
        }
        RecordBatch::try_new(Arc::new(Schema::new(fields)), arrays).unwrap()
    }

    fn columns<'a>(limits: (&'a [&'a str], &'a [i32]), carrier: &'a [&'a str], county: &'a [&'a str]) -> RecordBatch {
        let n = limits.1.len();
        let zeros = vec![0; n];
        let firsts: &[i32] = &zeros;
        batch(&[
            ("limits", limits.0, limits.1),
            ("carrier", carrier, firsts),
            ("state", &["PA"], firsts),
            ("transaction", &["renewal", "renew"], firsts),
            ("role", &["NP", "physician"], firsts),
            ("county", county, firsts),
            ("form", &["occurrence", "sometimes"], firsts),
        ])
    }

    fn take(c: &mut Converter<'_>, b: &RecordBatch, stop_after: Option<usize>) -> bool {
        let first = c.builder.rows() as u64 + c.rejected.len() as u64;
        c.batch(b, first, stop_after, &mut |_| true).unwrap()
    }

    fn header(b: &RecordBatch) -> Vec<String> {
        b.schema().fields().iter().map(|f| f.name().clone()).collect()
    }

    /// A value that is bad, or empty where a value is required, rejects the rows that carry it
    /// and no other, whichever batch's dictionary holds it.
    #[test]
    fn only_rows_that_use_a_bad_dictionary_value_are_rejected() {
        let first = columns((&["bogus", "1M/3M"], &[1, 1, 1]), &["keystone-mutual"], &["Allegheny", ""]);
        let second = columns((&["1M/3M", "bogus"], &[0, 1, 0]), &["keystone-mutual"], &["Allegheny"]);
        let h = header(&first);
        let mut c = Converter::new(&h);
        assert!(take(&mut c, &first, None));
        assert!(c.rejected.is_empty(), "{:?}", c.rejected);
        assert!(take(&mut c, &second, None));
        let bad: Vec<String> = c.rejected.iter().map(|b| b.to_string()).collect();
        assert_eq!(bad, ["row 5, column limits: `bogus` is not limits; expected per-claim/aggregate such as 1M/3M"]);
        assert_eq!(c.rejected[0].cells[h.iter().position(|x| x == "limits").unwrap()], "bogus");
        let book = c.builder.finish();
        assert_eq!(book.len(), 5);
        assert_eq!(book.dicts.limits.len(), 1);
        assert_eq!(book.dicts.county.values, ["Allegheny"]);
        assert_eq!(book.rows.iter().map(|r| r.source_row).collect::<Vec<_>>(), [1, 2, 3, 4, 6]);
    }

    #[test]
    fn a_required_value_present_but_empty_in_the_dictionary_is_missing() {
        let b = columns((&["1M/3M"], &[0, 0]), &["keystone-mutual"], &["  "]);
        let h = header(&b);
        let mut c = Converter::new(&h);
        assert!(take(&mut c, &b, None));
        let bad: Vec<String> = c.rejected.iter().map(|b| b.to_string()).collect();
        assert_eq!(
            bad,
            ["row 1, column county: missing; every row needs it", "row 2, column county: missing; every row needs it"]
        );
        assert!(c.builder.finish().dicts.county.is_empty());
    }

    /// Each batch brings its own dictionary, values in its own order: each value is one entry,
    /// in order of first use by a row.
    #[test]
    fn batches_with_different_dictionaries_give_one_entry_per_value() {
        let first = columns((&["2M/4M", "1M/3M"], &[1, 1]), &["keystone-mutual"], &["Allegheny"]);
        let second =
            columns((&["1M/3M", "1000000/3000000", "2M/4M"], &[2, 1, 0]), &["keystone-mutual"], &[" Allegheny"]);
        let h = header(&first);
        let mut c = Converter::new(&h);
        assert!(take(&mut c, &first, None));
        assert!(take(&mut c, &second, None));
        assert!(c.rejected.is_empty(), "{:?}", c.rejected);
        let book = c.builder.finish();
        let limits: Vec<String> = book.dicts.limits.values.iter().map(|l| l.label()).collect();
        assert_eq!(limits, ["1M/3M", "2M/4M"]);
        assert_eq!(book.rows.iter().map(|r| r.limits).collect::<Vec<_>>(), [0, 0, 1, 0, 0]);
        assert_eq!(book.dicts.county.values, ["Allegheny"]);
    }

    /// Rows a batch rejects before reaching a value leave it out of the dictionaries, as reading
    /// the same cells row by row does.
    #[test]
    fn a_rejected_row_adds_no_carrier_to_the_dictionary() {
        let b = batch(&[
            ("limits", &["1M/3M", "bogus"], &[1, 0]),
            ("carrier", &["first", "second"], &[0, 1]),
            ("state", &["PA"], &[0, 0]),
            ("transaction", &["renewal"], &[0, 0]),
            ("role", &["NP"], &[0, 0]),
            ("county", &["Allegheny"], &[0, 0]),
            ("form", &["occurrence"], &[0, 0]),
        ]);
        let h = header(&b);
        let mut c = Converter::new(&h);
        assert!(take(&mut c, &b, Some(20)));
        assert_eq!(c.rejected.len(), 1);
        assert_eq!(c.builder.finish().dicts.carrier.values, ["second"]);
    }
}
