//! Turning cells into book rows: one parser per column kind, shared by the CSV and Parquet
//! readers and the generator, with each distinct text parsed once.

use rustc_hash::FxHashMap as HashMap;

use jiff::civil::Date;
use medmal_core::book::{Book, BookDicts, BookRow, Dict, ScheduleSelections, Span, Sym, TextColumn};
use medmal_core::limits::{parse_amount, parse_limits};
use medmal_core::manual::{
    Deductible, DeductibleBasis, DeductibleKind, DisciplinaryAction, Limits, PolicyForm, SurgeryLevel,
};
use medmal_core::practice::{Claim, DisciplinaryEvent, ResidentStatus, Transaction};
use rust_decimal::Decimal;

/// A row that cannot be read: its data row number (1-based, header not counted), the column
/// and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BadRow {
    pub row: u64,
    pub column: String,
    pub message: String,
    /// The row's cells as read, in file column order, so a rejects file keeps the row.
    pub cells: Vec<String>,
}

impl std::fmt::Display for BadRow {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "row {}, column {}: {}", self.row, self.column, self.message)
    }
}

/// Every column of the book format, in the order the writers use.
pub const COLUMNS: [&str; 29] = [
    "policy_id",
    "provider_id",
    "carrier",
    "state",
    "effective_date",
    "transaction",
    "role",
    "specialty_code",
    "surgery",
    "shared_limits",
    "county",
    "form",
    "retro_date",
    "limits",
    "deductible",
    "hours_per_week",
    "years_since_training",
    "board_certified",
    "society_member",
    "teaching",
    "resident",
    "risk_management_date",
    "years_insured",
    "locum_days",
    "leave_months",
    "claims",
    "disciplinary",
    "schedule",
    "current_premium",
];

const fn same(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.len() != b.len() {
        return false;
    }
    let mut i = 0;
    while i < a.len() {
        if a[i] != b[i] {
            return false;
        }
        i += 1;
    }
    true
}

/// The position of a column in [`COLUMNS`], found at compile time (`col("limits")`); a name
/// that is not a column does not compile.
pub const fn col(name: &str) -> usize {
    let mut i = 0;
    while i < COLUMNS.len() {
        if same(COLUMNS[i], name) {
            return i;
        }
        i += 1;
    }
    panic!("not a book column")
}

/// A column's position in [`COLUMNS`] as a constant: `c!("limits")`.
macro_rules! c {
    ($name:literal) => {
        const { $crate::build::col($name) }
    };
}
pub(crate) use c;

/// The columns a book must have.
pub const REQUIRED: [&str; 10] = [
    "policy_id",
    "provider_id",
    "carrier",
    "state",
    "effective_date",
    "transaction",
    "role",
    "county",
    "form",
    "limits",
];

/// One row's values, typed, before they join the book.
#[derive(Debug, Clone, Default)]
pub struct RowInput<'a> {
    pub policy_id: &'a str,
    pub provider_id: &'a str,
    pub carrier: &'a str,
    pub state: &'a str,
    pub effective: Option<Date>,
    pub transaction: Option<Transaction>,
    pub role: &'a str,
    pub specialty: &'a str,
    pub surgery: Option<SurgeryLevel>,
    pub shared_limits: Option<bool>,
    pub county: &'a str,
    pub form: Option<PolicyForm>,
    pub retro_date: Option<Date>,
    pub limits: &'a str,
    pub deductible: &'a str,
    pub hours_per_week: Option<Decimal>,
    pub years_since_training: Option<u32>,
    pub board_certified: bool,
    pub society_member: bool,
    pub teaching: bool,
    pub resident: Option<ResidentStatus>,
    pub risk_management_course: Option<Date>,
    pub years_insured: u32,
    pub locum_days: u32,
    pub leave_months: u32,
    pub claims: &'a str,
    pub disciplinary: &'a str,
    pub schedule: &'a str,
    pub current_premium: Option<Decimal>,
}

#[derive(Debug, Default)]
struct Interner {
    index: HashMap<String, Sym>,
}

impl Interner {
    fn sym(&mut self, dict: &mut Dict<String>, s: &str) -> Sym {
        if let Some(&x) = self.index.get(s) {
            return x;
        }
        let x = Sym::try_from(dict.values.len()).unwrap_or(Sym::MAX);
        dict.values.push(s.to_string());
        self.index.insert(s.to_string(), x);
        x
    }
}

/// Parsed-once columns: text → result, and each value once however it is spelt (`1M/3M`,
/// `1000000/3000000`), so the report never splits one value in two. A value is known by a key
/// `K` that two spellings of it share.
#[derive(Debug)]
struct Parsed<K> {
    index: HashMap<String, Result<Sym, String>>,
    /// Each value's key → its symbol.
    values: HashMap<K, Sym>,
}

impl<K> Default for Parsed<K> {
    fn default() -> Self {
        Self { index: HashMap::default(), values: HashMap::default() }
    }
}

impl<K: std::hash::Hash + Eq> Parsed<K> {
    fn sym<T>(
        &mut self,
        dict: &mut Dict<T>,
        s: &str,
        parse: impl FnOnce(&str) -> Result<T, String>,
        key: impl Fn(&T) -> K,
    ) -> Result<Sym, String> {
        if let Some(x) = self.index.get(s) {
            return x.clone();
        }
        let r = parse(s).map(|v| self.value(dict, v, &key));
        self.index.insert(s.to_string(), r.clone());
        r
    }

