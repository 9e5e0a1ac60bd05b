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

impl Group {
    fn new(key: impl Into<String>, label: impl Into<String>) -> Self {
        Self { key: key.into(), label: label.into(), ..Self::default() }
    }

    fn add(&mut self, before: Money, after: Money) {
        self.rows += 1;
        self.before += before;
        self.after += after;
    }

    fn finish(&mut self) {
        self.change_pct = pct_change(self.before, self.after);
    }
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

fn band_of(before: Money, after: Money) -> usize {
    let diff = after - before;
    if diff.is_zero() {
        return 3;
    }
    if before <= Decimal::ZERO {
        return if diff > Decimal::ZERO { 8 } else { 0 };
    }
    // diff / before ≥ t/100  ⇔  100·diff ≥ t·before (before > 0), exact in decimals.
    let hundred = diff * Decimal::ONE_HUNDRED;
    let at_least = |t: i64| hundred >= before * Decimal::from(t);
    if diff < Decimal::ZERO {
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
fn moved_more(a: (Money, Money), b: (Money, Money)) -> bool {
    let (da, db) = ((a.1 - a.0).abs(), (b.1 - b.0).abs());
    if a.0.is_zero() || b.0.is_zero() {
        return da > db;
    }
    let (x, y) = (da * b.0, db * a.0);
    x > y || (x == y && da > db)
}

/// The report for `results` (one per book row, in order) under `from` → `to`.
pub fn impact(
    book: &Book,
    from: &CompiledManual<'_>,
    to: &CompiledManual<'_>,
    results: &[RowResult],
    options: ImpactOptions,
) -> ImpactReport {
    let fm = from.manual;
    let class_name = |id: &str| fm.class(id).map_or(String::new(), |c| c.name.clone());
    let territory_name =
        |id: &str| fm.territories.list.iter().find(|t| t.id == id).map_or(String::new(), |t| t.name.clone());
    let mut by_class: Vec<Group> = from.classes.iter().map(|c| Group::new(*c, class_name(c))).collect();
    let flat_class = by_class.len();
    by_class.push(Group::new("flat", "flat-fee providers"));
    let mut by_territory: Vec<Group> = from.territories.iter().map(|t| Group::new(*t, territory_name(t))).collect();
    let mut by_limits: Vec<Group> =
        book.dicts.limits.values.iter().map(|l| Group::new(l.label(), String::new())).collect();
    let mut by_form = vec![Group::new("claims_made", "claims-made"), Group::new("occurrence", "occurrence")];
    let mut bands: Vec<Band> =
        BANDS.iter().map(|label| Band { label, rows: 0, before: Decimal::ZERO, after: Decimal::ZERO }).collect();
    let mut total = Group::new("total", "book");
    let mut current = (0u64, Decimal::ZERO, 0u64);
    let mut top: Vec<(usize, Money, Money)> = Vec::with_capacity(options.movers + 1);
    let mut flagged = Vec::new();
    let mut counts: Vec<FlagCount> = Vec::new();
    let mut count = |status: &'static str, version: &'static str, reason: &str| match counts
        .iter_mut()
        .find(|c| c.status == status && c.version == version && c.reason == reason)
    {
        Some(c) => c.rows += 1,
        None => counts.push(FlagCount { status, version, reason: reason.to_string(), rows: 1 }),
    };

    for (i, (row, r)) in book.rows.iter().zip(results).enumerate() {
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
                        count("not_rated", version, &reason);
                        flagged.push(flag("not_rated", version, reason));
                    }
                }
                continue;
            }
        };
        if a.status != RowStatus::Quoted {
            let status = if a.status == RowStatus::Declined { "declined" } else { "referred" };
            let reason = a.reason.map_or("", |x| to.reason_text(x));
            count(status, "to", reason);
            flagged.push(flag(status, "to", reason.to_string()));
        }
        let (before, after) = (b.premium, a.premium);
        total.add(before, after);
        by_class[b.class.map_or(flat_class, usize::from)].add(before, after);
        if let Some(g) = by_territory.get_mut(usize::from(b.territory)) {
            g.add(before, after);
        }
        if let Some(g) = by_limits.get_mut(row.limits as usize) {
            g.add(before, after);
        }
        by_form[usize::from(row.form == crate::manual::PolicyForm::Occurrence)].add(before, after);
        let band = &mut bands[band_of(before, after)];
        band.rows += 1;
        band.before += before;
        band.after += after;
        if let Some(c) = row.current_premium {
            current.0 += 1;
            current.1 += c;
            current.2 += u64::from(c != before);
        }
        if options.movers > 0
            && (top.len() < options.movers || top.last().is_some_and(|l| moved_more((before, after), (l.1, l.2))))
        {
            let at = top.iter().position(|t| moved_more((before, after), (t.1, t.2))).unwrap_or(top.len());
            top.insert(at, (i, before, after));
            top.truncate(options.movers);
        }
    }
    for g in by_class.iter_mut().chain(&mut by_territory).chain(&mut by_limits).chain(&mut by_form) {
        g.finish();
    }
    total.finish();
    let keep = |g: Vec<Group>| g.into_iter().filter(|g| g.rows > 0).collect::<Vec<_>>();
    let movers = top
        .into_iter()
        .map(|(i, before, after)| {
            let rated = results[i].before.as_ref().ok();
            Mover {
                row: book.rows[i].source_row,
                policy_id: book.policy_ids.get(i).to_string(),
                provider_id: book.provider_ids.get(i).to_string(),
                class: rated
                    .and_then(|r| r.class)
                    .and_then(|c| from.classes.get(usize::from(c)))
                    .map_or("flat".to_string(), |c| c.to_string()),
                territory: rated
                    .and_then(|r| from.territories.get(usize::from(r.territory)))
                    .map_or(String::new(), |t| t.to_string()),
                before,
                after,
                change_pct: pct_change(before, after),
            }
        })
        .collect();
    ImpactReport {
        carrier: fm.meta.carrier.clone(),
        carrier_name: fm.meta.carrier_name.clone(),
        state: fm.meta.state.clone(),
        from: fm.meta.id(),
        to: to.manual.meta.id(),
        rows: book.rows.len() as u64,
        rated: total.rows,
        before: total.before,
        after: total.after,
        change: total.after - total.before,
        change_pct: total.change_pct,
        current: (current.0 > 0).then_some(CurrentCheck {
            rows: current.0,
            total: current.1,
            rows_differing: current.2,
        }),
        by_class: keep(by_class),
        by_territory: keep(by_territory),
        by_limits: keep(by_limits),
        by_form: keep(by_form),
        bands,
        movers,
        flag_counts: counts,
        flagged,
    }
}
