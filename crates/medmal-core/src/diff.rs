//! What a new manual version changes, table by table and factor by factor.
//!
//! Both manuals are flattened into `(table, key) → value` entries that name the manual's own
//! sections, then compared. Numeric changes carry their percent change, which is what a rate
//! filing's exhibit shows.

use std::collections::BTreeMap;

use rust_decimal::Decimal;
use serde::Serialize;

use crate::manual::{
    Combine, Condition, Credibility, EntityCharge, Manual, MidLevelMethod, ModifierRule, PolicyStep, ProviderStep,
    TailBasis,
};
use crate::money::{div_round_half_up, fmt_money};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Value {
    Number(Decimal),
    Text(String),
}

impl Value {
    pub fn text(&self) -> String {
        match self {
            Value::Number(n) => n.normalize().to_string(),
            Value::Text(t) => t.clone(),
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Change {
    pub table: String,
    pub key: String,
    /// `None` when the entry is new.
    pub old: Option<String>,
    /// `None` when the entry was removed.
    pub new: Option<String>,
    /// Percent change for numeric values, rounded half-up to 0.01%.
    pub percent: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ManualDiff {
    pub old: String,
    pub new: String,
    pub changes: Vec<Change>,
}

type Entries = BTreeMap<(String, String), Value>;

fn num(e: &mut Entries, table: &str, key: impl Into<String>, v: Decimal) {
    e.insert((table.to_string(), key.into()), Value::Number(v));
}

fn text(e: &mut Entries, table: &str, key: impl Into<String>, v: impl Into<String>) {
    e.insert((table.to_string(), key.into()), Value::Text(v.into()));
}

/// Every rating value of a manual as named entries.
pub fn entries(m: &Manual) -> BTreeMap<(String, String), Value> {
    let mut e = Entries::new();
    let meta = &m.meta;
    text(&mut e, "manual", "carrier_name", meta.carrier_name.clone());
    text(&mut e, "manual", "effective_new", meta.effective_new.to_string());
    text(&mut e, "manual", "effective_renewal", meta.effective_renewal.to_string());
    text(&mut e, "manual", "expires", meta.expires.map_or("none".into(), |d| d.to_string()));
    text(&mut e, "manual", "base_limits", meta.base_limits.label());
    text(&mut e, "manual", "base_form", meta.base_form.name());
    for c in &m.classes {
        text(&mut e, "classes", c.id.clone(), c.name.clone());
    }
    for s in &m.specialties {
        for (level, c) in [("any", &s.any), ("none", &s.none), ("minor", &s.minor), ("major", &s.major)] {
            if let Some(c) = c {
                text(&mut e, "specialties", format!("{} {level}", s.code), c.clone());
            }
        }
    }
    for ml in &m.midlevels {
        let k = |x: &str| format!("{} {x}", ml.role);
        match &ml.method {
            MidLevelMethod::PercentOfClass { class, shared, separate } => {
                text(&mut e, "midlevels", k("class"), class.clone());
                if let Some(s) = shared {
                    num(&mut e, "midlevels", k("shared percent"), *s);
                }
                if let Some(s) = separate {
                    num(&mut e, "midlevels", k("separate percent"), *s);
                }
            }
            MidLevelMethod::OwnClass { class } => text(&mut e, "midlevels", k("own class"), class.clone()),
            MidLevelMethod::Flat { shared, separate } => {
                if let Some(s) = shared {
                    num(&mut e, "midlevels", k("shared flat"), *s);
                }
                if let Some(s) = separate {
                    num(&mut e, "midlevels", k("separate flat"), *s);
                }
            }
        }
    }
    for (county, t) in &m.territories.counties {
        text(&mut e, "territories.counties", county.clone(), t.clone());
    }
    text(&mut e, "territories", "default", m.territories.default.clone().unwrap_or_else(|| "none".into()));
    for ((c, t), r) in &m.base_rates {
        num(&mut e, "base_rates", format!("class {c} territory {t}"), *r);
    }
    if let Some(steps) = &m.form.claims_made_steps {
        for (i, s) in steps.iter().enumerate() {
            num(&mut e, "claims_made.steps", format!("year {}", i + 1), *s);
        }
    }
    if let Some(f) = m.form.occurrence_factor {
        num(&mut e, "occurrence", "factor", f);
    }
    if let Some(f) = m.form.claims_made_mature_factor {
        num(&mut e, "claims_made", "mature_factor", f);
    }
    for l in &m.limits {
        num(&mut e, "limits", l.limits.label(), l.factor);
    }
    for dd in &m.deductibles {
        num(&mut e, "deductibles", dd.deductible.label(), dd.credit);
    }
    for md in &m.modifiers {
        modifier_entries(&mut e, &format!("modifiers.{}", md.id), &md.rule);
    }
    for g in &m.modifier_groups {
        let t = format!("modifier_groups.{}", g.id);
        text(
            &mut e,
            &t,
            "combine",
            match g.combine {
                Combine::Multiply => "multiply",
                Combine::Add => "add",
            },
        );
        text(&mut e, &t, "modifiers", g.modifiers.join(", "));
        if let Some(x) = g.max_credit {
            num(&mut e, &t, "max_credit", x);
        }
        if let Some(x) = g.max_debit {
            num(&mut e, &t, "max_debit", x);
        }
    }
    if let Some(s) = &m.schedule {
        num(&mut e, "schedule", "max_credit", s.max_credit);
        num(&mut e, "schedule", "max_debit", s.max_debit);
        for i in &s.items {
            num(&mut e, "schedule", format!("{} max_credit", i.id), i.max_credit);
            num(&mut e, "schedule", format!("{} max_debit", i.id), i.max_debit);
        }
    }
    if let Some(x) = &m.experience {
        num(&mut e, "experience", "min_providers", x.min_providers.into());
        num(&mut e, "experience", "period_years", x.period_years.into());
        num(&mut e, "experience", "per_claim_limit", x.per_claim_limit);
        match x.credibility {
            Credibility::SquareRoot { full } => num(&mut e, "experience", "full_credibility", full),
            Credibility::Buhlmann { k } => num(&mut e, "experience", "k", k),
        }
        num(&mut e, "experience", "max_credit", x.max_credit);
        num(&mut e, "experience", "max_debit", x.max_debit);
        for (c, v) in &x.expected_per_year {
            num(&mut e, "experience.expected", format!("class {c}"), *v);
        }
    }
    if let Some(l) = &m.locum {
        num(&mut e, "locum", "free_days", l.free_days.into());
        num(&mut e, "locum", "per_day", l.per_day);
    }
    // One entry per option, so withdrawing an option reads as one change ("5% → not offered").
    for (label, c) in [("shared", m.entity.shared), ("separate", m.entity.separate)] {
        let v = match c {
            Some(EntityCharge::Percent(p)) => {
                format!("{}% of providers' premium", (p * Decimal::ONE_HUNDRED).normalize())
            }
            Some(EntityCharge::Flat(a)) => format!("flat {}", fmt_money(a)),
            None => "not offered".to_string(),
        };
        text(&mut e, "entity", label, v);
    }
    if let Some(x) = m.entity.maximum {
        num(&mut e, "entity", "maximum", x);
    }
    for s in &m.surcharges {
        num(&mut e, "surcharges", s.id.clone(), s.percent);
    }
    if let Some(t) = &m.tail {
        text(
            &mut e,
            "tail",
            "basis",
            match t.basis {
                TailBasis::MatureUndiscounted => "mature_undiscounted",
                TailBasis::Expiring => "expiring",
            },
        );
        for r in &t.factors {
            for (len, f) in t.lengths.iter().zip(&r.factors) {
                num(&mut e, "tail.factors", format!("year {} {len}", r.claims_made_year), *f);
            }
        }
        if let Some(f) = &t.free {
            text(&mut e, "tail.free", "events", f.events.join(", "));
            num(&mut e, "tail.free", "min_years_insured", f.min_years_insured.into());
            if let Some(a) = f.min_age {
                num(&mut e, "tail.free", "min_age", a.into());
            }
        }
    }
    for r in &m.eligibility {
        text(
            &mut e,
            "eligibility",
            condition_text(&r.condition),
            format!("{:?}: {}", r.action, r.reason).to_lowercase(),
        );
    }
    // Policy-form features and carrier facts, in the words of the comparison grid.
    if m.features.is_some() || m.carrier.is_some() {
        for (feature, value) in crate::compare::feature_grid(m) {
            text(&mut e, "features", feature, value);
        }
    }
    let steps: Vec<String> = m.provider_steps.iter().map(provider_step_text).collect();
    text(&mut e, "rating", "provider", steps.join(" → "));
    let steps: Vec<String> = m.policy_steps.iter().map(policy_step_text).collect();
    text(&mut e, "rating", "policy", steps.join(" → "));
    if let Some(r) = &m.step_rounding {
        text(&mut e, "manual", "step_rounding", r.describe());
    }
    e
}

fn modifier_entries(e: &mut Entries, t: &str, rule: &ModifierRule) {
    text(e, t, "type", rule.kind());
    match rule {
        ModifierRule::PartTime { bands } => {
            for b in bands {
                num(e, t, format!("≤ {} hours", b.max_hours.normalize()), b.adjustment);
            }
        }
        ModifierRule::NewToPractice { by_year: rows }
        | ModifierRule::ClaimsFree { by_years: rows }
        | ModifierRule::Loyalty { by_years: rows } => {
            for (y, a) in rows {
                num(e, t, format!("{y} years"), *a);
            }
        }
        ModifierRule::Resident { resident, moonlighting } => {
            num(e, t, "resident", *resident);
            num(e, t, "moonlighting", *moonlighting);
        }
        ModifierRule::Teaching { adjustment }
        | ModifierRule::BoardCertified { adjustment }
        | ModifierRule::SocietyMember { adjustment } => {
            num(e, t, "adjustment", *adjustment);
        }
        ModifierRule::LeaveOfAbsence { adjustment, max_months } => {
            num(e, t, "adjustment", *adjustment);
            num(e, t, "max_months", (*max_months).into());
        }
        ModifierRule::ClaimsSurcharge { lookback_years, min_paid, rows } => {
            num(e, t, "lookback_years", (*lookback_years).into());
            num(e, t, "min_paid", *min_paid);
            for r in rows {
                num(
                    e,
                    t,
                    format!("≥ {} claims, ≥ {} paid", r.claims_at_least, fmt_money(r.paid_at_least)),
                    r.adjustment,
                );
            }
        }
        ModifierRule::Disciplinary { lookback_years, actions } => {
            num(e, t, "lookback_years", (*lookback_years).into());
            for (a, v) in actions {
                num(e, t, a.name(), *v);
            }
        }
        ModifierRule::RiskManagement { adjustment, valid_months } => {
            num(e, t, "adjustment", *adjustment);
            num(e, t, "valid_months", (*valid_months).into());
        }
    }
}

fn condition_text(c: &Condition) -> String {
    match c {
        Condition::Claims { at_least, within_years, .. } => format!("claims ≥ {at_least} in {within_years} years"),
        Condition::PaidTotal { amount, within_years } => {
            format!("paid ≥ {} in {within_years} years", fmt_money(*amount))
        }
        Condition::Service { any } => format!("service {}", any.join("/")),
        Condition::Class { any } => format!("class {}", any.join("/")),
        Condition::Specialty { any } => format!("specialty {}", any.join("/")),
        Condition::Surgery { any } => format!("surgery {}", any.iter().map(|s| s.name()).collect::<Vec<_>>().join("/")),
        Condition::Disciplinary { any, within_years } => {
            format!(
                "disciplinary {} in {within_years} years",
                any.iter().map(|a| a.name()).collect::<Vec<_>>().join("/")
            )
        }
        Condition::LocumDays { over } => format!("locum days > {over}"),
        Condition::Providers { over } => format!("providers > {over}"),
        Condition::TelehealthOutOfState => "telehealth out of state".into(),
    }
}

fn provider_step_text(s: &ProviderStep) -> String {
    match s {
        ProviderStep::Modifiers { group } => format!("modifiers:{group}"),
        ProviderStep::Round(r) => r.describe(),
        ProviderStep::Minimum(m) => format!("minimum {}", fmt_money(*m)),
        other => other.name().to_string(),
    }
}

fn policy_step_text(s: &PolicyStep) -> String {
    match s {
        PolicyStep::Entity => "entity".into(),
        PolicyStep::Surcharge { id } => format!("surcharge:{id}"),
        PolicyStep::Round(r) => r.describe(),
        PolicyStep::Minimum(m) => format!("minimum {}", fmt_money(*m)),
    }
}

/// Compare two manuals (normally two versions of one carrier and state).
pub fn diff(old: &Manual, new: &Manual) -> ManualDiff {
    let a = entries(old);
    let b = entries(new);
    let mut changes = Vec::new();
    let keys: std::collections::BTreeSet<&(String, String)> = a.keys().chain(b.keys()).collect();
    for k in keys {
        let (o, n) = (a.get(k), b.get(k));
        if o == n {
            continue;
        }
        let percent = match (o, n) {
            (Some(Value::Number(x)), Some(Value::Number(y))) if !x.is_zero() => {
                div_round_half_up((*y - *x) * Decimal::ONE_HUNDRED, *x, 2).map(|p| format!("{:+}%", p.normalize()))
            }
            _ => None,
        };
        changes.push(Change {
            table: k.0.clone(),
            key: k.1.clone(),
            old: o.map(Value::text),
            new: n.map(Value::text),
            percent,
        });
    }
    ManualDiff { old: old.meta.id(), new: new.meta.id(), changes }
}
