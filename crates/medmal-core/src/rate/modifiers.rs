//! Individual credits and debits, combined per the manual's group rules, and schedule rating.

use rust_decimal::Decimal;

use super::provider::pct;
use super::{RateError, whole_years, within_years};
use crate::manual::{Combine, Manual, ModifierGroup, ModifierRule};
use crate::money::{RoundingMode, round_dp};
use crate::practice::{Practice, Provider, ResidentStatus};
use crate::worksheet::WorksheetBuilder;

/// The adjustment one modifier gives one provider, with the row that explains it; `None`
/// when the modifier does not apply.
fn adjustment(rule: &ModifierRule, practice: &Practice, p: &Provider) -> Option<(Decimal, String)> {
    let effective = practice.coverage.effective;
    match rule {
        ModifierRule::PartTime { bands } => {
            let hours = p.hours_per_week?;
            // Bands are sorted by max_hours; the first band that holds the hours applies.
            bands
                .iter()
                .find(|b| hours <= b.max_hours)
                .map(|b| (b.adjustment, format!("{} hours/week ≤ {}", hours.normalize(), b.max_hours.normalize())))
        }
        ModifierRule::NewToPractice { by_year } => {
            let y = p.years_since_training?;
            by_year
                .iter()
                .find(|(year, _)| *year == y)
                .map(|(_, a)| (*a, format!("{y} completed years since training")))
        }
        ModifierRule::Resident { resident, moonlighting } => match p.resident? {
            ResidentStatus::Resident => Some((*resident, "resident".to_string())),
            ResidentStatus::Moonlighting => Some((*moonlighting, "moonlighting resident".to_string())),
        },
        ModifierRule::Teaching { adjustment } => p.teaching.then(|| (*adjustment, "teaching physician".to_string())),
        ModifierRule::LeaveOfAbsence { adjustment, max_months } => {
            if p.leave_months == 0 {
                return None;
            }
            let months = p.leave_months.min(*max_months);
            let adj = *adjustment * Decimal::from(months) / Decimal::from(12);
            Some((
                round_dp(adj, 4, RoundingMode::HalfUp),
                format!("{months} of 12 months on leave × {}", pct(*adjustment)),
            ))
        }
        ModifierRule::ClaimsFree { by_years } => {
            let years = claims_free_years(practice, p)?;
            by_years
                .iter()
                .filter(|(y, _)| *y <= years)
                .max_by_key(|(y, _)| *y)
                .map(|(y, a)| (*a, format!("{years} years claims-free ≥ {y}")))
        }
        ModifierRule::ClaimsSurcharge { lookback_years, min_paid, rows } => {
            let counted: Vec<_> = p
                .claims
                .iter()
                .filter(|c| within_years(c.reported, effective, *lookback_years) && c.paid >= *min_paid)
                .collect();
            let count = u32::try_from(counted.len()).unwrap_or(u32::MAX);
            let paid = crate::money::saturating_sum(counted.iter().map(|c| c.paid));
            rows.iter()
                .filter(|r| count >= r.claims_at_least && paid >= r.paid_at_least)
                .max_by_key(|r| r.adjustment)
                .map(|r| {
                    (
                        r.adjustment,
                        format!(
                            "{count} claims paid ≥ {} in {lookback_years} years, {} paid (row: ≥ {} claims, ≥ {} paid)",
                            min_paid.normalize(),
                            paid.normalize(),
                            r.claims_at_least,
                            r.paid_at_least.normalize()
                        ),
                    )
                })
        }
        ModifierRule::Disciplinary { lookback_years, actions } => p
            .disciplinary
            .iter()
            .filter(|e| within_years(e.date, effective, *lookback_years))
            .filter_map(|e| {
                actions
                    .iter()
                    .find(|(a, _)| *a == e.action)
                    .map(|(a, adj)| (*adj, format!("{} on {}", a.name(), e.date)))
            })
            .max_by_key(|(adj, _)| *adj),
        ModifierRule::RiskManagement { adjustment, valid_months } => {
            let done = p.risk_management_course?;
            let span = jiff::Span::new().try_months(i64::from(*valid_months)).ok()?;
            let expires = done.checked_add(span).ok()?;
            (done <= effective && effective < expires)
                .then(|| (*adjustment, format!("course completed {done}, credit valid to {expires}")))
        }
        ModifierRule::BoardCertified { adjustment } => {
            p.board_certified.then(|| (*adjustment, "board certified".to_string()))
        }
        ModifierRule::SocietyMember { adjustment } => {
            p.society_member.then(|| (*adjustment, "society member".to_string()))
        }
        ModifierRule::Loyalty { by_years } => by_years
            .iter()
            .filter(|(y, _)| *y <= p.years_insured_with_carrier)
            .max_by_key(|(y, _)| *y)
            .map(|(y, a)| (*a, format!("{} years insured ≥ {y}", p.years_insured_with_carrier))),
    }
}

