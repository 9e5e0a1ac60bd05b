//! Individual credits and debits, combined per the manual's group rules, and schedule rating.

use std::fmt;

use jiff::civil::Date;
use rust_decimal::Decimal;

use super::provider::pct;
use super::{RateError, whole_years};
use crate::calendar::{Window, add_months};
use crate::manual::{Combine, DisciplinaryAction, Manual, ModifierGroup, ModifierRule};
use crate::money::{Money, RoundingMode, round_dp};
use crate::practice::{Claim, DisciplinaryEvent, Practice, Provider, ResidentStatus};
use crate::worksheet::WorksheetBuilder;

/// The facts about one provider that individual modifiers and appetite rules read. Built from
/// a practice's provider or from a book row, so both are rated by the same rules.
#[derive(Debug, Clone, Copy)]
pub(crate) struct ProviderFacts<'a> {
    pub effective: Date,
    pub hours_per_week: Option<Decimal>,
    pub years_since_training: Option<u32>,
    pub resident: Option<ResidentStatus>,
    pub teaching: bool,
    pub leave_months: u32,
    pub claims: &'a [Claim],
    pub disciplinary: &'a [DisciplinaryEvent],
    pub risk_management_course: Option<Date>,
    pub board_certified: bool,
    pub society_member: bool,
    pub years_insured_with_carrier: u32,
    pub locum_days: u32,
}

impl<'a> ProviderFacts<'a> {
    pub(crate) fn of(practice: &Practice, p: &'a Provider) -> Self {
        Self {
            effective: practice.coverage.effective,
            hours_per_week: p.hours_per_week,
            years_since_training: p.years_since_training,
            resident: p.resident,
            teaching: p.teaching,
            leave_months: p.leave_months,
            claims: &p.claims,
            disciplinary: &p.disciplinary,
            risk_management_course: p.risk_management_course,
            board_certified: p.board_certified,
            society_member: p.society_member,
            years_insured_with_carrier: p.years_insured_with_carrier,
            locum_days: p.locum_days,
        }
    }
}

/// Why a modifier applies, kept as numbers and written out only when a worksheet is shown.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Why {
    Hours { hours: Decimal, max: Decimal },
    YearsSinceTraining(u32),
    Resident,
    Moonlighting,
    Teaching,
    Leave { months: u32, adjustment: Decimal },
    ClaimsFree { years: u32, at_least: u32 },
    ClaimsSurcharge { count: u32, min_paid: Money, paid: Money, lookback: u32, row_claims: u32, row_paid: Money },
    Disciplinary { action: DisciplinaryAction, date: Date },
    RiskManagement { done: Date, expires: Date },
    BoardCertified,
    SocietyMember,
    Loyalty { years: u32, at_least: u32 },
}

impl fmt::Display for Why {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Why::Hours { hours, max } => write!(f, "{} hours/week ≤ {}", hours.normalize(), max.normalize()),
            Why::YearsSinceTraining(y) => write!(f, "{y} completed years since training"),
            Why::Resident => f.write_str("resident"),
            Why::Moonlighting => f.write_str("moonlighting resident"),
            Why::Teaching => f.write_str("teaching physician"),
            Why::Leave { months, adjustment } => write!(f, "{months} of 12 months on leave × {}", pct(adjustment)),
            Why::ClaimsFree { years, at_least } => write!(f, "{years} years claims-free ≥ {at_least}"),
            Why::ClaimsSurcharge { count, min_paid, paid, lookback, row_claims, row_paid } => write!(
                f,
                "{count} claims paid ≥ {} in {lookback} years, {} paid (row: ≥ {row_claims} claims, ≥ {} paid)",
                min_paid.normalize(),
                paid.normalize(),
                row_paid.normalize()
            ),
            Why::Disciplinary { action, date } => write!(f, "{} on {date}", action.name()),
            Why::RiskManagement { done, expires } => write!(f, "course completed {done}, credit valid to {expires}"),
            Why::BoardCertified => f.write_str("board certified"),
            Why::SocietyMember => f.write_str("society member"),
            Why::Loyalty { years, at_least } => write!(f, "{years} years insured ≥ {at_least}"),
        }
    }
}

/// The adjustment one modifier gives one provider.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Adjusted {
    pub value: Decimal,
    pub why: Why,
}

