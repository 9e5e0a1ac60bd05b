//! Synthetic in-force books: a realistic book of one carrier's business in one state under one
//! manual version, reproducible from a seed.
//!
//! Everything a row can hold is drawn from the manual's own data (its specialty plan, mid-level
//! types, counties, limits, deductibles, part-time bands, schedule items), so the book rates
//! under the version it was generated for. The distributions are documented in
//! `docs/book-format.md` ("Generated books"); the constants below are those figures.
//!
//! Rows go through the same [`BookBuilder`] as rows read from a file, and every text cell is
//! written the way the CSV and Parquet writers write it, so a generated book written and read
//! back is the same book (same dictionaries, in the same order).

use std::fmt::Write;

use jiff::SignedDuration;
use jiff::civil::Date;
use medmal_core::Manual;
use medmal_core::book::{Book, CompiledManual, PHYSICIAN, ScheduleSelections};
use medmal_core::manual::{
    Condition, DisciplinaryAction, EligibilityAction, HoursBand, MidLevelMethod, ModifierRule, PolicyForm,
    SpecialtyMapping, SurgeryLevel,
};
use medmal_core::money::Money;
use medmal_core::practice::{ResidentStatus, Transaction};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;

use crate::build::{BookBuilder, RowInput, schedule_text};

/// What to generate. Exactly one of `policies` and `rows` is given.
#[derive(Debug, Clone, Default)]
pub struct GenerateOptions {
    pub carrier: String,
    pub state: String,
    /// Manual version whose in-force book this is; `None` for the earliest version.
    pub version: Option<String>,
    /// Generate this many policies (each with one or more provider rows).
    pub policies: Option<u64>,
    /// Generate exactly this many rows; the last policy is cut short if need be.
    pub rows: Option<u64>,
    pub seed: u64,
}

// Shares, as documented in docs/book-format.md ("Generated books").
const MID_LEVEL_SHARE: f64 = 0.15;
const CLAIMS_MADE_SHARE: f64 = 0.85;
const NEW_BUSINESS_SHARE: f64 = 0.12;
const BASE_LIMITS_SHARE: u32 = 60;
const NO_DEDUCTIBLE_SHARE: f64 = 0.80;
const PART_TIME_SHARE: f64 = 0.15;
const EARLY_CAREER_SHARE: f64 = 0.08;
const BOARD_CERTIFIED_SHARE: f64 = 0.80;
const SOCIETY_MEMBER_SHARE: f64 = 0.40;
const RISK_MANAGEMENT_SHARE: f64 = 0.35;
const RISK_MANAGEMENT_MONTHS: i64 = 30;
const LOCUM_SHARE: f64 = 0.05;
const TEACHING_SHARE: f64 = 0.05;
const MOONLIGHTING_SHARE: f64 = 0.005;
const LEAVE_SHARE: f64 = 0.01;
const DISCIPLINARY_SHARE: f64 = 0.005;
const SCHEDULE_SHARE: f64 = 0.30;
const SCHEDULE_CREDIT_SHARE: f64 = 0.70;
const SHARED_LIMITS_SHARE: f64 = 0.80;
const OSTEOPATHIC_SHARE: f64 = 0.10;
/// Cumulative shares of one, two and three-or-more claims in the last ten years.
const CLAIMS_CUMULATIVE: [f64; 3] = [0.12, 0.15, 0.16];
const CLAIMS_LOOKBACK_YEARS: usize = 10;
const CLAIM_PAID_ZERO_SHARE: f64 = 0.60;
const CLAIM_PAID_RANGE: (u64, u64) = (25_000, 500_000);
/// Longest look-back the date tables cover (years since training reach 35).
const MAX_YEARS_BACK: usize = 40;

/// Specialty mix of a physician book, by ISO code: primary care (family practice, internal
/// medicine, pediatrics) is most of a medical-malpractice book, high-severity surgical
/// specialties a small part, neurosurgery the rarest. Codes not listed weigh `OTHER_SPECIALTY`.
const SPECIALTY_WEIGHTS: [(&str, u32); 13] = [
    ("80420", 20), // family or general practice
    ("80208", 20), // internal medicine
    ("80267", 10), // pediatrics
    ("80249", 6),  // psychiatry
    ("80153", 6),  // obstetrics and gynecology
    ("80143", 5),  // general surgery
    ("80151", 5),  // orthopedic surgery
    ("80255", 5),  // cardiovascular disease
    ("80256", 4),  // dermatology
    ("80243", 3),  // geriatrics
    ("80231", 2),  // general preventive medicine
    ("80254", 2),  // allergy
    ("80152", 1),  // neurosurgery
];
const OTHER_SPECIALTY: u32 = 3;

