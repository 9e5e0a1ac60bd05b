//! Coverage review: what a policy leaves uncovered for this practice, how serious it is, the
//! fact that triggered it and what it means in plain words; then the questions to ask before
//! binding, filled in with the practice's own facts.
//!
//! The rules run against a [`Coverage`]: the coverage under review in the terms the rules need
//! (form, limits, who is insured and from when, policy-form features, locum and tail terms,
//! the carrier's standing). It is built either from a carrier's manual and how rating went
//! ([`Coverage::proposed`], the policy that carrier would issue) or from the declarations of a
//! policy in force ([`Coverage::in_force`]). Rules that need a premium or a quote stay silent
//! for a policy in force; questions that would quote one say what is unknown instead.

use jiff::civil::Date;
use rust_decimal::Decimal;
use serde::Serialize;

use crate::manual::{
    CarrierFacts, ConsentToSettle, Deductible, DefenseCosts, Limits, Manual, PolicyFeatures, PolicyForm, SurgeryLevel,
};
use crate::money::{Money, Rounding, fmt_dollars};
use crate::practice::{EntityLimits, Practice, Provider, Role};
use crate::rate::RateError;
use crate::worksheet::{Quote, QuoteStatus};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    Critical,
    Warning,
    Note,
}

impl Severity {
    pub fn name(self) -> &'static str {
        match self {
            Severity::Critical => "critical",
            Severity::Warning => "warning",
            Severity::Note => "note",
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Gap {
    pub severity: Severity,
    /// Stable rule id (`entity_not_insured`, `telehealth_out_of_territory`, …).
    pub rule: &'static str,
    /// The practice's fact that triggered the rule.
    pub fact: String,
    /// What it means, in plain words.
    pub consequence: String,
}

/// Minimum limits a state or its hospitals commonly require, from the documented table.
#[derive(Debug, Clone, Serialize)]
pub struct LimitsRequirement {
    pub state: String,
    pub limits: Limits,
    /// Who requires it and why ("MCARE Act primary limits", "typical hospital privileges").
    pub source: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Review {
    pub practice: String,
    /// Carrier id for a proposed policy; the carrier's name for a policy in force (policy
    /// files name carriers, they do not know manual ids).
    pub carrier: String,
    pub carrier_name: String,
    /// `carrier/state/version` of the manual, when reviewing what a carrier would issue.
    pub manual: Option<String>,
    /// Policy number, when reviewing a policy in force.
    pub policy: Option<String>,
    pub gaps: Vec<Gap>,
    pub questions: Vec<String>,
}

/// A policy in force, as its declarations state it. Read from a policy file
/// (`medmal_practice::parse_policy`, format in docs/policy-format.md).
#[derive(Debug, Clone)]
pub struct InForcePolicy {
    pub number: String,
    pub carrier_name: String,
    pub carrier: CarrierFacts,
    pub state: String,
    pub form: PolicyForm,
    pub effective: Date,
    pub expires: Date,
    pub limits: Limits,
    pub deductible: Option<Deductible>,
    /// Annual premium; used only to price a tail stated as a multiple of it.
    pub premium: Option<Money>,
    /// `None` when the policy insures no entity.
    pub entity: Option<InsuredEntity>,
    /// Scheduled named insureds (the providers), each with their retroactive date.
    pub insureds: Vec<NamedInsured>,
    /// Mid-level types covered without being named (employed NPs, PAs, … on a blanket basis).
    pub blanket_midlevels: Vec<String>,
    /// Mid-level types an exclusion takes off the policy.
    pub excluded_midlevels: Vec<String>,
    pub features: PolicyFeatures,
    /// `None`: the policy has no locum tenens provision.
    pub locum: Option<LocumTerms>,
    pub tail: TailTerms,
    /// Service lines excluded by endorsement, matched against the practice's `services`.
    pub excluded_services: Vec<String>,
    /// Procedures excluded by endorsement (free text, asked about before binding).
    pub excluded_procedures: Vec<String>,
}

#[derive(Debug, Clone)]
pub struct InsuredEntity {
    pub name: String,
    pub limits: EntityLimits,
}

/// A provider the policy names, with the retroactive date it gives them.
#[derive(Debug, Clone)]
pub struct NamedInsured {
    pub name: String,
    /// The date before which care is not covered (claims-made only).
    pub retro_date: Option<Date>,
    /// Rating class as the declarations or the rating show it.
    pub class: Option<String>,
}

#[derive(Debug, Clone)]
pub struct LocumTerms {
    /// Days a year a locum may stand in for an insured at no charge.
    pub free_days: u32,
    /// Charge per day beyond them, when known.
    pub per_day: Option<Money>,
}

/// The extended reporting (tail) terms.
#[derive(Debug, Clone)]
pub struct TailTerms {
    pub offered: bool,
    pub lengths: Vec<String>,
    /// Price as a multiple of the annual premium, when the policy states one.
    pub factor: Option<Decimal>,
    pub free: Option<FreeTailTerms>,
}

/// When the tail is free (death, disability, retirement, …).
#[derive(Debug, Clone)]
pub struct FreeTailTerms {
    pub events: Vec<String>,
    pub min_years_insured: u32,
    pub min_age: Option<u32>,
    /// The minimum age applies to retirement only.
    pub age_for_retirement_only: bool,
}

/// How the entity stands under the coverage.
#[derive(Debug, Clone)]
pub enum EntityCover {
    Insured {
        name: Option<String>,
        limits: EntityLimits,
    },
    NotInsured,
    /// The carrier does not insure practice entities in the state at all.
    NotWritten,
}

/// Which mid-level types the coverage takes.
#[derive(Debug, Clone, Default)]
pub struct MidLevelTerms {
    /// Types the carrier rates (a manual); any other type is not covered. `None`: no such list.
    pub written: Option<Vec<String>>,
    /// Types covered without being named.
    pub blanket: Vec<String>,
    /// Types excluded.
    pub excluded: Vec<String>,
}

impl MidLevelTerms {
    fn excludes(&self, kind: &str) -> bool {
        self.excluded.iter().any(|k| k.eq_ignore_ascii_case(kind))
            || self.written.as_ref().is_some_and(|w| !w.iter().any(|k| k.eq_ignore_ascii_case(kind)))
    }

    fn blanket_covers(&self, kind: &str) -> bool {
        self.blanket.iter().any(|k| k.eq_ignore_ascii_case(kind))
    }
}

/// Where the coverage under review comes from.
#[derive(Debug, Clone)]
pub enum Basis<'a> {
    /// The policy a carrier would issue: its manual and how rating the practice went.
    Proposed { manual: &'a Manual, rating: &'a Result<Quote, Vec<RateError>> },
    /// A policy in force, from its declarations.
    InForce(&'a InForcePolicy),
}

/// The coverage under review, in the terms the gap rules and questions need.
#[derive(Debug, Clone)]
pub struct Coverage<'a> {
    pub carrier: String,
    pub carrier_name: String,
    /// The state the policy is written in.
    pub state: String,
    pub basis: Basis<'a>,
    pub facts: Option<CarrierFacts>,
    /// `None` when the source does not state the policy-form features.
    pub features: Option<PolicyFeatures>,
    pub form: PolicyForm,
    pub limits: Limits,
    pub deductible: Option<Deductible>,
    /// First day of the term under review.
    pub effective: Date,
    pub entity: EntityCover,
    pub insureds: Vec<NamedInsured>,
    pub midlevels: MidLevelTerms,
    pub locum: Option<LocumTerms>,
    pub tail: TailTerms,
    pub excluded_services: Vec<String>,
    pub excluded_procedures: Vec<String>,
}

impl<'a> Coverage<'a> {
    /// The policy `manual`'s carrier would issue for `practice` (already fitted to what the
    /// carrier offers), given how rating went.
    pub fn proposed(practice: &Practice, manual: &'a Manual, rating: &'a Result<Quote, Vec<RateError>>) -> Self {
        let cov = &practice.coverage;
        let entity = match &practice.entity {
            Some(e) if !e.insure => EntityCover::NotInsured,
            None => EntityCover::NotInsured,
            Some(_) if manual.entity.shared.is_none() && manual.entity.separate.is_none() => EntityCover::NotWritten,
            Some(e) => EntityCover::Insured { name: Some(e.name.clone()), limits: cov.entity_limits },
        };
        let insureds = practice
            .providers
            .iter()
            .filter(|p| p.scheduled)
            .map(|p| NamedInsured {
                name: p.name.clone(),
                retro_date: (cov.form == PolicyForm::ClaimsMade).then(|| proposed_retro(p, cov.effective)).flatten(),
                class: rated_class(rating.as_ref().ok(), &p.name),
            })
            .collect();
        let tail = match &manual.tail {
            None => TailTerms { offered: false, lengths: Vec::new(), factor: None, free: None },
            Some(t) => TailTerms {
                offered: true,
                lengths: t.lengths.clone(),
                // Priced per provider by the quote instead.
                factor: None,
                free: t.free.as_ref().map(|f| FreeTailTerms {
                    events: f.events.clone(),
                    min_years_insured: f.min_years_insured,
                    min_age: f.min_age,
                    age_for_retirement_only: f.age_for_retirement_only,
                }),
            },
        };
        Coverage {
            carrier: manual.meta.carrier.clone(),
            carrier_name: manual.meta.carrier_name.clone(),
            state: manual.meta.state.clone(),
            basis: Basis::Proposed { manual, rating },
            facts: manual.carrier.clone(),
            features: manual.features.clone(),
            form: cov.form,
            limits: cov.limits,
            deductible: cov.deductible,
            effective: cov.effective,
            entity,
            insureds,
            midlevels: MidLevelTerms {
                written: Some(manual.midlevels.iter().map(|m| m.role.clone()).collect()),
                ..MidLevelTerms::default()
            },
            locum: manual.locum.as_ref().map(|l| LocumTerms { free_days: l.free_days, per_day: Some(l.per_day) }),
            tail,
            excluded_services: Vec::new(),
            excluded_procedures: Vec::new(),
        }
    }

    /// A policy in force, as its declarations state it.
    pub fn in_force(policy: &'a InForcePolicy) -> Self {
        Coverage {
            carrier: policy.carrier_name.clone(),
            carrier_name: policy.carrier_name.clone(),
            state: policy.state.clone(),
            basis: Basis::InForce(policy),
            facts: Some(policy.carrier.clone()),
            features: Some(policy.features.clone()),
            form: policy.form,
            limits: policy.limits,
            deductible: policy.deductible,
            effective: policy.effective,
            entity: match &policy.entity {
                Some(e) => EntityCover::Insured { name: Some(e.name.clone()), limits: e.limits },
                None => EntityCover::NotInsured,
            },
            insureds: policy.insureds.clone(),
            midlevels: MidLevelTerms {
                written: None,
                blanket: policy.blanket_midlevels.clone(),
                excluded: policy.excluded_midlevels.clone(),
            },
            locum: policy.locum.clone(),
            tail: policy.tail.clone(),
            excluded_services: policy.excluded_services.clone(),
            excluded_procedures: policy.excluded_procedures.clone(),
        }
    }

    fn quote(&self) -> Option<&'a Quote> {
        match &self.basis {
            Basis::Proposed { rating, .. } => rating.as_ref().ok(),
            Basis::InForce(_) => None,
        }
    }

    /// "Keystone Mutual" or "policy KPM-1 (Keystone Mutual)", for facts.
    fn who(&self) -> String {
        match &self.basis {
            Basis::Proposed { .. } => self.carrier_name.clone(),
            Basis::InForce(p) => format!("policy {} ({})", p.number, self.carrier_name),
        }
    }

    /// The policy's named insured matching a practice provider, if any.
    fn insured(&self, p: &Provider) -> Option<&NamedInsured> {
        let key = name_key(&p.name);
        self.insureds.iter().find(|n| name_key(&n.name) == key)
    }
}

/// The class a provider was rated in, by name (the quote rates every provider of the practice).
fn rated_class(quote: Option<&Quote>, name: &str) -> Option<String> {
    quote?.providers.iter().find(|pp| pp.name == name)?.class.clone()
}

/// The retroactive date a new claims-made policy gives a provider: prior acts carried over
/// keep the old retro date; otherwise coverage starts on the effective date.
fn proposed_retro(p: &Provider, effective: Date) -> Option<Date> {
    match &p.prior_coverage {
        Some(prior) if prior.form == PolicyForm::ClaimsMade && prior.carry_prior_acts => prior.retro_date,
        _ => Some(effective),
    }
}

/// Names compared as a broker would read them: case, punctuation and spacing aside
/// ("Dr. Ann Lee" is "dr ann lee").
fn name_key(name: &str) -> String {
    name.split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty()).collect::<Vec<_>>().join(" ").to_lowercase()
}

