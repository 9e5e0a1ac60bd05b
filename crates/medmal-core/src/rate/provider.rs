//! One provider through the manual's provider steps.

use jiff::civil::Date;
use rust_decimal::Decimal;

use super::{RateError, modifiers, whole_years};
use crate::manual::{ClassId, Manual, MidLevelMethod, PolicyForm, ProviderStep, SurgeryLevel};
use crate::money::{Money, fmt_money};
use crate::practice::{Practice, Provider, Role};
use crate::worksheet::{Line, ProviderPremium, TailQuote, WorksheetBuilder};

/// How a provider's base premium is found.
#[derive(Debug, Clone)]
pub enum Basis {
    /// Base rate of a class (physicians, and mid-levels rated in their own class).
    Class(ClassId),
    /// A percent of a physician class's base rate.
    PercentOfClass { class: ClassId, percent: Decimal, role: String, shared: bool },
    /// A flat charge; no further steps.
    Flat { amount: Money, role: String, shared: bool },
}

/// A provider with the manual's view of them resolved: class, territories, maturity.
#[derive(Debug, Clone)]
pub struct Resolved {
    pub index: usize,
    pub basis: Basis,
    /// (county, territory, percent) shares.
    pub territories: Vec<(String, String, Decimal)>,
    /// Claims-made year of this term and the retro date it comes from.
    pub claims_made: Option<(u32, Date)>,
}

impl Resolved {
    pub fn class(&self) -> Option<&ClassId> {
        match &self.basis {
            Basis::Class(c) | Basis::PercentOfClass { class: c, .. } => Some(c),
            Basis::Flat { .. } => None,
        }
    }

    /// The provider's weight in group counts and expected losses (1 for a class-rated
    /// provider, the percent for a percent-of-class mid-level, 0 for a flat fee).
    pub fn exposure_weight(&self) -> Decimal {
        match &self.basis {
            Basis::Class(_) => Decimal::ONE,
            Basis::PercentOfClass { percent, .. } => *percent,
            Basis::Flat { .. } => Decimal::ZERO,
        }
    }
}

pub(crate) struct PolicyContext<'a> {
    pub manual: &'a Manual,
    pub practice: &'a Practice,
    pub experience: Option<Decimal>,
    pub schedule: &'a modifiers::ScheduleFactor,
}

/// Whether a run is the real premium or the tail basis (mature, before individual credits).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Mode {
    Actual,
    MatureUndiscounted,
}

pub struct RatedProvider {
    pub premium: Money,
    pub lines: Vec<Line>,
}

impl RatedProvider {
    pub(crate) fn into_premium(self, r: &Resolved, p: &Provider, tail: Option<TailQuote>) -> ProviderPremium {
        let (role, specialty) = match &p.role {
            Role::Physician { specialty, .. } => ("physician".to_string(), Some(specialty.clone())),
            Role::MidLevel { kind, .. } => (kind.clone(), None),
        };
        ProviderPremium {
            name: p.name.clone(),
            role,
            specialty,
            class: r.class().cloned(),
            claims_made_year: r.claims_made.map(|(y, _)| y),
            premium: self.premium,
            worksheet: self.lines,
            tail,
        }
    }
}

