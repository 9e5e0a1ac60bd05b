//! A manual compiled against a book's distinct values, and one row rated through it.
//!
//! Compiling resolves every distinct specialty, county, limits, deductible, role and schedule
//! of the book once; a row is then a handful of index lookups and the manual's provider steps,
//! run through the same amount-only worksheet and the same modifier and appetite rules as a
//! quote. No worksheet text is formatted here: `medmal quote` on the row's practice shows it.

use rust_decimal::Decimal;
use serde::Serialize;

use super::{Book, BookDicts, BookRow, PHYSICIAN, Sym};
use crate::manual::{
    Condition, EligibilityAction, EligibilityRule, Manual, MidLevelMethod, Modifier, ModifierGroup, ModifierRule,
    PolicyForm, ProviderStep, SurgeryLevel,
};
use crate::money::{Money, Rounding};
use crate::practice::ResidentStatus;
use crate::rate::eligibility::provider_fact;
use crate::rate::modifiers::{ProviderFacts, adjustment, group_factor, pick, schedule_factor};
use crate::rate::provider::{form_factors, physician_class};
use crate::rate::whole_years;
use crate::worksheet::WorksheetBuilder;

/// Whether a row would be written as it stands under a manual.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RowStatus {
    Quoted,
    Referred,
    Declined,
}

/// A row rated under one manual.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RowRating {
    pub premium: Money,
    pub status: RowStatus,
    /// The first appetite rule that fired (index into the manual's eligibility rules).
    pub reason: Option<u16>,
    /// Rating class and territory, as indices into the compiled manual; `None` for a flat fee.
    pub class: Option<u16>,
    pub territory: u16,
}

/// Why a row could not be rated: the book column at fault and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RowError {
    pub column: &'static str,
    pub message: String,
}

pub type RowOutcome = Result<RowRating, RowError>;

#[derive(Debug, Clone)]
enum RoleBasis {
    Physician,
    Class(u16),
    PercentOfClass { class: u16, shared: Option<Decimal>, separate: Option<Decimal> },
    Flat { shared: Option<Money>, separate: Option<Money> },
    Unknown(String),
}

#[derive(Debug, Clone)]
enum Step<'m> {
    BaseRate,
    PolicyForm,
    Limits,
    Deductible,
    Group(&'m ModifierGroup, Vec<&'m Modifier>, GroupInputs),
    MissingGroup(&'m str),
    Schedule,
    Experience,
    Locum,
    Round(Rounding),
    Minimum(Money),
}

/// One manual with every distinct value of one book resolved against it.
#[derive(Debug)]
pub struct CompiledManual<'m> {
    pub manual: &'m Manual,
    /// Class ids in the manual's order; rows refer to them by index.
    pub classes: Vec<&'m str>,
    pub territories: Vec<&'m str>,
    base: Vec<Option<Money>>,
    specialty: Vec<[Result<u16, String>; 3]>,
    role: Vec<RoleBasis>,
    county: Vec<Option<u16>>,
    limits: Vec<Option<Decimal>>,
    /// Outer `None`: not offered; inner `None`: no deductible asked.
    deductible: Vec<Option<Option<Decimal>>>,
    schedule: Vec<Result<Option<Decimal>, String>>,
    steps: Vec<Step<'m>>,
    eligibility: Vec<&'m EligibilityRule>,
    /// Appetite rules that read only the row's class, specialty and surgery (decided once per
    /// combination), and those that read its claims, actions or locum days (decided per row).
    fixed_rules: Vec<u16>,
    row_rules: Vec<u16>,
    /// What the per-row rules decide for a provider with no claims, no actions and no locum
    /// days (most of a book): that depends on the rules alone.
    clean_history: Fired,
    state_matches: Vec<bool>,
    carrier_matches: Vec<bool>,
    /// How many leading steps depend only on class, role, territory, form year, limits and
    /// deductible: their result is cached per thread in a [`RowCache`].
    prefix: usize,
}