    /// As [`Self::sym`], each distinct text its own value: two spellings of one value are two
    /// entries, for a builder whose values are deduplicated when its parts are joined
    /// ([`BookBuilder::join`]), which spares it working out and looking up keys.
    fn sym_by_text<T>(
        &mut self,
        dict: &mut Dict<T>,
        s: &str,
        parse: impl FnOnce(&str) -> Result<T, String>,
    ) -> Result<Sym, String> {
        if let Some(x) = self.index.get(s) {
            return x.clone();
        }
        let r = parse(s).map(|v| {
            dict.values.push(v);
            Sym::try_from(dict.values.len() - 1).unwrap_or(Sym::MAX)
        });
        self.index.insert(s.to_string(), r.clone());
        r
    }

    /// The symbol of a parsed value, entering it when new.
    fn value<T>(&mut self, dict: &mut Dict<T>, v: T, key: &impl Fn(&T) -> K) -> Sym {
        *self.values.entry(key(&v)).or_insert_with(|| {
            dict.values.push(v);
            Sym::try_from(dict.values.len() - 1).unwrap_or(Sym::MAX)
        })
    }
}

fn limits_key(l: &Limits) -> String {
    l.label()
}

/// The text columns every row needs, in the order their absence is reported.
pub(crate) const REQUIRED_TEXT: [&str; 7] =
    ["policy_id", "provider_id", "carrier", "state", "role", "county", "limits"];

/// What the row checks need to know of a row's text cells. A reader that resolves each distinct
/// value once decides these once per value; [`BookBuilder::push`] decides them per cell.
#[derive(Debug, Clone, Copy)]
pub(crate) struct TextFacts<'a> {
    /// Whether each of [`REQUIRED_TEXT`] is empty, in that order.
    pub empty: [bool; 7],
    /// The role as written, for the message when a mid-level row has a specialty.
    pub role: &'a str,
    pub physician: bool,
    pub specialty_empty: bool,
}

/// Hours in a week.
const MAX_HOURS: Decimal = Decimal::from_parts(168, 0, 0, false, 0);

/// The checks of a row, in the order every reader reports them (a row's error is the first that
/// fails). `r`'s text cells are not looked at: `t` stands for them.
pub(crate) fn check(
    t: &TextFacts<'_>,
    r: &RowInput<'_>,
) -> Result<(Date, Transaction, PolicyForm), (&'static str, String)> {
    if let Some(i) = t.empty.iter().position(|e| *e) {
        return Err((REQUIRED_TEXT[i], "missing; every row needs it".into()));
    }
    let effective = r.effective.ok_or_else(|| ("effective_date", "missing; every row needs it".into()))?;
    let transaction = r.transaction.ok_or_else(|| ("transaction", "missing; expected new or renewal".into()))?;
    let form = r.form.ok_or_else(|| ("form", "missing; expected claims_made or occurrence".into()))?;
    if let Some(h) = r.hours_per_week
        && (h.is_sign_negative() || h.is_zero() || h > MAX_HOURS)
    {
        return Err(("hours_per_week", format!("{h} hours a week; expected more than 0 and at most 168")));
    }
    if r.current_premium.is_some_and(|c| c.is_sign_negative() && !c.is_zero()) {
        return Err(("current_premium", "a premium is never negative".into()));
    }
    if t.physician && t.specialty_empty {
        return Err(("specialty_code", "missing; a physician row needs its specialty code".into()));
    }
    if !t.physician && !t.specialty_empty {
        return Err(("specialty_code", format!("a {} row has no specialty code; leave it empty", t.role)));
    }
    match (form, r.retro_date) {
        (PolicyForm::ClaimsMade, None) => {
            Err(("retro_date", "missing; a claims-made row needs its retroactive date".into()))
        }
        (PolicyForm::ClaimsMade, Some(retro)) if retro > effective => {
            Err(("retro_date", format!("{retro} is after the effective date {effective}")))
        }
        (PolicyForm::Occurrence, Some(_)) => {
            Err(("retro_date", "an occurrence row has no retroactive date; leave it empty".into()))
        }
        _ => Ok((effective, transaction, form)),
    }
}

/// Whether the checks on a row's typed cells all pass ([`check`] fails on none of them): its
/// effective date, transaction and form present, hours and current premium in range, and the
/// retroactive date as its form wants it.
pub(crate) fn typed_checks_pass(
    effective: Option<Date>,
    transaction: Option<Transaction>,
    form: Option<PolicyForm>,
    hours_per_week: Option<Decimal>,
    current_premium: Option<Decimal>,
    retro_date: Option<Date>,
) -> bool {
    let (Some(effective), Some(_), Some(form)) = (effective, transaction, form) else { return false };
    let hours = hours_per_week.is_none_or(|h| !(h.is_sign_negative() || h.is_zero() || h > MAX_HOURS));
    let premium = !current_premium.is_some_and(|c| c.is_sign_negative() && !c.is_zero());
    let retro = match (form, retro_date) {
        (PolicyForm::ClaimsMade, Some(retro)) => retro <= effective,
        (PolicyForm::Occurrence, None) => true,
        _ => false,
    };
    hours && premium && retro
}