/// Service lines outside ordinary office practice that carriers class or endorse separately.
const NON_CORE_SERVICES: [&str; 7] =
    ["aesthetics", "med_spa", "cosmetic", "weight_loss", "iv_therapy", "ketamine", "hormone_therapy"];

/// Review the policy `manual`'s carrier would issue for `practice`, given how rating went.
pub fn review(
    practice: &Practice,
    manual: &Manual,
    rating: &Result<Quote, Vec<RateError>>,
    requirements: &[LimitsRequirement],
) -> Review {
    review_coverage(practice, &Coverage::proposed(practice, manual, rating), requirements)
}

/// Review a policy in force for `practice`.
pub fn review_policy(practice: &Practice, policy: &InForcePolicy, requirements: &[LimitsRequirement]) -> Review {
    review_coverage(practice, &Coverage::in_force(policy), requirements)
}

/// Run every gap rule and the questions against `coverage`.
pub fn review_coverage(practice: &Practice, coverage: &Coverage<'_>, requirements: &[LimitsRequirement]) -> Review {
    let mut gaps = Vec::new();
    standing_gaps(coverage, &mut gaps);
    entity_gaps(practice, coverage, &mut gaps);
    provider_gaps(practice, coverage, &mut gaps);
    practice_wide_gaps(practice, coverage, requirements, &mut gaps);
    feature_gaps(practice, coverage, &mut gaps);
    gaps.sort_by_key(|g| g.severity);
    let (manual, policy) = match &coverage.basis {
        Basis::Proposed { manual, .. } => (Some(manual.meta.id()), None),
        Basis::InForce(p) => (None, Some(p.number.clone())),
    };
    Review {
        practice: practice.name.clone(),
        carrier: coverage.carrier.clone(),
        carrier_name: coverage.carrier_name.clone(),
        manual,
        policy,
        questions: questions(practice, coverage),
        gaps,
    }
}