/// Specialties that are surgical by nature: a plan that maps them with `any` rates them as
/// major surgery, which is how the book records their surgery level.
const SURGICAL_CODES: [&str; 4] = ["80143", "80151", "80152", "80153"];

/// Surgery level mix of a specialty the plan maps by level (most physicians of a specialty
/// that can operate do not).
const LEVEL_WEIGHTS: [(SurgeryLevel, u32); 3] =
    [(SurgeryLevel::None, 70), (SurgeryLevel::Minor, 22), (SurgeryLevel::Major, 8)];

/// Mid-level mix: nurse practitioners and physician assistants are most mid-levels.
const MID_LEVEL_WEIGHTS: [(&str, u32); 4] = [("NP", 50), ("PA", 35), ("CRNA", 10), ("CNM", 5)];
const OTHER_MID_LEVEL: u32 = 5;

/// Disciplinary actions, milder ones more common.
const DISCIPLINARY_WEIGHTS: [(DisciplinaryAction, u32); 5] = [
    (DisciplinaryAction::LicenseProbation, 40),
    (DisciplinaryAction::PrivilegesRestricted, 30),
    (DisciplinaryAction::LicenseSuspended, 15),
    (DisciplinaryAction::PrivilegesRevoked, 10),
    (DisciplinaryAction::LicenseRevoked, 5),
];

/// Real counties of a state that the sample manuals do not list, so that part of the book
/// rates in the manual's state-wide default territory as a real book's rural and small-city
/// business does. Names a manual lists itself are left out of this pool.
fn unlisted_counties(state: &str) -> &'static [&'static str] {
    match state.to_ascii_uppercase().as_str() {
        "PA" => &["Lancaster", "Erie", "Lackawanna", "Luzerne", "Centre", "Westmoreland", "Washington", "Cumberland"],
        "NY" => &["Oneida", "Broome", "Saratoga", "Ulster", "Niagara", "Schenectady", "Tompkins", "Chautauqua"],
        "FL" => &["St. Lucie", "Marion", "Lake", "Okaloosa", "Bay", "Charlotte", "Citrus", "Hernando"],
        _ => &[],
    }
}

/// Generate an in-force book for one carrier, state and manual version.
pub fn generate(manuals: &[&Manual], options: &GenerateOptions) -> Result<Book, String> {
    let manual = select_manual(manuals, options)?;
    let size = match (options.policies, options.rows) {
        (Some(0), None) => return Err("--policies must be at least 1".into()),
        (None, Some(0)) => return Err("--rows must be at least 1".into()),
        (Some(p), None) => Size::Policies(p),
        (None, Some(r)) => Size::Rows(r),
        _ => return Err("give exactly one of a number of policies or a number of rows".into()),
    };
    let plan = Plan::new(manual)?;
    let mut generator =
        Generator { plan: &plan, rng: ChaCha8Rng::seed_from_u64(options.seed), buf: Buffers::default() };
    let mut builder = BookBuilder::new();
    let mut rows: u64 = 0;
    let mut policy_no: u64 = 0;
    loop {
        let remaining = match size {
            Size::Policies(p) if policy_no >= p => break,
            Size::Rows(r) if rows >= r => break,
            Size::Policies(_) => u64::MAX,
            Size::Rows(r) => r - rows,
        };
        policy_no += 1;
        let policy = generator.policy(policy_no);
        let providers = u64::from(policy.providers).min(remaining);
        for provider in 1..=providers {
            rows += 1;
            generator.row(&policy, provider, rows, &mut builder)?;
        }
    }
    let mut book = builder.finish();
    let compiled = CompiledManual::new(manual, &book.dicts);
    let premiums = rate_all(&compiled, &book);
    for (row, premium) in book.rows.iter_mut().zip(premiums) {
        row.current_premium = premium;
    }
    Ok(book)
}

