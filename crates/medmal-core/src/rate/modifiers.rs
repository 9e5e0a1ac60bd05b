//! Individual credits and debits, combined per the manual's group rules, and schedule rating.

use std::fmt;

use jiff::civil::Date;
use rust_decimal::Decimal;

use super::provider::pct;
use super::{RateError, whole_years};
use crate::calendar::{Window, add_months};
use crate::manual::{Combine, DisciplinaryAction, Manual, Modifier, ModifierGroup, ModifierRule};
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
    /// Which entry of the rule applied (1-based; for leave of absence, the months counted).
    /// With the rule it determines `value`, so a batch can key results on picks alone.
    pub pick: u32,
}

fn picked(value: Decimal, why: Why, index: usize) -> Adjusted {
    Adjusted { value, why, pick: u32::try_from(index).map_or(u32::MAX, |i| i.saturating_add(1)) }
}

/// The adjustment one modifier gives one provider, with why; `None` when it does not apply.
pub(crate) fn adjustment(rule: &ModifierRule, p: &ProviderFacts<'_>) -> Option<Adjusted> {
    let effective = p.effective;
    match rule {
        ModifierRule::PartTime { bands } => {
            let hours = p.hours_per_week?;
            // Bands are sorted by max_hours; the first band that holds the hours applies.
            let (i, b) = bands.iter().enumerate().find(|(_, b)| hours <= b.max_hours)?;
            Some(picked(b.adjustment, Why::Hours { hours, max: b.max_hours }, i))
        }
        ModifierRule::NewToPractice { by_year } => {
            let y = p.years_since_training?;
            let (i, (_, a)) = by_year.iter().enumerate().find(|(_, (year, _))| *year == y)?;
            Some(picked(*a, Why::YearsSinceTraining(y), i))
        }
        ModifierRule::Resident { resident, moonlighting } => match p.resident? {
            ResidentStatus::Resident => Some(picked(*resident, Why::Resident, 0)),
            ResidentStatus::Moonlighting => Some(picked(*moonlighting, Why::Moonlighting, 1)),
        },
        ModifierRule::Teaching { adjustment } => p.teaching.then(|| picked(*adjustment, Why::Teaching, 0)),
        ModifierRule::LeaveOfAbsence { adjustment, max_months } => {
            if p.leave_months == 0 {
                return None;
            }
            let months = p.leave_months.min(*max_months);
            let adj = *adjustment * Decimal::from(months) / Decimal::from(12);
            Some(Adjusted {
                value: round_dp(adj, 4, RoundingMode::HalfUp),
                why: Why::Leave { months, adjustment: *adjustment },
                pick: months,
            })
        }
        ModifierRule::ClaimsFree { by_years } => {
            let years = claims_free_years(p)?;
            let (i, (y, a)) =
                by_years.iter().enumerate().filter(|(_, (y, _))| *y <= years).max_by_key(|(_, (y, _))| *y)?;
            Some(picked(*a, Why::ClaimsFree { years, at_least: *y }, i))
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
            let why = Why::ClaimsSurcharge {
                count,
                min_paid: *min_paid,
                paid,
                lookback: *lookback_years,
                row_claims: r.claims_at_least,
                row_paid: r.paid_at_least,
            };
            Some(picked(r.adjustment, why, i))
        }
        ModifierRule::Disciplinary { lookback_years, actions } => {
            if p.disciplinary.is_empty() {
                return None;
            }
            let window = Window::before(effective, *lookback_years);
            p.disciplinary
                .iter()
                .filter(|e| window.holds(e.date))
                .filter_map(|e| {
                    let (i, (a, adj)) = actions.iter().enumerate().find(|(_, (a, _))| *a == e.action)?;
                    Some(picked(*adj, Why::Disciplinary { action: *a, date: e.date }, i))
                })
                .max_by_key(|a| a.value)
        }
        ModifierRule::RiskManagement { adjustment, valid_months } => {
            let done = p.risk_management_course?;
            if done > effective {
                return None;
            }
            let expires = add_months(done, *valid_months)?;
            (effective < expires).then(|| picked(*adjustment, Why::RiskManagement { done, expires }, 0))
        }
        ModifierRule::BoardCertified { adjustment } => {
            p.board_certified.then(|| picked(*adjustment, Why::BoardCertified, 0))
        }
        ModifierRule::SocietyMember { adjustment } => {
            p.society_member.then(|| picked(*adjustment, Why::SocietyMember, 0))
        }
        ModifierRule::Loyalty { by_years } => {
            let years = p.years_insured_with_carrier;
            let (i, (y, a)) =
                by_years.iter().enumerate().filter(|(_, (y, _))| *y <= years).max_by_key(|(_, (y, _))| *y)?;
            Some(picked(*a, Why::Loyalty { years, at_least: *y }, i))
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

/// Apply one modifier group: a note per adjustment, then the combined, capped factor.
pub(crate) fn apply_group<'m>(
    group: &'m ModifierGroup,
    modifiers: impl Iterator<Item = &'m Modifier>,
    p: &ProviderFacts<'_>,
    ws: &mut WorksheetBuilder,
) {
    let mut combined = Combined::new(group.combine);
    for m in modifiers {
        if let Some(Adjusted { value, why, .. }) = adjustment(&m.rule, p) {
            if ws.record {
                ws.note(m.name.clone(), format!("modifiers.{}", m.id), || format!("{why}: {}", pct(value)), value);
            }
            combined.push(value);
        }
    }
    if combined.count == 0 {
        return;
    }
    let (factor, why) = combined.finish(group);
    if ws.record {
        ws.multiply(group.name.clone(), format!("modifier_groups.{}", group.id), || why.to_string(), factor);
    } else {
        ws.multiply("", "", String::new, factor);
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