/// The symbols of a row's text columns.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Syms {
    pub carrier: Sym,
    pub state: Sym,
    pub role: Sym,
    pub specialty: Sym,
    pub county: Sym,
    pub limits: Sym,
    pub deductible: Sym,
    pub schedule: Sym,
}

/// Builds a [`Book`] row by row.
///
/// A row joins in steps, and a reader that resolves text once per distinct value takes the
/// same steps in the same order as [`BookBuilder::push`], so that the dictionaries come out the
/// same: [`check`]; the limits, deductible and schedule values ([`BookBuilder::limits`], …,
/// which enter their dictionaries even when the row fails later); the claims and disciplinary
/// lists ([`BookBuilder::lists`]); the carrier, state, role, specialty and county values, only
/// for a row that is in ([`BookBuilder::carrier`], …); [`BookBuilder::push_row`] and [`BookBuilder::push_ids`].
#[derive(Debug, Default)]
pub struct BookBuilder {
    book: Book,
    carrier: Interner,
    state: Interner,
    role: Interner,
    specialty: Interner,
    county: Interner,
    limits: Parsed<String>,
    deductible: Parsed<String>,
    schedule: Parsed<String>,
    /// How many values of each dictionary earlier parts have carried.
    taken: [usize; 8],
    /// The rows the book is expected to hold ([`Self::reserve`]), to size the id columns once
    /// the first part shows how long ids are.
    expected_rows: usize,
}

/// The rows a builder took since its last part, with the dictionary values they brought: a
/// stretch of a book read on another thread, to be joined in file order
/// ([`BookBuilder::join`]). Its rows' symbols are the reading builder's; their claims and
/// disciplinary spans count from the part's own lists.
#[derive(Debug, Default)]
pub(crate) struct Part {
    rows: Vec<BookRow>,
    policy_ids: TextColumn,
    provider_ids: TextColumn,
    claims: Vec<Claim>,
    disciplinary: Vec<DisciplinaryEvent>,
    /// Dictionary values new since the last part, in order: their symbols follow on from those
    /// of the values earlier parts carried.
    new: BookDicts,
}

/// A reading builder's symbols → the joined book's, one list per dictionary, grown part by part.
#[derive(Debug, Default)]
pub(crate) struct SymMap {
    carrier: Vec<Sym>,
    state: Vec<Sym>,
    role: Vec<Sym>,
    specialty: Vec<Sym>,
    county: Vec<Sym>,
    limits: Vec<Sym>,
    deductible: Vec<Sym>,
    schedule: Vec<Sym>,
}

/// The values of `dict` from `*taken` on, and `*taken` moved past them.
fn new_values<T: Clone>(dict: &Dict<T>, taken: &mut usize) -> Dict<T> {
    let values = dict.values.get(*taken..).unwrap_or_default().to_vec();
    *taken = dict.values.len();
    Dict { values }
}

impl Part {
    /// An empty part with room for `rows` rows, so that filling it does not grow it step by step.
    pub(crate) fn with_capacity(rows: usize) -> Self {
        Self { rows: Vec::with_capacity(rows), ..Self::default() }
    }
}

impl BookBuilder {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn rows(&self) -> usize {
        self.book.rows.len()
    }

    /// Make room for `rows` more rows.
    pub fn reserve(&mut self, rows: usize) {
        self.book.rows.reserve(rows);
        self.expected_rows = self.expected_rows.max(self.book.rows.len() + rows);
    }

    pub fn finish(self) -> Book {
        self.book
    }

    /// Hand over the rows since the last part (or the start), and carry on with `spare`'s
    /// emptied buffers, so that reading on does not fault in fresh memory.
    pub(crate) fn take_part(&mut self, mut spare: Part) -> Part {
        let b = &mut self.book;
        let d = &b.dicts;
        let [carrier, state, role, specialty, county, limits, deductible, schedule] = &mut self.taken;
        let new = BookDicts {
            carrier: new_values(&d.carrier, carrier),
            state: new_values(&d.state, state),
            role: new_values(&d.role, role),
            specialty: new_values(&d.specialty, specialty),
            county: new_values(&d.county, county),
            limits: new_values(&d.limits, limits),
            deductible: new_values(&d.deductible, deductible),
            schedule: new_values(&d.schedule, schedule),
        };
        spare.rows.clear();
        spare.policy_ids.clear();
        spare.provider_ids.clear();
        spare.claims.clear();
        spare.disciplinary.clear();
        Part {
            rows: std::mem::replace(&mut b.rows, spare.rows),
            policy_ids: std::mem::replace(&mut b.policy_ids, spare.policy_ids),
            provider_ids: std::mem::replace(&mut b.provider_ids, spare.provider_ids),
            claims: std::mem::replace(&mut b.claims, spare.claims),
            disciplinary: std::mem::replace(&mut b.disciplinary, spare.disciplinary),
            new,
        }
    }