fn gap(gaps: &mut Vec<Gap>, severity: Severity, rule: &'static str, fact: String, consequence: String) {
    gaps.push(Gap { severity, rule, fact, consequence });
}

/// Whether the carrier will write the practice at all (proposed coverage only: a policy in
/// force has been written).
fn standing_gaps(c: &Coverage<'_>, gaps: &mut Vec<Gap>) {
    let Basis::Proposed { rating, .. } = &c.basis else {
        return;
    };
    let carrier = &c.carrier_name;
    match rating {
        Err(errors) => gap(
            gaps,
            Severity::Critical,
            "carrier_cannot_rate",
            errors.iter().map(ToString::to_string).collect::<Vec<_>>().join("; "),
            format!(
                "{carrier} cannot offer this practice a policy as it stands; nothing below is in force until that is resolved"
            ),
        ),
        Ok(q) if q.status == QuoteStatus::Declined => gap(
            gaps,
            Severity::Critical,
            "carrier_declines",
            q.reasons.join("; "),
            format!("{carrier} will not write this practice"),
        ),
        Ok(q) if q.status == QuoteStatus::Referred => gap(
            gaps,
            Severity::Warning,
            "carrier_refers",
            q.reasons.join("; "),
            "an underwriter must approve before the quote can be bound; terms may change".into(),
        ),
        Ok(_) => {}
    }
}

