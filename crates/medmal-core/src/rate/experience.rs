//! Group experience rating: mod = 1 + Z·(A − E)/E, capped, with the manual's credibility.

use rust_decimal::Decimal;

use super::provider::Resolved;
use super::{RateError, within_years};
use crate::manual::{Credibility, Manual};
use crate::money::{div_round_half_up, sqrt_ratio_round_half_up};
use crate::practice::Practice;
use crate::worksheet::{ExperienceWorksheet, Text, WorksheetBuilder};

pub(crate) struct ExperienceOutcome {
    pub worksheet: Option<ExperienceWorksheet>,
    pub assumption: Option<String>,
}

pub(crate) fn experience_mod(
    manual: &Manual,
    practice: &Practice,
    resolved: &[Resolved],
) -> Result<Option<ExperienceOutcome>, RateError> {
    let Some(plan) = &manual.experience else {
        return Ok(None);
    };
    let size = u32::try_from(practice.providers.len()).unwrap_or(u32::MAX);
    if size < plan.min_providers {
        return Ok(None);
    }
    let Some(losses) = &practice.underwriting.group_losses else {
        return Ok(Some(ExperienceOutcome {
            worksheet: None,
            assumption: Some(format!(
                "group of {size} qualifies for experience rating (≥ {}) but no group loss experience was given; no experience modification applied",
                plan.min_providers
            )),
        }));
    };
    let effective = practice.coverage.effective;
    let years = Decimal::from(plan.period_years);
    let mut ws = WorksheetBuilder::new(None);
    ws.lines.reserve(resolved.len() + losses.len() + 2);

    let mut expected = Decimal::ZERO;
    for r in resolved {
        let Some(class) = r.class() else { continue };
        let per_year = plan.expected_per_year.get(class).copied().ok_or_else(|| {
            RateError::new("manual", format!("{} has no expected losses for class {class}", manual.meta.id()))
        })?;
        let e = per_year
            .checked_mul(r.exposure_weight())
            .and_then(|x| x.checked_mul(years))
            .ok_or_else(|| RateError::new("manual", "expected losses out of range"))?;
        expected = expected.checked_add(e).ok_or_else(|| RateError::new("manual", "expected losses out of range"))?;
        ws.note(
            "Expected losses",
            "experience.expected",
            || {
                Text::expected(
                    &practice.providers[r.index].name,
                    class,
                    per_year,
                    r.exposure_weight(),
                    plan.period_years,
                )
            },
            e,
        );
    }
    let mut actual = Decimal::ZERO;
    for l in losses.iter().filter(|l| within_years(l.reported, effective, plan.period_years)) {
        let limited = l.paid.min(plan.per_claim_limit);
        actual = actual
            .checked_add(limited)
            .ok_or_else(|| RateError::new("underwriting.group_losses", "losses out of range"))?;
        ws.note(
            "Actual loss",
            "experience.per_claim_limit",
            || Text::actual_loss(l.reported, l.paid, plan.per_claim_limit),
            limited,
        );
    }
    if expected <= Decimal::ZERO {
        return Ok(None);
    }
    let dp = plan.credibility_decimals;
    let (z, square_root, parameter) = match plan.credibility {
        Credibility::SquareRoot { full } => {
            let z = sqrt_ratio_round_half_up(expected, full, dp)
                .ok_or_else(|| RateError::new("manual", "credibility could not be computed"))?
                .min(Decimal::ONE);
            (z, true, full)
        }
        Credibility::Buhlmann { k } => {
            let z = div_round_half_up(expected, expected + k, dp)
                .ok_or_else(|| RateError::new("manual", "credibility could not be computed"))?;
            (z, false, k)
        }
    };
    ws.note("Credibility", "experience.credibility", || Text::credibility(expected, square_root, parameter, dp), z);
    let swing = z
        .checked_mul(actual - expected)
        .and_then(|num| div_round_half_up(num, expected, plan.mod_decimals))
        .ok_or_else(|| RateError::new("manual", "experience modification could not be computed"))?;
    let raw = Decimal::ONE + swing;
    let capped = raw.max(Decimal::ONE - plan.max_credit).min(Decimal::ONE + plan.max_debit);
    ws.note("Experience modification", "experience", || Text::modification(z, actual, expected, raw, capped), capped);
    Ok(Some(ExperienceOutcome {
        worksheet: Some(ExperienceWorksheet {
            expected,
            actual,
            credibility: z,
            modification: capped,
            lines: ws.lines,
        }),
        assumption: None,
    }))
}
