//! Rating: a practice under one manual → a [`Quote`] with worksheets.
//!
//! The engine walks the manual's own step lists (provider steps, then policy steps); it has no
//! notion of any particular carrier. Everything here is a pure function of its inputs.

pub(crate) mod eligibility;
mod experience;
pub(crate) mod modifiers;
pub(crate) mod provider;
mod tail;

use std::fmt;

use jiff::civil::Date;
use rust_decimal::Decimal;
use serde::Serialize;

use crate::manual::{EntityCharge, Manual, PolicyStep};
use crate::practice::{EntityLimits, Practice, Transaction};
use crate::worksheet::{Label, Quote, QuoteStatus, Text, WorksheetBuilder};

pub use provider::{RatedProvider, Resolved, resolve_provider};

/// A fact the manual needs that the practice does not give, or gives in a form the manual
/// cannot rate. `field` is the practice-file path of the culprit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RateError {
    pub field: String,
    pub message: String,
}

impl fmt::Display for RateError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.field, self.message)
    }
}

impl RateError {
    pub(crate) fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self { field: field.into(), message: message.into() }
    }
}

/// Whether a manual version is in force for a policy effective on `date`.
pub fn in_force(manual: &Manual, date: Date, transaction: Transaction) -> bool {
    let start = match transaction {
        Transaction::New => manual.meta.effective_new,
        Transaction::Renewal => manual.meta.effective_renewal,
    };
    date >= start && manual.meta.expires.is_none_or(|e| date < e)
}

/// Pick, among one carrier's versions for a state, the one in force on the policy's date for
/// its new/renewal status: the latest whose start is not after that date.
pub fn select_version<'m>(versions: &[&'m Manual], date: Date, transaction: Transaction) -> Option<&'m Manual> {
    versions.iter().copied().filter(|m| in_force(m, date, transaction)).max_by_key(|m| match transaction {
        Transaction::New => m.meta.effective_new,
        Transaction::Renewal => m.meta.effective_renewal,
    })
}

/// One carrier writing a practice's state, and its version in force for the practice.
#[derive(Debug, Clone, Copy)]
pub struct CarrierInForce<'m> {
    pub carrier: &'m str,
    pub carrier_name: &'m str,
    /// `None` when no version is in force on the effective date for new business/renewal.
    pub manual: Option<&'m Manual>,
}

/// Every carrier with a manual for the practice's state, in carrier-id order, each with the
/// version in force on the policy's effective date for its new/renewal status.
pub fn carriers_in_force<'m>(manuals: &[&'m Manual], practice: &Practice) -> Vec<CarrierInForce<'m>> {
    let mut by_carrier: std::collections::BTreeMap<&'m str, Vec<&'m Manual>> = std::collections::BTreeMap::new();
    for m in manuals {
        if m.meta.state.eq_ignore_ascii_case(&practice.state) {
            by_carrier.entry(m.meta.carrier.as_str()).or_default().push(m);
        }
    }
    let cov = &practice.coverage;
    by_carrier
        .into_iter()
        .map(|(carrier, versions)| CarrierInForce {
            carrier,
            carrier_name: versions.first().map_or("", |m| m.meta.carrier_name.as_str()),
            manual: select_version(&versions, cov.effective, cov.transaction),
        })
        .collect()
}

/// Rate a practice under one manual.
///
/// Returns every problem at once when the practice cannot be rated (an unknown specialty, a
/// county in no territory, limits the manual does not offer, …).
pub fn rate(manual: &Manual, practice: &Practice) -> Result<Quote, Vec<RateError>> {
    rate_inner(manual, practice).map_err(|errors| {
        // The same problem found for several providers (e.g. a form the carrier does not
        // write) is reported once.
        let mut unique: Vec<RateError> = Vec::new();
        for e in errors {
            if !unique.contains(&e) {
                unique.push(e);
            }
        }
        unique
    })
}