fn entity_gaps(practice: &Practice, c: &Coverage<'_>, gaps: &mut Vec<Gap>) {
    let carrier = &c.carrier_name;
    match (&practice.entity, &c.entity) {
        (Some(e), EntityCover::NotInsured) => gap(
            gaps,
            Severity::Critical,
            "entity_not_insured",
            match &c.basis {
                Basis::Proposed { .. } => format!("{} is not insured", e.name),
                Basis::InForce(p) => format!("{} is not insured on policy {}", e.name, p.number),
            },
            "suits naming the corporation itself (vicarious liability for staff, corporate negligence) are not covered; the practice's assets answer for them".into(),
        ),
        (Some(e), EntityCover::NotWritten) => gap(
            gaps,
            Severity::Critical,
            "entity_not_insured",
            format!("{carrier} does not insure practice entities in {}; {} would be uninsured", c.state, e.name),
            "suits naming the corporation are not covered; insure the entity elsewhere or choose a carrier that covers it".into(),
        ),
        (None, EntityCover::NotInsured | EntityCover::NotWritten) if practice.providers.len() > 1 => gap(
            gaps,
            Severity::Warning,
            "entity_not_insured",
            format!("the practice file names no entity for a group of {}", practice.providers.len()),
            "if the group practises through a corporation or LLC, that entity needs its own coverage".into(),
        ),
        _ => {}
    }
}

fn provider_gaps(practice: &Practice, c: &Coverage<'_>, gaps: &mut Vec<Gap>) {
    let carrier = &c.carrier_name;
    let features = c.features.as_ref();
    for (i, p) in practice.providers.iter().enumerate() {
        let insured = c.insured(p);
        let midlevel = match &p.role {
            Role::MidLevel { kind, .. } => Some(kind.as_str()),
            Role::Physician { .. } => None,
        };
        let blanket = midlevel.is_some_and(|k| c.midlevels.blanket_covers(k));
        if insured.is_none() && !blanket {
            gap(
                gaps,
                Severity::Critical,
                "provider_not_scheduled",
                match &c.basis {
                    Basis::Proposed { .. } => {
                        format!("{} works at the practice but is not scheduled on the policy", p.name)
                    }
                    Basis::InForce(pol) => {
                        format!("{} works at the practice but is not a named insured on policy {}", p.name, pol.number)
                    }
                },
                format!(
                    "claims arising from {}'s care are not covered by this policy; obtain proof of their own coverage naming the practice",
                    p.name
                ),
            );
        }
        if p.contractor {
            match features.map(|f| f.contractors_covered) {
                Some(false) => gap(
                    gaps,
                    Severity::Critical,
                    "contractor_not_covered",
                    format!("{} is an independent contractor; {carrier} does not cover contractors", p.name),
                    "the contractor's errors, and the practice's liability for them, fall outside this policy".into(),
                ),
                Some(true) => gap(
                    gaps,
                    Severity::Note,
                    "contractor_scheduled",
                    format!("{} is an independent contractor", p.name),
                    "make sure the contractor is scheduled by name and carries their own limits".into(),
                ),
                None => gap(
                    gaps,
                    Severity::Warning,
                    "contractor_not_covered",
                    format!(
                        "{} is an independent contractor and {carrier} does not state whether contractors are covered",
                        p.name
                    ),
                    "ask for the contractor endorsement; without it the contractor's care is not covered".into(),
                ),
            }
        }
        if let Some(kind) = midlevel
            && c.midlevels.excludes(kind)
        {
            gap(
                gaps,
                Severity::Critical,
                "midlevel_excluded",
                format!("{} ({kind}, providers[{i}]) — {} does not cover {kind}s", p.name, c.who()),
                format!("{kind}s must be insured separately; until then their care is uninsured"),
            );
        }
        prior_acts_gaps(p, insured, c, gaps);
        locum_gaps(p, c, gaps);
    }

    // Someone the policy pays for who is not in the practice any more (or never was).
    for n in &c.insureds {
        let key = name_key(&n.name);
        if !practice.providers.iter().any(|p| name_key(&p.name) == key) {
            gap(
                gaps,
                Severity::Note,
                "insured_not_in_practice",
                format!("{} names {}, who is not among the practice's providers", c.who(), n.name),
                format!(
                    "if {} has left, tell the carrier and settle their tail; if the practice file is missing them, add them so the review covers them",
                    n.name
                ),
            );
        }
    }
}

