//! One provider through the manual's provider steps.

use std::cell::OnceCell;
use std::sync::Arc;

use jiff::civil::Date;
use rust_decimal::Decimal;

use super::{RateError, modifiers, whole_years};
use crate::manual::{
    ClassId, Manual, MidLevelMethod, Modifier, ModifierGroup, PolicyForm, ProviderStep, SurgeryLevel, TerritoryId,
};
use crate::money::Money;
use crate::practice::{Practice, Provider, Role};
use crate::worksheet::{Label, Line, Percent, ProviderPremium, TailQuote, Text, WorksheetBuilder};

/// How a provider's base premium is found. Borrows the manual's ids: rating copies nothing
/// it only reads.
#[derive(Debug, Clone)]
pub enum Basis<'a> {
    /// Base rate of a class (physicians, and mid-levels rated in their own class).
    Class(&'a ClassId),
    /// A percent of a physician class's base rate.
    PercentOfClass { class: &'a ClassId, percent: Decimal, role: &'a str, shared: bool },
    /// A flat charge; no further steps.
    Flat { amount: Money, role: &'a str, shared: bool },
}

/// A provider with the manual's view of them resolved: class, territories, maturity.
#[derive(Debug, Clone)]
pub struct Resolved<'a> {
    pub index: usize,
    pub basis: Basis<'a>,
    /// (county, territory, percent) shares.
    pub territories: Vec<(&'a str, &'a TerritoryId, Decimal)>,
    /// Claims-made year of this term and the retro date it comes from.
    pub claims_made: Option<(u32, Date)>,
}

impl<'a> Resolved<'a> {
    pub fn class(&self) -> Option<&'a ClassId> {
        match &self.basis {
            Basis::Class(c) | Basis::PercentOfClass { class: c, .. } => Some(*c),
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
    /// The schedule's lines, the same for every provider: written out once and repeated on
    /// each provider's worksheet.
    pub schedule_lines: Vec<Line>,
    pub modifier_steps: ModifierSteps<'a>,
    /// The tail length the quote asks for, as every provider's tail row shows it.
    pub tail_length: OnceCell<Arc<str>>,
}

/// The schedule's notes and factor, written once for a quote with their text shared.
pub(crate) fn schedule_lines(schedule: &modifiers::ScheduleFactor) -> Vec<Line> {
    let mut ws = WorksheetBuilder::new(None);
    schedule.apply(&mut ws);
    for l in &mut ws.lines {
        l.row = std::mem::replace(&mut l.row, Text::from("")).shared();
    }
    ws.lines
}

/// The manual's modifier steps, looked up once per quote rather than once per provider: for
/// each step in order, its group (or the id of a group the manual lacks), then the group's
/// modifiers. Each keeps its worksheet names, written out the first time a provider's line
/// shows them and shared by every later line.
pub(crate) struct ModifierSteps<'m>(Vec<StepEntry<'m>>);

enum StepEntry<'m> {
    Group(&'m ModifierGroup, Names),
    Missing(&'m str),
    Modifier(&'m Modifier, Names),
}

/// A group's or modifier's step and rule names, once written out.
#[derive(Default)]
struct Names(OnceCell<(Label, Label)>);

impl Names {
    fn get(&self, name: &str, prefix: &str, id: &str) -> (Label, Label) {
        let (step, rule) = self.0.get_or_init(|| Label::pair(name, prefix, id));
        (step.clone(), rule.clone())
    }
}

impl<'m> ModifierSteps<'m> {
    pub(crate) fn of(manual: &'m Manual) -> Self {
        let mut entries = Vec::with_capacity(manual.modifier_groups.len() + manual.modifiers.len());
        // Groups list their modifiers mostly in the manual's order, so each search starts
        // where the last one ended and usually finds the id at once. Ids are the keys of the
        // manual's `[modifiers]` table, so where a search starts cannot change what it finds.
        let all = &manual.modifiers;
        let mut next = 0;
        for step in &manual.provider_steps {
            let ProviderStep::Modifiers { group } = step else { continue };
            match manual.group(group) {
                Some(g) => {
                    entries.push(StepEntry::Group(g, Names::default()));
                    for id in &g.modifiers {
                        let found = (0..all.len()).map(|k| (next + k) % all.len()).find(|&i| all[i].id == *id);
                        if let Some(i) = found {
                            entries.push(StepEntry::Modifier(&all[i], Names::default()));
                            next = i + 1;
                        }
                    }
                }
                None => entries.push(StepEntry::Missing(group)),
            }
        }
        Self(entries)
    }

    /// The most notes the modifier steps can write for one provider: one per modifier.
    fn max_notes(&self) -> usize {
        self.0.iter().filter(|e| matches!(e, StepEntry::Modifier(..))).count()
    }

    /// Each step's group and modifiers in turn.
    fn iter(&self) -> impl Iterator<Item = Result<ModifierStep<'_, 'm>, &'m str>> {
        let entries = &self.0;
        entries.iter().enumerate().filter_map(move |(i, e)| match e {
            StepEntry::Group(group, names) => {
                let count = entries[i + 1..].iter().take_while(|e| matches!(e, StepEntry::Modifier(..))).count();
                Some(Ok(ModifierStep { group, names, modifiers: &entries[i + 1..i + 1 + count] }))
            }
            StepEntry::Missing(id) => Some(Err(*id)),
            StepEntry::Modifier(..) => None,
        })
    }
}

/// One modifier step: its group and the group's modifiers, with their worksheet names.
struct ModifierStep<'s, 'm> {
    group: &'m ModifierGroup,
    names: &'s Names,
    modifiers: &'s [StepEntry<'m>],
}