/// What an evaluation of a modifier yields: the whole [`Adjusted`] for a worksheet, or only
/// which entry applied ([`Pick`]) for a batch that keys cached factors on picks. The value and
/// the why are built only when the outcome keeps them.
pub(crate) trait Outcome: Sized {
    fn found(pick: u32, value: impl FnOnce() -> Decimal, why: impl FnOnce() -> Why) -> Self;

    /// The rule's entry `index` (0-based) applied.
    fn entry(index: usize, value: Decimal, why: impl FnOnce() -> Why) -> Self {
        Self::found(u32::try_from(index).map_or(u32::MAX, |i| i.saturating_add(1)), || value, why)
    }
}

impl Outcome for Adjusted {
    fn found(_: u32, value: impl FnOnce() -> Decimal, why: impl FnOnce() -> Why) -> Self {
        Adjusted { value: value(), why: why() }
    }
}

/// Which entry of a modifier's rule applied, without its value or why.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Pick(pub u32);

impl Outcome for Pick {
    fn found(pick: u32, _: impl FnOnce() -> Decimal, _: impl FnOnce() -> Why) -> Self {
        Pick(pick)
    }
}

/// The adjustment one modifier gives one provider, with why; `None` when it does not apply.
pub(crate) fn adjustment(rule: &ModifierRule, p: &ProviderFacts<'_>) -> Option<Adjusted> {
    evaluate(rule, p)
}

/// Which entry of the modifier applies to the provider; `None` when it does not apply. With
/// the rule the pick determines the adjustment, so it can stand for it in a cache key.
pub(crate) fn pick(rule: &ModifierRule, p: &ProviderFacts<'_>) -> Option<u32> {
    evaluate::<Pick>(rule, p).map(|p| p.0)
}

fn evaluate<T: Outcome>(rule: &ModifierRule, p: &ProviderFacts<'_>) -> Option<T> {
    let effective = p.effective;
    match rule {
        ModifierRule::PartTime { bands } => {
            let hours = p.hours_per_week?;
            // Bands are sorted by max_hours; the first band that holds the hours applies.
            let (i, b) = bands.iter().enumerate().find(|(_, b)| hours <= b.max_hours)?;
            Some(T::entry(i, b.adjustment, || Why::Hours { hours, max: b.max_hours }))
        }
        ModifierRule::NewToPractice { by_year } => {
            let y = p.years_since_training?;
            let (i, (_, a)) = by_year.iter().enumerate().find(|(_, (year, _))| *year == y)?;
            Some(T::entry(i, *a, || Why::YearsSinceTraining(y)))
        }
        ModifierRule::Resident { resident, moonlighting } => match p.resident? {
            ResidentStatus::Resident => Some(T::entry(0, *resident, || Why::Resident)),
            ResidentStatus::Moonlighting => Some(T::entry(1, *moonlighting, || Why::Moonlighting)),
        },
        ModifierRule::Teaching { adjustment } => p.teaching.then(|| T::entry(0, *adjustment, || Why::Teaching)),
        ModifierRule::LeaveOfAbsence { adjustment, max_months } => {
            if p.leave_months == 0 {
                return None;
            }
            // The months counted determine the adjustment: they are the pick.
            let months = p.leave_months.min(*max_months);
            Some(T::found(
                months,
                || round_dp(*adjustment * Decimal::from(months) / Decimal::from(12), 4, RoundingMode::HalfUp),
                || Why::Leave { months, adjustment: *adjustment },
            ))
        }
        ModifierRule::ClaimsFree { by_years } => {
            let years = claims_free_years(p)?;
            let (i, (y, a)) =
                by_years.iter().enumerate().filter(|(_, (y, _))| *y <= years).max_by_key(|(_, (y, _))| *y)?;
            Some(T::entry(i, *a, || Why::ClaimsFree { years, at_least: *y }))
        }
        ModifierRule::ClaimsSurcharge { lookback_years, min_paid, rows } => {
            if p.claims.is_empty() {
                return None;
            }
            let window = Window::before(effective, *lookback_years);
            let (count, paid) = p
                .claims
                .iter()
                .filter(|c| window.holds(c.reported) && c.paid >= *min_paid)
                .fold((0u32, Decimal::ZERO), |(n, s), c| (n.saturating_add(1), s.saturating_add(c.paid)));
            let (i, r) = rows
                .iter()
                .enumerate()
                .filter(|(_, r)| count >= r.claims_at_least && paid >= r.paid_at_least)
                .max_by_key(|(_, r)| r.adjustment)?;
            Some(T::entry(i, r.adjustment, || Why::ClaimsSurcharge {
                count,
                min_paid: *min_paid,
                paid,
                lookback: *lookback_years,
                row_claims: r.claims_at_least,
                row_paid: r.paid_at_least,
            }))
        }
        ModifierRule::Disciplinary { lookback_years, actions } => {
            if p.disciplinary.is_empty() {
                return None;
            }
            let window = Window::before(effective, *lookback_years);
            // The largest adjustment among the actions in the window; among equal ones the
            // last event, as a maximum by value keeps it.
            let (i, adj, event) = p
                .disciplinary
                .iter()
                .filter(|e| window.holds(e.date))
                .filter_map(|e| {
                    let (i, (_, adj)) = actions.iter().enumerate().find(|(_, (a, _))| *a == e.action)?;
                    Some((i, *adj, e))
                })
                .max_by_key(|(_, adj, _)| *adj)?;
            Some(T::entry(i, adj, || Why::Disciplinary { action: event.action, date: event.date }))
        }
        ModifierRule::RiskManagement { adjustment, valid_months } => {
            let done = p.risk_management_course?;
            if done > effective {
                return None;
            }
            let expires = add_months(done, *valid_months)?;
            (effective < expires).then(|| T::entry(0, *adjustment, || Why::RiskManagement { done, expires }))
        }
        ModifierRule::BoardCertified { adjustment } => {
            p.board_certified.then(|| T::entry(0, *adjustment, || Why::BoardCertified))
        }
        ModifierRule::SocietyMember { adjustment } => {
            p.society_member.then(|| T::entry(0, *adjustment, || Why::SocietyMember))
        }
        ModifierRule::Loyalty { by_years } => {
            let years = p.years_insured_with_carrier;
            let (i, (y, a)) =
                by_years.iter().enumerate().filter(|(_, (y, _))| *y <= years).max_by_key(|(_, (y, _))| *y)?;
            Some(T::entry(i, *a, || Why::Loyalty { years, at_least: *y }))
        }
    }
}

