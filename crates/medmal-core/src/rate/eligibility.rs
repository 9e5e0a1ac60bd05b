//! Underwriting appetite: rules that refer or decline, each with its reason and the fact
//! that triggered it.

use super::provider::Resolved;
use super::within_years;
use crate::manual::{Condition, EligibilityAction, Manual};
use crate::money::fmt_money;
use crate::practice::{Practice, Role};

/// Every rule that fires, with a reason naming the practice's fact.
pub(crate) fn evaluate(
    manual: &Manual,
    practice: &Practice,
    resolved: &[Resolved],
) -> Vec<(EligibilityAction, String)> {
    let mut out = Vec::new();
    for rule in &manual.eligibility {
        let verb = match rule.action {
            EligibilityAction::Refer => "refer",
            EligibilityAction::Decline => "decline",
        };
        for fact in facts(&rule.condition, practice, resolved) {
            out.push((rule.action, format!("{verb}: {} ({fact})", rule.reason)));
        }
    }
    out
}

/// The facts in the practice that meet a condition (empty when it does not hold).
fn facts(condition: &Condition, practice: &Practice, resolved: &[Resolved]) -> Vec<String> {
    let effective = practice.coverage.effective;
    let per_provider = |f: &dyn Fn(&Resolved) -> Option<String>| -> Vec<String> {
        resolved
            .iter()
            .filter_map(|r| f(r).map(|fact| format!("{}: {fact}", practice.providers[r.index].name)))
            .collect()
    };
    match condition {
        Condition::Claims { at_least, within_years: years, min_paid } => per_provider(&|r| {
            let p = &practice.providers[r.index];
            let n =
                p.claims.iter().filter(|c| within_years(c.reported, effective, *years) && c.paid >= *min_paid).count();
            (n >= *at_least as usize).then(|| format!("{n} claims in {years} years"))
        }),
        Condition::PaidTotal { amount, within_years: years } => per_provider(&|r| {
            let p = &practice.providers[r.index];
            let paid = crate::money::saturating_sum(
                p.claims.iter().filter(|c| within_years(c.reported, effective, *years)).map(|c| c.paid),
            );
            (paid >= *amount).then(|| format!("{} paid in {years} years", fmt_money(paid)))
        }),
        Condition::Service { any } => practice
            .services
            .iter()
            .filter(|s| any.iter().any(|a| a.eq_ignore_ascii_case(s)))
            .map(|s| format!("practice offers {s}"))
            .collect(),
        Condition::Class { any } => {
            per_provider(&|r| r.class().filter(|c| any.contains(c)).map(|c| format!("rated in class {c}")))
        }
        Condition::Specialty { any } => per_provider(&|r| match &practice.providers[r.index].role {
            Role::Physician { specialty, .. } if any.contains(specialty) => Some(format!("specialty {specialty}")),
            _ => None,
        }),
        Condition::Surgery { any } => per_provider(&|r| match &practice.providers[r.index].role {
            Role::Physician { surgery, .. } if any.contains(surgery) => Some(format!("{} surgery", surgery.name())),
            _ => None,
        }),
        Condition::Disciplinary { any, within_years: years } => per_provider(&|r| {
            practice.providers[r.index]
                .disciplinary
                .iter()
                .find(|e| any.contains(&e.action) && within_years(e.date, effective, *years))
                .map(|e| format!("{} on {}", e.action.name(), e.date))
        }),
        Condition::LocumDays { over } => per_provider(&|r| {
            let days = practice.providers[r.index].locum_days;
            (days > *over).then(|| format!("{days} locum days"))
        }),
        Condition::Providers { over } => {
            let n = practice.providers.len();
            if n > *over as usize { vec![format!("{n} providers")] } else { Vec::new() }
        }
        Condition::TelehealthOutOfState => practice
            .telehealth_states
            .iter()
            .filter(|s| !s.eq_ignore_ascii_case(&practice.state))
            .map(|s| format!("telehealth to patients in {s}"))
            .collect(),
    }
}