/// Each row's premium under the version, `None` where it cannot be rated. Rating is a third to
/// a half of the generator's time and rows are independent, so it is split across the cores.
fn rate_all(compiled: &CompiledManual<'_>, book: &Book) -> Vec<Option<Money>> {
    let n = book.rows.len();
    let threads = std::thread::available_parallelism().map_or(1, usize::from).min(n / 50_000).max(1);
    let chunk = n.div_ceil(threads);
    let rate = |range: std::ops::Range<usize>| -> Vec<Option<Money>> {
        range.map(|i| compiled.rate_row(book, i).ok().map(|r| r.premium)).collect()
    };
    if threads == 1 {
        return rate(0..n);
    }
    std::thread::scope(|scope| {
        let handles: Vec<_> = (0..threads)
            .map(|t| {
                let range = t * chunk..((t + 1) * chunk).min(n);
                scope.spawn(move || rate(range))
            })
            .collect();
        let mut out = Vec::with_capacity(n);
        for handle in handles {
            // Rating does not panic; if it ever did, the panic belongs to the caller.
            out.extend(handle.join().unwrap_or_else(|e| std::panic::resume_unwind(e)));
        }
        out
    })
}

#[derive(Debug, Clone, Copy)]
enum Size {
    Policies(u64),
    Rows(u64),
}

/// The carrier's manual for the state, in the version asked for or the earliest.
fn select_manual<'m>(manuals: &[&'m Manual], options: &GenerateOptions) -> Result<&'m Manual, String> {
    let of_carrier: Vec<&'m Manual> =
        manuals.iter().copied().filter(|m| m.meta.carrier.eq_ignore_ascii_case(&options.carrier)).collect();
    if of_carrier.is_empty() {
        let mut carriers: Vec<&str> = manuals.iter().map(|m| m.meta.carrier.as_str()).collect();
        carriers.sort_unstable();
        carriers.dedup();
        return Err(format!("no manuals for carrier `{}`; carriers: {}", options.carrier, carriers.join(", ")));
    }
    let mut in_state: Vec<&'m Manual> =
        of_carrier.iter().copied().filter(|m| m.meta.state.eq_ignore_ascii_case(&options.state)).collect();
    if in_state.is_empty() {
        let mut states: Vec<&str> = of_carrier.iter().map(|m| m.meta.state.as_str()).collect();
        states.sort_unstable();
        states.dedup();
        return Err(format!(
            "{} has no manual for {}; it has manuals for: {}",
            options.carrier,
            options.state,
            states.join(", ")
        ));
    }
    in_state.sort_by(|a, b| (a.meta.effective_new, &a.meta.version).cmp(&(b.meta.effective_new, &b.meta.version)));
    match &options.version {
        None => in_state.first().copied().ok_or_else(|| "no manual".to_string()),
        Some(v) => in_state.iter().copied().find(|m| m.meta.version == *v).ok_or_else(|| {
            let versions: Vec<&str> = in_state.iter().map(|m| m.meta.version.as_str()).collect();
            format!(
                "{} {} has no version {v}; versions: {}",
                options.carrier,
                options.state.to_ascii_uppercase(),
                versions.join(", ")
            )
        }),
    }
}

/// Items drawn with integer weights.
#[derive(Debug)]
struct Weighted<T> {
    items: Vec<T>,
    cumulative: Vec<u32>,
}

impl<T> Weighted<T> {
    fn new(pairs: impl IntoIterator<Item = (T, u32)>) -> Self {
        let mut items = Vec::new();
        let mut cumulative = Vec::new();
        let mut total: u32 = 0;
        for (item, weight) in pairs {
            if weight == 0 {
                continue;
            }
            total = total.saturating_add(weight);
            items.push(item);
            cumulative.push(total);
        }
        Self { items, cumulative }
    }

    fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// Only called on a non-empty table.
    fn pick_index(&self, rng: &mut ChaCha8Rng) -> usize {
        let total = self.cumulative.last().copied().unwrap_or(1);
        let x = rng.random_range(0..total);
        self.cumulative.partition_point(|&c| c <= x).min(self.items.len().saturating_sub(1))
    }

    fn pick(&self, rng: &mut ChaCha8Rng) -> &T {
        &self.items[self.pick_index(rng)]
    }
}

#[derive(Debug)]
struct PhysicianKind {
    code: String,
    /// The D.O. twin (84xxx) when the manual rates it as this M.D. code.
    osteopathic: Option<String>,
    surgery: SurgeryLevel,
}