/// Whole years without a reported claim: since the latest claim's report date, or since the
/// end of training when there is none. `None` when neither is known. Like every look-back, it
/// considers claims reported before the effective date: one reported on that day belongs to the
/// new term.
pub(crate) fn claims_free_years(practice: &Practice, p: &Provider) -> Option<u32> {
    let effective = practice.coverage.effective;
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
pub(crate) fn apply_group(
    manual: &Manual,
    practice: &Practice,
    p: &Provider,
    group_id: &str,
    ws: &mut WorksheetBuilder,
) -> Result<(), RateError> {
    let group = manual
        .group(group_id)
        .ok_or_else(|| RateError::new("manual", format!("modifier group `{group_id}` is not defined")))?;
    let mut adjustments = Vec::new();
    for id in &group.modifiers {
        let Some(m) = manual.modifier(id) else {
            continue;
        };
        if let Some((adj, row)) = adjustment(&m.rule, practice, p) {
            ws.note(m.name.clone(), format!("modifiers.{}", m.id), || format!("{row}: {}", pct(adj)), adj);
            adjustments.push(adj);
        }
    }
    if adjustments.is_empty() {
        return Ok(());
    }
    let (factor, row) = combine(group, &adjustments);
    ws.multiply(group.name.clone(), format!("modifier_groups.{}", group.id), || row, factor);
    Ok(())
}

/// Combine adjustments into one factor as the group declares, then cap and round it.
pub fn combine(group: &ModifierGroup, adjustments: &[Decimal]) -> (Decimal, String) {
    let (raw, how) = match group.combine {
        Combine::Multiply => (
            adjustments.iter().try_fold(Decimal::ONE, |f, a| f.checked_mul(Decimal::ONE + a)).unwrap_or(Decimal::MAX),
            "product of (1 + adjustment)",
        ),
        Combine::Add => (
            adjustments.iter().try_fold(Decimal::ONE, |f, a| f.checked_add(*a)).unwrap_or(Decimal::MAX),
            "1 + sum of adjustments",
        ),
    };
    let mut factor = raw;
    let mut row = how.to_string();
    if let Some(max) = group.max_credit
        && factor < Decimal::ONE - max
    {
        factor = Decimal::ONE - max;
        row = format!("{how} = {}, capped at maximum credit {}", raw.normalize(), pct(max));
    }
    if let Some(max) = group.max_debit
        && factor > Decimal::ONE + max
    {
        factor = Decimal::ONE + max;
        row = format!("{how} = {}, capped at maximum debit {}", raw.normalize(), pct(max));
    }
    if let Some(dp) = group.factor_decimals {
        factor = round_dp(factor, dp, RoundingMode::HalfUp);
    }
    (factor.max(Decimal::ZERO), row)
}

/// The practice's schedule-rating factor, validated against each item's range.
#[derive(Debug, Default)]
pub(crate) struct ScheduleFactor {
    notes: Vec<(String, String, Decimal)>,
    factor: Option<(Decimal, String)>,
}

impl ScheduleFactor {
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

pub(crate) fn schedule_factor(manual: &Manual, practice: &Practice) -> Result<ScheduleFactor, RateError> {
    let selections = &practice.underwriting.schedule;
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