/// Whole years without a reported claim: since the latest claim's report date, or since the
/// end of training when there is none. `None` when neither is known. Like every look-back, it
/// considers claims reported before the effective date: one reported on that day belongs to the
/// new term.
pub(crate) fn claims_free_years(p: &ProviderFacts<'_>) -> Option<u32> {
    let effective = p.effective;
    let in_practice = p.years_since_training;
    let since_claim = p
        .claims
        .iter()
        .map(|c| c.reported)
        .filter(|d| *d < effective)
        .max()
        .map(|last| u32::try_from(whole_years(last, effective)).unwrap_or(0));
    match (since_claim, in_practice) {
        (Some(c), Some(t)) => Some(c.min(t)),
        (Some(c), None) => Some(c),
        (None, t) => t,
    }
}

/// A group's combined, capped factor for the adjustments that apply; `None` when none does.
pub(crate) fn group_factor(
    group: &ModifierGroup,
    adjustments: impl Iterator<Item = Decimal>,
) -> Option<(Decimal, CombineWhy)> {
    let mut combined = Combined::new(group.combine);
    adjustments.for_each(|a| combined.push(a));
    (combined.count > 0).then(|| combined.finish(group))
}

/// Adjustments folded as a group declares, without collecting them.
struct Combined {
    how: Combine,
    raw: Option<Decimal>,
    count: u32,
}

impl Combined {
    fn new(how: Combine) -> Self {
        Self { how, raw: Some(Decimal::ONE), count: 0 }
    }

    fn push(&mut self, a: Decimal) {
        self.count += 1;
        self.raw = self.raw.and_then(|f| match self.how {
            Combine::Multiply => f.checked_mul(Decimal::ONE + a),
            Combine::Add => f.checked_add(a),
        });
    }

    fn finish(self, group: &ModifierGroup) -> (Decimal, CombineWhy) {
        cap(group, self.raw.unwrap_or(Decimal::MAX))
    }
}

/// How a group's factor came about, written out only when shown.
#[derive(Debug, Clone, Copy)]
pub struct CombineWhy {
    how: Combine,
    raw: Decimal,
    capped: Option<(bool, Decimal)>,
}

impl fmt::Display for CombineWhy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let how = match self.how {
            Combine::Multiply => "product of (1 + adjustment)",
            Combine::Add => "1 + sum of adjustments",
        };
        match self.capped {
            None => f.write_str(how),
            Some((credit, max)) => write!(
                f,
                "{how} = {}, capped at maximum {} {}",
                self.raw.normalize(),
                if credit { "credit" } else { "debit" },
                pct(max)
            ),
        }
    }
}