impl ModifierStep<'_, '_> {
    /// A note per adjustment that applies, then the group's combined, capped factor: the
    /// combination and cap are the modifiers module's, the rows are written out only when
    /// shown.
    fn apply(&self, p: &modifiers::ProviderFacts<'_>, ws: &mut WorksheetBuilder) {
        if !ws.record {
            // An amount only (a tail's mature basis): the factor without notes or names.
            let values = self.modifiers.iter().filter_map(|e| match e {
                StepEntry::Modifier(m, _) => modifiers::adjustment(&m.rule, p).map(|a| a.value),
                _ => None,
            });
            if let Some((factor, _)) = modifiers::group_factor(self.group, values) {
                ws.multiply("", "", String::new, factor);
            }
            return;
        }
        let adjustments = self.modifiers.iter().filter_map(|e| {
            let StepEntry::Modifier(m, names) = e else { return None };
            let a = modifiers::adjustment(&m.rule, p)?;
            let (step, rule) = names.get(&m.name, "modifiers.", &m.id);
            let (why, value) = (a.why, a.value);
            ws.note(step, rule, || Text::adjustment(why, value), value);
            Some(value)
        });
        let Some((factor, why)) = modifiers::group_factor(self.group, adjustments) else {
            return;
        };
        let (step, rule) = self.names.get(&self.group.name, "modifier_groups.", &self.group.id);
        ws.multiply(step, rule, || Text::combined(why), factor);
    }
}

pub struct RatedProvider {
    pub premium: Money,
    pub lines: Vec<Line>,
    /// The tail's mature undiscounted basis (amount only), when the tail is quoted on it.
    pub(crate) mature: Option<WorksheetBuilder>,
}

