//! An in-force book of business: one row per insured provider, as a pricing actuary holds it,
//! and the re-rating of that book under two manual versions.
//!
//! The book is plain data built by the readers at the edge (CSV, Parquet) or by the generator.
//! Text columns with few distinct values (carrier, specialty, county, limits, …) are held once
//! per distinct value in a [`Dict`] and referenced by index, so a manual resolves each value
//! once, not once per row.

mod compile;
mod impact;

use jiff::civil::Date;
use rust_decimal::Decimal;

use crate::manual::{Deductible, DisciplinaryAction, Limits, PolicyForm, SurgeryLevel};
use crate::money::Money;
use crate::practice::{
    Claim, CountyShare, CoverageRequest, DisciplinaryEvent, EntityLimits, Location, Practice, PriorCoverage, Provider,
    ResidentStatus, Role, Transaction, Underwriting,
};

pub use compile::{CompiledManual, RowCache, RowError, RowOutcome, RowRating, RowStatus};
pub use impact::{Band, Group, ImpactOptions, ImpactParts, ImpactReport, Mover, RowResult, impact};

/// Index of a value in a [`Dict`].
pub type Sym = u32;

/// The distinct values of one column, in order of first appearance.
#[derive(Debug, Clone, PartialEq)]
pub struct Dict<T> {
    pub values: Vec<T>,
}

impl<T> Default for Dict<T> {
    fn default() -> Self {
        Self { values: Vec::new() }
    }
}

impl<T> Dict<T> {
    pub fn get(&self, sym: Sym) -> Option<&T> {
        self.values.get(sym as usize)
    }

    pub fn len(&self) -> usize {
        self.values.len()
    }

    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }
}

/// Many short strings in one buffer (policy and provider ids: one per row, rarely repeated).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TextColumn {
    bytes: String,
    ends: Vec<u32>,
}

impl TextColumn {
    pub fn push(&mut self, s: &str) {
        self.bytes.push_str(s);
        self.ends.push(u32::try_from(self.bytes.len()).unwrap_or(u32::MAX));
    }

    /// Add every string of `other` after this column's.
    pub fn append(&mut self, other: &TextColumn) {
        let shift = u32::try_from(self.bytes.len()).unwrap_or(u32::MAX);
        self.bytes.push_str(&other.bytes);
        self.ends.extend(other.ends.iter().map(|e| e.saturating_add(shift)));
    }

    /// Make room for `strings` more strings of `bytes` bytes in all.
    pub fn reserve(&mut self, strings: usize, bytes: usize) {
        self.ends.reserve(strings);
        self.bytes.reserve(bytes);
    }

    /// Remove every string, keeping the memory.
    pub fn clear(&mut self) {
        self.ends.clear();
        self.bytes.clear();
    }

    /// The bytes of all strings, back to back.
    pub fn total_bytes(&self) -> usize {
        self.bytes.len()
    }

    /// Add strings that lie back to back in `joined`, each ending at the next of `ends`
    /// (counted from the start of `joined`, non-decreasing, at most its length).
    pub fn extend_joined(&mut self, joined: &str, ends: impl IntoIterator<Item = u32>) {
        let shift = u32::try_from(self.bytes.len()).unwrap_or(u32::MAX);
        let len = u32::try_from(joined.len()).unwrap_or(u32::MAX);
        self.bytes.push_str(joined);
        self.ends.extend(ends.into_iter().map(|e| shift.saturating_add(e.min(len))));
    }

    pub fn get(&self, i: usize) -> &str {
        let start = if i == 0 { 0 } else { self.ends.get(i - 1).copied().unwrap_or(0) as usize };
        let end = self.ends.get(i).copied().unwrap_or(0) as usize;
        self.bytes.get(start..end).unwrap_or("")
    }

    pub fn len(&self) -> usize {
        self.ends.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }
}

/// A run of entries in one of the book's shared lists (claims, disciplinary actions).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Span {
    pub start: u32,
    pub len: u32,
}

impl Span {
    pub fn range(self) -> std::ops::Range<usize> {
        self.start as usize..self.start as usize + self.len as usize
    }
}

/// Schedule-rating selections of a policy: item id → signed adjustment.
pub type ScheduleSelections = Vec<(String, Decimal)>;

/// The text-valued columns, each as its distinct values.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct BookDicts {
    pub carrier: Dict<String>,
    pub state: Dict<String>,
    /// `physician` or a mid-level type (`NP`, `PA`, `CRNA`, …).
    pub role: Dict<String>,
    /// Specialty codes; the empty string for mid-levels.
    pub specialty: Dict<String>,
    pub county: Dict<String>,
    pub limits: Dict<Limits>,
    /// `None` is "no deductible".
    pub deductible: Dict<Option<Deductible>>,
    pub schedule: Dict<ScheduleSelections>,
}