    /// Add a part read by another builder after this book's rows, its symbols mapped through
    /// `map` (that builder's, grown here by the part's new values) and its spans moved past
    /// this book's lists. The part is left to be emptied and reused ([`Self::take_part`]).
    ///
    /// Parts joined in file order give the book reading the file row by row gives: a value's
    /// first appearance in the file is its first appearance in the first part that has it,
    /// and within a part the reading builder entered values in row order.
    pub(crate) fn join(&mut self, part: &mut Part, map: &mut SymMap) {
        let new = std::mem::take(&mut part.new);
        map.carrier.extend(new.carrier.values.iter().map(|v| self.carrier(v)));
        map.state.extend(new.state.values.iter().map(|v| self.state(v)));
        map.role.extend(new.role.values.iter().map(|v| self.role(v)));
        map.specialty.extend(new.specialty.values.iter().map(|v| self.specialty(v)));
        map.county.extend(new.county.values.iter().map(|v| self.county(v)));
        let d = &mut self.book.dicts;
        for v in new.limits.values {
            map.limits.push(self.limits.value(&mut d.limits, v, &limits_key));
        }
        for v in new.deductible.values {
            map.deductible.push(self.deductible.value(&mut d.deductible, v, &deductible_text));
        }
        for v in new.schedule.values {
            map.schedule.push(self.schedule.value(&mut d.schedule, v, &schedule_key));
        }
        let b = &mut self.book;
        if b.policy_ids.is_empty() && !part.rows.is_empty() {
            // Size the id columns for the whole book from this part's ids, with some room.
            let rows = self.expected_rows.max(part.rows.len());
            let per_row = |t: &TextColumn| t.total_bytes().div_ceil(part.rows.len());
            for (ids, per_row) in
                [(&mut b.policy_ids, per_row(&part.policy_ids)), (&mut b.provider_ids, per_row(&part.provider_ids))]
            {
                ids.reserve(rows, rows.saturating_mul(per_row).saturating_add(rows / 16));
            }
        }
        b.policy_ids.append(&part.policy_ids);
        b.provider_ids.append(&part.provider_ids);
        let claims_shift = u32::try_from(b.claims.len()).unwrap_or(u32::MAX);
        let disc_shift = u32::try_from(b.disciplinary.len()).unwrap_or(u32::MAX);
        b.claims.append(&mut part.claims);
        b.disciplinary.append(&mut part.disciplinary);
        let at = |v: &[Sym], s: Sym| v.get(s as usize).copied().unwrap_or(Sym::MAX);
        // Mapped in place, then moved in one copy.
        for r in &mut part.rows {
            r.carrier = at(&map.carrier, r.carrier);
            r.state = at(&map.state, r.state);
            r.role = at(&map.role, r.role);
            r.specialty = at(&map.specialty, r.specialty);
            r.county = at(&map.county, r.county);
            r.limits = at(&map.limits, r.limits);
            r.deductible = at(&map.deductible, r.deductible);
            r.schedule = at(&map.schedule, r.schedule);
            r.claims.start = r.claims.start.saturating_add(claims_shift);
            r.disciplinary.start = r.disciplinary.start.saturating_add(disc_shift);
        }
        b.rows.append(&mut part.rows);
    }

    pub(crate) fn carrier(&mut self, s: &str) -> Sym {
        self.carrier.sym(&mut self.book.dicts.carrier, s)
    }

    pub(crate) fn state(&mut self, s: &str) -> Sym {
        self.state.sym(&mut self.book.dicts.state, s)
    }

    pub(crate) fn role(&mut self, s: &str) -> Sym {
        self.role.sym(&mut self.book.dicts.role, s)
    }

    pub(crate) fn specialty(&mut self, s: &str) -> Sym {
        self.specialty.sym(&mut self.book.dicts.specialty, s)
    }

    pub(crate) fn county(&mut self, s: &str) -> Sym {
        self.county.sym(&mut self.book.dicts.county, s)
    }

    pub(crate) fn limits(&mut self, s: &str) -> Result<Sym, String> {
        self.limits.sym(&mut self.book.dicts.limits, s, parse_book_limits, limits_key)
    }

    pub(crate) fn deductible(&mut self, s: &str) -> Result<Sym, String> {
        self.deductible.sym(&mut self.book.dicts.deductible, s, parse_deductible, deductible_text)
    }

    pub(crate) fn schedule(&mut self, s: &str) -> Result<Sym, String> {
        self.schedule.sym(&mut self.book.dicts.schedule, s, parse_schedule, schedule_key)
    }

    /// A schedule's symbol in a builder whose parts are joined into a book: one entry per
    /// distinct text, however many spell the same selections (the join makes them one).
    pub(crate) fn schedule_for_part(&mut self, s: &str) -> Result<Sym, String> {
        self.schedule.sym_by_text(&mut self.book.dicts.schedule, s, parse_schedule)
    }