/// Running premiums after a manual's leading steps, by (class, role, territory, claims-made
/// year, limits, deductible). Rows of a book repeat these few combinations endlessly; each
/// thread keeps its own cache, so the manual stays shared and immutable.
#[derive(Debug, Default)]
pub struct RowCache {
    /// Off for a one-off row: nothing is looked up or kept.
    off: bool,
    prefix: rustc_hash::FxHashMap<u64, Money>,
    /// A modifier group's factor by the entries its modifiers picked, or by the row's inputs
    /// the modifiers read (see [`group_factor_cached`]).
    groups: rustc_hash::FxHashMap<u64, Option<Decimal>>,
    by_inputs: rustc_hash::FxHashMap<u64, Option<Decimal>>,
    appetite: rustc_hash::FxHashMap<u64, Fired>,
}

/// The first declining and the first referring appetite rule that fired, by rule index.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct Fired {
    decline: Option<u16>,
    refer: Option<u16>,
}

impl Fired {
    fn record(&mut self, index: usize, action: EligibilityAction) {
        let Ok(i) = u16::try_from(index) else { return };
        let slot = match action {
            EligibilityAction::Decline => &mut self.decline,
            EligibilityAction::Refer => &mut self.refer,
        };
        *slot = Some(slot.map_or(i, |s| s.min(i)));
    }

    fn and(self, other: Fired) -> Fired {
        let first = |a: Option<u16>, b: Option<u16>| match (a, b) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        Fired { decline: first(self.decline, other.decline), refer: first(self.refer, other.refer) }
    }

    /// A decline outranks a referral; the reason given is the first rule of the outcome.
    fn outcome(self) -> (RowStatus, Option<u16>) {
        match (self.decline, self.refer) {
            (Some(d), _) => (RowStatus::Declined, Some(d)),
            (None, Some(r)) => (RowStatus::Referred, Some(r)),
            (None, None) => (RowStatus::Quoted, None),
        }
    }
}

impl RowCache {
    pub fn new() -> Self {
        Self::default()
    }

    /// A cache that keeps nothing: every row is rated in full.
    pub fn none() -> Self {
        Self { off: true, ..Self::default() }
    }

    /// How many running premiums after the leading steps, and how many group factors, the
    /// cache holds.
    pub fn kept(&self) -> (usize, usize) {
        (self.prefix.len(), self.groups.len() + self.by_inputs.len())
    }
}

