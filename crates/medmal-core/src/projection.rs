//! What a policy costs over the years: claims-made step-up from each provider's retro date,
//! an annual trend, and the tails that come due when someone leaves, retires or the practice
//! moves on.
//!
//! Each future year is rated with the same manual version (future rate changes are what the
//! trend stands for), on the practice as it will be then: one year further from every retro
//! date, one year older, one more year in practice and with the carrier.

use jiff::civil::Date;
use rust_decimal::Decimal;
use serde::Serialize;

use crate::manual::{Manual, PolicyForm};
use crate::money::{Money, Rounding};
use crate::practice::{Practice, PriorCoverage, TailPayer, Transaction};
use crate::rate::rate;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Scenario {
    /// Stay for the whole period; on a claims-made policy, buy every provider's tail at the end.
    Stay,
    /// A provider leaves at the end of `year`; their tail is bought then.
    Leave { provider: String, year: u32 },
    /// A provider retires at the end of `year`; their tail is free where the carrier's
    /// conditions hold on that date.
    Retire { provider: String, year: u32 },
    /// Occurrence coverage instead of claims-made: no tail ever.
    Occurrence,
}

impl Scenario {
    pub fn label(&self) -> String {
        match self {
            Scenario::Stay => "stay, then tail at the end".into(),
            Scenario::Leave { provider, year } => format!("{provider} leaves after year {year}"),
            Scenario::Retire { provider, year } => format!("{provider} retires after year {year}"),
            Scenario::Occurrence => "occurrence instead of claims-made".into(),
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct YearCost {
    /// 1-based policy year.
    pub year: u32,
    pub effective: Date,
    /// Premium rated for that year (today's rates).
    pub rated: Money,
    /// `rated` × (1 + trend)^(year − 1), rounded to the cent.
    pub premium: Money,
    /// (provider, claims-made year, rated premium).
    pub providers: Vec<(String, Option<u32>, Money)>,
}

#[derive(Debug, Clone, Serialize)]
pub struct TailCost {
    pub provider: String,
    /// Bought at the end of this policy year.
    pub after_year: u32,
    /// Tail price, trended like that year's premium; zero when free.
    pub premium: Money,
    /// `practice`, `provider` or `free`.
    pub paid_by: String,
    pub note: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Projection {
    pub scenario: String,
    pub years: Vec<YearCost>,
    pub tails: Vec<TailCost>,
    pub premiums: Money,
    /// Tails the practice pays.
    pub practice_tails: Money,
    /// Tails the departing providers pay themselves.
    pub provider_tails: Money,
    /// Cost to the practice: premiums + the tails it pays.
    pub total: Money,
    pub notes: Vec<String>,
    /// Why this scenario could not be priced for this carrier.
    pub error: Option<String>,
}

impl Projection {
    pub fn first_year(&self) -> Money {
        self.years.first().map_or(Decimal::ZERO, |y| y.premium)
    }

    fn failed(scenario: &Scenario, error: String) -> Self {
        Projection {
            scenario: scenario.label(),
            years: Vec::new(),
            tails: Vec::new(),
            premiums: Decimal::ZERO,
            practice_tails: Decimal::ZERO,
            provider_tails: Decimal::ZERO,
            total: Decimal::ZERO,
            notes: Vec::new(),
            error: Some(error),
        }
    }
}

/// The practice `years` policy years after its effective date.
pub fn advance(practice: &Practice, years: u32) -> Practice {
    let mut p = practice.clone();
    if years == 0 {
        return p;
    }
    let start = p.coverage.effective;
    let span = jiff::Span::new().years(i64::from(years));
    p.coverage.effective = p.coverage.effective.checked_add(span).unwrap_or(p.coverage.effective);
    p.coverage.transaction = Transaction::Renewal;
    for prov in &mut p.providers {
        // Renewing keeps the retroactive date: a provider whose first claims-made year is
        // this policy's first year is in year 1 + `years` then, not back in year 1.
        let carried = prov
            .prior_coverage
            .as_ref()
            .is_some_and(|c| c.form == PolicyForm::ClaimsMade && c.carry_prior_acts && c.retro_date.is_some());
        if !carried {
            prov.prior_coverage = Some(PriorCoverage {
                form: PolicyForm::ClaimsMade,
                carrier: None,
                retro_date: Some(start),
                carry_prior_acts: true,
            });
        }
        prov.years_since_training = prov.years_since_training.map(|y| y.saturating_add(years));
        prov.age = prov.age.map(|a| a.saturating_add(years));
        prov.years_insured_with_carrier = prov.years_insured_with_carrier.saturating_add(years);
        // A leave of absence is for the current term only.
        prov.leave_months = 0;
    }
    p
}

fn trended(amount: Money, trend: Decimal, year_index: u32) -> Money {
    let mut f = Decimal::ONE;
    for _ in 0..year_index {
        f = f.checked_mul(Decimal::ONE + trend).unwrap_or(f);
    }
    Rounding::CENTS.apply(amount.checked_mul(f).unwrap_or(amount))
}

/// Project one scenario over `years` policy years.
pub fn project(manual: &Manual, practice: &Practice, years: u32, trend: Decimal, scenario: &Scenario) -> Projection {
    let mut base = practice.clone();
    let mut notes = Vec::new();
    let departure = match scenario {
        Scenario::Leave { provider, year } | Scenario::Retire { provider, year } => {
            if !base.providers.iter().any(|p| &p.name == provider) {
                return Projection::failed(scenario, format!("no provider named {provider} in the practice"));
            }
            if *year == 0 || *year > years {
                return Projection::failed(scenario, format!("year {year} is outside the {years}-year period"));
            }
            Some((provider.clone(), *year))
        }
        _ => None,
    };
    if *scenario == Scenario::Occurrence {
        base.coverage.form = PolicyForm::Occurrence;
    }

    let mut out_years = Vec::new();
    let mut tails = Vec::new();
    for y in 0..years {
        let mut p = advance(&base, y);
        if let Some((who, after)) = &departure
            && y >= *after
        {
            p.providers.retain(|prov| &prov.name != who);
            if p.providers.is_empty() {
                break;
            }
        }
        let q = match rate(manual, &p) {
            Ok(q) => q,
            Err(e) => {
                let msg = e.iter().map(ToString::to_string).collect::<Vec<_>>().join("; ");
                return Projection::failed(scenario, format!("year {}: {msg}", y + 1));
            }
        };
        out_years.push(YearCost {
            year: y + 1,
            effective: p.coverage.effective,
            rated: q.total,
            premium: trended(q.total, trend, y),
            providers: q.providers.iter().map(|pp| (pp.name.clone(), pp.claims_made_year, pp.premium)).collect(),
        });
        // Tails due at the end of this year.
        let leaving_now: Vec<&str> = match (scenario, &departure) {
            (Scenario::Stay, _) if y + 1 == years => q.providers.iter().map(|pp| pp.name.as_str()).collect(),
            (_, Some((who, after))) if y + 1 == *after => vec![who.as_str()],
            _ => Vec::new(),
        };
        for name in leaving_now {
            let Some(pp) = q.providers.iter().find(|pp| pp.name == name) else {
                continue;
            };
            let Some(tail) = &pp.tail else { continue };
            let price = trended(tail.premium, trend, y);
            let prov = p.providers.iter().find(|x| x.name == name);
            let retiring = matches!(scenario, Scenario::Retire { .. });
            let (premium, paid_by, note) = if retiring && tail.free_on.iter().any(|e| e == "retirement") {
                (Decimal::ZERO, "free".to_string(), format!("free retirement tail (would cost {price})"))
            } else {
                let payer = match (scenario, prov.and_then(|x| x.tail_paid_by)) {
                    (Scenario::Stay, _) => "practice",
                    (_, Some(TailPayer::Provider)) => "provider",
                    (_, Some(TailPayer::Practice)) => "practice",
                    (_, None) => {
                        notes.push(format!(
                            "{name}'s employment terms do not say who pays the tail; assumed the practice pays"
                        ));
                        "practice"
                    }
                };
                let why = if retiring {
                    format!(
                        "retirement tail not free: {}",
                        tail.notes.first().map(ToString::to_string).unwrap_or_default()
                    )
                } else {
                    format!("{} tail, claims-made year {}", tail.length, tail.claims_made_year)
                };
                (price, payer.to_string(), why)
            };
            tails.push(TailCost { provider: name.to_string(), after_year: y + 1, premium, paid_by, note });
        }
    }
    if trend.is_zero() {
        notes.push("no rate trend assumed: future years at today's rates".into());
    }
    let premiums = out_years.iter().fold(Decimal::ZERO, |s, y| s + y.premium);
    let practice_tails = tails.iter().filter(|t| t.paid_by == "practice").fold(Decimal::ZERO, |s, t| s + t.premium);
    let provider_tails = tails.iter().filter(|t| t.paid_by == "provider").fold(Decimal::ZERO, |s, t| s + t.premium);
    Projection {
        scenario: scenario.label(),
        years: out_years,
        tails,
        premiums,
        practice_tails,
        provider_tails,
        total: premiums + practice_tails,
        notes,
        error: None,
    }
}