impl RatedProvider {
    pub(crate) fn into_premium(self, r: &Resolved, p: &Provider, tail: Option<TailQuote>) -> ProviderPremium {
        let (role, specialty) = match &p.role {
            Role::Physician { specialty, .. } => ("physician".into(), Some(specialty.clone())),
            Role::MidLevel { kind, .. } => (kind.clone().into(), None),
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
pub fn resolve_provider<'a>(
    manual: &'a Manual,
    practice: &'a Practice,
    index: usize,
    p: &'a Provider,
    assumptions: &mut Vec<String>,
) -> Result<Resolved<'a>, Vec<RateError>> {
    let mut errors = Vec::new();
    let at = |f: &str| format!("providers[{index}].{f}");
    let basis = match &p.role {
        Role::Physician { specialty, surgery } => match class_of(manual, specialty, *surgery) {
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
                    MidLevelMethod::OwnClass { class } => Some(Basis::Class(class)),
                    MidLevelMethod::PercentOfClass { class, shared, separate } => match if *shared_limits {
                        shared
                    } else {
                        separate
                    } {
                        Some(pct) => Some(Basis::PercentOfClass {
                            class,
                            percent: *pct,
                            role: &rule.role,
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
                        Some(a) => Some(Basis::Flat { amount: *a, role: &rule.role, shared: *shared_limits }),
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
    let first_location = if p.practice_split.is_empty() {
        match practice.locations.first() {
            Some(loc) => {
                assumptions.push(
                    [
                        p.name.as_str(),
                        ": no percent of practice given; rated 100% in ",
                        &loc.county,
                        " county (the first location)",
                    ]
                    .concat(),
                );
                Some((loc.county.as_str(), Decimal::ONE_HUNDRED))
            }
            None => {
                errors.push(RateError::new(
                    at("practice"),
                    "no percent of practice by county and the practice has no location",
                ));
                None
            }
        }
    } else {
        None
    };
    let shares = || first_location.into_iter().chain(p.practice_split.iter().map(|s| (s.county.as_str(), s.percent)));
    let total = crate::money::saturating_sum(shares().map(|s| s.1));
    if shares().next().is_some() && total != Decimal::ONE_HUNDRED {
        errors.push(RateError::new(
            at("practice"),
            format!("percent of practice sums to {}, expected 100", total.normalize()),
        ));
    }
    for (j, (county, pct)) in shares().enumerate() {
        match manual.territory_of(county) {
            Some(t) => territories.push((county, t, pct)),
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
    class_of(manual, code, surgery).cloned()
}

fn class_of<'m>(manual: &'m Manual, code: &str, surgery: SurgeryLevel) -> Result<&'m ClassId, String> {
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
    by_level.as_ref().or(m.any.as_ref()).ok_or_else(|| {
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

/// Run the manual's provider steps. When the tail is quoted on the mature undiscounted basis,
/// that basis is rated in the same pass rather than by running the steps again.
pub(crate) fn rate_provider(ctx: &PolicyContext<'_>, r: &Resolved) -> Result<RatedProvider, RateError> {
    let manual = ctx.manual;
    let p = &ctx.practice.providers[r.index];
    let mut ws = WorksheetBuilder::new(manual.step_rounding);
    // Every line the steps can write, so the worksheet is allocated once: one per step, a
    // note per modifier, the schedule's lines, a note per territory share, and a mid-level's
    // percent and the mature relativity.
    ws.lines.reserve(
        manual.provider_steps.len()
            + ctx.modifier_steps.max_notes()
            + ctx.schedule_lines.len()
            + r.territories.len()
            + 2,
    );
    let mut mature = super::tail::on_mature_basis(ctx, r).then(|| WorksheetBuilder::amount_only(manual.step_rounding));
    let mut modifier_steps = ctx.modifier_steps.iter();

    if let Basis::Flat { amount, role, shared } = &r.basis {
        let which = if *shared { "shared" } else { "separate" };
        ws.set(
            "Flat mid-level charge",
            Label::concat(&["midlevels.", role]),
            || [role, ", ", which, " limits"].concat(),
            *amount,
        );
        for step in &manual.provider_steps {
            match step {
                ProviderStep::Round(rule) => ws.round("Rounding", "rating.provider", rule),
                ProviderStep::Minimum(m) => ws.minimum("Minimum premium", "rating.provider", *m),
                _ => {}
            }
        }
        // A flat charge has no claims-made step or credits: its mature basis is the charge.
        if let Some(m) = &mut mature {
            m.running = ws.running;
        }
        return Ok(RatedProvider { premium: ws.running, lines: ws.lines, mature });
    }

    for step in &manual.provider_steps {
        match step {
            ProviderStep::BaseRate => {
                base_rate(manual, r, &mut ws)?;
                // The base rate sets the running premium; the mature basis starts from it too.
                if let Some(m) = &mut mature {
                    m.running = ws.running;
                }
            }
            ProviderStep::PolicyForm => policy_form(ctx, r, &mut ws, mature.as_mut())?,
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
                ws.multiply("Increased limits factor", "limits", || Text::limits(limits), factor);
                also_mature(&mut mature, factor);
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
                let factor = Decimal::ONE - opt.credit;
                ws.multiply("Deductible credit", "deductibles", || Text::deductible(ded, opt.credit), factor);
                also_mature(&mut mature, factor);
            }
            ProviderStep::Modifiers { .. } => match modifier_steps.next() {
                Some(Ok(step)) => step.apply(&modifiers::ProviderFacts::of(ctx.practice, p), &mut ws),
                Some(Err(group)) => {
                    return Err(RateError::new("manual", format!("modifier group `{group}` is not defined")));
                }
                None => {}
            },
            ProviderStep::Schedule => {
                if !ws.repeat(&ctx.schedule_lines) {
                    ctx.schedule.apply(&mut ws);
                }
            }
            ProviderStep::Experience => {
                if let Some(m) = ctx.experience {
                    ws.multiply(
                        "Experience modification",
                        "experience",
                        || "group experience (see experience worksheet)",
                        m,
                    );
                }
            }
            ProviderStep::Locum => {
                let Some(rule) = &manual.locum else { continue };
                if p.locum_days > rule.free_days {
                    let days = p.locum_days - rule.free_days;
                    ws.add(
                        "Locum tenens charge",
                        "locum",
                        || Text::locum(p.locum_days, rule.free_days, rule.per_day),
                        rule.per_day * Decimal::from(days),
                    );
                }
            }
            ProviderStep::Round(rule) => {
                ws.round("Rounding", "rating.provider", rule);
                if let Some(m) = &mut mature {
                    m.round("", "", rule);
                }
            }
            ProviderStep::Minimum(min) => {
                ws.minimum("Minimum premium", "rating.provider", *min);
                if let Some(m) = &mut mature {
                    m.minimum("", "", *min);
                }
            }
        }
    }
    if ws.overflow {
        return Err(overflow(manual, p));
    }
    Ok(RatedProvider { premium: ws.running, lines: ws.lines, mature })
}

/// A limits or deductible factor applies to the mature basis as to the premium.
fn also_mature(mature: &mut Option<WorksheetBuilder>, factor: Decimal) {
    if let Some(m) = mature {
        m.multiply("", "", || "", factor);
    }
}

fn rate_of(manual: &Manual, class: &str, territory: &str) -> Result<Money, RateError> {
    manual.base_rate(class, territory).ok_or_else(|| {
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
    let class_name = manual.class(class).map_or(("", ""), |c| (" ", c.name.as_str()));
    if let [(county, terr, _)] = r.territories.as_slice() {
        let rate = rate_of(manual, class, terr)?;
        ws.set(
            "Base rate",
            "base_rates",
            || {
                let (sep, name) = class_name;
                ["class ", class, sep, name, ", territory ", terr, " (", county, ")"].concat()
            },
            rate,
        );
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
                || Text::share(["class ", class, ", territory ", terr, " (", county, ")"].concat(), *pct),
                rate,
            );
        }
        ws.set(
            "Blended base rate",
            "base_rates",
            || {
                let (sep, name) = class_name;
                ["class ", class, sep, name, ", weighted by percent of practice"].concat()
            },
            blended,
        );
    }
    if let Basis::PercentOfClass { percent, role, shared, .. } = &r.basis {
        let which = if *shared { "shared" } else { "separate" };
        ws.multiply(
            "Mid-level percent of class",
            Label::concat(&["midlevels.", role]),
            || [role, ", ", which, " limits"].concat(),
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

fn policy_form(
    ctx: &PolicyContext<'_>,
    r: &Resolved,
    ws: &mut WorksheetBuilder,
    mature: Option<&mut WorksheetBuilder>,
) -> Result<(), RateError> {
    let manual = ctx.manual;
    let requested = ctx.practice.coverage.form;
    let (year, retro) = r.claims_made.unwrap_or((1, ctx.practice.coverage.effective));
    let not_written = |f: &str| {
        RateError::new(
            "coverage.form",
            format!("{} does not write {f} in {}", manual.meta.carrier_name, manual.meta.state),
        )
    };
    let (f, relativity) = form_factors(manual, requested, Some(year)).map_err(not_written)?;
    match requested {
        PolicyForm::Occurrence => {
            ws.multiply("Occurrence form factor", "occurrence", || "occurrence relative to base form", f);
        }
        PolicyForm::ClaimsMade => {
            let steps = manual.form.claims_made_steps.as_ref().map_or(0, Vec::len);
            let row = || Text::claims_made_year(year, year as usize >= steps, retro);
            ws.multiply("Claims-made step factor", "claims_made.steps", row, f);
        }
    }
    if let Some(m) = relativity {
        ws.multiply(
            "Mature claims-made relativity",
            "claims_made.mature_factor",
            || "mature claims-made to occurrence",
            m,
        );
    }
    if let Some(ws) = mature {
        let (f, relativity) = form_factors(manual, requested, None).map_err(not_written)?;
        ws.multiply("", "", || "", f);
        if let Some(m) = relativity {
            ws.multiply("", "", || "", m);
        }
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

/// A signed fraction as a percent (`-0.25` → `-25%`), written out only where it is shown:
/// a modifier's row, a schedule note, an error message.
pub(crate) fn pct(x: Decimal) -> Percent {
    Percent(x)
}