impl<'m> CompiledManual<'m> {
    pub fn new(manual: &'m Manual, dicts: &BookDicts) -> Self {
        let classes: Vec<&str> = manual.classes.iter().map(|c| c.id.as_str()).collect();
        let territories: Vec<&str> = manual.territories.list.iter().map(|t| t.id.as_str()).collect();
        let class_index = |id: &str| classes.iter().position(|c| *c == id).and_then(|i| u16::try_from(i).ok());
        let mut base = vec![None; classes.len() * territories.len()];
        for (ci, c) in classes.iter().enumerate() {
            for (ti, t) in territories.iter().enumerate() {
                base[ci * territories.len() + ti] = manual.base_rates.get(&(c.to_string(), t.to_string())).copied();
            }
        }
        let levels = [SurgeryLevel::None, SurgeryLevel::Minor, SurgeryLevel::Major];
        let specialty = dicts
            .specialty
            .values
            .iter()
            .map(|code| {
                levels.map(|level| {
                    physician_class(manual, code, level).and_then(|c| {
                        class_index(&c).ok_or_else(|| format!("class {c} is not among {}'s classes", manual.meta.id()))
                    })
                })
            })
            .collect();
        let role = dicts
            .role
            .values
            .iter()
            .map(|r| {
                if r == PHYSICIAN {
                    return RoleBasis::Physician;
                }
                let Some(rule) = manual.midlevel(r) else {
                    let offered: Vec<&str> = manual.midlevels.iter().map(|m| m.role.as_str()).collect();
                    return RoleBasis::Unknown(format!(
                        "{} does not rate provider type `{r}`; it rates: {}",
                        manual.meta.carrier_name,
                        offered.join(", ")
                    ));
                };
                let missing = |c: &str| RoleBasis::Unknown(format!("class {c} of {} is not a rating class", rule.role));
                match &rule.method {
                    MidLevelMethod::OwnClass { class } => {
                        class_index(class).map_or_else(|| missing(class), RoleBasis::Class)
                    }
                    MidLevelMethod::PercentOfClass { class, shared, separate } => class_index(class).map_or_else(
                        || missing(class),
                        |c| RoleBasis::PercentOfClass { class: c, shared: *shared, separate: *separate },
                    ),
                    MidLevelMethod::Flat { shared, separate } => {
                        RoleBasis::Flat { shared: *shared, separate: *separate }
                    }
                }
            })
            .collect();
        let county = dicts
            .county
            .values
            .iter()
            .map(|c| {
                manual
                    .territory_of(c)
                    .and_then(|t| territories.iter().position(|x| x == t))
                    .and_then(|i| u16::try_from(i).ok())
            })
            .collect();
        let limits = dicts.limits.values.iter().map(|l| manual.limits_factor(l)).collect();
        let deductible = dicts
            .deductible
            .values
            .iter()
            .map(|d| match d {
                None => Some(None),
                Some(d) => {
                    manual.deductibles.iter().find(|o| o.deductible == *d).map(|o| Some(Decimal::ONE - o.credit))
                }
            })
            .collect();
        let schedule: Vec<Result<Option<Decimal>, String>> = dicts
            .schedule
            .values
            .iter()
            .map(|sel| schedule_factor(manual, sel).map(|s| s.factor()).map_err(|e| e.message))
            .collect();
        let steps: Vec<Step<'m>> = manual
            .provider_steps
            .iter()
            .map(|s| match s {
                ProviderStep::BaseRate => Step::BaseRate,
                ProviderStep::PolicyForm => Step::PolicyForm,
                ProviderStep::Limits => Step::Limits,
                ProviderStep::Deductible => Step::Deductible,
                ProviderStep::Modifiers { group } => match manual.group(group) {
                    Some(g) => {
                        let mods: Vec<&Modifier> = g.modifiers.iter().filter_map(|id| manual.modifier(id)).collect();
                        let inputs = GroupInputs::of(&mods);
                        Step::Group(g, mods, inputs)
                    }
                    None => Step::MissingGroup(group),
                },
                ProviderStep::Schedule => Step::Schedule,
                ProviderStep::Experience => Step::Experience,
                ProviderStep::Locum => Step::Locum,
                ProviderStep::Round(r) => Step::Round(*r),
                ProviderStep::Minimum(m) => Step::Minimum(*m),
            })
            .collect();
        let state_matches = dicts.state.values.iter().map(|s| s.eq_ignore_ascii_case(&manual.meta.state)).collect();
        let carrier_matches = dicts.carrier.values.iter().map(|c| *c == manual.meta.carrier).collect();
        let prefix = steps
            .iter()
            .take_while(|s| {
                matches!(
                    s,
                    Step::BaseRate
                        | Step::PolicyForm
                        | Step::Limits
                        | Step::Deductible
                        | Step::Round(_)
                        | Step::Minimum(_)
                )
            })
            .count();
        // Whether a condition reads only class, specialty and surgery (or nothing of the row);
        // every condition must be placed, so a new one cannot slip into the wrong list.
        let is_fixed = |c: &Condition| match c {
            Condition::Class { .. }
            | Condition::Specialty { .. }
            | Condition::Surgery { .. }
            | Condition::Providers { .. }
            | Condition::Service { .. }
            | Condition::TelehealthOutOfState => true,
            Condition::Claims { .. }
            | Condition::PaidTotal { .. }
            | Condition::Disciplinary { .. }
            | Condition::LocumDays { .. } => false,
        };
        let rules = |fixed: bool| -> Vec<u16> {
            (0..manual.eligibility.len())
                .filter(|&i| is_fixed(&manual.eligibility[i].condition) == fixed)
                .filter_map(|i| u16::try_from(i).ok())
                .collect()
        };
        let row_rules = rules(false);
        let clean = ProviderFacts {
            effective: jiff::civil::Date::constant(2000, 1, 1),
            hours_per_week: None,
            years_since_training: None,
            resident: None,
            teaching: false,
            leave_months: 0,
            claims: &[],
            disciplinary: &[],
            risk_management_course: None,
            board_certified: false,
            society_member: false,
            years_insured_with_carrier: 0,
            locum_days: 0,
        };
        let mut clean_history = Fired::default();
        for &i in &row_rules {
            if let Some(rule) = manual.eligibility.get(usize::from(i))
                && provider_fact(&rule.condition, &clean, None, None).is_some()
            {
                clean_history.record(usize::from(i), rule.action);
            }
        }
        Self {
            fixed_rules: rules(true),
            row_rules,
            clean_history,
            carrier_matches,
            manual,
            classes,
            territories,
            base,
            specialty,
            role,
            county,
            limits,
            deductible,
            schedule,
            steps,
            eligibility: manual.eligibility.iter().collect(),
            state_matches,
            prefix,
        }
    }