    /// Parse a row's claims and disciplinary actions into the book's shared lists; on error the
    /// lists are left as they were.
    pub(crate) fn lists(&mut self, claims: &str, disciplinary: &str) -> Result<(Span, Span), (&'static str, String)> {
        let b = &mut self.book;
        let claims_start = b.claims.len();
        let disc_start = b.disciplinary.len();
        let span = |start: usize, end: usize| Span {
            start: u32::try_from(start).unwrap_or(u32::MAX),
            len: u32::try_from(end - start).unwrap_or(0),
        };
        if claims.is_empty() && disciplinary.is_empty() {
            return Ok((span(claims_start, claims_start), span(disc_start, disc_start)));
        }
        // Most rows have neither; skip the parsers' setup for them.
        if !claims.is_empty()
            && let Err(m) = parse_claims(claims, &mut b.claims)
        {
            b.claims.truncate(claims_start);
            return Err(("claims", m));
        }
        if !disciplinary.is_empty()
            && let Err(m) = parse_disciplinary(disciplinary, &mut b.disciplinary)
        {
            b.claims.truncate(claims_start);
            b.disciplinary.truncate(disc_start);
            return Err(("disciplinary", m));
        }
        Ok((span(claims_start, b.claims.len()), span(disc_start, b.disciplinary.len())))
    }

    /// Add a row that passed [`check`], with its symbols and lists (its ids: [`Self::push_ids`]).
    pub(crate) fn push_row(
        &mut self,
        row: u64,
        r: &RowInput<'_>,
        (effective, transaction, form): (Date, Transaction, PolicyForm),
        syms: Syms,
        (claims, disciplinary): (Span, Span),
    ) {
        let b = &mut self.book;
        b.rows.push(BookRow {
            source_row: u32::try_from(row).unwrap_or(u32::MAX),
            carrier: syms.carrier,
            state: syms.state,
            effective,
            transaction,
            role: syms.role,
            specialty: syms.specialty,
            surgery: r.surgery.unwrap_or(SurgeryLevel::None),
            shared_limits: r.shared_limits.unwrap_or(true),
            county: syms.county,
            form,
            retro_date: r.retro_date,
            limits: syms.limits,
            deductible: syms.deductible,
            hours_per_week: r.hours_per_week,
            years_since_training: r.years_since_training,
            board_certified: r.board_certified,
            society_member: r.society_member,
            teaching: r.teaching,
            resident: r.resident,
            risk_management_course: r.risk_management_course,
            years_insured: r.years_insured,
            locum_days: r.locum_days,
            leave_months: r.leave_months,
            claims,
            disciplinary,
            schedule: syms.schedule,
            current_premium: r.current_premium,
        });
    }

    /// The policy and provider id columns, for adding the ids of the rows added.
    pub(crate) fn ids_mut(&mut self) -> (&mut TextColumn, &mut TextColumn) {
        (&mut self.book.policy_ids, &mut self.book.provider_ids)
    }

    /// Add the policy and provider ids of the last row added.
    pub(crate) fn push_ids(&mut self, policy_id: &str, provider_id: &str) {
        self.book.policy_ids.push(policy_id);
        self.book.provider_ids.push(provider_id);
    }

    /// Add row number `row`; on error nothing is added.
    pub fn push(&mut self, row: u64, r: &RowInput<'_>) -> Result<(), BadRow> {
        let bad =
            |(column, message): (&str, String)| BadRow { row, column: column.to_string(), message, cells: Vec::new() };
        let empty = |s: &str| s.trim().is_empty();
        let facts = TextFacts {
            empty: [r.policy_id, r.provider_id, r.carrier, r.state, r.role, r.county, r.limits].map(empty),
            role: r.role,
            physician: r.role == medmal_core::book::PHYSICIAN,
            specialty_empty: empty(r.specialty),
        };
        let checked = check(&facts, r).map_err(bad)?;
        let limits = self.limits(r.limits).map_err(|m| bad(("limits", m)))?;
        let deductible = self.deductible(r.deductible).map_err(|m| bad(("deductible", m)))?;
        let schedule = self.schedule(r.schedule).map_err(|m| bad(("schedule", m)))?;
        let lists = self.lists(r.claims, r.disciplinary).map_err(bad)?;
        let syms = Syms {
            carrier: self.carrier(r.carrier),
            state: self.state(r.state),
            role: self.role(r.role),
            specialty: self.specialty(r.specialty),
            county: self.county(r.county),
            limits,
            deductible,
            schedule,
        };
        self.push_row(row, r, checked, syms, lists);
        self.push_ids(r.policy_id, r.provider_id);
        Ok(())
    }
}

fn parse_book_limits(s: &str) -> Result<Limits, String> {
    let l =
        parse_limits(s).ok_or_else(|| format!("`{s}` is not limits; expected per-claim/aggregate such as 1M/3M"))?;
    if l.aggregate < l.per_claim {
        return Err(format!("`{s}`: the aggregate is below the per-claim limit"));
    }
    Ok(l)
}

/// `5000 indemnity per_claim`; empty for none.
pub fn parse_deductible(s: &str) -> Result<Option<Deductible>, String> {
    let s = s.trim();
    if s.is_empty() {
        return Ok(None);
    }
    let expected = "expected `amount type basis` such as `5000 indemnity per_claim` (type indemnity or indemnity_expense, basis per_claim or aggregate)";
    let mut parts = s.split_whitespace();
    let (Some(amount), Some(kind), Some(basis), None) = (parts.next(), parts.next(), parts.next(), parts.next()) else {
        return Err(format!("`{s}`: {expected}"));
    };
    let amount = parse_amount(amount).ok_or_else(|| format!("`{s}`: `{amount}` is not an amount; {expected}"))?;
    let kind = match kind {
        "indemnity" => DeductibleKind::Indemnity,
        "indemnity_expense" => DeductibleKind::IndemnityAndExpense,
        _ => return Err(format!("`{s}`: unknown type `{kind}`; {expected}")),
    };
    let basis = match basis {
        "per_claim" => DeductibleBasis::PerClaim,
        "aggregate" => DeductibleBasis::Aggregate,
        _ => return Err(format!("`{s}`: unknown basis `{basis}`; {expected}")),
    };
    Ok(Some(Deductible { amount, kind, basis }))
}

