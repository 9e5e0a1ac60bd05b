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

/// What the proposal is and is not, printed at its end.
pub const DISCLAIMER: &str = "This proposal compares premiums computed from the carriers' rate manuals as loaded in medmal, for the facts stated in the practice file. It is not a binder or a policy: coverage is governed by the policy each carrier issues, after underwriting. Indications and referred quotes may change. Projections re-rate future years at today's rates adjusted by the stated trend; actual renewals depend on future rate filings and claims. Verify limits requirements with your hospitals and payers.";

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

/// A table of the proposal as plain text cells, laid out by the HTML, PDF and terminal
/// renderers alike, so all three always show the same figures.
#[derive(Debug, Clone, Default)]
pub struct Table {
    pub header: Vec<String>,
    pub rows: Vec<Vec<String>>,
}

pub mod tables {
    //! The proposal's tables, built once from the comparison.

    use medmal_core::compare::{Comparison, FEATURE_ROWS};
    use medmal_core::money::fmt_money;
    use medmal_core::worksheet::{Line, Op};

    use super::{Table, money};

    fn carriers_header(c: &Comparison, first: &str) -> Vec<String> {
        std::iter::once(first.to_string()).chain(c.offers.iter().map(|o| o.carrier_name.clone())).collect()
    }

    /// First-year premium: status, one row per provider, policy charges, total.
    pub fn premiums(c: &Comparison) -> Table {
        let mut rows = vec![
            std::iter::once("status".to_string()).chain(c.offers.iter().map(|o| o.label.name().to_string())).collect(),
        ];
        let mut names: Vec<String> = Vec::new();
        for o in &c.offers {
            for p in o.quote.iter().flat_map(|q| &q.providers) {
                if !names.contains(&p.name) {
                    names.push(p.name.clone());
                }
            }
        }
        for n in &names {
            let mut row = vec![n.clone()];
            for o in &c.offers {
                row.push(
                    o.quote
                        .as_ref()
                        .and_then(|q| q.providers.iter().find(|p| &p.name == n))
                        .map_or("—".into(), |p| money(p.premium)),
                );
            }
            rows.push(row);
        }
        let mut policy = vec!["entity, fund surcharges, rounding".to_string()];
        let mut total = vec!["Total annual premium".to_string()];
        for o in &c.offers {
            policy.push(o.quote.as_ref().map_or("—".into(), |q| money(q.total - q.providers_total)));
            total.push(o.quote.as_ref().map_or("—".into(), |q| money(q.total)));
        }
        rows.push(policy);
        rows.push(total);
        Table { header: carriers_header(c, ""), rows }
    }

    /// Cost over the period per scenario and carrier.
    pub fn scenarios(c: &Comparison) -> Table {
        let mut names: Vec<String> = Vec::new();
        for o in &c.offers {
            for p in &o.projections {
                if !names.contains(&p.scenario) {
                    names.push(p.scenario.clone());
                }
            }
        }
        let rows = names
            .iter()
            .map(|sc| {
                std::iter::once(sc.clone())
                    .chain(c.offers.iter().map(|o| match o.projections.iter().find(|p| &p.scenario == sc) {
                        Some(p) if p.error.is_none() => money(p.total),
                        Some(_) => "n/a".into(),
                        None => "—".into(),
                    }))
                    .collect()
            })
            .collect();
        Table { header: carriers_header(c, "scenario"), rows }
    }

    /// The coverage-feature grid.
    pub fn features(c: &Comparison) -> Table {
        let rows = FEATURE_ROWS
            .iter()
            .enumerate()
            .map(|(i, f)| {
                std::iter::once(f.to_string())
                    .chain(c.offers.iter().map(|o| o.features.get(i).map_or("—".into(), |(_, v)| v.clone())))
                    .collect()
            })
            .collect();
        Table { header: carriers_header(c, ""), rows }
    }

    /// How a worksheet line's value reads: `× 0.85`, `+ 656.30`, `= 10000.00`, …
    pub fn line_value(l: &Line) -> String {
        match l.op {
            Op::Multiply => format!("× {}", l.value.normalize()),
            Op::Add => format!("+ {}", fmt_money(l.value)),
            Op::Set => format!("= {}", fmt_money(l.value)),
            Op::Round => format!("≈ {}", l.value.normalize()),
            Op::Minimum => format!("≥ {}", fmt_money(l.value)),
            // An adjustment inside a group reads signed (−0.05); any other note is an amount.
            Op::Note if l.rule.starts_with("modifiers.") || l.rule.starts_with("schedule.") => {
                format!("({:+})", l.value.normalize())
            }
            Op::Note => format!("({})", fmt_money(l.value)),
        }
    }

    /// A worksheet: step, rule, row, value, running (notes leave running blank).
    pub fn worksheet(lines: &[Line]) -> Table {
        let rows = lines
            .iter()
            .map(|l| {
                let running = if l.op == Op::Note { String::new() } else { fmt_money(l.running) };
                vec![l.step.to_string(), l.rule.to_string(), l.row.to_string(), line_value(l), running]
            })
            .collect();
        Table { header: ["step", "rule", "row", "value", "running"].map(String::from).to_vec(), rows }
    }
}