/// Resolve class, territories and claims-made maturity, reporting every problem.
pub fn resolve_provider(
    manual: &Manual,
    practice: &Practice,
    index: usize,
    p: &Provider,
    assumptions: &mut Vec<String>,
) -> Result<Resolved, Vec<RateError>> {
    let mut errors = Vec::new();
    let at = |f: &str| format!("providers[{index}].{f}");
    let basis = match &p.role {
        Role::Physician { specialty, surgery } => match physician_class(manual, specialty, *surgery) {
            Ok(c) => Some(Basis::Class(c)),
            Err(m) => {
                errors.push(RateError::new(at("specialty"), m));
                None
            }
        },
        Role::MidLevel { kind, shared_limits } => match manual.midlevel(kind) {
            None => {
                let offered: Vec<&str> = manual.midlevels.iter().map(|m| m.role.as_str()).collect();
                errors.push(RateError::new(
                    at("role"),
                    format!(
                        "{} does not rate provider type `{kind}`; it rates: {}",
                        manual.meta.carrier_name,
                        offered.join(", ")
                    ),
                ));
                None
            }
            Some(rule) => {
                let which = if *shared_limits { "shared" } else { "separate" };
                match &rule.method {
                    MidLevelMethod::OwnClass { class } => Some(Basis::Class(class.clone())),
                    MidLevelMethod::PercentOfClass { class, shared, separate } => match if *shared_limits {
                        shared
                    } else {
                        separate
                    } {
                        Some(pct) => Some(Basis::PercentOfClass {
                            class: class.clone(),
                            percent: *pct,
                            role: rule.role.clone(),
                            shared: *shared_limits,
                        }),
                        None => {
                            errors.push(RateError::new(
                                at("shared_limits"),
                                format!("{} does not offer {which} limits for {}", manual.meta.carrier_name, rule.role),
                            ));
                            None
                        }
                    },
                    MidLevelMethod::Flat { shared, separate } => match if *shared_limits { shared } else { separate } {
                        Some(a) => Some(Basis::Flat { amount: *a, role: rule.role.clone(), shared: *shared_limits }),
                        None => {
                            errors.push(RateError::new(
                                at("shared_limits"),
                                format!("{} does not offer {which} limits for {}", manual.meta.carrier_name, rule.role),
                            ));
                            None
                        }
                    },
                }
            }
        },
    };

    let mut territories = Vec::new();
    let shares: Vec<(String, Decimal)> = if p.practice_split.is_empty() {
        match practice.locations.first() {
            Some(loc) => {
                assumptions.push(format!(
                    "{}: no percent of practice given; rated 100% in {} county (the first location)",
                    p.name, loc.county
                ));
                vec![(loc.county.clone(), Decimal::ONE_HUNDRED)]
            }
            None => {
                errors.push(RateError::new(
                    at("practice"),
                    "no percent of practice by county and the practice has no location",
                ));
                Vec::new()
            }
        }
    } else {
        p.practice_split.iter().map(|s| (s.county.clone(), s.percent)).collect()
    };
    let total = crate::money::saturating_sum(shares.iter().map(|s| s.1));
    if !shares.is_empty() && total != Decimal::ONE_HUNDRED {
        errors.push(RateError::new(
            at("practice"),
            format!("percent of practice sums to {}, expected 100", total.normalize()),
        ));
    }
    for (j, (county, pct)) in shares.iter().enumerate() {
        match manual.territory_of(county) {
            Some(t) => territories.push((county.clone(), t.clone(), *pct)),
            None => errors.push(RateError::new(
                if p.practice_split.is_empty() {
                    "locations[0].county".to_string()
                } else {
                    at(&format!("practice[{j}].county"))
                },
                format!(
                    "county `{county}` is in no rating territory of {} and the manual has no state-wide default",
                    manual.meta.id()
                ),
            )),
        }
    }

    let claims_made = match practice.coverage.form {
        PolicyForm::Occurrence => None,
        PolicyForm::ClaimsMade => match retro_date(practice, index, p, assumptions) {
            Ok(retro) => {
                let years = whole_years(retro, practice.coverage.effective);
                if years < 0 {
                    errors.push(RateError::new(
                        at("prior_coverage.retro_date"),
                        format!(
                            "retroactive date {retro} is after the policy's effective date {}",
                            practice.coverage.effective
                        ),
                    ));
                    None
                } else {
                    Some((u32::try_from(years).unwrap_or(u32::MAX).saturating_add(1), retro))
                }
            }
            Err(e) => {
                errors.push(e);
                None
            }
        },
    };

    match (basis, errors.is_empty()) {
        (Some(basis), true) => Ok(Resolved { index, basis, territories, claims_made }),
        _ => Err(errors),
    }
}