/// Moving between forms or carriers loses cover for earlier care unless a tail or prior acts
/// bridge it.
fn prior_acts_gaps(p: &Provider, insured: Option<&NamedInsured>, c: &Coverage<'_>, gaps: &mut Vec<Gap>) {
    let Some(prior) = p.prior_coverage.as_ref().filter(|prior| prior.form == PolicyForm::ClaimsMade) else {
        return;
    };
    let from = prior.carrier.clone().unwrap_or_else(|| "the prior carrier".into());
    let prior_retro = prior.retro_date.map_or("the old retroactive date".to_string(), |d| d.to_string());
    if c.form == PolicyForm::Occurrence {
        gap(
            gaps,
            Severity::Critical,
            "leaving_claims_made_without_tail",
            format!("{} moves from claims-made ({from}, retro {prior_retro}) to occurrence", p.name),
            "occurrence covers only new incidents: claims for earlier care are covered only if a tail is bought from the prior carrier".into(),
        );
        return;
    }
    // Not scheduled is reported on its own; there is no retro date to compare.
    let Some(retro) = insured.and_then(|n| n.retro_date) else {
        return;
    };
    // An unknown prior retro date is still earlier than a retro date on the first day of this
    // policy: the prior policy was in force before it.
    let later = prior.retro_date.map_or(retro >= c.effective, |old| retro > old);
    if later {
        gap(
            gaps,
            Severity::Critical,
            "prior_acts_gap",
            format!(
                "{}'s retroactive date on {} is {retro}, later than the prior retro {prior_retro}",
                p.name,
                c.who()
            ),
            format!(
                "claims for care before {retro} are covered by neither policy unless a tail is bought from {from} or prior acts (nose) are added"
            ),
        );
    }
}

fn locum_gaps(p: &Provider, c: &Coverage<'_>, gaps: &mut Vec<Gap>) {
    let who = c.who();
    match &c.locum {
        Some(rule) if p.locum_days > rule.free_days => gap(
            gaps,
            Severity::Warning,
            "locum_beyond_free_days",
            format!("{} uses {} locum days; {who} covers {} free", p.name, p.locum_days, rule.free_days),
            match rule.per_day {
                Some(per_day) => format!(
                    "the extra {} days cost ${}/day and the locum must be approved in advance",
                    p.locum_days - rule.free_days,
                    per_day.normalize()
                ),
                None => format!(
                    "the extra {} days need the carrier's approval in advance, at a charge the policy does not state",
                    p.locum_days - rule.free_days
                ),
            },
        ),
        None if p.locum_days > 0 => gap(
            gaps,
            Severity::Warning,
            "locum_beyond_free_days",
            format!("{} uses {} locum days; {who} has no locum tenens provision", p.name, p.locum_days),
            "the locum needs their own coverage for those days".into(),
        ),
        _ => {}
    }
}

