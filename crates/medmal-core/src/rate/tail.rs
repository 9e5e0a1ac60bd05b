//! Tail (extended reporting) quotes and free-tail eligibility.

use rust_decimal::Decimal;

use super::RateError;
use super::provider::{Mode, PolicyContext, RatedProvider, Resolved, rate_provider};
use crate::manual::{PolicyForm, TailBasis};
use crate::money::fmt_money;
use crate::worksheet::{TailQuote, WorksheetBuilder};

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
    let length = ctx.practice.coverage.tail_length.clone().unwrap_or_else(|| rules.default_length.clone());
    let col = rules.lengths.iter().position(|l| *l == length).ok_or_else(|| {
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

    let mut ws = WorksheetBuilder::new(None);
    let basis = match rules.basis {
        TailBasis::Expiring => {
            ws.set(
                "Tail basis: expiring premium",
                "tail.basis",
                || "provider's premium this term".into(),
                rated.premium,
            );
            rated.premium
        }
        TailBasis::MatureUndiscounted => {
            let mature = rate_provider(ctx, r, Mode::MatureUndiscounted)?;
            ws.set(
                "Tail basis: mature undiscounted premium",
                "tail.basis",
                || "provider steps at the mature claims-made factor, without individual credits, schedule or experience".into(),
                mature.premium);
            mature.premium
        }
    };
    ws.multiply(
        "Tail factor",
        "tail.factors",
        || format!("claims-made year {year} (row {}), length {length}", row.claims_made_year),
        factor,
    );
    ws.round("Tail rounding", "tail.rounding", &rules.rounding);
    if ws.overflow {
        return Err(super::provider::overflow(manual, &ctx.practice.providers[r.index]));
    }

    let p = &ctx.practice.providers[r.index];
    let mut free_on = Vec::new();
    let mut notes = Vec::new();
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
        let age_text = free.min_age.map_or(String::new(), |a| format!(", age ≥ {a}"));
        notes.push(format!(
            "free tail on {} after {} years insured{age_text}; {} has {} years insured{}",
            free.events.join("/"),
            free.min_years_insured,
            p.name,
            p.years_insured_with_carrier,
            p.age.map_or(String::new(), |a| format!(", age {a}"))
        ));
        if free.min_age.is_some() && p.age.is_none() {
            notes.push("age not given: free tail on retirement cannot be confirmed".to_string());
        }
    }
    notes.push(format!("tail = basis {} × factor {}", fmt_money(basis), factor.normalize()));
    Ok(Some(TailQuote { length, claims_made_year: year, premium: ws.running, free_on, notes, worksheet: ws.lines }))
}
