//! One practice, every carrier: like-for-like quotes, labelled bindable / indication /
//! referred / declined, with the cost over the years under several scenarios.
//!
//! "Like for like" means every carrier is rated for the same limits, form, deductible and
//! entity arrangement. Where a carrier cannot offer what was asked, it is rated for the nearest
//! thing it offers and the substitution is listed, so a cheaper price for less cover is never
//! mistaken for a better deal.

use rust_decimal::Decimal;
use serde::Serialize;

use crate::manual::{Deductible, Limits, Manual, MidLevelMethod, PolicyForm};
use crate::practice::{EntityLimits, Practice, Role};
use crate::projection::{Projection, Scenario, project};
use crate::rate::{RateError, carriers_in_force, rate};
use crate::worksheet::{Quote, QuoteStatus};

/// What the broker asks to compare, on top of the practice's own coverage request.
#[derive(Debug, Clone)]
pub struct CompareOptions {
    pub years: u32,
    /// Annual rate trend applied to future years (0.03 = +3% a year).
    pub trend: Decimal,
    pub limits: Option<Limits>,
    pub form: Option<PolicyForm>,
    /// `Some(None)` compares without a deductible.
    pub deductible: Option<Option<Deductible>>,
    pub entity_limits: Option<EntityLimits>,
    pub scenarios: Vec<Scenario>,
}

impl Default for CompareOptions {
    fn default() -> Self {
        Self {
            years: 5,
            trend: Decimal::ZERO,
            limits: None,
            form: None,
            deductible: None,
            entity_limits: None,
            scenarios: Vec::new(),
        }
    }
}

/// How firm a carrier's price is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum OfferLabel {
    /// Rated as asked, nothing assumed, within appetite: can be bound.
    Bindable,
    /// Rated, but for something other than what was asked or on assumed facts.
    Indication,
    /// Needs an underwriter's decision.
    Referred,
    /// Outside appetite, or the carrier cannot rate the practice.
    Declined,
}

