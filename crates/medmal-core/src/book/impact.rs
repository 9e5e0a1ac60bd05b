//! What a new manual version does to a book: totals, change by class, territory, limits and
//! form, the distribution of changes in bands, the largest movers, and the rows the new
//! version refers or declines. Every figure is a sum of row premiums, so it reconciles.

use rust_decimal::Decimal;
use serde::Serialize;

use super::Book;
use super::compile::{CompiledManual, RowOutcome, RowStatus};
use crate::money::{Money, div_round_half_up};

/// One row rated under both versions.
#[derive(Debug, Clone)]
pub struct RowResult {
    pub before: RowOutcome,
    pub after: RowOutcome,
}

#[derive(Debug, Clone, Copy)]
pub struct ImpactOptions {
    /// How many of the largest movers to list.
    pub movers: usize,
}

impl Default for ImpactOptions {
    fn default() -> Self {
        Self { movers: 20 }
    }
}

/// Premium before and after for a slice of the book.
#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct Group {
    pub key: String,
    pub label: String,
    pub rows: u64,
    #[serde(with = "crate::money::serde_money")]
    pub before: Money,
    #[serde(with = "crate::money::serde_money")]
    pub after: Money,
    /// (after − before) / before in percent, to two places; `None` when before is zero.
    #[serde(with = "crate::money::serde_opt_dec")]
    pub change_pct: Option<Decimal>,
}

/// Rows whose change falls in one band.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Band {
    pub label: &'static str,
    pub rows: u64,
    #[serde(with = "crate::money::serde_money")]
    pub before: Money,
    #[serde(with = "crate::money::serde_money")]
    pub after: Money,
}

/// One of the largest movers.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Mover {
    /// Data row number in the book file.
    pub row: u32,
    pub policy_id: String,
    pub provider_id: String,
    pub class: String,
    pub territory: String,
    #[serde(with = "crate::money::serde_money")]
    pub before: Money,
    #[serde(with = "crate::money::serde_money")]
    pub after: Money,
    #[serde(with = "crate::money::serde_opt_dec")]
    pub change_pct: Option<Decimal>,
}

/// A row the new version refers or declines, or that a version cannot rate.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Flagged {
    pub row: u32,
    pub policy_id: String,
    pub provider_id: String,
    /// `referred`, `declined`, or `not_rated`.
    pub status: &'static str,
    /// Which version: `from` or `to`.
    pub version: &'static str,
    pub reason: String,
}