    /// Rate row `index` of `book` (which must be the book this manual was compiled against).
    pub fn rate_row(&self, book: &Book, index: usize) -> RowOutcome {
        self.rate_row_cached(book, index, &mut RowCache::none())
    }

    /// [`Self::rate_row`] reusing what earlier rows decided: the premium of a row whose inputs
    /// reduce to the same key, the running premium after the leading steps, the appetite rules
    /// that read only class and specialty. The cache belongs to this manual and book only.
    pub fn rate_row_cached(&self, book: &Book, index: usize, cache: &mut RowCache) -> RowOutcome {
        let Some(row) = book.rows.get(index) else {
            return Err(err("row", "no such row".to_string()));
        };
        self.rate(book, row, cache)
    }

    fn rate(&self, book: &Book, row: &BookRow, cache: &mut RowCache) -> RowOutcome {
        let manual = self.manual;
        if !self.carrier_matches.get(row.carrier as usize).copied().unwrap_or(false) {
            return Err(err(
                "carrier",
                format!("the row is insured with another carrier than {}", manual.meta.carrier),
            ));
        }
        if !self.state_matches.get(row.state as usize).copied().unwrap_or(false) {
            return Err(err("state", format!("manual {} is for {}", manual.meta.id(), manual.meta.state)));
        }
        let facts = ProviderFacts {
            effective: row.effective,
            hours_per_week: row.hours_per_week,
            years_since_training: row.years_since_training,
            resident: row.resident,
            teaching: row.teaching,
            leave_months: row.leave_months,
            claims: book.claims_of(row),
            disciplinary: book.disciplinary_of(row),
            risk_management_course: row.risk_management_course,
            board_certified: row.board_certified,
            society_member: row.society_member,
            years_insured_with_carrier: row.years_insured,
            locum_days: row.locum_days,
        };
        let which = |shared: bool| if shared { "shared" } else { "separate" };
        // (class, percent of class) or a flat fee.
        let basis: Result<(u16, Option<Decimal>), Money> = match self.role.get(row.role as usize) {
            Some(RoleBasis::Physician) => {
                let level = match row.surgery {
                    SurgeryLevel::None => 0,
                    SurgeryLevel::Minor => 1,
                    SurgeryLevel::Major => 2,
                };
                match self.specialty.get(row.specialty as usize).map(|s| &s[level]) {
                    Some(Ok(c)) => Ok((*c, None)),
                    Some(Err(e)) => return Err(err("specialty_code", e.clone())),
                    None => return Err(err("specialty_code", "missing".to_string())),
                }
            }
            Some(RoleBasis::Class(c)) => Ok((*c, None)),
            Some(RoleBasis::PercentOfClass { class, shared, separate }) => {
                match if row.shared_limits { shared } else { separate } {
                    Some(p) => Ok((*class, Some(*p))),
                    None => return Err(not_offered_limits(manual, which(row.shared_limits))),
                }
            }
            Some(RoleBasis::Flat { shared, separate }) => match if row.shared_limits { shared } else { separate } {
                Some(a) => Err(*a),
                None => return Err(not_offered_limits(manual, which(row.shared_limits))),
            },
            Some(RoleBasis::Unknown(e)) => return Err(err("role", e.clone())),
            None => return Err(err("role", "missing".to_string())),
        };
        let Some(territory) = self.county.get(row.county as usize).copied().flatten() else {
            return Err(err(
                "county",
                format!(
                    "county `{}` is in no rating territory of {} and the manual has no state-wide default",
                    book.dicts.county.get(row.county).map_or("", String::as_str),
                    manual.meta.id()
                ),
            ));
        };
        let claims_made_year = match row.form {
            PolicyForm::Occurrence => None,
            PolicyForm::ClaimsMade => {
                let Some(retro) = row.retro_date else {
                    return Err(err("retro_date", "a claims-made row needs its retroactive date".to_string()));
                };
                let years = whole_years(retro, row.effective);
                if years < 0 {
                    return Err(err(
                        "retro_date",
                        format!("retroactive date {retro} is after the effective date {}", row.effective),
                    ));
                }
                Some(u32::try_from(years).unwrap_or(u32::MAX).saturating_add(1))
            }
        };

        let mut ws = WorksheetBuilder::amount_only(manual.step_rounding);
        let class = match basis {
            Err(flat) => {
                ws.set("", "", String::new, flat);
                for step in &self.steps {
                    match step {
                        Step::Round(r) => ws.round("", "", r),
                        Step::Minimum(m) => ws.minimum("", "", *m),
                        _ => {}
                    }
                }
                None
            }
            Ok((class, percent)) => {
                let key = prefix_key(class, row, territory, claims_made_year).filter(|_| !cache.off);
                let cached = key.and_then(|k| cache.prefix.get(&k).copied());
                let first = match cached {
                    Some(amount) => {
                        ws.set("", "", String::new, amount);
                        self.prefix
                    }
                    None => 0,
                };
                let steps = Steps { row, facts: &facts, class, percent, territory, claims_made_year };
                self.steps_for(&steps, first, key.filter(|_| cached.is_none()), cache, &mut ws)?;
                Some(class)
            }
        };
        if ws.overflow {
            return Err(err(
                "row",
                format!("{}: the premium leaves the range of exact decimal arithmetic", manual.meta.id()),
            ));
        }
        let (status, reason) = self.appetite(&facts, class, row, book, cache);
        Ok(RowRating { premium: ws.running, status, reason, class, territory })
    }