fn practice_wide_gaps(practice: &Practice, c: &Coverage<'_>, requirements: &[LimitsRequirement], gaps: &mut Vec<Gap>) {
    let who = c.who();
    if !c.state.eq_ignore_ascii_case(&practice.state) {
        gap(
            gaps,
            Severity::Critical,
            "policy_state_mismatch",
            format!("{who} is written in {}, but the practice is in {}", c.state, practice.state),
            format!(
                "a policy filed for {} may not respond to claims in {}, and does not meet {}'s requirements; it needs a {} policy",
                c.state, practice.state, practice.state, practice.state
            ),
        );
    }

    let unagreed: Vec<&str> =
        practice.providers.iter().filter(|p| p.tail_paid_by.is_none()).map(|p| p.name.as_str()).collect();
    if c.form == PolicyForm::ClaimsMade && !unagreed.is_empty() {
        gap(
            gaps,
            Severity::Warning,
            "tail_responsibility",
            format!("who pays the tail on leaving is not agreed for {}", unagreed.join(", ")),
            "a claims-made policy needs a tail when a provider leaves; settle in the employment terms whether the practice or the provider pays".into(),
        );
    }
    if c.form == PolicyForm::ClaimsMade && !c.tail.offered {
        gap(
            gaps,
            Severity::Warning,
            "no_tail_option",
            format!("{who} is claims-made and offers no tail (extended reporting endorsement)"),
            "when a provider leaves or the policy ends, claims reported afterwards for care given now are not covered; get the tail terms in writing or buy a tail elsewhere".into(),
        );
    }

    // Telehealth.
    if let Some(f) = &c.features {
        let covered = |s: &String| {
            s.eq_ignore_ascii_case(&c.state)
                || f.telehealth_states.iter().any(|t| t == "*" || t.eq_ignore_ascii_case(s))
        };
        let out: Vec<&String> = practice.telehealth_states.iter().filter(|s| !covered(s)).collect();
        if !out.is_empty() {
            let listed = if f.telehealth_states.is_empty() { c.state.clone() } else { f.telehealth_states.join(", ") };
            gap(
                gaps,
                Severity::Critical,
                "telehealth_out_of_territory",
                format!("telehealth to patients in {}", out.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(", ")),
                format!(
                    "{} covers telehealth only for patients in {listed}; claims from those patients may be denied",
                    c.carrier_name
                ),
            );
        }
    } else if !practice.telehealth_states.is_empty() {
        gap(
            gaps,
            Severity::Warning,
            "telehealth_out_of_territory",
            format!("telehealth to patients in {}", practice.telehealth_states.join(", ")),
            format!("{} does not state where telehealth is covered; get it in writing", c.carrier_name),
        );
    }

    // Services: excluded outright, or outside the rated class without an endorsement.
    let reasons = c.quote().map_or(&[][..], |q| q.reasons.as_slice());
    for s in &practice.services {
        if c.excluded_services.iter().any(|x| x.eq_ignore_ascii_case(s)) {
            gap(
                gaps,
                Severity::Critical,
                "service_excluded",
                format!("the practice offers {s}; {who} excludes it"),
                format!("claims arising from {s} are not covered; insure it separately or stop offering it"),
            );
            continue;
        }
        if !NON_CORE_SERVICES.contains(&s.as_str()) {
            continue;
        }
        let endorsed =
            c.features.as_ref().is_some_and(|f| f.covered_services.iter().any(|x| x.eq_ignore_ascii_case(s)));
        if endorsed {
            continue;
        }
        let flagged = reasons.iter().find(|r| r.contains(s.as_str()));
        gap(
            gaps,
            if flagged.is_some() { Severity::Critical } else { Severity::Warning },
            "service_outside_class",
            format!("the practice offers {s}{}", flagged.map_or(String::new(), |r| format!(" ({r})"))),
            format!("{s} is outside the rated specialty class; without an endorsement, claims from it may be excluded"),
        );
    }

    // Limits.
    let limits = c.limits;
    for req in requirements.iter().filter(|r| r.state.eq_ignore_ascii_case(&practice.state)) {
        if limits.per_claim < req.limits.per_claim || limits.aggregate < req.limits.aggregate {
            gap(
                gaps,
                Severity::Critical,
                "limits_below_requirement",
                format!("limits {} are below {} ({})", limits.label(), req.limits.label(), req.source),
                "the providers may not meet hospital-privilege, credentialing or state requirements".into(),
            );
        }
    }
    // A proposed policy is rated at the asked limits or the nearest offered, which compare
    // flags; a policy in force may simply carry less than the practice now wants.
    let asked = practice.coverage.limits;
    if matches!(c.basis, Basis::InForce(_))
        && (limits.per_claim < asked.per_claim || limits.aggregate < asked.aggregate)
    {
        gap(
            gaps,
            Severity::Warning,
            "limits_below_request",
            format!("{who} carries {}; the practice asks for {}", limits.label(), asked.label()),
            format!(
                "a claim above {} per claim, or claims above {} in a year, are the providers' own to pay",
                crate::manual::short_amount(limits.per_claim),
                crate::manual::short_amount(limits.aggregate)
            ),
        );
    }
}

