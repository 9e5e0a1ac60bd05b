//! Coverage review: what a policy leaves uncovered for this practice, how serious it is, the
//! fact that triggered it and what it means in plain words; then the questions to ask before
//! binding, filled in with the practice's own facts.
//!
//! Each rule is a small function over the practice, the carrier's manual (its policy-form
//! features and rules) and, when it could be rated, the quote.

use serde::Serialize;

use crate::manual::{ConsentToSettle, DefenseCosts, Limits, Manual, PolicyForm};
use crate::money::fmt_dollars;
use crate::practice::{Practice, Role};
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
    pub carrier: String,
    pub manual: String,
    pub gaps: Vec<Gap>,
    pub questions: Vec<String>,
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
    let mut gaps = Vec::new();
    let mut add =
        |severity, rule, fact: String, consequence: String| gaps.push(Gap { severity, rule, fact, consequence });
    let carrier = &manual.meta.carrier_name;
    let features = manual.features.as_ref();
    let quote = rating.as_ref().ok();
    match rating {
        Err(errors) => add(
            Severity::Critical,
            "carrier_cannot_rate",
            errors.iter().map(ToString::to_string).collect::<Vec<_>>().join("; "),
            format!(
                "{carrier} cannot offer this practice a policy as it stands; nothing below is in force until that is resolved"
            ),
        ),
        Ok(q) if q.status == QuoteStatus::Declined => add(
            Severity::Critical,
            "carrier_declines",
            q.reasons.join("; "),
            format!("{carrier} will not write this practice"),
        ),
        Ok(q) if q.status == QuoteStatus::Referred => add(
            Severity::Warning,
            "carrier_refers",
            q.reasons.join("; "),
            "an underwriter must approve before the quote can be bound; terms may change".into(),
        ),
        Ok(_) => {}
    }

    // Entity.
    match &practice.entity {
        Some(e) if !e.insure => add(
            Severity::Critical,
            "entity_not_insured",
            format!("{} is not insured", e.name),
            "suits naming the corporation itself (vicarious liability for staff, corporate negligence) are not covered; the practice's assets answer for them".into(),
        ),
        Some(e) if manual.entity.shared.is_none() && manual.entity.separate.is_none() => add(
            Severity::Critical,
            "entity_not_insured",
            format!("{carrier} does not insure practice entities in {}; {} would be uninsured", manual.meta.state, e.name),
            "suits naming the corporation are not covered; insure the entity elsewhere or choose a carrier that covers it".into(),
        ),
        None if practice.providers.len() > 1 => add(
            Severity::Warning,
            "entity_not_insured",
            format!("the practice file names no entity for a group of {}", practice.providers.len()),
            "if the group practises through a corporation or LLC, that entity needs its own coverage".into(),
        ),
        _ => {}
    }

    for (i, p) in practice.providers.iter().enumerate() {
        if !p.scheduled {
            add(
                Severity::Critical,
                "provider_not_scheduled",
                format!("{} works at the practice but is not scheduled on the policy", p.name),
                format!(
                    "claims arising from {}'s care are not covered by this policy; obtain proof of their own coverage naming the practice",
                    p.name
                ),
            );
        }
        if p.contractor {
            match features.map(|f| f.contractors_covered) {
                Some(false) => add(
                    Severity::Critical,
                    "contractor_not_covered",
                    format!("{} is an independent contractor; {carrier} does not cover contractors", p.name),
                    "the contractor's errors, and the practice's liability for them, fall outside this policy".into(),
                ),
                Some(true) => add(
                    Severity::Note,
                    "contractor_scheduled",
                    format!("{} is an independent contractor", p.name),
                    "make sure the contractor is scheduled by name and carries their own limits".into(),
                ),
                None => add(
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
        if let Role::MidLevel { kind, .. } = &p.role
            && manual.midlevel(kind).is_none()
        {
            add(
                Severity::Critical,
                "midlevel_excluded",
                format!("{} ({kind}, providers[{i}]) — {carrier} does not cover {kind}s", p.name),
                format!("{kind}s must be insured separately; until then their care is uninsured"),
            );
        }
        // Prior acts.
        if let Some(prior) = &p.prior_coverage
            && prior.form == PolicyForm::ClaimsMade
        {
            let from = prior.carrier.clone().unwrap_or_else(|| "the prior carrier".into());
            let retro = prior.retro_date.map_or("the old retroactive date".to_string(), |d| d.to_string());
            if practice.coverage.form == PolicyForm::Occurrence {
                add(
                    Severity::Critical,
                    "leaving_claims_made_without_tail",
                    format!("{} moves from claims-made ({from}, retro {retro}) to occurrence", p.name),
                    "occurrence covers only new incidents: claims for earlier care are covered only if a tail is bought from the prior carrier".into(),
                );
            } else if !prior.carry_prior_acts {
                add(
                    Severity::Critical,
                    "prior_acts_gap",
                    format!(
                        "{}'s new retroactive date is the effective date {}, later than the prior retro {retro}",
                        p.name, practice.coverage.effective
                    ),
                    format!(
                        "claims for care before {} are covered by neither policy unless a tail is bought from {from} or prior acts (nose) are added",
                        practice.coverage.effective
                    ),
                );
            }
        }
        if let Some(rule) = &manual.locum {
            if p.locum_days > rule.free_days {
                add(
                    Severity::Warning,
                    "locum_beyond_free_days",
                    format!("{} uses {} locum days; {carrier} covers {} free", p.name, p.locum_days, rule.free_days),
                    format!(
                        "the extra {} days cost ${}/day and the locum must be approved in advance",
                        p.locum_days - rule.free_days,
                        rule.per_day.normalize()
                    ),
                );
            }
        } else if p.locum_days > 0 {
            add(
                Severity::Warning,
                "locum_beyond_free_days",
                format!("{} uses {} locum days; {carrier} has no locum tenens provision", p.name, p.locum_days),
                "the locum needs their own coverage for those days".into(),
            );
        }
    }

    let unagreed: Vec<&str> =
        practice.providers.iter().filter(|p| p.tail_paid_by.is_none()).map(|p| p.name.as_str()).collect();
    if practice.coverage.form == PolicyForm::ClaimsMade && !unagreed.is_empty() {
        add(
            Severity::Warning,
            "tail_responsibility",
            format!("who pays the tail on leaving is not agreed for {}", unagreed.join(", ")),
            "a claims-made policy needs a tail when a provider leaves; settle in the employment terms whether the practice or the provider pays".into(),
        );
    }

    // Telehealth.
    if let Some(f) = features {
        let covered = |s: &String| {
            s.eq_ignore_ascii_case(&manual.meta.state)
                || f.telehealth_states.iter().any(|t| t == "*" || t.eq_ignore_ascii_case(s))
        };
        let out: Vec<&String> = practice.telehealth_states.iter().filter(|s| !covered(s)).collect();
        if !out.is_empty() {
            add(
                Severity::Critical,
                "telehealth_out_of_territory",
                format!("telehealth to patients in {}", out.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(", ")),
                format!(
                    "{carrier} covers telehealth only for patients in {}; claims from those patients may be denied",
                    f.telehealth_states.join(", ")
                ),
            );
        }
    } else if !practice.telehealth_states.is_empty() {
        add(
            Severity::Warning,
            "telehealth_out_of_territory",
            format!("telehealth to patients in {}", practice.telehealth_states.join(", ")),
            format!("{carrier} does not state where telehealth is covered; get it in writing"),
        );
    }

    // Services outside the rated class.
    let declined_or_referred = quote.map_or(Vec::new(), |q| q.reasons.clone());
    for s in &practice.services {
        if !NON_CORE_SERVICES.contains(&s.as_str()) {
            continue;
        }
        let endorsed = features.is_some_and(|f| f.covered_services.iter().any(|c| c.eq_ignore_ascii_case(s)));
        if endorsed {
            continue;
        }
        let flagged = declined_or_referred.iter().find(|r| r.contains(s.as_str()));
        add(
            if flagged.is_some() { Severity::Critical } else { Severity::Warning },
            "service_outside_class",
            format!("the practice offers {s}{}", flagged.map_or(String::new(), |r| format!(" ({r})"))),
            format!("{s} is outside the rated specialty class; without an endorsement, claims from it may be excluded"),
        );
    }

    // Limits.
    let limits = practice.coverage.limits;
    for req in requirements.iter().filter(|r| r.state.eq_ignore_ascii_case(&practice.state)) {
        if limits.per_claim < req.limits.per_claim || limits.aggregate < req.limits.aggregate {
            add(
                Severity::Critical,
                "limits_below_requirement",
                format!("limits {} are below {} ({})", limits.label(), req.limits.label(), req.source),
                "the providers may not meet hospital-privilege, credentialing or state requirements".into(),
            );
        }
    }

    // Policy-form features.
    match features {
        None => add(
            Severity::Note,
            "features_not_stated",
            format!("{carrier}'s manual does not state its policy-form features"),
            "ask for the specimen policy: consent to settle, defense costs and sublimits are unknown".into(),
        ),
        Some(f) => {
            match f.consent_to_settle {
                ConsentToSettle::Hammer => add(
                    Severity::Warning,
                    "hammer_clause",
                    format!("{carrier}'s policy has a hammer clause"),
                    "if a provider refuses a settlement the carrier recommends, the provider pays what the claim costs beyond it".into(),
                ),
                ConsentToSettle::None => add(
                    Severity::Warning,
                    "no_consent_to_settle",
                    format!("{carrier} may settle without the provider's consent"),
                    "a settlement is reported to the National Practitioner Data Bank even if the provider would have fought the claim".into(),
                ),
                ConsentToSettle::Full => {}
            }
            if f.defense == DefenseCosts::InsideLimits {
                add(
                    Severity::Warning,
                    "defense_inside_limits",
                    format!("{carrier} pays defense costs inside the limits"),
                    format!(
                        "every dollar spent on lawyers reduces the {} left for a settlement or verdict",
                        practice.coverage.limits.label()
                    ),
                );
            }
            if f.licensing_board_defense.is_none() {
                add(
                    Severity::Warning,
                    "no_licensing_board_cover",
                    format!("{carrier} does not cover licensing-board defense"),
                    "defending a medical-board complaint would be paid out of pocket".into(),
                );
            }
            if f.deposition_representation.is_none() {
                add(
                    Severity::Note,
                    "no_deposition_cover",
                    format!("{carrier} does not cover deposition representation"),
                    "a provider deposed as a witness in someone else's case pays for their own lawyer".into(),
                );
            }
            if f.cyber.is_none() {
                add(
                    Severity::Warning,
                    "no_cyber",
                    format!("{carrier}'s policy has no cyber / medical-records sublimit"),
                    "a records breach (notification, regulatory fines, ransomware) is not covered; buy cyber coverage"
                        .into(),
                );
            }
            if !f.general_liability {
                add(
                    Severity::Note,
                    "no_general_liability",
                    format!("{carrier}'s policy does not include general liability"),
                    "slip-and-fall and other premises claims need a separate general liability policy".into(),
                );
            }
        }
    }
    if let Some(c) = &manual.carrier
        && !c.market.guaranty_fund()
    {
        add(
            Severity::Warning,
            "no_guaranty_fund",
            format!("{carrier} is a {} carrier", c.market.name().replace('_', " ")),
            format!(
                "the {} guaranty fund does not stand behind it: if it fails, open claims are not protected",
                manual.meta.state
            ),
        );
    }

    gaps.sort_by_key(|g| g.severity);
    Review {
        practice: practice.name.clone(),
        carrier: manual.meta.carrier.clone(),
        manual: manual.meta.id(),
        questions: questions(practice, manual, quote),
        gaps,
    }
}

/// Questions to ask before binding, filled in with the practice's facts.
fn questions(practice: &Practice, manual: &Manual, quote: Option<&Quote>) -> Vec<String> {
    let carrier = &manual.meta.carrier_name;
    let mut q = Vec::new();
    for (i, p) in practice.providers.iter().enumerate() {
        let class = quote.and_then(|q| q.providers.get(i)).and_then(|pp| pp.class.clone());
        if let Role::Physician { specialty, surgery } = &p.role {
            q.push(format!(
                "Specialty fit: is {} correctly classed as {specialty} with {}{}? Any procedures beyond that?",
                p.name,
                match surgery {
                    crate::manual::SurgeryLevel::None => "no surgery",
                    crate::manual::SurgeryLevel::Minor => "minor surgery",
                    crate::manual::SurgeryLevel::Major => "major surgery (including obstetrics)",
                },
                class.map_or(String::new(), |c| format!(" (rated in {carrier} class {c})"))
            ));
        }
    }
    let names: Vec<&str> = practice.providers.iter().filter(|p| p.scheduled).map(|p| p.name.as_str()).collect();
    q.push(format!(
        "Entity and providers: will the policy name {}{}?",
        practice.entity.as_ref().map_or(String::new(), |e| format!("{} and ", e.name)),
        names.join(", ")
    ));
    if let Some(qt) = quote {
        let tails: Vec<String> = qt
            .providers
            .iter()
            .filter_map(|p| p.tail.as_ref().map(|t| format!("{} ${}", p.name, fmt_dollars(t.premium))))
            .collect();
        if !tails.is_empty() {
            q.push(format!(
                "A provider leaving: the tail at the end of this term would cost {}. Who pays it — the practice or the provider?",
                tails.join(", ")
            ));
        }
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
    q.push(format!(
        "Financial strength and guaranty fund: {}?",
        manual.carrier.as_ref().map_or_else(
            || format!("what is {carrier}'s rating, and is it admitted in {}", manual.meta.state),
            |c| format!(
                "{carrier} is rated {}; {}",
                c.financial_strength,
                if c.market.guaranty_fund() {
                    "admitted, so the state guaranty fund stands behind it"
                } else {
                    "not admitted, so no guaranty fund stands behind it"
                }
            )
        )
    ));
    q
}
