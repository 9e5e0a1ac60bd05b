//! Underwriting appetite: rules that refer or decline, each with its reason and the fact
//! that triggered it.

use std::fmt;

use jiff::civil::Date;
use rust_decimal::Decimal;

use super::modifiers::ProviderFacts;
use super::provider::Resolved;
use crate::calendar::Window;
use crate::manual::{Condition, DisciplinaryAction, EligibilityAction, Manual, SurgeryLevel};
use crate::money::{Money, fmt_money};
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
    match condition {
        Condition::Service { any } => practice
            .services
            .iter()
            .filter(|s| any.iter().any(|a| a.eq_ignore_ascii_case(s)))
            .map(|s| format!("practice offers {s}"))
            .collect(),
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
        _ => resolved
            .iter()
            .filter_map(|r| {
                let p = &practice.providers[r.index];
                let physician = match &p.role {
                    Role::Physician { specialty, surgery } => Some((specialty.as_str(), *surgery)),
                    Role::MidLevel { .. } => None,
                };
                provider_fact(condition, &ProviderFacts::of(practice, p), r.class().map(String::as_str), physician)
                    .map(|fact| format!("{}: {fact}", p.name))
            })
            .collect(),
    }
}

/// The fact about one provider that meets a per-provider condition, if any. Practice-wide
/// conditions (services, size, telehealth) are not about one provider and never hold here.
pub(crate) fn provider_fact(
    condition: &Condition,
    p: &ProviderFacts<'_>,
    class: Option<&str>,
    physician: Option<(&str, SurgeryLevel)>,
) -> Option<Fact> {
    let effective = p.effective;
    match condition {
        Condition::Claims { at_least, within_years: years, min_paid } => {
            if p.claims.is_empty() {
                return (*at_least == 0).then_some(Fact::Claims { count: 0, years: *years });
            }
            let window = Window::before(effective, *years);
            let n = p.claims.iter().filter(|c| window.holds(c.reported) && c.paid >= *min_paid).count();
            (n >= *at_least as usize).then_some(Fact::Claims { count: n, years: *years })
        }
        Condition::PaidTotal { amount, within_years: years } => {
            if p.claims.is_empty() {
                return (*amount <= Decimal::ZERO).then_some(Fact::Paid { paid: Decimal::ZERO, years: *years });
            }
            let window = Window::before(effective, *years);
            let paid =
                crate::money::saturating_sum(p.claims.iter().filter(|c| window.holds(c.reported)).map(|c| c.paid));
            (paid >= *amount).then_some(Fact::Paid { paid, years: *years })
        }
        Condition::Class { any } => class.filter(|c| any.iter().any(|a| a == c)).map(|c| Fact::Class(c.to_string())),
        Condition::Specialty { any } => {
            physician.filter(|(s, _)| any.iter().any(|a| a == s)).map(|(s, _)| Fact::Specialty(s.to_string()))
        }
        Condition::Surgery { any } => {
            physician.filter(|(_, level)| any.contains(level)).map(|(_, level)| Fact::Surgery(level))
        }
        Condition::Disciplinary { any, within_years: years } => p
            .disciplinary
            .iter()
            .find(|e| any.contains(&e.action) && Window::before(effective, *years).holds(e.date))
            .map(|e| Fact::Disciplinary(e.action, e.date)),
        Condition::LocumDays { over } => (p.locum_days > *over).then_some(Fact::LocumDays(p.locum_days)),
        Condition::Service { .. } | Condition::Providers { .. } | Condition::TelehealthOutOfState => None,
    }
}

/// The fact that made a rule fire, written out only when a reason is shown.
#[derive(Debug, Clone)]
pub(crate) enum Fact {
    Claims { count: usize, years: u32 },
    Paid { paid: Money, years: u32 },
    Class(String),
    Specialty(String),
    Surgery(SurgeryLevel),
    Disciplinary(DisciplinaryAction, Date),
    LocumDays(u32),
}

impl fmt::Display for Fact {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Fact::Claims { count, years } => write!(f, "{count} claims in {years} years"),
            Fact::Paid { paid, years } => write!(f, "{} paid in {years} years", fmt_money(*paid)),
            Fact::Class(c) => write!(f, "rated in class {c}"),
            Fact::Specialty(s) => write!(f, "specialty {s}"),
            Fact::Surgery(level) => write!(f, "{} surgery", level.name()),
            Fact::Disciplinary(action, date) => write!(f, "{} on {date}", action.name()),
            Fact::LocumDays(days) => write!(f, "{days} locum days"),
        }
    }
}