pub(crate) fn physician_class(manual: &Manual, code: &str, surgery: SurgeryLevel) -> Result<ClassId, String> {
    let mapping = manual.specialty(code).or_else(|| {
        // D.O. codes 84xxx mirror M.D. codes 80xxx (Wis. Adm. Code Ins 17.28).
        let twin = code.strip_prefix("84").map(|rest| format!("80{rest}"));
        twin.filter(|_| manual.osteopathic_mirror).and_then(|t| manual.specialty(&t))
    });
    let Some(m) = mapping else {
        return Err(format!("specialty code {code} is not in {}'s specialty plan", manual.meta.id()));
    };
    let by_level = match surgery {
        SurgeryLevel::None => &m.none,
        SurgeryLevel::Minor => &m.minor,
        SurgeryLevel::Major => &m.major,
    };
    by_level.clone().or_else(|| m.any.clone()).ok_or_else(|| {
        format!(
            "{} ({code}) is not written with surgery level `{}` by {}",
            m.name,
            surgery.name(),
            manual.meta.carrier_name
        )
    })
}

/// The retroactive date of a claims-made term. Prior acts count towards maturity when the
/// new policy picks them up (nose); otherwise the policy starts at claims-made year 1.
fn retro_date(
    practice: &Practice,
    index: usize,
    p: &Provider,
    assumptions: &mut Vec<String>,
) -> Result<Date, RateError> {
    let effective = practice.coverage.effective;
    match &p.prior_coverage {
        Some(prior) if prior.form == PolicyForm::ClaimsMade && prior.carry_prior_acts => {
            prior.retro_date.ok_or_else(|| {
                RateError::new(
                    format!("providers[{index}].prior_coverage.retro_date"),
                    "prior claims-made coverage with prior acts carried over needs its retroactive date",
                )
            })
        }
        Some(prior) if prior.form == PolicyForm::ClaimsMade => {
            assumptions.push(format!(
                "{}: prior acts not carried over; the policy starts at claims-made year 1 and the prior policy needs a tail",
                p.name
            ));
            Ok(effective)
        }
        Some(_) => Ok(effective),
        None => {
            assumptions.push(format!(
                "{}: no prior coverage given; retroactive date taken as the effective date {effective} (claims-made year 1)",
                p.name
            ));
            Ok(effective)
        }
    }
}