fn rate_inner(manual: &Manual, practice: &Practice) -> Result<Quote, Vec<RateError>> {
    let mut errors = Vec::new();
    let mut assumptions = Vec::new();
    if !manual.meta.state.eq_ignore_ascii_case(&practice.state) {
        return Err(vec![RateError::new(
            "practice.state",
            format!(
                "the practice is in {}, but manual {} is for {}",
                practice.state,
                manual.meta.id(),
                manual.meta.state
            ),
        )]);
    }
    if practice.providers.is_empty() {
        return Err(vec![RateError::new(
            "providers",
            "the practice lists no providers: add at least one [[providers]] entry",
        )]);
    }

    let mut resolved = Vec::with_capacity(practice.providers.len());
    for (i, p) in practice.providers.iter().enumerate() {
        match resolve_provider(manual, practice, i, p, &mut assumptions) {
            Ok(r) => resolved.push(r),
            Err(mut e) => errors.append(&mut e),
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }

    let experience = match experience::experience_mod(manual, practice, &resolved) {
        Ok(x) => x,
        Err(e) => return Err(vec![e]),
    };
    if let Some(note) = experience.as_ref().and_then(|x| x.assumption.clone()) {
        assumptions.push(note);
    }
    let schedule = match modifiers::schedule_factor(manual, &practice.underwriting.schedule) {
        Ok(s) => s,
        Err(e) => return Err(vec![e]),
    };

    let ctx = provider::PolicyContext {
        manual,
        practice,
        experience: experience.as_ref().and_then(|x| x.worksheet.as_ref().map(|w| w.modification)),
        schedule: &schedule,
        schedule_lines: provider::schedule_lines(&schedule),
        modifier_steps: provider::ModifierSteps::of(manual),
        tail_length: std::cell::OnceCell::new(),
    };
    let mut providers = Vec::with_capacity(resolved.len());
    for r in &resolved {
        match provider::rate_provider(&ctx, r) {
            Ok(rated) => {
                let tail = match tail::tail_quote(&ctx, r, &rated) {
                    Ok(t) => t,
                    Err(e) => {
                        errors.push(e);
                        None
                    }
                };
                providers.push(rated.into_premium(r, &practice.providers[r.index], tail));
            }
            Err(e) => errors.push(e),
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }

    let Some(providers_total) = providers.iter().try_fold(Decimal::ZERO, |s, p| s.checked_add(p.premium)) else {
        return Err(vec![RateError::new(
            "manual",
            "the sum of provider premiums leaves the range of exact decimal arithmetic",
        )]);
    };
    let policy = match policy_lines(manual, practice, providers_total) {
        Ok(p) => p,
        Err(e) => return Err(vec![e]),
    };

    let mut not_covered = Vec::new();
    if let Some(entity) = practice.entity.as_ref().filter(|e| e.insure)
        && manual.entity.shared.is_none()
        && manual.entity.separate.is_none()
    {
        not_covered.push(format!(
            "entity coverage: {} does not insure practice entities in {}; {} is not covered by this quote",
            manual.meta.carrier_name, manual.meta.state, entity.name
        ));
    }
    let verdict = eligibility::evaluate(manual, practice, &resolved);
    let status = if verdict.iter().any(|(a, _)| *a == crate::manual::EligibilityAction::Decline) {
        QuoteStatus::Declined
    } else if verdict.is_empty() {
        QuoteStatus::Quoted
    } else {
        QuoteStatus::Referred
    };

    Ok(Quote {
        manual: [&*manual.meta.carrier, "/", &manual.meta.state, "/", &manual.meta.version].concat(),
        carrier: manual.meta.carrier.clone(),
        carrier_name: manual.meta.carrier_name.clone(),
        state: manual.meta.state.clone(),
        version: manual.meta.version.clone(),
        status,
        reasons: verdict.into_iter().map(|(_, r)| r).collect(),
        providers,
        experience: experience.and_then(|x| x.worksheet),
        providers_total,
        total: policy.running,
        policy_lines: policy.lines,
        assumptions,
        not_covered,
    })
}

/// Entity charge, fund surcharges, policy rounding and minimum, in the manual's order.
fn policy_lines(manual: &Manual, practice: &Practice, providers_total: Decimal) -> Result<WorksheetBuilder, RateError> {
    let mut ws = WorksheetBuilder::new(manual.step_rounding);
    ws.lines.reserve(manual.policy_steps.len() + 1);
    ws.set("Providers' premium", "providers", || "sum of provider premiums", providers_total);
    for step in &manual.policy_steps {
        match step {
            PolicyStep::Entity => {
                let Some(entity) = practice.entity.as_ref().filter(|e| e.insure) else {
                    continue;
                };
                let (charge, label) = match practice.coverage.entity_limits {
                    EntityLimits::Shared => (manual.entity.shared, "shared"),
                    EntityLimits::Separate => (manual.entity.separate, "separate"),
                };
                // No entity coverage at all is listed in the quote's `not_covered`; only the
                // wrong kind of limits, when the other kind is offered, is the practice's to fix.
                if manual.entity.shared.is_none() && manual.entity.separate.is_none() {
                    continue;
                }
                let Some(charge) = charge else {
                    let other = if label == "shared" { "separate" } else { "shared" };
                    return Err(RateError::new(
                        "coverage.entity_limits",
                        format!(
                            "{} does not offer {label} limits for the entity in {}; it offers {other} limits",
                            manual.meta.carrier_name, manual.meta.state
                        ),
                    ));
                };
                let (mut amount, percent) = match charge {
                    EntityCharge::Percent(p) => (providers_total.checked_mul(p).unwrap_or(Decimal::MAX), Some(p)),
                    EntityCharge::Flat(a) => (a, None),
                };
                let mut cap = None;
                if let Some(max) = manual.entity.maximum
                    && amount > max
                {
                    amount = max;
                    cap = Some(max);
                }
                let rule = if label == "shared" { "entity.shared" } else { "entity.separate" };
                ws.add("Entity charge", rule, || Text::entity(entity.name.clone(), label, percent, cap), amount);
            }
            PolicyStep::Surcharge { id } => {
                let Some(s) = manual.surcharges.iter().find(|s| &s.id == id) else {
                    continue;
                };
                let before = ws.running;
                let amount = before.checked_mul(s.percent).unwrap_or(Decimal::MAX);
                let (step, rule) = Label::pair(&s.name, "surcharges.", &s.id);
                ws.add(step, rule, || Text::surcharge(s.percent, before), amount);
            }
            PolicyStep::Round(r) => ws.round("Policy rounding", "rating.policy", r),
            PolicyStep::Minimum(m) => ws.minimum("Policy minimum premium", "rating.policy", *m),
        }
    }
    if ws.overflow {
        return Err(RateError::new("manual", "the policy premium leaves the range of exact decimal arithmetic"));
    }
    Ok(ws)
}

/// Completed whole years from `from` to `to` (0 when `to` is before the first anniversary).
pub fn whole_years(from: Date, to: Date) -> i64 {
    if to < from {
        return -whole_years(to, from) - 1;
    }
    let mut years = i64::from(to.year()) - i64::from(from.year());
    if (to.month(), to.day()) < (from.month(), from.day()) {
        years -= 1;
    }
    years
}

/// Whether `date` is within `years` years before `effective` (inclusive start, exclusive end).
pub(crate) fn within_years(date: Date, effective: Date, years: u32) -> bool {
    crate::calendar::Window::before(effective, years).holds(date)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Date {
        s.parse().unwrap_or_default()
    }

    #[test]
    fn whole_years_counts_completed_anniversaries() {
        assert_eq!(whole_years(d("2020-07-01"), d("2026-01-01")), 5);
        assert_eq!(whole_years(d("2020-07-01"), d("2026-07-01")), 6);
        assert_eq!(whole_years(d("2026-01-01"), d("2026-01-01")), 0);
        assert_eq!(whole_years(d("2024-02-29"), d("2025-02-28")), 0);
    }

    #[test]
    fn look_back_window_is_half_open() {
        assert!(within_years(d("2021-01-01"), d("2026-01-01"), 5));
        assert!(!within_years(d("2020-12-31"), d("2026-01-01"), 5));
        assert!(!within_years(d("2026-01-01"), d("2026-01-01"), 5));
    }
}