    /// Run steps `first..` (the leading ones may come from the cache), storing the running
    /// premium after the leading steps when asked to.
    fn steps_for(
        &self,
        s: &Steps<'_>,
        first: usize,
        mut store: Option<u64>,
        cache: &mut RowCache,
        ws: &mut WorksheetBuilder,
    ) -> Result<(), RowError> {
        let manual = self.manual;
        let Steps { row, facts, class, percent, territory, claims_made_year } = *s;
        let row_inputs = if cache.off { None } else { RowInputs::of(facts) };
        let not_written =
            |f: &str| err("form", format!("{} does not write {f} in {}", manual.meta.carrier_name, manual.meta.state));
        for (n, step) in self.steps.iter().enumerate().skip(first) {
            if n == self.prefix
                && let Some(key) = store.take()
                && !ws.overflow
            {
                cache.prefix.insert(key, ws.running);
            }
            match step {
                Step::BaseRate => {
                    let cell = class as usize * self.territories.len() + territory as usize;
                    let Some(rate) = self.base.get(cell).copied().flatten() else {
                        return Err(err(
                            "specialty_code",
                            format!(
                                "{} has no base rate for class {} in territory {}",
                                manual.meta.id(),
                                self.classes.get(class as usize).unwrap_or(&""),
                                self.territories.get(territory as usize).unwrap_or(&"")
                            ),
                        ));
                    };
                    ws.set("", "", String::new, rate);
                    if let Some(p) = percent {
                        ws.multiply("", "", String::new, p);
                    }
                }
                Step::PolicyForm => {
                    let year = Some(claims_made_year.unwrap_or(1));
                    let (f, mature) = form_factors(manual, row.form, year).map_err(not_written)?;
                    ws.multiply("", "", String::new, f);
                    if let Some(m) = mature {
                        ws.multiply("", "", String::new, m);
                    }
                }
                Step::Limits => {
                    let Some(f) = self.limits.get(row.limits as usize).copied().flatten() else {
                        let offered: Vec<String> = manual.limits.iter().map(|l| l.limits.label()).collect();
                        return Err(err(
                            "limits",
                            format!("not offered by {}; offered: {}", manual.meta.carrier_name, offered.join(", ")),
                        ));
                    };
                    ws.multiply("", "", String::new, f);
                }
                Step::Deductible => match self.deductible.get(row.deductible as usize).copied().flatten() {
                    Some(None) => {}
                    Some(Some(f)) => ws.multiply("", "", String::new, f),
                    None => {
                        let offered: Vec<String> = manual.deductibles.iter().map(|o| o.deductible.label()).collect();
                        return Err(err(
                            "deductible",
                            format!("not offered by {}; offered: {}", manual.meta.carrier_name, offered.join(", ")),
                        ));
                    }
                },
                Step::Group(group, mods, inputs) => {
                    if let Some(f) = group_factor_cached(n, (group, mods, inputs), facts, row_inputs, cache) {
                        ws.multiply("", "", String::new, f);
                    }
                }
                Step::MissingGroup(id) => return Err(err("row", format!("modifier group `{id}` is not defined"))),
                Step::Schedule => match self.schedule.get(row.schedule as usize) {
                    Some(Ok(Some(f))) => ws.multiply("", "", String::new, *f),
                    Some(Ok(None)) | None => {}
                    Some(Err(e)) => return Err(err("schedule", e.clone())),
                },
                // A book carries no group loss experience; the group's modification is an
                // underwriting decision held outside the book.
                Step::Experience => {}
                Step::Locum => {
                    if let Some(rule) = &manual.locum
                        && facts.locum_days > rule.free_days
                    {
                        let days = facts.locum_days - rule.free_days;
                        ws.add("", "", String::new, rule.per_day * Decimal::from(days));
                    }
                }
                Step::Round(r) => ws.round("", "", r),
                Step::Minimum(m) => ws.minimum("", "", *m),
            }
        }
        Ok(())
    }