#[derive(Debug)]
struct MidLevelKind<'m> {
    role: &'m str,
    shared: bool,
    separate: bool,
}

/// A part-time band: hours above `above`, in half hours, up to `steps` half hours more.
#[derive(Debug)]
struct HoursRange {
    above: Decimal,
    steps: u32,
}

/// Everything drawn from the manual, resolved once.
#[derive(Debug)]
struct Plan<'m> {
    manual: &'m Manual,
    physicians: Weighted<PhysicianKind>,
    mid_levels: Weighted<MidLevelKind<'m>>,
    counties: Vec<&'m str>,
    claims_made_share: f64,
    limits: Weighted<String>,
    deductibles: Vec<String>,
    hours: Vec<HoursRange>,
    /// Locum days stop below the first number the manual declines.
    locum_max: u32,
    /// Disciplinary actions, each with the years a declining rule looks back (0 when none).
    disciplinary: Weighted<(DisciplinaryAction, usize)>,
    /// First day of the in-force year and its 12 months of effective dates.
    dates: Vec<DateContext>,
}

/// An effective date and how many days back its anniversaries and look-backs fall.
#[derive(Debug)]
struct DateContext {
    effective: Date,
    /// `years_back[k]`: days from the date `k` years before `effective` to `effective`.
    years_back: Vec<i64>,
    risk_management_days: i64,
}