/// The text form of a deductible (`5000 indemnity per_claim`), as the writers write it.
pub fn deductible_text(d: &Option<Deductible>) -> String {
    d.map_or(String::new(), |d| d.label())
}

/// `item:adjustment;item:adjustment`.
pub fn parse_schedule(s: &str) -> Result<ScheduleSelections, String> {
    let mut out: ScheduleSelections = Vec::new();
    for part in s.split(';').map(trim).filter(|p| !p.is_empty()) {
        let (item, adj) = part
            .split_once(':')
            .ok_or_else(|| format!("`{part}`: expected item:adjustment such as risk_controls:-0.05"))?;
        let adj = parse_decimal(adj.trim())
            .ok_or_else(|| format!("`{part}`: `{adj}` is not a decimal adjustment such as -0.05"))?;
        let item = item.trim();
        if out.iter().any(|(i, _)| i == item) {
            return Err(format!("schedule item `{item}` appears twice"));
        }
        out.push((item.to_string(), adj));
    }
    Ok(out)
}

/// Selections as a key that two spellings of them share: items in order, each adjustment as
/// its normalised mantissa and scale (what `Decimal` equality compares; writing the decimal
/// itself costs several times more, and a book can have tens of thousands of schedules).
fn schedule_key(s: &ScheduleSelections) -> String {
    let mut key = String::with_capacity(s.len() * 24);
    for (item, adj) in s {
        let (mut m, mut scale) = (adj.mantissa(), adj.scale());
        while scale > 0 && m % 10 == 0 {
            m /= 10;
            scale -= 1;
        }
        key.push_str(item);
        key.push(':');
        push_int(&mut key, m);
        key.push('e');
        push_int(&mut key, i128::from(scale));
        key.push(';');
    }
    key
}

/// `n` in decimal digits, without the formatting machinery.
fn push_int(out: &mut String, n: i128) {
    if n < 0 {
        out.push('-');
    }
    let mut n = n.unsigned_abs();
    let mut digits = [0u8; 40];
    let mut at = digits.len();
    loop {
        at -= 1;
        // Narrow to 64 bits when it fits: 128-bit division is a library call per digit.
        let digit = match u64::try_from(n) {
            Ok(small) => {
                n = u128::from(small / 10);
                small % 10
            }
            Err(_) => {
                let d = n % 10;
                n /= 10;
                u64::try_from(d).unwrap_or(0)
            }
        };
        digits[at] = b'0' + u8::try_from(digit).unwrap_or(0);
        if n == 0 || at == 0 {
            break;
        }
    }
    out.extend(digits[at..].iter().map(|&d| char::from(d)));
}

pub fn schedule_text(s: &ScheduleSelections) -> String {
    s.iter().map(|(i, a)| format!("{i}:{}", a.normalize())).collect::<Vec<_>>().join(";")
}

fn parse_claims(s: &str, out: &mut Vec<Claim>) -> Result<(), String> {
    let start = out.len();
    if parse_claims_plain(s, out) {
        return Ok(());
    }
    out.truncate(start);
    parse_claims_general(s, out)
}

fn parse_claims_general(s: &str, out: &mut Vec<Claim>) -> Result<(), String> {
    for part in s.split(';').map(trim).filter(|p| !p.is_empty()) {
        let (date, paid) = part
            .split_once(':')
            .ok_or_else(|| format!("`{part}`: expected report-date:paid such as 2023-04-11:250000"))?;
        let reported =
            parse_date(trim(date)).ok_or_else(|| format!("`{part}`: `{date}` is not a date; expected YYYY-MM-DD"))?;
        let paid = parse_decimal(trim(paid))
            .filter(|p| !p.is_sign_negative() || p.is_zero())
            .ok_or_else(|| format!("`{part}`: `{paid}` is not a paid amount ≥ 0"))?;
        out.push(Claim { reported, paid });
    }
    Ok(())
}

/// Claims exactly as the writers write them (`2023-04-11:250000;2024-01-02:1250.5`: no spaces,
/// no empty items, paid amounts in short decimals), read as [`parse_claims`] reads them without
/// its general machinery; `false` for anything else, with some claims perhaps added.
fn parse_claims_plain(s: &str, out: &mut Vec<Claim>) -> bool {
    for item in s.split(';') {
        let (Some(date), Some(b':'), Some(paid)) = (item.get(..10), item.as_bytes().get(10), item.get(11..)) else {
            return false;
        };
        let paid = parse_short_decimal(paid).filter(|p| !p.is_sign_negative());
        let (Some(reported), Some(paid)) = (parse_date(date), paid) else { return false };
        out.push(Claim { reported, paid });
    }
    true
}

pub fn claims_text(claims: &[Claim]) -> String {
    claims.iter().map(|c| format!("{}:{}", c.reported, c.paid.normalize())).collect::<Vec<_>>().join(";")
}