fn cap(group: &ModifierGroup, raw: Decimal) -> (Decimal, CombineWhy) {
    let mut factor = raw;
    let mut capped = None;
    if let Some(max) = group.max_credit
        && factor < Decimal::ONE - max
    {
        factor = Decimal::ONE - max;
        capped = Some((true, max));
    }
    if let Some(max) = group.max_debit
        && factor > Decimal::ONE + max
    {
        factor = Decimal::ONE + max;
        capped = Some((false, max));
    }
    if let Some(dp) = group.factor_decimals {
        factor = round_dp(factor, dp, RoundingMode::HalfUp);
    }
    (factor.max(Decimal::ZERO), CombineWhy { how: group.combine, raw, capped })
}

/// The practice's schedule-rating factor, validated against each item's range.
#[derive(Debug, Default)]
pub(crate) struct ScheduleFactor {
    notes: Vec<(String, String, Decimal)>,
    factor: Option<(Decimal, String)>,
}

impl ScheduleFactor {
    /// The factor the schedule step multiplies by; `None` when nothing was selected.
    pub(crate) fn factor(&self) -> Option<Decimal> {
        self.factor.as_ref().map(|(f, _)| *f)
    }

    pub(crate) fn apply(&self, ws: &mut WorksheetBuilder) {
        let Some((factor, row)) = &self.factor else {
            return;
        };
        for (name, id, adj) in &self.notes {
            ws.note(name.clone(), format!("schedule.{id}"), || pct(*adj), *adj);
        }
        ws.multiply("Schedule rating", "schedule", || row.clone(), *factor);
    }
}