/// One insured provider of the book. Text columns are indices into [`BookDicts`].
#[derive(Debug, Clone, PartialEq)]
pub struct BookRow {
    /// Data row number in the source file, 1-based, header not counted.
    pub source_row: u32,
    pub carrier: Sym,
    pub state: Sym,
    pub effective: Date,
    pub transaction: Transaction,
    pub role: Sym,
    pub specialty: Sym,
    pub surgery: SurgeryLevel,
    /// Mid-levels only: whether they share the physicians' limits.
    pub shared_limits: bool,
    pub county: Sym,
    pub form: PolicyForm,
    /// Claims-made retroactive date (prior acts included); `None` for occurrence.
    pub retro_date: Option<Date>,
    pub limits: Sym,
    pub deductible: Sym,
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
    pub claims: Span,
    pub disciplinary: Span,
    pub schedule: Sym,
    /// The premium the row carries today, when the book gives it.
    pub current_premium: Option<Money>,
}

/// An in-force book.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Book {
    pub rows: Vec<BookRow>,
    pub policy_ids: TextColumn,
    pub provider_ids: TextColumn,
    pub dicts: BookDicts,
    pub claims: Vec<Claim>,
    pub disciplinary: Vec<DisciplinaryEvent>,
}

/// The role value of a physician row.
pub const PHYSICIAN: &str = "physician";

impl Book {
    pub fn len(&self) -> usize {
        self.rows.len()
    }

    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    pub fn claims_of(&self, row: &BookRow) -> &[Claim] {
        self.claims.get(row.claims.range()).unwrap_or(&[])
    }

    pub fn disciplinary_of(&self, row: &BookRow) -> &[DisciplinaryEvent] {
        self.disciplinary.get(row.disciplinary.range()).unwrap_or(&[])
    }

    fn text(dict: &Dict<String>, sym: Sym) -> &str {
        dict.get(sym).map_or("", String::as_str)
    }

    /// The row as a one-provider practice, so `medmal quote` and the worksheet of a single row
    /// rate exactly what the batch rates.
    pub fn practice_for_row(&self, index: usize) -> Option<Practice> {
        let row = self.rows.get(index)?;
        let d = &self.dicts;
        let role_name = Self::text(&d.role, row.role);
        let role = if role_name == PHYSICIAN {
            Role::Physician { specialty: Self::text(&d.specialty, row.specialty).to_string(), surgery: row.surgery }
        } else {
            Role::MidLevel { kind: role_name.to_string(), shared_limits: row.shared_limits }
        };
        let county = Self::text(&d.county, row.county).to_string();
        let provider = Provider {
            name: self.provider_ids.get(index).to_string(),
            role,
            practice_split: vec![CountyShare { county: county.clone(), percent: Decimal::ONE_HUNDRED }],
            hours_per_week: row.hours_per_week,
            years_since_training: row.years_since_training,
            board_certified: row.board_certified,
            society_member: row.society_member,
            risk_management_course: row.risk_management_course,
            claims: self.claims_of(row).to_vec(),
            disciplinary: self.disciplinary_of(row).to_vec(),
            prior_coverage: row.retro_date.map(|retro| PriorCoverage {
                form: PolicyForm::ClaimsMade,
                carrier: None,
                retro_date: Some(retro),
                carry_prior_acts: true,
            }),
            locum_days: row.locum_days,
            resident: row.resident,
            teaching: row.teaching,
            leave_months: row.leave_months,
            years_insured_with_carrier: row.years_insured,
            age: None,
            contractor: false,
            tail_paid_by: None,
            scheduled: true,
        };
        Some(Practice {
            name: self.policy_ids.get(index).to_string(),
            state: Self::text(&d.state, row.state).to_string(),
            entity: None,
            locations: vec![Location { name: county.clone(), county }],
            services: Vec::new(),
            telehealth_states: Vec::new(),
            providers: vec![provider],
            coverage: CoverageRequest {
                effective: row.effective,
                transaction: row.transaction,
                form: row.form,
                limits: d.limits.get(row.limits).copied()?,
                deductible: d.deductible.get(row.deductible).copied().flatten(),
                entity_limits: EntityLimits::Separate,
                tail_length: None,
            },
            underwriting: Underwriting {
                schedule: d.schedule.get(row.schedule).cloned().unwrap_or_default(),
                group_losses: None,
            },
        })
    }
}

/// Parse a disciplinary action as the book writes it (`license_probation`).
pub fn parse_disciplinary(s: &str) -> Option<DisciplinaryAction> {
    DisciplinaryAction::parse(s)
}