impl<'m> Plan<'m> {
    fn new(manual: &'m Manual) -> Result<Self, String> {
        let declines = |class: Option<&str>, physician: Option<(&str, SurgeryLevel)>| {
            manual.eligibility.iter().filter(|r| r.action == EligibilityAction::Decline).any(|r| match &r.condition {
                Condition::Class { any } => class.is_some_and(|c| any.iter().any(|a| a == c)),
                Condition::Specialty { any } => physician.is_some_and(|(code, _)| any.iter().any(|a| a == code)),
                Condition::Surgery { any } => physician.is_some_and(|(_, level)| any.contains(&level)),
                _ => false,
            })
        };
        // A class without a base rate in some territory would be a rating error, not a risk a
        // carrier writes.
        let rated = |class: &str| {
            manual.territories.list.iter().all(|t| manual.base_rates.contains_key(&(class.to_string(), t.id.clone())))
        };

        let mut physicians = Vec::new();
        for mapping in &manual.specialties {
            let weight =
                SPECIALTY_WEIGHTS.iter().find(|(c, _)| *c == mapping.code).map_or(OTHER_SPECIALTY, |(_, w)| *w);
            let twin = mapping
                .code
                .strip_prefix("80")
                .map(|rest| format!("84{rest}"))
                .filter(|t| manual.osteopathic_mirror && manual.specialty(t).is_none());
            for (level, level_weight) in levels_of(mapping) {
                let Some(class) = class_at(mapping, level) else { continue };
                if !rated(class) || declines(Some(class), Some((&mapping.code, level))) {
                    continue;
                }
                let osteopathic = twin.clone().filter(|t| !declines(Some(class), Some((t, level))));
                let kind = PhysicianKind { code: mapping.code.clone(), osteopathic, surgery: level };
                physicians.push((kind, weight * level_weight));
            }
        }
        let physicians = Weighted::new(physicians);

        let mid_levels = Weighted::new(manual.midlevels.iter().filter_map(|m| {
            let (class, shared, separate) = match &m.method {
                MidLevelMethod::OwnClass { class } => (Some(class.as_str()), true, false),
                MidLevelMethod::PercentOfClass { class, shared, separate } => {
                    (Some(class.as_str()), shared.is_some(), separate.is_some())
                }
                MidLevelMethod::Flat { shared, separate } => (None, shared.is_some(), separate.is_some()),
            };
            if class.is_some_and(|c| !rated(c) || declines(Some(c), None)) || !(shared || separate) {
                return None;
            }
            let weight = MID_LEVEL_WEIGHTS
                .iter()
                .find(|(r, _)| r.eq_ignore_ascii_case(&m.role))
                .map_or(OTHER_MID_LEVEL, |(_, w)| *w);
            Some((MidLevelKind { role: m.role.as_str(), shared, separate }, weight))
        }));
        if physicians.is_empty() && mid_levels.is_empty() {
            return Err(format!("{} rates no provider the generator can write", manual.meta.id()));
        }

        let mut counties: Vec<&str> = manual.territories.counties.keys().map(String::as_str).collect();
        if manual.territories.default.is_some() {
            let listed = |c: &str| manual.territories.counties.keys().any(|k| k.eq_ignore_ascii_case(c));
            counties.extend(unlisted_counties(&manual.meta.state).iter().copied().filter(|c| !listed(c)));
        }
        if counties.is_empty() {
            return Err(format!(
                "{} lists no counties and the generator knows no county of {}",
                manual.meta.id(),
                manual.meta.state
            ));
        }

        let claims_made = manual.form.claims_made_steps.is_some()
            && (manual.meta.base_form == PolicyForm::ClaimsMade || manual.form.claims_made_mature_factor.is_some());
        let occurrence = manual.meta.base_form == PolicyForm::Occurrence || manual.form.occurrence_factor.is_some();
        let claims_made_share = match (claims_made, occurrence) {
            (true, true) => CLAIMS_MADE_SHARE,
            (true, false) => 1.0,
            (false, true) => 0.0,
            (false, false) => return Err(format!("{} writes neither claims-made nor occurrence", manual.meta.id())),
        };

        let offered_base = manual.limits.iter().any(|l| l.limits == manual.meta.base_limits);
        let others = u32::try_from(manual.limits.len().saturating_sub(1)).unwrap_or(u32::MAX).max(1);
        let limits = Weighted::new(manual.limits.iter().map(|l| {
            let weight = match (offered_base, l.limits == manual.meta.base_limits) {
                (false, _) => 1,
                (true, true) => BASE_LIMITS_SHARE * others,
                (true, false) => 100 - BASE_LIMITS_SHARE,
            };
            (l.limits.label(), weight)
        }));
        if limits.is_empty() {
            return Err(format!("{} offers no limits", manual.meta.id()));
        }
        let deductibles = manual.deductibles.iter().map(|d| d.deductible.label()).collect();

        let hours = part_time_bands(manual);

        let locum_max = manual
            .eligibility
            .iter()
            .filter(|r| r.action == EligibilityAction::Decline)
            .filter_map(|r| match r.condition {
                Condition::LocumDays { over } => Some(over),
                _ => None,
            })
            .min()
            .unwrap_or(u32::MAX)
            .min(120);

        let disciplinary = Weighted::new(DISCIPLINARY_WEIGHTS.iter().filter_map(|&(action, weight)| {
            let window = manual
                .eligibility
                .iter()
                .filter(|r| r.action == EligibilityAction::Decline)
                .filter_map(|r| match &r.condition {
                    Condition::Disciplinary { any, within_years } if any.contains(&action) => Some(*within_years),
                    _ => None,
                })
                .max()
                .unwrap_or(0);
            let window = usize::try_from(window).unwrap_or(usize::MAX);
            // The action must lie outside the declining window and inside the date tables.
            (window + 5 <= MAX_YEARS_BACK).then_some(((action, window), weight))
        }));

        let start = manual.meta.effective_new;
        let end = start.checked_add(jiff::Span::new().years(1)).map_err(|e| format!("{}: {e}", manual.meta.id()))?;
        let mut dates = Vec::new();
        let mut day = start;
        while day < end {
            dates.push(DateContext::new(day));
            day = day.tomorrow().map_err(|e| format!("{}: {e}", manual.meta.id()))?;
        }
        Ok(Self {
            manual,
            physicians,
            mid_levels,
            counties,
            claims_made_share,
            limits,
            deductibles,
            hours,
            locum_max,
            disciplinary,
            dates,
        })
    }
}

/// The surgery levels a specialty is written at in the book, with their weights: the levels
/// the plan maps explicitly, or, for a specialty mapped whatever the level (`any`), the one
/// level its physicians practise at.
fn levels_of(mapping: &SpecialtyMapping) -> Vec<(SurgeryLevel, u32)> {
    let explicit: Vec<(SurgeryLevel, u32)> =
        LEVEL_WEIGHTS.iter().copied().filter(|(level, _)| explicit_class(mapping, *level).is_some()).collect();
    if !explicit.is_empty() {
        return explicit;
    }
    let level = if SURGICAL_CODES.contains(&mapping.code.as_str()) { SurgeryLevel::Major } else { SurgeryLevel::None };
    // One level only: its weight is the specialty's whole share.
    vec![(level, 100)]
}