    fn appetite(
        &self,
        facts: &ProviderFacts<'_>,
        class: Option<u16>,
        row: &BookRow,
        book: &Book,
        cache: &mut RowCache,
    ) -> (RowStatus, Option<u16>) {
        let class_id = class.and_then(|c| self.classes.get(c as usize).copied());
        let is_physician = matches!(self.role.get(row.role as usize), Some(RoleBasis::Physician));
        let fire = |rules: &[u16], physician: Option<(&str, SurgeryLevel)>| {
            let mut fired = Fired::default();
            for &i in rules {
                let Some(rule) = self.eligibility.get(usize::from(i)) else { continue };
                let fires = match &rule.condition {
                    // One row is one provider's policy.
                    Condition::Providers { over } => 1 > *over,
                    Condition::Service { .. } | Condition::TelehealthOutOfState => false,
                    c => provider_fact(c, facts, class_id, physician).is_some(),
                };
                if fires {
                    fired.record(usize::from(i), rule.action);
                }
            }
            fired
        };
        let surgery = match row.surgery {
            SurgeryLevel::None => 0,
            SurgeryLevel::Minor => 1,
            SurgeryLevel::Major => 2,
        };
        let who = u64::from(class.map_or(u16::MAX, |c| c))
            | u64::from(if is_physician { row.specialty } else { Sym::MAX }) << 16
            | surgery << 48;
        let fixed = match cache.appetite.get(&who) {
            Some(f) => *f,
            None => {
                let specialty = book.dicts.specialty.get(row.specialty).map_or("", String::as_str);
                let f = fire(&self.fixed_rules, is_physician.then_some((specialty, row.surgery)));
                if !cache.off {
                    cache.appetite.insert(who, f);
                }
                f
            }
        };
        // The per-row rules read claims, actions and locum days only.
        let history = if facts.claims.is_empty() && facts.disciplinary.is_empty() && facts.locum_days == 0 {
            self.clean_history
        } else {
            fire(&self.row_rules, None)
        };
        fixed.and(history).outcome()
    }

    /// The reason text of an appetite rule a row fired.
    pub fn reason_text(&self, reason: u16) -> &'m str {
        self.eligibility.get(reason as usize).map_or("", |r| r.reason.as_str())
    }
}