/// Run the manual's provider steps.
pub(crate) fn rate_provider(ctx: &PolicyContext<'_>, r: &Resolved, mode: Mode) -> Result<RatedProvider, RateError> {
    let manual = ctx.manual;
    let p = &ctx.practice.providers[r.index];
    // The tail basis needs only the amount: its worksheet shows the basis as one line.
    let mut ws = match mode {
        Mode::Actual => WorksheetBuilder::new(manual.step_rounding),
        Mode::MatureUndiscounted => WorksheetBuilder::amount_only(manual.step_rounding),
    };

    if let Basis::Flat { amount, role, shared } = &r.basis {
        let which = if *shared { "shared" } else { "separate" };
        ws.set("Flat mid-level charge", format!("midlevels.{role}"), || format!("{role}, {which} limits"), *amount);
        for step in &manual.provider_steps {
            match step {
                ProviderStep::Round(rule) => ws.round("Rounding", "rating.provider", rule),
                ProviderStep::Minimum(m) => ws.minimum("Minimum premium", "rating.provider", *m),
                _ => {}
            }
        }
        return Ok(RatedProvider { premium: ws.running, lines: ws.lines });
    }

    for step in &manual.provider_steps {
        match step {
            ProviderStep::BaseRate => base_rate(manual, r, &mut ws)?,
            ProviderStep::PolicyForm => policy_form(ctx, r, mode, &mut ws)?,
            ProviderStep::Limits => {
                let limits = ctx.practice.coverage.limits;
                let factor = manual.limits_factor(&limits).ok_or_else(|| {
                    let offered: Vec<String> = manual.limits.iter().map(|l| l.limits.label()).collect();
                    RateError::new(
                        "coverage.limits",
                        format!(
                            "{} not offered by {}; offered: {}",
                            limits.label(),
                            manual.meta.carrier_name,
                            offered.join(", ")
                        ),
                    )
                })?;
                ws.multiply("Increased limits factor", "limits", || limits.label(), factor);
            }
            ProviderStep::Deductible => {
                let Some(ded) = ctx.practice.coverage.deductible else {
                    continue;
                };
                let opt = manual.deductibles.iter().find(|o| o.deductible == ded).ok_or_else(|| {
                    let offered: Vec<String> = manual.deductibles.iter().map(|o| o.deductible.label()).collect();
                    RateError::new(
                        "coverage.deductible",
                        format!(
                            "deductible {} not offered by {}; offered: {}",
                            ded.label(),
                            manual.meta.carrier_name,
                            offered.join(", ")
                        ),
                    )
                })?;
                ws.multiply(
                    "Deductible credit",
                    "deductibles",
                    || format!("{}: {}% credit", ded.label(), (opt.credit * Decimal::ONE_HUNDRED).normalize()),
                    Decimal::ONE - opt.credit,
                );
            }
            ProviderStep::Modifiers { group } => {
                if mode == Mode::Actual {
                    let group = manual
                        .group(group)
                        .ok_or_else(|| RateError::new("manual", format!("modifier group `{group}` is not defined")))?;
                    let mods = group.modifiers.iter().filter_map(|id| manual.modifier(id));
                    modifiers::apply_group(group, mods, &modifiers::ProviderFacts::of(ctx.practice, p), &mut ws);
                }
            }
            ProviderStep::Schedule => {
                if mode == Mode::Actual {
                    ctx.schedule.apply(&mut ws);
                }
            }
            ProviderStep::Experience => {
                if let (Some(m), Mode::Actual) = (ctx.experience, mode) {
                    ws.multiply(
                        "Experience modification",
                        "experience",
                        || "group experience (see experience worksheet)".into(),
                        m,
                    );
                }
            }
            ProviderStep::Locum => {
                let Some(rule) = &manual.locum else { continue };
                if mode == Mode::Actual && p.locum_days > rule.free_days {
                    let days = p.locum_days - rule.free_days;
                    ws.add(
                        "Locum tenens charge",
                        "locum",
                        || {
                            format!(
                                "{} days − {} free = {days} days × {}",
                                p.locum_days,
                                rule.free_days,
                                fmt_money(rule.per_day)
                            )
                        },
                        rule.per_day * Decimal::from(days),
                    );
                }
            }
            ProviderStep::Round(rule) => ws.round("Rounding", "rating.provider", rule),
            ProviderStep::Minimum(m) => ws.minimum("Minimum premium", "rating.provider", *m),
        }
    }
    if ws.overflow {
        return Err(overflow(manual, p));
    }
    Ok(RatedProvider { premium: ws.running, lines: ws.lines })
}

fn rate_of(manual: &Manual, class: &str, territory: &str) -> Result<Money, RateError> {
    manual.base_rates.get(&(class.to_string(), territory.to_string())).copied().ok_or_else(|| {
        RateError::new(
            "manual",
            format!("{} has no base rate for class {class} in territory {territory}", manual.meta.id()),
        )
    })
}

fn base_rate(manual: &Manual, r: &Resolved, ws: &mut WorksheetBuilder) -> Result<(), RateError> {
    let Some(class) = r.class() else {
        return Ok(());
    };
    let class_name = manual.class(class).map_or(String::new(), |c| format!(" {}", c.name));
    if let [(county, terr, _)] = r.territories.as_slice() {
        let rate = rate_of(manual, class, terr)?;
        ws.set("Base rate", "base_rates", || format!("class {class}{class_name}, territory {terr} ({county})"), rate);
    } else {
        let mut blended = Decimal::ZERO;
        for (county, terr, pct) in &r.territories {
            let rate = rate_of(manual, class, terr)?;
            blended = rate.checked_mul(*pct).and_then(|x| blended.checked_add(x / Decimal::ONE_HUNDRED)).ok_or_else(
                || RateError::new("manual", format!("{}: blended base rate out of range", manual.meta.id())),
            )?;
            ws.note(
                "Base rate share",
                "base_rates",
                || format!("class {class}, territory {terr} ({county}) at {}% of practice", pct.normalize()),
                rate,
            );
        }
        ws.set(
            "Blended base rate",
            "base_rates",
            || format!("class {class}{class_name}, weighted by percent of practice"),
            blended,
        );
    }
    if let Basis::PercentOfClass { percent, role, shared, .. } = &r.basis {
        let which = if *shared { "shared" } else { "separate" };
        ws.multiply(
            "Mid-level percent of class",
            format!("midlevels.{role}"),
            || format!("{role}, {which} limits"),
            *percent,
        );
    }
    Ok(())
}