fn explicit_class(mapping: &SpecialtyMapping, level: SurgeryLevel) -> Option<&str> {
    match level {
        SurgeryLevel::None => mapping.none.as_deref(),
        SurgeryLevel::Minor => mapping.minor.as_deref(),
        SurgeryLevel::Major => mapping.major.as_deref(),
    }
}

fn class_at(mapping: &SpecialtyMapping, level: SurgeryLevel) -> Option<&str> {
    explicit_class(mapping, level).or(mapping.any.as_deref())
}

/// The manual's part-time bands as half-hour ranges; without a part-time modifier, part-time
/// providers work more than 4 and at most 29 hours.
fn part_time_bands(manual: &Manual) -> Vec<HoursRange> {
    let four = Decimal::from(4);
    let mut bands: Vec<HoursBand> = manual
        .modifiers
        .iter()
        .find_map(|m| match &m.rule {
            ModifierRule::PartTime { bands } => Some(bands.clone()),
            _ => None,
        })
        .unwrap_or_else(|| vec![HoursBand { max_hours: Decimal::from(29), adjustment: Decimal::ZERO }]);
    bands.sort_by_key(|b| b.max_hours);
    let mut out = Vec::new();
    let mut above = Decimal::ZERO;
    for (i, band) in bands.iter().enumerate() {
        // Nobody is insured for a couple of hours a week: the lowest band starts above 4.
        let lower = if i == 0 && band.max_hours > four { four } else { above };
        let steps = ((band.max_hours - lower) * Decimal::TWO).floor().to_u32().unwrap_or(0);
        if steps > 0 && band.max_hours <= Decimal::from(168) {
            out.push(HoursRange { above: lower, steps });
        }
        above = band.max_hours;
    }
    out
}

impl DateContext {
    fn new(effective: Date) -> Self {
        let back = |span: jiff::Span| effective.checked_sub(span).map_or(0, |d| days_between(d, effective));
        let years_back =
            (0..=MAX_YEARS_BACK).map(|k| back(jiff::Span::new().years(i64::try_from(k).unwrap_or(0)))).collect();
        let risk_management_days = back(jiff::Span::new().months(RISK_MANAGEMENT_MONTHS));
        Self { effective, years_back, risk_management_days }
    }

    fn years_back(&self, years: usize) -> i64 {
        self.years_back.get(years).or(self.years_back.last()).copied().unwrap_or(0)
    }

    fn days_before(&self, days: i64) -> Date {
        self.effective.checked_sub(SignedDuration::from_hours(days * 24)).unwrap_or(self.effective)
    }

    /// A date whose whole years before the effective date are `years`.
    fn years_ago(&self, rng: &mut ChaCha8Rng, years: usize) -> Date {
        let near = self.years_back(years);
        let far = self.years_back(years + 1) - 1;
        self.days_before(rng.random_range(near..=far.max(near)))
    }
}

fn days_between(from: Date, to: Date) -> i64 {
    to.duration_since(from).as_secs() / 86_400
}

/// What every row of one policy shares.
#[derive(Debug)]
struct Policy {
    id: String,
    providers: u32,
    date: usize,
    transaction: Transaction,
    county: usize,
    form: PolicyForm,
    limits: usize,
    /// Index into the plan's deductibles; `None` for no deductible.
    deductible: Option<usize>,
    schedule: String,
}

/// Reused text buffers (one allocation each for the whole book).
#[derive(Debug, Default)]
struct Buffers {
    provider_id: String,
    claims: String,
    disciplinary: String,
}

struct Generator<'p, 'm> {
    plan: &'p Plan<'m>,
    rng: ChaCha8Rng,
    buf: Buffers,
}

fn chance(rng: &mut ChaCha8Rng, p: f64) -> bool {
    rng.random::<f64>() < p
}