/// How many rows one appetite rule (or rating problem) caught.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct FlagCount {
    pub status: &'static str,
    pub version: &'static str,
    pub reason: String,
    pub rows: u64,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct ImpactReport {
    pub carrier: String,
    pub carrier_name: String,
    pub state: String,
    pub from: String,
    pub to: String,
    /// Rows in the book (rejected rows are not in the book; the caller counts them).
    pub rows: u64,
    /// Rows rated under both versions: the rows every figure below sums.
    pub rated: u64,
    #[serde(with = "crate::money::serde_money")]
    pub before: Money,
    #[serde(with = "crate::money::serde_money")]
    pub after: Money,
    #[serde(with = "crate::money::serde_money")]
    pub change: Money,
    #[serde(with = "crate::money::serde_opt_dec")]
    pub change_pct: Option<Decimal>,
    /// The book's own current premium over the rated rows, and how many rows differ from the
    /// premium the old version gives (a book that does not reproduce is worth knowing about).
    pub current: Option<CurrentCheck>,
    pub by_class: Vec<Group>,
    pub by_territory: Vec<Group>,
    pub by_limits: Vec<Group>,
    pub by_form: Vec<Group>,
    pub bands: Vec<Band>,
    pub movers: Vec<Mover>,
    pub flag_counts: Vec<FlagCount>,
    /// Every row referred or declined by the new version or not rated by either.
    pub flagged: Vec<Flagged>,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct CurrentCheck {
    pub rows: u64,
    #[serde(with = "crate::money::serde_money")]
    pub total: Money,
    pub rows_differing: u64,
}

/// Band edges in percent; a change equal to an edge belongs to the band above it, except
/// that exactly zero has its own band.
const BANDS: [&str; 9] = [
    "below −10%",
    "−10% to −5%",
    "−5% to 0%",
    "no change",
    "0% to +5%",
    "+5% to +10%",
    "+10% to +15%",
    "+15% to +25%",
    "+25% and above",
];

/// A premium as whole cents when it has at most two decimal places (every premium of a manual
/// that rounds to cents or dollars) and is below 10^15 dollars, so products of two stay far
/// inside 128 bits; the report's sums and comparisons then run on integers.
fn cents(x: Money) -> Option<i128> {
    let scale = x.scale();
    let c = match scale {
        2 => x.mantissa(),
        0 | 1 => x.mantissa() * 10i128.pow(2 - scale),
        _ => return None,
    };
    (c.abs() < 100_000_000_000_000_000).then_some(c)
}

/// A sum of premiums, exact: whole cents as an integer, anything finer as a decimal.
#[derive(Debug, Clone, Copy, Default)]
struct Sum {
    cents: i128,
    finer: Decimal,
}

impl Sum {
    // Thirteen sums per row: a call each would cost more than the sum.
    #[inline(always)]
    fn add(&mut self, x: Money, c: Option<i128>) {
        match c.and_then(|c| self.cents.checked_add(c)) {
            Some(total) => self.cents = total,
            None => self.finer = self.finer.saturating_add(x),
        }
    }

    fn merge(&mut self, other: Sum) {
        match self.cents.checked_add(other.cents) {
            Some(total) => self.cents = total,
            None => self.finer = self.finer.saturating_add(Sum { cents: other.cents, finer: Decimal::ZERO }.value()),
        }
        self.finer = self.finer.saturating_add(other.finer);
    }

    fn value(self) -> Money {
        let whole = Decimal::try_from_i128_with_scale(self.cents, 2).unwrap_or(if self.cents < 0 {
            Decimal::MIN
        } else {
            Decimal::MAX
        });
        if self.finer.is_zero() { whole } else { whole.saturating_add(self.finer) }
    }
}

/// Rows, premium before and premium after of one slice of the book, while it is summed.
#[derive(Debug, Clone, Copy, Default)]
struct Tally {
    rows: u64,
    before: Sum,
    after: Sum,
}

impl Tally {
    #[inline]
    fn add(&mut self, p: &Premiums) {
        self.rows += 1;
        self.before.add(p.before, p.before_cents);
        self.after.add(p.after, p.after_cents);
    }

    fn merge(&mut self, other: &Tally) {
        self.rows += other.rows;
        self.before.merge(other.before);
        self.after.merge(other.after);
    }
}

/// One row's premiums under both versions, with their cents when they have them.
#[derive(Debug, Clone, Copy)]
struct Premiums {
    before: Money,
    after: Money,
    before_cents: Option<i128>,
    after_cents: Option<i128>,
}

impl Premiums {
    fn new(before: Money, after: Money) -> Self {
        Self { before, after, before_cents: cents(before), after_cents: cents(after) }
    }

    fn band(&self) -> usize {
        match (self.before_cents, self.after_cents) {
            (Some(b), Some(a)) => band_of(b, a),
            _ => band_of(self.before, self.after),
        }
    }

    /// Whether this row moved more than `other`: larger |change| / before, then larger
    /// |change|.
    fn moved_more(&self, other: &Premiums) -> bool {
        match (self.before_cents, self.after_cents, other.before_cents, other.after_cents) {
            (Some(ab), Some(aa), Some(bb), Some(ba)) => moved_more((ab, aa), (bb, ba)),
            _ => moved_more((self.before, self.after), (other.before, other.after)),
        }
    }
}

/// The arithmetic the report needs of an amount, so the same rules run on integer cents and
/// on decimals.
trait Amount: Copy + PartialOrd + std::ops::Sub<Output = Self> + std::ops::Mul<Output = Self> {
    const ZERO: Self;
    fn from_i64(x: i64) -> Self;
    fn abs(self) -> Self;
}

impl Amount for i128 {
    const ZERO: Self = 0;
    fn from_i64(x: i64) -> Self {
        i128::from(x)
    }
    fn abs(self) -> Self {
        i128::abs(self)
    }
}

impl Amount for Decimal {
    const ZERO: Self = Decimal::ZERO;
    fn from_i64(x: i64) -> Self {
        Decimal::from(x)
    }
    fn abs(self) -> Self {
        Decimal::abs(&self)
    }
}

fn band_of<T: Amount>(before: T, after: T) -> usize {
    let diff = after - before;
    if diff == T::ZERO {
        return 3;
    }
    if before <= T::ZERO {
        return if diff > T::ZERO { 8 } else { 0 };
    }
    // diff / before ≥ t/100  ⇔  100·diff ≥ t·before (before > 0), exact in integers and decimals.
    let hundred = diff * T::from_i64(100);
    let at_least = |t: i64| hundred >= before * T::from_i64(t);
    if diff < T::ZERO {
        if !at_least(-10) {
            0
        } else if !at_least(-5) {
            1
        } else {
            2
        }
    } else if !at_least(5) {
        4
    } else if !at_least(10) {
        5
    } else if !at_least(15) {
        6
    } else if !at_least(25) {
        7
    } else {
        8
    }
}

fn pct_change(before: Money, after: Money) -> Option<Decimal> {
    div_round_half_up((after - before) * Decimal::ONE_HUNDRED, before, 2)
}

/// Whether mover `a` moved more than `b`: larger |change| / before, then larger |change|.
fn moved_more<T: Amount>(a: (T, T), b: (T, T)) -> bool {
    let (da, db) = ((a.1 - a.0).abs(), (b.1 - b.0).abs());
    if a.0 == T::ZERO || b.0 == T::ZERO {
        return da > db;
    }
    let (x, y) = (da * b.0, db * a.0);
    x > y || (x == y && da > db)
}

/// A mover candidate: the row and what the report shows of it.
#[derive(Debug, Clone, Copy)]
struct Candidate {
    index: usize,
    premiums: Premiums,
    class: Option<u16>,
    territory: u16,
}

/// The report being summed over a run of consecutive rows. Runs summed on different threads
/// merge, in book order, into exactly the report of all their rows.
#[derive(Debug, Clone)]
pub struct ImpactParts {
    movers_wanted: usize,
    by_class: Vec<Tally>,
    by_territory: Vec<Tally>,
    by_limits: Vec<Tally>,
    by_form: [Tally; 2],
    bands: [Tally; 9],
    total: Tally,
    current: (u64, Sum, u64),
    /// The largest movers so far, largest first; among equal moves the earlier row first.
    top: Vec<Candidate>,
    flagged: Vec<Flagged>,
    counts: Vec<FlagCount>,
}

impl ImpactParts {
    /// An empty report for `book` rated under `from` → `to`.
    pub fn new(book: &Book, from: &CompiledManual<'_>, options: ImpactOptions) -> Self {
        Self {
            movers_wanted: options.movers,
            by_class: vec![Tally::default(); from.classes.len() + 1],
            by_territory: vec![Tally::default(); from.territories.len()],
            by_limits: vec![Tally::default(); book.dicts.limits.len()],
            by_form: [Tally::default(); 2],
            bands: [Tally::default(); 9],
            total: Tally::default(),
            current: (0, Sum::default(), 0),
            top: Vec::with_capacity(options.movers + 1),
            flagged: Vec::new(),
            counts: Vec::new(),
        }
    }

    fn count(&mut self, status: &'static str, version: &'static str, reason: &str, rows: u64) {
        match self.counts.iter_mut().find(|c| c.status == status && c.version == version && c.reason == reason) {
            Some(c) => c.rows += rows,
            None => self.counts.push(FlagCount { status, version, reason: reason.to_string(), rows }),
        }
    }

    /// Add row `i` of `book` (rows must come in book order within one part).
    pub fn add(&mut self, book: &Book, to: &CompiledManual<'_>, i: usize, r: &RowResult) {
        let Some(row) = book.rows.get(i) else { return };
        let flag = |status: &'static str, version: &'static str, reason: String| Flagged {
            row: row.source_row,
            policy_id: book.policy_ids.get(i).to_string(),
            provider_id: book.provider_ids.get(i).to_string(),
            status,
            version,
            reason,
        };
        let (b, a) = match (&r.before, &r.after) {
            (Ok(b), Ok(a)) => (b, a),
            (before, after) => {
                for (version, outcome) in [("from", before), ("to", after)] {
                    if let Err(e) = outcome {
                        let reason = format!("{}: {}", e.column, e.message);
                        self.count("not_rated", version, &reason, 1);
                        self.flagged.push(flag("not_rated", version, reason));
                    }
                }
                return;
            }
        };
        if a.status != RowStatus::Quoted {
            let status = if a.status == RowStatus::Declined { "declined" } else { "referred" };
            let reason = a.reason.map_or("", |x| to.reason_text(x));
            self.count(status, "to", reason, 1);
            self.flagged.push(flag(status, "to", reason.to_string()));
        }
        let p = Premiums::new(b.premium, a.premium);
        self.total.add(&p);
        let flat = self.by_class.len() - 1;
        if let Some(g) = self.by_class.get_mut(b.class.map_or(flat, usize::from)) {
            g.add(&p);
        }
        if let Some(g) = self.by_territory.get_mut(usize::from(b.territory)) {
            g.add(&p);
        }
        if let Some(g) = self.by_limits.get_mut(row.limits as usize) {
            g.add(&p);
        }
        self.by_form[usize::from(row.form == crate::manual::PolicyForm::Occurrence)].add(&p);
        self.bands[p.band()].add(&p);
        if let Some(c) = row.current_premium {
            self.current.0 += 1;
            self.current.1.add(c, cents(c));
            self.current.2 += u64::from(c != p.before);
        }
        let wanted = self.movers_wanted;
        if wanted > 0 && (self.top.len() < wanted || self.top.last().is_some_and(|l| p.moved_more(&l.premiums))) {
            let at = self.top.iter().position(|t| p.moved_more(&t.premiums)).unwrap_or(self.top.len());
            self.top.insert(at, Candidate { index: i, premiums: p, class: b.class, territory: b.territory });
            self.top.truncate(wanted);
        }
    }

    /// Append the part summed over the rows that follow this part's.
    pub fn merge(&mut self, later: ImpactParts) {
        let tallies = |mine: &mut [Tally], theirs: &[Tally]| mine.iter_mut().zip(theirs).for_each(|(m, t)| m.merge(t));
        tallies(&mut self.by_class, &later.by_class);
        tallies(&mut self.by_territory, &later.by_territory);
        tallies(&mut self.by_limits, &later.by_limits);
        tallies(&mut self.by_form, &later.by_form);
        tallies(&mut self.bands, &later.bands);
        self.total.merge(&later.total);
        self.current.0 += later.current.0;
        self.current.1.merge(later.current.1);
        self.current.2 += later.current.2;
        // Each part holds its own largest movers; the earlier part's win ties, as they would
        // had the rows been summed in one run.
        for c in later.top {
            let at = self.top.iter().position(|t| c.premiums.moved_more(&t.premiums)).unwrap_or(self.top.len());
            self.top.insert(at, c);
        }
        self.top.truncate(self.movers_wanted);
        self.flagged.extend(later.flagged);
        for c in later.counts {
            self.count(c.status, c.version, &c.reason, c.rows);
        }
    }

    /// The report.
    pub fn finish(self, book: &Book, from: &CompiledManual<'_>, to: &CompiledManual<'_>) -> ImpactReport {
        let fm = from.manual;
        let class_name = |id: &str| fm.class(id).map_or(String::new(), |c| c.name.clone());
        let territory_name =
            |id: &str| fm.territories.list.iter().find(|t| t.id == id).map_or(String::new(), |t| t.name.clone());
        let group = |key: String, label: String, t: &Tally| {
            let (before, after) = (t.before.value(), t.after.value());
            Group { key, label, rows: t.rows, before, after, change_pct: pct_change(before, after) }
        };
        let keep = |g: Vec<Group>| g.into_iter().filter(|g| g.rows > 0).collect::<Vec<_>>();
        let by_class = from
            .classes
            .iter()
            .map(|c| (c.to_string(), class_name(c)))
            .chain(std::iter::once(("flat".to_string(), "flat-fee providers".to_string())))
            .zip(&self.by_class)
            .map(|((k, l), t)| group(k, l, t))
            .collect();
        let by_territory = from
            .territories
            .iter()
            .zip(&self.by_territory)
            .map(|(t, tally)| group(t.to_string(), territory_name(t), tally))
            .collect();
        let by_limits = book
            .dicts
            .limits
            .values
            .iter()
            .zip(&self.by_limits)
            .map(|(l, t)| group(l.label(), String::new(), t))
            .collect();
        let by_form = [("claims_made", "claims-made"), ("occurrence", "occurrence")]
            .iter()
            .zip(&self.by_form)
            .map(|((k, l), t)| group(k.to_string(), l.to_string(), t))
            .collect();
        let bands = BANDS
            .iter()
            .zip(&self.bands)
            .map(|(label, t)| Band { label, rows: t.rows, before: t.before.value(), after: t.after.value() })
            .collect();
        let movers = self
            .top
            .iter()
            .map(|c| {
                let (before, after) = (c.premiums.before, c.premiums.after);
                Mover {
                    row: book.rows.get(c.index).map_or(0, |r| r.source_row),
                    policy_id: book.policy_ids.get(c.index).to_string(),
                    provider_id: book.provider_ids.get(c.index).to_string(),
                    class: c
                        .class
                        .and_then(|x| from.classes.get(usize::from(x)))
                        .map_or("flat".to_string(), |x| x.to_string()),
                    territory: from.territories.get(usize::from(c.territory)).map_or(String::new(), |t| t.to_string()),
                    before,
                    after,
                    change_pct: pct_change(before, after),
                }
            })
            .collect();
        let (before, after) = (self.total.before.value(), self.total.after.value());
        ImpactReport {
            carrier: fm.meta.carrier.clone(),
            carrier_name: fm.meta.carrier_name.clone(),
            state: fm.meta.state.clone(),
            from: fm.meta.id(),
            to: to.manual.meta.id(),
            rows: book.rows.len() as u64,
            rated: self.total.rows,
            before,
            after,
            change: after - before,
            change_pct: pct_change(before, after),
            current: (self.current.0 > 0).then_some(CurrentCheck {
                rows: self.current.0,
                total: self.current.1.value(),
                rows_differing: self.current.2,
            }),
            by_class: keep(by_class),
            by_territory: keep(by_territory),
            by_limits: keep(by_limits),
            by_form: keep(by_form),
            bands,
            movers,
            flag_counts: self.counts,
            flagged: self.flagged,
        }
    }
}

/// The report for `results` (one per book row, in order) under `from` → `to`.
pub fn impact(
    book: &Book,
    from: &CompiledManual<'_>,
    to: &CompiledManual<'_>,
    results: &[RowResult],
    options: ImpactOptions,
) -> ImpactReport {
    let mut parts = ImpactParts::new(book, from, options);
    for (i, r) in results.iter().enumerate() {
        parts.add(book, to, i, r);
    }
    parts.finish(book, from, to)
}