fn parse_disciplinary(s: &str, out: &mut Vec<DisciplinaryEvent>) -> Result<(), String> {
    for part in s.split(';').map(trim).filter(|p| !p.is_empty()) {
        let (action, date) = part
            .split_once(':')
            .ok_or_else(|| format!("`{part}`: expected action:date such as license_probation:2024-05-01"))?;
        let action = DisciplinaryAction::parse(action.trim()).ok_or_else(|| {
            let all: Vec<&str> = DisciplinaryAction::ALL.iter().map(|a| a.name()).collect();
            format!("`{part}`: unknown action `{action}`; expected one of {}", all.join(", "))
        })?;
        let date =
            parse_date(date.trim()).ok_or_else(|| format!("`{part}`: `{date}` is not a date; expected YYYY-MM-DD"))?;
        out.push(DisciplinaryEvent { action, date });
    }
    Ok(())
}

pub fn disciplinary_text(events: &[DisciplinaryEvent]) -> String {
    events.iter().map(|e| format!("{}:{}", e.action.name(), e.date)).collect::<Vec<_>>().join(";")
}

/// `s.trim()`, without looking at the characters when the ends are plainly not white space
/// (cells are trimmed by the million).
#[inline]
pub(crate) fn trim(s: &str) -> &str {
    match (s.as_bytes().first(), s.as_bytes().last()) {
        (Some(&a), Some(&b)) if (b'!'..=b'~').contains(&a) && (b'!'..=b'~').contains(&b) => s,
        _ => s.trim(),
    }
}

/// A plain decimal: optional sign, digits, optional fraction; no exponent.
pub fn parse_decimal(s: &str) -> Option<Decimal> {
    if let Some(d) = parse_short_decimal(s) {
        return Some(d);
    }
    let body = s.strip_prefix(['-', '+']).unwrap_or(s);
    let ok = !body.is_empty()
        && body.chars().all(|c| c.is_ascii_digit() || c == '.')
        && body.chars().filter(|c| *c == '.').count() <= 1
        && !body.starts_with('.')
        && !body.ends_with('.');
    if !ok {
        return None;
    }
    s.parse::<Decimal>().ok()
}

/// Digits with an optional fraction, at most 18 digits in all (paid amounts, hours, premiums,
/// schedule adjustments), unsigned or a minus sign before a value other than zero: the mantissa
/// and scale read directly, as `Decimal::from_str` reads them, without its general machinery.
/// `None` for anything else.
fn parse_short_decimal(s: &str) -> Option<Decimal> {
    if let Some(magnitude) = s.strip_prefix('-') {
        // A negative zero keeps its sign in `from_str`; leave it to the general reading.
        return parse_short_decimal(magnitude).filter(|d| !d.is_zero() && !d.is_sign_negative()).map(|d| -d);
    }
    let b = s.as_bytes();
    if b.is_empty() || b.len() > 19 {
        return None;
    }
    let mut mantissa: i64 = 0;
    let mut digits = 0usize;
    let mut scale: Option<u32> = None;
    for &c in b {
        match c {
            b'0'..=b'9' => {
                mantissa = mantissa * 10 + i64::from(c - b'0');
                digits += 1;
                if let Some(s) = scale.as_mut() {
                    *s += 1;
                }
            }
            b'.' if scale.is_none() && digits > 0 => scale = Some(0),
            _ => return None,
        }
    }
    match scale {
        Some(0) => None,
        _ if digits > 18 => None,
        scale => Some(Decimal::new(mantissa, scale.unwrap_or(0))),
    }
}

/// `YYYY-MM-DD` exactly.
pub fn parse_date(s: &str) -> Option<Date> {
    let b = s.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let num = |r: std::ops::Range<usize>| -> Option<i32> {
        let mut n = 0i32;
        for &c in b.get(r)? {
            if !c.is_ascii_digit() {
                return None;
            }
            n = n * 10 + i32::from(c - b'0');
        }
        Some(n)
    };
    let (y, m, d) = (num(0..4)?, num(5..7)?, num(8..10)?);
    Date::new(i16::try_from(y).ok()?, i8::try_from(m).ok()?, i8::try_from(d).ok()?).ok()
}

pub fn parse_bool(s: &str) -> Option<bool> {
    match s.trim() {
        "true" | "TRUE" | "True" | "1" | "yes" | "y" => Some(true),
        "false" | "FALSE" | "False" | "0" | "no" | "n" => Some(false),
        _ => None,
    }
}

pub fn parse_transaction(s: &str) -> Option<Transaction> {
    match s.trim() {
        "new" => Some(Transaction::New),
        "renewal" => Some(Transaction::Renewal),
        _ => None,
    }
}

pub fn parse_form(s: &str) -> Option<PolicyForm> {
    match s.trim() {
        "claims_made" => Some(PolicyForm::ClaimsMade),
        "occurrence" => Some(PolicyForm::Occurrence),
        _ => None,
    }
}

pub fn parse_surgery(s: &str) -> Option<SurgeryLevel> {
    match s.trim() {
        "none" => Some(SurgeryLevel::None),
        "minor" => Some(SurgeryLevel::Minor),
        "major" => Some(SurgeryLevel::Major),
        _ => None,
    }
}

