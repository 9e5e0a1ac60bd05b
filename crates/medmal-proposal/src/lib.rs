//! The proposal a broker hands a practice.
//!
//! [`Proposal::build`] decides the recommendation from the comparison and the reviews (a pure
//! function, so the choice can be tested and explained); [`html::render`] lays it out as a
//! self-contained HTML page that prints well; `pdf` typesets the same content.

pub mod chart;
pub mod html;
pub mod pdf;

use jiff::civil::Date;
use medmal_core::compare::{CarrierOffer, Comparison, OfferLabel};
use medmal_core::projection::Scenario;
use medmal_core::review::{Review, Severity};
use rust_decimal::Decimal;

/// Everything the document shows, decided before any layout.
#[derive(Debug, Clone)]
pub struct Proposal {
    pub comparison: Comparison,
    pub reviews: Vec<Review>,
    /// The recommended carrier id, if any carrier can be recommended.
    pub recommended: Option<String>,
    /// Why, in sentences built from the figures.
    pub rationale: Vec<String>,
    pub prepared_on: Date,
    pub prepared_by: String,
}

/// The "stay, then tail" projection total of an offer, when it could be priced.
pub fn stay_total(o: &CarrierOffer) -> Option<Decimal> {
    let label = Scenario::Stay.label();
    o.projections.iter().find(|p| p.scenario == label && p.error.is_none()).map(|p| p.total)
}

fn critical_gaps(reviews: &[Review], carrier: &str) -> usize {
    reviews
        .iter()
        .filter(|r| r.carrier == carrier)
        .flat_map(|r| &r.gaps)
        .filter(|g| g.severity == Severity::Critical)
        .count()
}

impl Proposal {
    /// Recommend the carrier with the lowest cost over the period (stay, then tail) among
    /// those that quoted, preferring bindable over indication over referred, and any offer
    /// without critical coverage gaps over one with them.
    pub fn build(comparison: Comparison, reviews: Vec<Review>, prepared_on: Date, prepared_by: String) -> Self {
        let rank = |o: &CarrierOffer| {
            let label = match o.label {
                OfferLabel::Bindable => 0,
                OfferLabel::Indication => 1,
                OfferLabel::Referred => 2,
                OfferLabel::Declined => 3,
            };
            (critical_gaps(&reviews, &o.carrier).min(1), label, stay_total(o).unwrap_or(Decimal::MAX))
        };
        let best = comparison
            .offers
            .iter()
            .filter(|o| o.label != OfferLabel::Declined && stay_total(o).is_some())
            .min_by_key(|o| rank(o));
        let mut rationale = Vec::new();
        if let Some(b) = best {
            let total = stay_total(b).unwrap_or_default();
            let first = b.quote.as_ref().map_or(Decimal::ZERO, |q| q.total);
            rationale.push(format!(
                "{} ({}): ${} in the first year and ${} over {} years including the tail at the end.",
                b.carrier_name,
                b.label.name(),
                money(first),
                money(total),
                comparison.years
            ));
            let gaps = critical_gaps(&reviews, &b.carrier);
            rationale.push(if gaps == 0 {
                "No critical coverage gaps were found with this carrier.".to_string()
            } else {
                format!("{gaps} critical coverage gap(s) remain with this carrier: resolve them before binding (see Coverage gaps).")
            });
            let label = Scenario::Stay.label();
            if let Some(ch) = comparison.cheapest.iter().find(|c| c.scenario == label)
                && ch.differs
            {
                let name = |id: &Option<String>| {
                    comparison
                        .offers
                        .iter()
                        .find(|o| Some(&o.carrier) == id.as_ref())
                        .map_or("—".to_string(), |o| o.carrier_name.clone())
                };
                rationale.push(format!(
                    "The cheapest first year ({}) is not the cheapest over {} years ({}): claims-made step-up and the tail change the order.",
                    name(&ch.first_year),
                    comparison.years,
                    name(&ch.over_period)
                ));
            }
            if b.label == OfferLabel::Indication {
                rationale.push(
                    "This price is an indication: see the substitutions and assumptions listed under the comparison."
                        .into(),
                );
            }
        } else {
            rationale
                .push("No carrier offered terms that can be recommended; see the reasons under each carrier.".into());
        }
        Proposal {
            recommended: best.map(|b| b.carrier.clone()),
            rationale,
            comparison,
            reviews,
            prepared_on,
            prepared_by,
        }
    }

    pub fn recommended_offer(&self) -> Option<&CarrierOffer> {
        self.comparison.offers.iter().find(|o| Some(&o.carrier) == self.recommended.as_ref())
    }
}

/// `12345.6` → `12,345.60`.
pub fn money(x: Decimal) -> String {
    medmal_core::money::fmt_dollars(x)
}
