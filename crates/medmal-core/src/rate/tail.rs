//! Tail (extended reporting) quotes and free-tail eligibility.

use std::sync::Arc;

use rust_decimal::Decimal;

use super::RateError;
use super::provider::{PolicyContext, RatedProvider, Resolved};
use crate::manual::{PolicyForm, TailBasis};
use crate::worksheet::{TailQuote, Text, WorksheetBuilder};

/// Whether the provider's tail is quoted on the mature undiscounted premium, which rating the
/// provider then carries along with the premium itself.
pub(crate) fn on_mature_basis(ctx: &PolicyContext<'_>, r: &Resolved) -> bool {
    ctx.manual.tail.as_ref().is_some_and(|t| t.basis == TailBasis::MatureUndiscounted)
        && ctx.practice.coverage.form == PolicyForm::ClaimsMade
        && r.claims_made.is_some()
}

/// The tail a provider would buy on leaving at the end of this term.
pub(crate) fn tail_quote(
    ctx: &PolicyContext<'_>,
    r: &Resolved,
    rated: &RatedProvider,
) -> Result<Option<TailQuote>, RateError> {
    let manual = ctx.manual;
    let Some(rules) = &manual.tail else {
        return Ok(None);
    };
    if ctx.practice.coverage.form != PolicyForm::ClaimsMade {
        return Ok(None);
    }
    let Some((year, _)) = r.claims_made else {
        return Ok(None);
    };
    let length = ctx.practice.coverage.tail_length.as_ref().unwrap_or(&rules.default_length);
    let col = rules.lengths.iter().position(|l| l == length).ok_or_else(|| {
        RateError::new(
            "coverage.tail_length",
            format!(
                "tail length `{length}` not offered by {}; offered: {}",
                manual.meta.carrier_name,
                rules.lengths.join(", ")
            ),
        )
    })?;
    let Some(row) =
        rules.factors.iter().filter(|row| row.claims_made_year <= year).max_by_key(|row| row.claims_made_year)
    else {
        return Ok(None);
    };
    let factor = row.factors.get(col).copied().unwrap_or(Decimal::ONE);
    let p = &ctx.practice.providers[r.index];

    let mut ws = WorksheetBuilder::new(None);
    ws.lines.reserve(3);
    let basis = match rules.basis {
        TailBasis::Expiring => {
            ws.set("Tail basis: expiring premium", "tail.basis", || "provider's premium this term", rated.premium);
            rated.premium
        }
        TailBasis::MatureUndiscounted => {
            // Rated alongside the premium (see `on_mature_basis`), so present whenever this runs.
            let Some(mature) = &rated.mature else {
                return Err(RateError::new("manual", "the tail's mature basis was not rated"));
            };
            if mature.overflow {
                return Err(super::provider::overflow(manual, p));
            }
            ws.set(
                "Tail basis: mature undiscounted premium",
                "tail.basis",
                || "provider steps at the mature claims-made factor, without individual credits, schedule or experience",
                mature.running);
            mature.running
        }
    };
    ws.multiply(
        "Tail factor",
        "tail.factors",
        || Text::tail_factor(year, row.claims_made_year, ctx.tail_length.get_or_init(|| Arc::from(&**length)).clone()),
        factor,
    );
    ws.round("Tail rounding", "tail.rounding", &rules.rounding);
    if ws.overflow {
        return Err(super::provider::overflow(manual, p));
    }

    let mut free_on = Vec::new();
    let mut notes = Vec::with_capacity(3);
    if let Some(free) = &rules.free {
        let insured_ok = p.years_insured_with_carrier >= free.min_years_insured;
        let age_ok = match (free.min_age, p.age) {
            (None, _) => true,
            (Some(min), Some(age)) => age >= min,
            (Some(_), None) => false,
        };
        for event in &free.events {
            let needs_age = !free.age_for_retirement_only || event == "retirement";
            if insured_ok && (!needs_age || age_ok) {
                free_on.push(event.clone());
            }
        }
        notes.push(Text::free_tail(
            &free.events,
            free.min_years_insured,
            free.min_age,
            &p.name,
            p.years_insured_with_carrier,
            p.age,
        ));
        if free.min_age.is_some() && p.age.is_none() {
            notes.push(Text::from("age not given: free tail on retirement cannot be confirmed"));
        }
    }
    notes.push(Text::tail_basis(basis, factor));
    Ok(Some(TailQuote {
        length: length.clone(),
        claims_made_year: year,
        premium: ws.running,
        free_on,
        notes,
        worksheet: ws.lines,
    }))
}