fn feature_gaps(practice: &Practice, c: &Coverage<'_>, gaps: &mut Vec<Gap>) {
    let who = c.who();
    match &c.features {
        None => gap(
            gaps,
            Severity::Note,
            "features_not_stated",
            format!("{}'s manual does not state its policy-form features", c.carrier_name),
            "ask for the specimen policy: consent to settle, defense costs and sublimits are unknown".into(),
        ),
        Some(f) => {
            match f.consent_to_settle {
                ConsentToSettle::Hammer => gap(
                    gaps,
                    Severity::Warning,
                    "hammer_clause",
                    format!("{who} has a hammer clause"),
                    "if a provider refuses a settlement the carrier recommends, the provider pays what the claim costs beyond it".into(),
                ),
                ConsentToSettle::None => gap(
                    gaps,
                    Severity::Warning,
                    "no_consent_to_settle",
                    format!("{who} may settle without the provider's consent"),
                    "a settlement is reported to the National Practitioner Data Bank even if the provider would have fought the claim".into(),
                ),
                ConsentToSettle::Full => {}
            }
            if f.defense == DefenseCosts::InsideLimits {
                gap(
                    gaps,
                    Severity::Warning,
                    "defense_inside_limits",
                    format!("{who} pays defense costs inside the limits"),
                    format!(
                        "every dollar spent on lawyers reduces the {} left for a settlement or verdict",
                        c.limits.label()
                    ),
                );
            }
            if f.licensing_board_defense.is_none() {
                gap(
                    gaps,
                    Severity::Warning,
                    "no_licensing_board_cover",
                    format!("{who} does not cover licensing-board defense"),
                    "defending a medical-board complaint would be paid out of pocket".into(),
                );
            }
            if f.deposition_representation.is_none() {
                gap(
                    gaps,
                    Severity::Note,
                    "no_deposition_cover",
                    format!("{who} does not cover deposition representation"),
                    "a provider deposed as a witness in someone else's case pays for their own lawyer".into(),
                );
            }
            if f.cyber.is_none() {
                gap(
                    gaps,
                    Severity::Warning,
                    "no_cyber",
                    format!("{who} has no cyber / medical-records sublimit"),
                    "a records breach (notification, regulatory fines, ransomware) is not covered; buy cyber coverage"
                        .into(),
                );
            }
            if !f.general_liability {
                gap(
                    gaps,
                    Severity::Note,
                    "no_general_liability",
                    format!("{who} does not include general liability"),
                    "slip-and-fall and other premises claims need a separate general liability policy".into(),
                );
            }
        }
    }
    if let Some(facts) = &c.facts
        && !facts.market.guaranty_fund()
    {
        gap(
            gaps,
            Severity::Warning,
            "no_guaranty_fund",
            format!("{} is a {} carrier", c.carrier_name, facts.market.name().replace('_', " ")),
            format!(
                "the {} guaranty fund does not stand behind it: if it fails, open claims are not protected",
                practice.state
            ),
        );
    }
}

/// Questions to ask before binding, filled in with the practice's facts.
fn questions(practice: &Practice, c: &Coverage<'_>) -> Vec<String> {
    let carrier = &c.carrier_name;
    let mut q = Vec::new();
    let quote = c.quote();
    for p in &practice.providers {
        let Role::Physician { specialty, surgery } = &p.role else {
            continue;
        };
        let class = match &c.basis {
            Basis::Proposed { .. } => rated_class(quote, &p.name).map(|cl| format!(" (rated in {carrier} class {cl})")),
            Basis::InForce(_) => Some(match c.insured(p).and_then(|n| n.class.clone()) {
                Some(cl) => format!(" (declared in class {cl})"),
                None => " (the declarations do not show the class; ask for it)".to_string(),
            }),
        };
        q.push(format!(
            "Specialty fit: is {} correctly classed as {specialty} with {}{}? Any procedures beyond that?",
            p.name,
            match surgery {
                SurgeryLevel::None => "no surgery",
                SurgeryLevel::Minor => "minor surgery",
                SurgeryLevel::Major => "major surgery (including obstetrics)",
            },
            class.unwrap_or_default()
        ));
    }
    let entity_name = match &c.entity {
        EntityCover::Insured { name: Some(n), .. } => Some(n.as_str()),
        _ => practice.entity.as_ref().map(|e| e.name.as_str()),
    };
    let names: Vec<&str> = c.insureds.iter().map(|n| n.name.as_str()).collect();
    q.push(match &c.basis {
        Basis::Proposed { .. } => format!(
            "Entity and providers: will the policy name {}{}?",
            entity_name.map_or(String::new(), |e| format!("{e} and ")),
            names.join(", ")
        ),
        Basis::InForce(p) => format!(
            "Entity and providers: policy {} names {}{}; is that everyone who treats patients for {}, and is anyone on it gone?",
            p.number,
            match &c.entity {
                EntityCover::Insured { name, .. } => format!("{} and ", name.as_deref().unwrap_or("the entity")),
                _ => String::new(),
            },
            if names.is_empty() { "no providers".to_string() } else { names.join(", ") },
            practice.name
        ),
    });
    if let Some(t) = tail_question(practice, c) {
        q.push(t);
    }
    if let Some(d) = &c.deductible {
        q.push(format!(
            "Deductible: ${} {} {}; who pays it when a claim is paid — the practice or the provider named in the claim?",
            fmt_dollars(d.amount),
            match d.kind {
                crate::manual::DeductibleKind::Indemnity => "on indemnity",
                crate::manual::DeductibleKind::IndemnityAndExpense => "on indemnity and defense expense",
            },
            match d.basis {
                crate::manual::DeductibleBasis::PerClaim => "per claim",
                crate::manual::DeductibleBasis::Aggregate => "in the aggregate",
            }
        ));
    }
    if !practice.telehealth_states.is_empty() {
        q.push(format!(
            "Telemedicine: are patients in {} covered, and is each provider licensed there?",
            practice.telehealth_states.join(", ")
        ));
    }
    let mids: Vec<&str> = practice
        .providers
        .iter()
        .filter(|p| matches!(p.role, Role::MidLevel { .. }))
        .map(|p| p.name.as_str())
        .collect();
    if !mids.is_empty() {
        q.push(format!(
            "Supervision: who supervises {}, do they share the physicians' limits, and does the policy cover the supervising physician's vicarious liability?",
            mids.join(", ")
        ));
    }
    if !practice.services.is_empty() {
        q.push(format!(
            "Ancillary services: is {} within the rated class or endorsed on the policy?",
            practice.services.join(", ")
        ));
    }
    if !c.excluded_procedures.is_empty() {
        q.push(format!(
            "Excluded procedures: the policy excludes {}; does any provider perform them, and where are they insured?",
            c.excluded_procedures.join(", ")
        ));
    }
    if let Basis::InForce(p) = &c.basis {
        q.push(format!(
            "Renewal: the policy runs {} to {}; {}",
            p.effective,
            p.expires,
            match p.form {
                PolicyForm::ClaimsMade => {
                    "will the renewal keep every provider's retroactive date, and at what premium?"
                }
                PolicyForm::Occurrence => "at what premium will it renew, and on the same terms?",
            }
        ));
    }
    q.push(format!(
        "Financial strength and guaranty fund: {}?",
        c.facts.as_ref().map_or_else(
            || format!("what is {carrier}'s rating, and is it admitted in {}", c.state),
            |f| format!(
                "{carrier} {}; {}",
                rated(&f.financial_strength),
                if f.market.guaranty_fund() {
                    "admitted, so the state guaranty fund stands behind it"
                } else {
                    "not admitted, so no guaranty fund stands behind it"
                }
            )
        )
    ));
    q
}