/// The factors of the policy-form step, in order: the occurrence factor, or the claims-made
/// step of `year` (`None`: the mature step) followed, on an occurrence base, by the mature
/// claims-made relativity. `Err` names the form the manual does not write. Quotes and book rows
/// both take their form factors from here.
pub(crate) fn form_factors(
    manual: &Manual,
    requested: PolicyForm,
    year: Option<u32>,
) -> Result<(Decimal, Option<Decimal>), &'static str> {
    let form = &manual.form;
    match requested {
        PolicyForm::Occurrence => match manual.meta.base_form {
            PolicyForm::Occurrence => Ok((Decimal::ONE, None)),
            PolicyForm::ClaimsMade => form.occurrence_factor.map(|f| (f, None)).ok_or("occurrence"),
        },
        PolicyForm::ClaimsMade => {
            let steps = form.claims_made_steps.as_ref().ok_or("claims-made")?;
            let i = match year {
                Some(y) => (y as usize).min(steps.len()).saturating_sub(1),
                None => steps.len().saturating_sub(1),
            };
            let f = steps.get(i).copied().ok_or("claims-made")?;
            match manual.meta.base_form {
                PolicyForm::Occurrence => Ok((f, Some(form.claims_made_mature_factor.ok_or("claims-made")?))),
                PolicyForm::ClaimsMade => Ok((f, None)),
            }
        }
    }
}

fn policy_form(ctx: &PolicyContext<'_>, r: &Resolved, mode: Mode, ws: &mut WorksheetBuilder) -> Result<(), RateError> {
    let manual = ctx.manual;
    let requested = ctx.practice.coverage.form;
    let (year, retro) = r.claims_made.unwrap_or((1, ctx.practice.coverage.effective));
    let asked = match mode {
        Mode::Actual => Some(year),
        Mode::MatureUndiscounted => None,
    };
    let (f, mature) = form_factors(manual, requested, asked).map_err(|f| {
        RateError::new(
            "coverage.form",
            format!("{} does not write {f} in {}", manual.meta.carrier_name, manual.meta.state),
        )
    })?;
    match requested {
        PolicyForm::Occurrence => {
            ws.multiply("Occurrence form factor", "occurrence", || "occurrence relative to base form".into(), f);
        }
        PolicyForm::ClaimsMade => {
            let steps = manual.form.claims_made_steps.as_ref().map_or(0, Vec::len);
            let row = move || match mode {
                Mode::Actual => {
                    let mature = if year as usize >= steps { " = mature" } else { "" };
                    format!("year {year}{mature} (retro {retro})")
                }
                Mode::MatureUndiscounted => "mature (tail basis)".to_string(),
            };
            ws.multiply("Claims-made step factor", "claims_made.steps", row, f);
        }
    }
    if let Some(m) = mature {
        ws.multiply(
            "Mature claims-made relativity",
            "claims_made.mature_factor",
            || "mature claims-made to occurrence".into(),
            m,
        );
    }
    Ok(())
}

pub(crate) fn overflow(manual: &Manual, p: &Provider) -> RateError {
    RateError::new(
        "manual",
        format!(
            "{}: the premium for {} leaves the range of exact decimal arithmetic; check the manual's factors",
            manual.meta.id(),
            p.name
        ),
    )
}

/// A signed fraction as a percent (`-0.25` → `-25%`).
pub(crate) fn pct(x: Decimal) -> String {
    format!("{}%", (x * Decimal::ONE_HUNDRED).normalize())
}