/// What the steps of one row read.
#[derive(Clone, Copy)]
struct Steps<'a> {
    row: &'a BookRow,
    facts: &'a ProviderFacts<'a>,
    class: u16,
    percent: Option<Decimal>,
    territory: u16,
    claims_made_year: Option<u32>,
}

/// The leading steps' inputs packed in 64 bits; `None` when a value is too large to pack (the
/// row is then rated without the cache). The role (with its shared/separate choice) stands for
/// the mid-level percent, which it determines.
fn prefix_key(class: u16, row: &BookRow, territory: u16, claims_made_year: Option<u32>) -> Option<u64> {
    let form = match claims_made_year {
        None => 0,
        Some(y) if y < 255 => u64::from(y) + 1,
        Some(_) => return None,
    };
    let role = u64::from(row.role) * 2 + u64::from(row.shared_limits);
    if class > 0xff || territory > 0xff || role > 0xfff || row.limits > 0xfff || row.deductible > 0xfff {
        return None;
    }
    Some(
        u64::from(class)
            | u64::from(territory) << 8
            | form << 16
            | role << 24
            | u64::from(row.limits) << 36
            | u64::from(row.deductible) << 48,
    )
}

/// A group's factor for one row, from the cache when another row gave its modifiers the same
/// inputs or made them pick the same entries: the values and the combined, capped factor are
/// worked out once per combination.
fn group_factor_cached(
    step: usize,
    (group, mods, inputs): (&ModifierGroup, &[&Modifier], &GroupInputs),
    facts: &ProviderFacts<'_>,
    row: Option<RowInputs>,
    cache: &mut RowCache,
) -> Option<Decimal> {
    let worked_out =
        || group_factor(group, mods.iter().filter_map(|m| adjustment(&m.rule, facts)).map(|a| a.value)).map(|(f, _)| f);
    if cache.off {
        return worked_out();
    }
    // Most rows: the modifiers read only a few small inputs of the row, which are the key.
    if let (Some(row), Some(step)) = (row, u64::try_from(step).ok().filter(|s| *s < 0x100))
        && inputs.dated & row.dated == 0
    {
        let key = step << 56 | row.key & inputs.mask;
        if let Some(f) = cache.by_inputs.get(&key) {
            return *f;
        }
        let factor = worked_out();
        cache.by_inputs.insert(key, factor);
        return factor;
    }
    // Otherwise the entries the modifiers picked are the key.
    let mut key = u64::try_from(step).ok().filter(|s| mods.len() <= MAX_KEYED_MODIFIERS && *s < 0x100).map(|s| s << 56);
    if key.is_some() {
        let mut applied = false;
        for (i, m) in mods.iter().enumerate() {
            let Some(p) = pick(&m.rule, facts) else { continue };
            applied = true;
            key = key.and_then(|k| Some(k | u64::from(u8::try_from(p).ok()?) << (8 * i)));
        }
        if !applied {
            return None;
        }
    }
    // Picks are 1-based: a modifier that did not apply leaves its byte 0.
    if let Some(f) = key.and_then(|k| cache.groups.get(&k)) {
        return *f;
    }
    let factor = worked_out();
    if let Some(k) = key {
        cache.groups.insert(k, factor);
    }
    factor
}

/// Dated histories a row may carry: when it carries one a modifier reads by date, the
/// modifier's result depends on dates, not only on the row's small inputs.
const CLAIMS: u8 = 1;
const ACTIONS: u8 = 2;
const COURSE: u8 = 4;

/// The small inputs of a row that modifiers read, packed into one key (see [`RowInputs::of`]),
/// and which dated histories it carries.
#[derive(Debug, Clone, Copy)]
struct RowInputs {
    key: u64,
    dated: u8,
}

/// Bit fields of [`RowInputs::key`]: (shift, width).
const HOURS: (u32, u32) = (0, 16);
const TRAINING: (u32, u32) = (16, 8);
const RESIDENT: (u32, u32) = (24, 2);
const TEACHING: (u32, u32) = (26, 1);
const LEAVE: (u32, u32) = (27, 8);
const BOARD: (u32, u32) = (35, 1);
const SOCIETY: (u32, u32) = (36, 1);
const INSURED: (u32, u32) = (37, 8);