impl Generator<'_, '_> {
    fn policy(&mut self, number: u64) -> Policy {
        let plan = self.plan;
        let rng = &mut self.rng;
        // Solo 60%, 2-5 providers 30%, 6-15 providers 10%.
        let size = rng.random::<f64>();
        let providers = if size < 0.60 {
            1
        } else if size < 0.90 {
            rng.random_range(2..=5)
        } else {
            rng.random_range(6..=15)
        };
        let date = rng.random_range(0..plan.dates.len());
        let transaction = if chance(rng, NEW_BUSINESS_SHARE) { Transaction::New } else { Transaction::Renewal };
        let county = rng.random_range(0..plan.counties.len());
        let form = if chance(rng, plan.claims_made_share) { PolicyForm::ClaimsMade } else { PolicyForm::Occurrence };
        let limits = plan.limits.pick_index(rng);
        let deductible = (!plan.deductibles.is_empty() && !chance(rng, NO_DEDUCTIBLE_SHARE))
            .then(|| rng.random_range(0..plan.deductibles.len()));
        let schedule = match &plan.manual.schedule {
            Some(s) if chance(rng, SCHEDULE_SHARE) => schedule_text(&schedule_selections(rng, s)),
            _ => String::new(),
        };
        Policy { id: format!("P{number:07}"), providers, date, transaction, county, form, limits, deductible, schedule }
    }

    fn row(&mut self, policy: &Policy, provider: u64, row: u64, builder: &mut BookBuilder) -> Result<(), String> {
        let plan = self.plan;
        let manual = plan.manual;
        let rng = &mut self.rng;
        let buf = &mut self.buf;
        let dates = plan.dates.get(policy.date).ok_or("no effective date")?;

        let mid_level =
            if plan.physicians.is_empty() { true } else { !plan.mid_levels.is_empty() && chance(rng, MID_LEVEL_SHARE) };
        let (role, specialty, surgery, shared_limits): (&str, &str, Option<SurgeryLevel>, Option<bool>) = if mid_level {
            let m = plan.mid_levels.pick(rng);
            let shared = if m.shared && m.separate { chance(rng, SHARED_LIMITS_SHARE) } else { m.shared };
            (m.role, "", None, Some(shared))
        } else {
            let p = plan.physicians.pick(rng);
            let code = match &p.osteopathic {
                Some(twin) if chance(rng, OSTEOPATHIC_SHARE) => twin.as_str(),
                _ => p.code.as_str(),
            };
            (PHYSICIAN, code, Some(p.surgery), None)
        };

        let resident = (!mid_level && chance(rng, MOONLIGHTING_SHARE)).then_some(ResidentStatus::Moonlighting);
        let teaching = !mid_level && resident.is_none() && chance(rng, TEACHING_SHARE);
        // A resident has not completed training: no years since training.
        let years_since_training = if resident.is_some() {
            None
        } else if chance(rng, EARLY_CAREER_SHARE) {
            Some(rng.random_range(0..=2u32))
        } else {
            Some(rng.random_range(3..=35u32))
        };
        let career = years_since_training.map_or(0, |y| y as usize);

        // Years 1-4 of claims-made 10% each, mature the rest; the retro date never precedes the
        // end of training.
        let retro_date = match policy.form {
            PolicyForm::Occurrence => None,
            PolicyForm::ClaimsMade => {
                let u = rng.random::<f64>();
                let back = if u < 0.40 { (u / 0.10) as usize } else { rng.random_range(4..=career.clamp(4, 30)) };
                Some(dates.years_ago(rng, back.min(career)))
            }
        };

        let hours_per_week = (chance(rng, PART_TIME_SHARE) && !plan.hours.is_empty()).then(|| {
            let band = &plan.hours[rng.random_range(0..plan.hours.len())];
            let half_hours = rng.random_range(1..=band.steps);
            (band.above + Decimal::new(i64::from(half_hours) * 5, 1)).normalize()
        });

        let board_certified = chance(rng, BOARD_CERTIFIED_SHARE);
        let society_member = chance(rng, SOCIETY_MEMBER_SHARE);
        let risk_management_course = chance(rng, RISK_MANAGEMENT_SHARE)
            .then(|| dates.days_before(rng.random_range(1..=dates.risk_management_days.max(1))));
        let years_insured = match policy.transaction {
            Transaction::New => 0,
            Transaction::Renewal => rng.random_range(1..=(career as u32 + 1).clamp(1, 20)),
        };
        let locum_days = if chance(rng, LOCUM_SHARE) {
            let hi = plan.locum_max;
            rng.random_range(10.min(hi)..=hi)
        } else {
            0
        };
        let leave_months = if chance(rng, LEAVE_SHARE) { rng.random_range(1..=6) } else { 0 };

        buf.claims.clear();
        let u = rng.random::<f64>();
        let count = match CLAIMS_CUMULATIVE.iter().position(|&c| u < c) {
            None => 0,
            Some(2) => {
                if chance(rng, 0.75) {
                    3
                } else {
                    4
                }
            }
            Some(i) => i + 1,
        };
        if count > 0 {
            let mut claims: Vec<(i64, u64)> = (0..count)
                .map(|_| {
                    let back = rng.random_range(1..=dates.years_back(CLAIMS_LOOKBACK_YEARS));
                    let paid = if chance(rng, CLAIM_PAID_ZERO_SHARE) {
                        0
                    } else {
                        rng.random_range(CLAIM_PAID_RANGE.0..=CLAIM_PAID_RANGE.1)
                    };
                    (back, paid)
                })
                .collect();
            // Oldest first, as a loss run lists them.
            claims.sort_unstable_by_key(|c| std::cmp::Reverse(c.0));
            for (i, (back, paid)) in claims.into_iter().enumerate() {
                if i > 0 {
                    buf.claims.push(';');
                }
                let _ = write!(buf.claims, "{}:{paid}", dates.days_before(back));
            }
        }

        buf.disciplinary.clear();
        if !plan.disciplinary.is_empty() && chance(rng, DISCIPLINARY_SHARE) {
            let &(action, window) = plan.disciplinary.pick(rng);
            // Outside any window in which the manual declines the action.
            let near = if window == 0 { 1 } else { dates.years_back(window) + 1 };
            let far = dates.years_back(window.max(5) + 5).max(near);
            let date = dates.days_before(rng.random_range(near..=far));
            let _ = write!(buf.disciplinary, "{}:{date}", action.name());
        }

        buf.provider_id.clear();
        let _ = write!(buf.provider_id, "{}-{provider:02}", policy.id);
        let input = RowInput {
            policy_id: &policy.id,
            provider_id: &buf.provider_id,
            carrier: &manual.meta.carrier,
            state: &manual.meta.state,
            effective: Some(dates.effective),
            transaction: Some(policy.transaction),
            role,
            specialty,
            surgery,
            shared_limits,
            county: plan.counties.get(policy.county).copied().unwrap_or_default(),
            form: Some(policy.form),
            retro_date,
            limits: plan.limits.items.get(policy.limits).map_or("", String::as_str),
            deductible: policy.deductible.and_then(|d| plan.deductibles.get(d)).map_or("", String::as_str),
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
            claims: &buf.claims,
            disciplinary: &buf.disciplinary,
            schedule: &policy.schedule,
            current_premium: None,
        };
        builder.push(row, &input).map_err(|bad| format!("generated row {row} is not a valid book row: {bad}"))
    }
}