/// "is rated A (Excellent)", or "has no financial-strength rating" for "not rated", "NR", ….
fn rated(financial_strength: &str) -> String {
    let s = financial_strength.trim().to_ascii_lowercase();
    if s.is_empty() || s.starts_with("not rated") || s == "unrated" || s == "nr" || s == "none" {
        "has no financial-strength rating".to_string()
    } else {
        format!("is rated {financial_strength}")
    }
}

/// The tail a departing provider would need: priced from the quote, or from the policy's
/// stated multiple of its premium, or said to be unknown.
fn tail_question(practice: &Practice, c: &Coverage<'_>) -> Option<String> {
    if c.form != PolicyForm::ClaimsMade {
        return None;
    }
    if let Some(qt) = c.quote() {
        let tails: Vec<String> = qt
            .providers
            .iter()
            .filter_map(|p| p.tail.as_ref().map(|t| format!("{} ${}", p.name, fmt_dollars(t.premium))))
            .collect();
        return (!tails.is_empty()).then(|| {
            format!(
                "A provider leaving: the tail at the end of this term would cost {}. Who pays it — the practice or the provider?",
                tails.join(", ")
            )
        });
    }
    let Basis::InForce(policy) = &c.basis else {
        return None;
    };
    if !c.tail.offered {
        return Some(
            "A provider leaving: the policy states no tail option; how would claims for their past care be covered, and who pays?"
                .into(),
        );
    }
    let price = match (c.tail.factor, policy.premium) {
        (Some(f), Some(premium)) => format!(
            "priced at {} × the annual premium: about ${} for the whole policy",
            f.normalize(),
            fmt_dollars(Rounding::CENTS.apply(premium.checked_mul(f).unwrap_or(premium)))
        ),
        (Some(f), None) => {
            format!("priced at {} × the annual premium (the premium is not on the policy file)", f.normalize())
        }
        (None, _) => "at a price the policy does not state; ask for a tail quote".to_string(),
    };
    let lengths = if c.tail.lengths.is_empty() { String::new() } else { format!(" ({})", c.tail.lengths.join(", ")) };
    let free = c.tail.free.as_ref().map_or(String::new(), |f| free_tail_text(practice, f));
    Some(format!("A provider leaving: the tail{lengths} is {price}{free}. Who pays it — the practice or the provider?"))
}

/// The free-tail conditions and who meets them on the practice's facts.
fn free_tail_text(practice: &Practice, f: &FreeTailTerms) -> String {
    let age = f.min_age.map_or(String::new(), |a| {
        format!(", age {a} or over{}", if f.age_for_retirement_only { " to retire" } else { "" })
    });
    let mut qualifies = Vec::new();
    let mut unknown = Vec::new();
    for p in &practice.providers {
        if p.years_insured_with_carrier < f.min_years_insured {
            continue;
        }
        match (f.min_age, p.age) {
            (Some(min), Some(a)) if a >= min => qualifies.push(p.name.as_str()),
            (Some(_), Some(_)) => {}
            (Some(_), None) => unknown.push(p.name.as_str()),
            (None, _) => qualifies.push(p.name.as_str()),
        }
    }
    let mut s = format!("; free on {} after {} years insured{age}", f.events.join("/"), f.min_years_insured);
    if !qualifies.is_empty() {
        s.push_str(&format!(" (met today by {})", qualifies.join(", ")));
    }
    if !unknown.is_empty() {
        s.push_str(&format!(" (age not given for {})", unknown.join(", ")));
    }
    s
}