fn field_mask((shift, width): (u32, u32)) -> u64 {
    ((1u64 << width) - 1) << shift
}

impl RowInputs {
    /// `None` when a value does not fit its field (the row is then keyed by its picks).
    fn of(facts: &ProviderFacts<'_>) -> Option<Self> {
        let put = |(shift, width): (u32, u32), v: u64| (v < 1 << width).then_some(v << shift);
        // Hours to the hundredth, 0 for none; finer hours are not packed.
        let hours = match facts.hours_per_week {
            None => 0,
            Some(h) => {
                let (m, scale) = (h.mantissa(), h.scale());
                let centi = if scale <= 2 {
                    m.checked_mul(10i128.pow(2 - scale))?
                } else {
                    let finer = 10i128.checked_pow(scale - 2)?;
                    if m % finer != 0 {
                        return None;
                    }
                    m / finer
                };
                u64::try_from(centi).ok()?.checked_add(1)?
            }
        };
        let training = facts.years_since_training.map_or(0, |y| u64::from(y) + 1);
        let resident = match facts.resident {
            None => 0,
            Some(ResidentStatus::Resident) => 1,
            Some(ResidentStatus::Moonlighting) => 2,
        };
        let key = put(HOURS, hours)?
            | put(TRAINING, training)?
            | put(RESIDENT, resident)?
            | put(TEACHING, u64::from(facts.teaching))?
            | put(LEAVE, u64::from(facts.leave_months))?
            | put(BOARD, u64::from(facts.board_certified))?
            | put(SOCIETY, u64::from(facts.society_member))?
            | put(INSURED, u64::from(facts.years_insured_with_carrier))?;
        let dated = if facts.claims.is_empty() { 0 } else { CLAIMS }
            | if facts.disciplinary.is_empty() { 0 } else { ACTIONS }
            | if facts.risk_management_course.is_none() { 0 } else { COURSE };
        Some(Self { key, dated })
    }
}

/// What a group's modifiers read of a row: the fields of [`RowInputs`], and the dated
/// histories that, when a row carries them, make the result depend on dates.
#[derive(Debug, Clone, Copy)]
struct GroupInputs {
    mask: u64,
    dated: u8,
}

impl GroupInputs {
    fn of(mods: &[&Modifier]) -> Self {
        let mut g = GroupInputs { mask: 0, dated: 0 };
        // Every rule must be placed, so a new one cannot be keyed on inputs it does not read.
        for m in mods {
            let (fields, dated): (&[(u32, u32)], u8) = match &m.rule {
                ModifierRule::PartTime { .. } => (&[HOURS], 0),
                ModifierRule::NewToPractice { .. } => (&[TRAINING], 0),
                ModifierRule::Resident { .. } => (&[RESIDENT], 0),
                ModifierRule::Teaching { .. } => (&[TEACHING], 0),
                ModifierRule::LeaveOfAbsence { .. } => (&[LEAVE], 0),
                // Without claims, the years claims-free are the years since training.
                ModifierRule::ClaimsFree { .. } => (&[TRAINING], CLAIMS),
                ModifierRule::ClaimsSurcharge { .. } => (&[], CLAIMS),
                ModifierRule::Disciplinary { .. } => (&[], ACTIONS),
                ModifierRule::RiskManagement { .. } => (&[], COURSE),
                ModifierRule::BoardCertified { .. } => (&[BOARD], 0),
                ModifierRule::SocietyMember { .. } => (&[SOCIETY], 0),
                ModifierRule::Loyalty { .. } => (&[INSURED], 0),
            };
            g.mask |= fields.iter().map(|f| field_mask(*f)).fold(0, |a, b| a | b);
            g.dated |= dated;
        }
        g
    }
}

/// At most this many modifiers of one group share a 64-bit cache key (a byte each; the top
/// byte is the step).
const MAX_KEYED_MODIFIERS: usize = 7;

fn err(column: &'static str, message: String) -> RowError {
    RowError { column, message }
}

fn not_offered_limits(manual: &Manual, which: &str) -> RowError {
    err("shared_limits", format!("{} does not offer {which} limits for this provider type", manual.meta.carrier_name))
}