impl OfferLabel {
    pub fn name(self) -> &'static str {
        match self {
            OfferLabel::Bindable => "bindable",
            OfferLabel::Indication => "indication",
            OfferLabel::Referred => "referred",
            OfferLabel::Declined => "declined",
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct CarrierOffer {
    pub carrier: String,
    pub carrier_name: String,
    /// `carrier/state/version` rated, when a version is in force.
    pub manual: Option<String>,
    pub label: OfferLabel,
    /// Why referred or declined; why only an indication.
    pub reasons: Vec<String>,
    /// Where the carrier was rated for something other than what was asked.
    pub substitutions: Vec<String>,
    pub quote: Option<Quote>,
    /// Cost over the years, one per scenario.
    pub projections: Vec<Projection>,
    /// Coverage features side by side: (feature, this carrier's answer).
    pub features: Vec<(String, String)>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Comparison {
    pub practice: String,
    pub state: String,
    pub limits: Limits,
    pub form: PolicyForm,
    pub deductible: Option<Deductible>,
    pub entity_limits: EntityLimits,
    pub years: u32,
    pub trend: Decimal,
    pub offers: Vec<CarrierOffer>,
    /// Per scenario: the carrier cheapest in year 1 and the one cheapest over the period.
    pub cheapest: Vec<Cheapest>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Cheapest {
    pub scenario: String,
    pub first_year: Option<String>,
    pub over_period: Option<String>,
    /// True when the cheapest first year is not the cheapest over the period.
    pub differs: bool,
}

/// The practice as the broker wants it compared.
pub fn requested(practice: &Practice, opts: &CompareOptions) -> Practice {
    let mut p = practice.clone();
    if let Some(l) = opts.limits {
        p.coverage.limits = l;
    }
    if let Some(f) = opts.form {
        p.coverage.form = f;
    }
    if let Some(d) = opts.deductible {
        p.coverage.deductible = d;
    }
    if let Some(e) = opts.entity_limits {
        p.coverage.entity_limits = e;
    }
    p
}

/// Fit the request to what one manual offers: the same where possible, else the nearest,
/// with each substitution described.
pub fn fit(manual: &Manual, practice: &Practice) -> (Practice, Vec<String>) {
    let mut p = practice.clone();
    let mut subs = Vec::new();
    let name = &manual.meta.carrier_name;
    let cov = &mut p.coverage;

    if manual.limits_factor(&cov.limits).is_none()
        && let Some(near) = nearest_limits(manual, cov.limits)
    {
        subs.push(format!(
            "{} limits not offered by {name}; rated at {} (nearest offered)",
            cov.limits.label(),
            near.label()
        ));
        cov.limits = near;
    }
    let writes_cm = manual.form.claims_made_steps.is_some();
    let writes_occ = manual.meta.base_form == PolicyForm::Occurrence || manual.form.occurrence_factor.is_some();
    match cov.form {
        PolicyForm::ClaimsMade if !writes_cm && writes_occ => {
            subs.push(format!("{name} does not write claims-made; rated on occurrence"));
            cov.form = PolicyForm::Occurrence;
        }
        PolicyForm::Occurrence if !writes_occ && writes_cm => {
            subs.push(format!(
                "{name} does not write occurrence; rated claims-made (a tail will be needed on leaving)"
            ));
            cov.form = PolicyForm::ClaimsMade;
        }
        _ => {}
    }
    if let Some(ded) = cov.deductible
        && !manual.deductibles.iter().any(|o| o.deductible == ded)
    {
        // The largest offered deductible not above the one asked, of the same kind and basis.
        let near = manual
            .deductibles
            .iter()
            .map(|o| o.deductible)
            .filter(|o| o.kind == ded.kind && o.basis == ded.basis && o.amount <= ded.amount)
            .max_by_key(|o| o.amount);
        match near {
            Some(n) => subs.push(format!("deductible {} not offered by {name}; rated with {}", ded.label(), n.label())),
            None => subs.push(format!("deductible {} not offered by {name}; rated without a deductible", ded.label())),
        }
        cov.deductible = near;
    }
    if p.entity.as_ref().is_some_and(|e| e.insure) {
        let (want, other, other_name) = match cov.entity_limits {
            EntityLimits::Shared => (&manual.entity.shared, &manual.entity.separate, "separate"),
            EntityLimits::Separate => (&manual.entity.separate, &manual.entity.shared, "shared"),
        };
        if want.is_none() && other.is_some() {
            subs.push(format!(
                "{name} does not offer {} entity limits in {}; rated with {other_name} limits",
                match cov.entity_limits {
                    EntityLimits::Shared => "shared",
                    EntityLimits::Separate => "separate",
                },
                manual.meta.state
            ));
            cov.entity_limits = match cov.entity_limits {
                EntityLimits::Shared => EntityLimits::Separate,
                EntityLimits::Separate => EntityLimits::Shared,
            };
        }
    }
    if let (Some(len), Some(tail)) = (&cov.tail_length, &manual.tail)
        && !tail.lengths.contains(len)
    {
        subs.push(format!("tail length {len} not offered by {name}; quoted {}", tail.default_length));
        cov.tail_length = Some(tail.default_length.clone());
    }
    for prov in &mut p.providers {
        let Role::MidLevel { kind, shared_limits } = &mut prov.role else {
            continue;
        };
        let Some(rule) = manual.midlevel(kind) else {
            continue;
        };
        let (shared, separate) = match &rule.method {
            MidLevelMethod::PercentOfClass { shared, separate, .. } => (shared.is_some(), separate.is_some()),
            MidLevelMethod::Flat { shared, separate } => (shared.is_some(), separate.is_some()),
            MidLevelMethod::OwnClass { .. } => (true, true),
        };
        if *shared_limits && !shared && separate {
            subs.push(format!("{}: {name} rates {kind}s only with separate limits", prov.name));
            *shared_limits = false;
        } else if !*shared_limits && !separate && shared {
            subs.push(format!("{}: {name} rates {kind}s only with shared limits", prov.name));
            *shared_limits = true;
        }
    }
    (p, subs)
}

/// The offered limits nearest the asked: the smallest at or above both, else the largest below.
fn nearest_limits(manual: &Manual, want: Limits) -> Option<Limits> {
    let offered: Vec<Limits> = manual.limits.iter().map(|l| l.limits).collect();
    offered
        .iter()
        .filter(|l| l.per_claim >= want.per_claim && l.aggregate >= want.aggregate)
        .min()
        .or_else(|| offered.iter().filter(|l| l.per_claim <= want.per_claim).max())
        .or_else(|| offered.iter().min())
        .copied()
}

/// Rate the practice with every carrier writing its state and compare.
pub fn compare(manuals: &[&Manual], practice: &Practice, opts: &CompareOptions) -> Comparison {
    let asked = requested(practice, opts);
    let cov = &asked.coverage;
    let mut offers = Vec::new();
    for c in carriers_in_force(manuals, &asked) {
        let (carrier, carrier_name) = (c.carrier, c.carrier_name.to_string());
        let Some(manual) = c.manual else {
            offers.push(CarrierOffer {
                carrier: carrier.to_string(),
                carrier_name,
                manual: None,
                label: OfferLabel::Declined,
                reasons: vec![format!("no {carrier} manual is in force on {}", cov.effective)],
                substitutions: Vec::new(),
                quote: None,
                projections: Vec::new(),
                features: Vec::new(),
            });
            continue;
        };
        offers.push(offer(manual, &asked, opts));
    }
    let cheapest = cheapest(&offers);
    Comparison {
        practice: asked.name.clone(),
        state: asked.state.clone(),
        limits: cov.limits,
        form: cov.form,
        deductible: cov.deductible,
        entity_limits: cov.entity_limits,
        years: opts.years,
        trend: opts.trend,
        offers,
        cheapest,
    }
}

fn offer(manual: &Manual, asked: &Practice, opts: &CompareOptions) -> CarrierOffer {
    let (fitted, substitutions) = fit(manual, asked);
    let base = CarrierOffer {
        carrier: manual.meta.carrier.clone(),
        carrier_name: manual.meta.carrier_name.clone(),
        manual: Some(manual.meta.id()),
        label: OfferLabel::Declined,
        reasons: Vec::new(),
        substitutions,
        quote: None,
        projections: Vec::new(),
        features: feature_grid(manual),
    };
    match rate(manual, &fitted) {
        Err(errors) => {
            CarrierOffer { reasons: errors.iter().map(|e: &RateError| format!("cannot rate: {e}")).collect(), ..base }
        }
        Ok(q) => {
            let (label, mut reasons) = match q.status {
                QuoteStatus::Declined => (OfferLabel::Declined, q.reasons.clone()),
                QuoteStatus::Referred => (OfferLabel::Referred, q.reasons.clone()),
                QuoteStatus::Quoted
                    if base.substitutions.is_empty() && q.assumptions.is_empty() && q.not_covered.is_empty() =>
                {
                    (OfferLabel::Bindable, Vec::new())
                }
                QuoteStatus::Quoted => (OfferLabel::Indication, Vec::new()),
            };
            if label == OfferLabel::Indication {
                reasons.extend(base.substitutions.iter().map(|s| format!("not as asked: {s}")));
                reasons.extend(q.assumptions.iter().map(|a| format!("assumed: {a}")));
                reasons.extend(q.not_covered.iter().map(|n| format!("not covered: {n}")));
            }
            let mut scenarios = vec![Scenario::Stay];
            scenarios.extend(opts.scenarios.iter().cloned());
            if fitted.coverage.form == PolicyForm::ClaimsMade && !scenarios.contains(&Scenario::Occurrence) {
                scenarios.push(Scenario::Occurrence);
            }
            let projections = scenarios.iter().map(|s| project(manual, &fitted, opts.years, opts.trend, s)).collect();
            CarrierOffer { label, reasons, quote: Some(q), projections, ..base }
        }
    }
}

/// Cheapest carrier in year 1 and over the period, per scenario, among carriers that quoted
/// (bindable, indication or referred) and could price the whole scenario.
fn cheapest(offers: &[CarrierOffer]) -> Vec<Cheapest> {
    let mut names: Vec<String> = Vec::new();
    for o in offers {
        for p in &o.projections {
            if !names.contains(&p.scenario) {
                names.push(p.scenario.clone());
            }
        }
    }
    names
        .into_iter()
        .map(|scenario| {
            let priced: Vec<(&CarrierOffer, &Projection)> = offers
                .iter()
                .filter(|o| o.label != OfferLabel::Declined)
                .filter_map(|o| {
                    o.projections.iter().find(|p| p.scenario == scenario && p.error.is_none()).map(|p| (o, p))
                })
                .collect();
            let first = priced.iter().min_by_key(|(_, p)| p.first_year()).map(|(o, _)| o.carrier.clone());
            let over = priced.iter().min_by_key(|(_, p)| p.total).map(|(o, _)| o.carrier.clone());
            let differs = first.is_some() && first != over;
            Cheapest { scenario, first_year: first, over_period: over, differs }
        })
        .collect()
}

/// The names of the feature grid's rows, in display order.
pub const FEATURE_ROWS: [&str; 17] = [
    "market",
    "state guaranty fund",
    "financial strength",
    "consent to settle",
    "defense costs",
    "licensing board defense",
    "deposition representation",
    "cyber / medical records",
    "telehealth states",
    "entity coverage",
    "independent contractors",
    "general liability",
    "locum tenens",
    "free tail",
    "tail options",
    "risk management services",
    "services endorsed",
];

/// A carrier's coverage features, in words, one per [`FEATURE_ROWS`] entry. Facts the manual
/// does not state read "not stated" rather than a guess.
pub fn feature_grid(m: &Manual) -> Vec<(String, String)> {
    use crate::manual::{ConsentToSettle, DefenseCosts, EntityCharge};
    let money = |x: Option<Decimal>| {
        x.map_or_else(|| "not covered".to_string(), |v| format!("${}", crate::manual::short_amount(v)))
    };
    let unknown = || "not stated".to_string();
    let f = m.features.as_ref();
    let charge = |c: &Option<EntityCharge>| match c {
        Some(EntityCharge::Percent(p)) if p.is_zero() => Some("free".to_string()),
        Some(EntityCharge::Percent(p)) => Some(format!("{}% of premium", (*p * Decimal::ONE_HUNDRED).normalize())),
        Some(EntityCharge::Flat(a)) => Some(format!("${} flat", a.normalize())),
        None => None,
    };
    let entity = match (charge(&m.entity.shared), charge(&m.entity.separate)) {
        (None, None) => "not offered".to_string(),
        (Some(s), None) => format!("shared limits ({s}); no separate limits"),
        (None, Some(x)) => format!("separate limits only ({x})"),
        (Some(s), Some(x)) => format!("shared ({s}) or separate ({x})"),
    };
    let rows: Vec<String> = vec![
        m.carrier.as_ref().map_or_else(unknown, |c| c.market.name().replace('_', " ")),
        m.carrier.as_ref().map_or_else(unknown, |c| if c.market.guaranty_fund() { "yes".into() } else { "no".into() }),
        m.carrier.as_ref().map_or_else(unknown, |c| c.financial_strength.clone()),
        f.map_or_else(unknown, |f| {
            match f.consent_to_settle {
                ConsentToSettle::Full => "full consent",
                ConsentToSettle::Hammer => "hammer clause",
                ConsentToSettle::None => "no consent needed",
            }
            .to_string()
        }),
        f.map_or_else(unknown, |f| {
            match f.defense {
                DefenseCosts::OutsideLimits => "outside limits",
                DefenseCosts::InsideLimits => "inside limits (erode limits)",
            }
            .to_string()
        }),
        f.map_or_else(unknown, |f| money(f.licensing_board_defense)),
        f.map_or_else(unknown, |f| money(f.deposition_representation)),
        f.map_or_else(unknown, |f| money(f.cyber)),
        f.map_or_else(unknown, |f| {
            if f.telehealth_states.iter().any(|s| s == "*") {
                "all states".into()
            } else if f.telehealth_states.is_empty() {
                format!("{} only", m.meta.state)
            } else {
                f.telehealth_states.join(", ")
            }
        }),
        entity,
        f.map_or_else(unknown, |f| if f.contractors_covered { "can be scheduled".into() } else { "excluded".into() }),
        f.map_or_else(unknown, |f| if f.general_liability { "included".into() } else { "not included".into() }),
        m.locum.as_ref().map_or_else(
            || "no locum rule".to_string(),
            |l| format!("{} days free, then ${}/day", l.free_days, l.per_day.normalize()),
        ),
        m.tail.as_ref().and_then(|t| t.free.as_ref()).map_or_else(
            || "none".to_string(),
            |fr| {
                let age = fr.min_age.map_or(String::new(), |a| format!(", retirement at {a}+"));
                format!("{} after {} years{age}", fr.events.join("/"), fr.min_years_insured)
            },
        ),
        m.tail.as_ref().map_or_else(|| "none (occurrence)".to_string(), |t| t.lengths.join(", ")),
        f.map_or_else(unknown, |f| {
            if f.risk_management_services.is_empty() { "none".into() } else { f.risk_management_services.join(", ") }
        }),
        f.map_or_else(unknown, |f| {
            if f.covered_services.is_empty() {
                "none beyond the specialty".into()
            } else {
                f.covered_services.join(", ")
            }
        }),
    ];
    // Every row has its answer: a missing one would shift the grid.
    debug_assert_eq!(rows.len(), FEATURE_ROWS.len());
    FEATURE_ROWS.iter().map(|r| r.to_string()).zip(rows).collect()
}