/// One to three of the plan's items, credits more often than debits, in whole percents within
/// each item's range and the plan's total caps; in the manual's item order.
fn schedule_selections(rng: &mut ChaCha8Rng, plan: &medmal_core::manual::ScheduleRating) -> ScheduleSelections {
    let percent = |x: Decimal| (x * Decimal::ONE_HUNDRED).floor().to_i64().unwrap_or(0).max(0);
    let count = rng.random_range(1..=plan.items.len().clamp(1, 3));
    let mut chosen: Vec<usize> = Vec::with_capacity(count);
    while chosen.len() < count.min(plan.items.len()) {
        let i = rng.random_range(0..plan.items.len());
        if !chosen.contains(&i) {
            chosen.push(i);
        }
    }
    chosen.sort_unstable();
    let (mut credit_left, mut debit_left) = (percent(plan.max_credit), percent(plan.max_debit));
    let mut out = ScheduleSelections::new();
    for i in chosen {
        let Some(item) = plan.items.get(i) else { continue };
        let (credit, debit) = (percent(item.max_credit).min(credit_left), percent(item.max_debit).min(debit_left));
        let adjustment = if credit > 0 && (debit == 0 || chance(rng, SCHEDULE_CREDIT_SHARE)) {
            let c = rng.random_range(1..=credit);
            credit_left -= c;
            -c
        } else if debit > 0 {
            let d = rng.random_range(1..=debit);
            debit_left -= d;
            d
        } else {
            continue;
        };
        out.push((item.id.clone(), Decimal::new(adjustment, 2)));
    }
    out
}