pub(crate) fn schedule_factor(manual: &Manual, selections: &[(String, Decimal)]) -> Result<ScheduleFactor, RateError> {
    if selections.is_empty() {
        return Ok(ScheduleFactor::default());
    }
    let Some(plan) = &manual.schedule else {
        return Err(RateError::new(
            "underwriting.schedule",
            format!("{} has no schedule rating plan; remove the selections", manual.meta.id()),
        ));
    };
    let mut out = ScheduleFactor::default();
    let mut total = Decimal::ZERO;
    for (id, adj) in selections {
        let item = plan.items.iter().find(|i| &i.id == id).ok_or_else(|| {
            let ids: Vec<&str> = plan.items.iter().map(|i| i.id.as_str()).collect();
            RateError::new(
                format!("underwriting.schedule.{id}"),
                format!("not a schedule item of {}; items: {}", manual.meta.id(), ids.join(", ")),
            )
        })?;
        if *adj < -item.max_credit || *adj > item.max_debit {
            return Err(RateError::new(
                format!("underwriting.schedule.{id}"),
                format!(
                    "{} is outside the item's range −{} to +{}",
                    pct(*adj),
                    pct(item.max_credit),
                    pct(item.max_debit)
                ),
            ));
        }
        total += adj;
        out.notes.push((item.name.clone(), item.id.clone(), *adj));
    }
    let capped = total.max(-plan.max_credit).min(plan.max_debit);
    let row = if capped == total {
        format!("1 + total {}", pct(total))
    } else {
        format!("1 + total {} capped to {}", pct(total), pct(capped))
    };
    out.factor = Some((Decimal::ONE + capped, row));
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::manual::{ClaimSurchargeRow, HoursBand};
    use crate::practice::Claim;

    fn d(s: &str) -> Decimal {
        s.parse().unwrap_or_default()
    }

    fn rules() -> Vec<ModifierRule> {
        vec![
            ModifierRule::PartTime {
                bands: vec![
                    HoursBand { max_hours: d("10"), adjustment: d("-0.5") },
                    HoursBand { max_hours: d("20"), adjustment: d("-0.25") },
                ],
            },
            ModifierRule::NewToPractice { by_year: vec![(0, d("-0.5")), (1, d("-0.3")), (2, d("-0.1"))] },
            ModifierRule::Resident { resident: d("-0.6"), moonlighting: d("-0.4") },
            ModifierRule::Teaching { adjustment: d("-0.15") },
            ModifierRule::LeaveOfAbsence { adjustment: d("-0.5"), max_months: 9 },
            ModifierRule::ClaimsFree { by_years: vec![(3, d("-0.05")), (5, d("-0.1")), (10, d("-0.15"))] },
            ModifierRule::ClaimsSurcharge {
                lookback_years: 5,
                min_paid: d("10000"),
                rows: vec![
                    ClaimSurchargeRow { claims_at_least: 1, paid_at_least: d("0"), adjustment: d("0.1") },
                    ClaimSurchargeRow { claims_at_least: 2, paid_at_least: d("0"), adjustment: d("0.25") },
                    ClaimSurchargeRow { claims_at_least: 1, paid_at_least: d("500000"), adjustment: d("0.3") },
                ],
            },
            ModifierRule::Disciplinary {
                lookback_years: 10,
                actions: vec![
                    (DisciplinaryAction::LicenseProbation, d("0.25")),
                    (DisciplinaryAction::PrivilegesRestricted, d("0.25")),
                    (DisciplinaryAction::LicenseSuspended, d("0.5")),
                ],
            },
            ModifierRule::RiskManagement { adjustment: d("-0.05"), valid_months: 36 },
            ModifierRule::BoardCertified { adjustment: d("-0.05") },
            ModifierRule::SocietyMember { adjustment: d("-0.02") },
            ModifierRule::Loyalty { by_years: vec![(3, d("-0.02")), (5, d("-0.05"))] },
        ]
    }

    /// The batch keys cached factors on picks: a modifier picks an entry exactly when it
    /// applies, and with the rule the pick determines the adjustment, for every rule kind and
    /// a spread of providers.
    #[test]
    fn picks_determine_adjustments() {
        let effective = Date::constant(2027, 1, 1);
        let claims = [
            Claim { reported: Date::constant(2024, 3, 1), paid: d("20000") },
            Claim { reported: Date::constant(2025, 6, 1), paid: d("600000") },
            Claim { reported: Date::constant(2015, 6, 1), paid: d("50000") },
        ];
        let events = [
            DisciplinaryEvent { action: DisciplinaryAction::LicenseProbation, date: Date::constant(2020, 1, 1) },
            DisciplinaryEvent { action: DisciplinaryAction::PrivilegesRestricted, date: Date::constant(2022, 1, 1) },
            DisciplinaryEvent { action: DisciplinaryAction::LicenseSuspended, date: Date::constant(2010, 1, 1) },
        ];
        let courses = [None, Some(Date::constant(2024, 1, 1)), Some(Date::constant(2023, 12, 31)), Some(effective)];
        let mut seen: std::collections::HashMap<(usize, u32), Decimal> = std::collections::HashMap::new();
        let mut checked = 0;
        let mut applied = 0;
        for hours in [None, Some(d("8")), Some(d("10")), Some(d("15.5")), Some(d("40"))] {
            for years in [None, Some(0), Some(2), Some(4), Some(12)] {
                for n_claims in 0..=claims.len() {
                    for n_events in [0, 1, 2, 3] {
                        for (k, course) in courses.iter().enumerate() {
                            let facts = ProviderFacts {
                                effective,
                                hours_per_week: hours,
                                years_since_training: years,
                                resident: [None, Some(ResidentStatus::Resident), Some(ResidentStatus::Moonlighting)]
                                    [k % 3],
                                teaching: k % 2 == 1,
                                leave_months: [0, 3, 12, 300][k],
                                claims: &claims[..n_claims],
                                disciplinary: &events[..n_events],
                                risk_management_course: *course,
                                board_certified: n_events % 2 == 0,
                                society_member: n_claims % 2 == 1,
                                years_insured_with_carrier: [0, 3, 4, 7][k],
                                locum_days: 0,
                            };
                            for (r, rule) in rules().iter().enumerate() {
                                let full = adjustment(rule, &facts);
                                let picked = pick(rule, &facts);
                                assert_eq!(picked.is_some(), full.is_some(), "{rule:?} {facts:?}");
                                if let (Some(p), Some(a)) = (picked, full) {
                                    let first = *seen.entry((r, p)).or_insert(a.value);
                                    assert_eq!(first, a.value, "pick {p} of {rule:?} gave two values");
                                    applied += 1;
                                }
                                checked += 1;
                            }
                        }
                    }
                }
            }
        }
        assert!(applied > 0 && applied < checked, "the grid must hold providers the rules apply to and not");
        // Every rule kind applied to someone, several with more than one entry.
        for r in 0..rules().len() {
            assert!(seen.keys().any(|(k, _)| *k == r), "rule {r} never applied");
        }
        assert!(seen.len() > rules().len() + 5, "{} distinct picks", seen.len());
    }
}