pub fn parse_resident(s: &str) -> Option<ResidentStatus> {
    match s.trim() {
        "resident" => Some(ResidentStatus::Resident),
        "moonlighting" => Some(ResidentStatus::Moonlighting),
        _ => None,
    }
}

pub fn transaction_text(t: Transaction) -> &'static str {
    match t {
        Transaction::New => "new",
        Transaction::Renewal => "renewal",
    }
}

pub fn resident_text(r: Option<ResidentStatus>) -> &'static str {
    match r {
        None => "",
        Some(ResidentStatus::Resident) => "resident",
        Some(ResidentStatus::Moonlighting) => "moonlighting",
    }
}

#[cfg(test)]
mod tests {
    use std::str::FromStr;

    use super::*;

    /// The short path reads exactly what the general one reads, scale included.
    #[test]
    fn short_decimals_read_as_decimal_from_str_reads_them() {
        for s in [
            "0",
            "7",
            "007",
            "250000",
            "0.05",
            "1234.50",
            "12.5",
            "168",
            "999999999999999999",
            "99999999999999999.9",
            "0.000000000000000001",
            "1.",
            ".5",
            "1..2",
            "",
            "-5",
            "+5",
            "1e5",
            "12a",
            "1234567890123456789",
            "0.0000000000000000001",
            "-0.05",
            "-0.050",
            "-0",
            "-0.00",
            "--5",
            "-",
            "-.5",
            "-999999999999999999",
            "-1234567890123456789",
        ] {
            let want = parse_decimal_general(s);
            let got = parse_decimal(s);
            assert_eq!(got, want, "{s}");
            assert_eq!(got.map(|d| d.scale()), want.map(|d| d.scale()), "{s}");
            if parse_short_decimal(s).is_some() {
                assert_eq!(
                    parse_short_decimal(s).map(|d| d.to_string()),
                    Decimal::from_str(s).ok().map(|d| d.to_string())
                );
            }
        }
    }

    /// Two selections share a key exactly when they are equal (adjustments compared as
    /// numbers), as their canonical text would say.
    #[test]
    fn schedule_keys_tell_selections_apart_as_their_text_does() {
        let spellings = [
            "risk_controls:-0.05",
            "risk_controls:-0.050",
            " risk_controls : -0.05 ",
            "risk_controls:0.05",
            "risk_controls:-0.5",
            "risk_controls:-5",
            "risk_controls:0",
            "risk_controls:-0.00",
            "risk_controls:0.0",
            "risk_controls:-0.05;patient_volume:0.05",
            "patient_volume:0.05;risk_controls:-0.05",
            "risk_controls:-0.05;patient_volume:0.050",
            "risk_controls:100",
            "risk_controls:10",
            "",
        ];
        for a in spellings {
            for b in spellings {
                let (x, y) = (parse_schedule(a).unwrap_or_default(), parse_schedule(b).unwrap_or_default());
                assert_eq!(schedule_key(&x) == schedule_key(&y), schedule_text(&x) == schedule_text(&y), "{a} / {b}");
            }
        }
    }

    /// Claims as the writers write them read as the general reading reads them; anything else
    /// is left to it.
    #[test]
    fn plain_claims_read_as_the_general_reading_reads_them() {
        for s in [
            "2023-04-11:250000",
            "2023-04-11:250000;2024-01-02:1250.5",
            "2023-04-11:0",
            "2023-04-11:0.00",
            "2023-04-11:-5",
            "2023-04-11:-0",
            "2023-02-30:5",
            "2023-04-11:",
            "2023-04-11:5;",
            ";2023-04-11:5",
            "2023-04-11: 5",
            " 2023-04-11:5",
            "2023-04-11:5;;2023-04-12:6",
            "2023-4-11:5",
            "2023-04-11:1e5",
            "2023-04-11:5:6",
            "2023-04-11x5",
            "20é3-04-11:5",
            "2023-04-11:1234567890123456789",
        ] {
            let (mut fast, mut general) = (Vec::new(), Vec::new());
            let got = parse_claims(s, &mut fast);
            let want = parse_claims_general(s, &mut general);
            assert_eq!(got, want, "{s}");
            if want.is_ok() {
                assert_eq!(fast, general, "{s}");
                let scales = |c: &[Claim]| c.iter().map(|c| c.paid.scale()).collect::<Vec<_>>();
                assert_eq!(scales(&fast), scales(&general), "{s}");
            }
        }
    }

    #[test]
    fn integers_are_written_as_display_writes_them() {
        for n in [0, 1, -1, 9, 10, -10, 1234567890, i128::from(i64::MAX), i128::from(i64::MIN), i128::MAX, i128::MIN] {
            let mut s = String::new();
            push_int(&mut s, n);
            assert_eq!(s, n.to_string());
        }
    }

    fn parse_decimal_general(s: &str) -> Option<Decimal> {
        let body = s.strip_prefix(['-', '+']).unwrap_or(s);
        let ok = !body.is_empty()
            && body.chars().all(|c| c.is_ascii_digit() || c == '.')
            && body.chars().filter(|c| *c == '.').count() <= 1
            && !body.starts_with('.')
            && !body.ends_with('.');
        if !ok {
            return None;
        }
        s.parse::<Decimal>().ok()
    }
}
