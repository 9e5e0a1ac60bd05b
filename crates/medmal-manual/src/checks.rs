//! Checks across sections, run once the whole manual has been read: references resolve, every
//! class has a rate in every territory, limits factors rise with limits, claims-made steps end
//! at maturity, and every declared rule is reachable from the rating steps.

use std::collections::BTreeSet;

use medmal_core::Manual;
use medmal_core::manual::{Condition, MidLevelMethod, PolicyForm, PolicyStep, ProviderStep};
use medmal_text::{Diags, Node, NodeKind};
use rust_decimal::Decimal;

/// The node at `path` under `node` (as deep as it exists), for pointing at the exact key.
fn at_path<'n>(node: &'n Node, path: &[&str]) -> &'n Node {
    let Some((first, rest)) = path.split_first() else {
        return node;
    };
    let NodeKind::Table(entries) = &node.kind else {
        return node;
    };
    match entries.iter().find(|e| e.key == *first) {
        Some(e) => at_path(&e.value, rest),
        None => node,
    }
}

/// The node at `key` (and optionally array index) under the root, or the root itself.
fn at<'n>(root: &'n Node, key: &str, index: Option<usize>) -> &'n Node {
    let NodeKind::Table(entries) = &root.kind else {
        return root;
    };
    let Some(e) = entries.iter().find(|e| e.key == key) else {
        return root;
    };
    match (index, &e.value.kind) {
        (Some(i), NodeKind::Array(items)) => items.get(i).unwrap_or(&e.value),
        _ => &e.value,
    }
}

pub(crate) fn check(m: &Manual, root: &Node, d: &mut Diags<'_>) {
    let class_ids: BTreeSet<&str> = m.classes.iter().map(|c| c.id.as_str()).collect();
    let terr_ids: BTreeSet<&str> = m.territories.list.iter().map(|t| t.id.as_str()).collect();
    let known = |c: &str| class_ids.contains(c);

    let mut seen = BTreeSet::new();
    for c in &m.classes {
        if !seen.insert(c.id.as_str()) {
            d.at(at(root, "classes", None), format!("class `{}` is defined twice", c.id));
        }
    }
    let mut seen = BTreeSet::new();
    for (i, s) in m.specialties.iter().enumerate() {
        if !seen.insert(s.code.as_str()) {
            d.at(at(root, "specialties", Some(i)), format!("specialty {} is mapped twice", s.code));
        }
        for c in [&s.any, &s.none, &s.minor, &s.major].into_iter().flatten() {
            if !known(c) {
                d.at(
                    at(root, "specialties", Some(i)),
                    format!("specialty {} refers to class `{c}`, which is not defined in [[classes]]", s.code),
                );
            }
        }
    }
    for (i, ml) in m.midlevels.iter().enumerate() {
        if let MidLevelMethod::PercentOfClass { class, .. } | MidLevelMethod::OwnClass { class } = &ml.method
            && !known(class)
        {
            d.at(
                at(root, "midlevels", Some(i)),
                format!("mid-level {} refers to class `{class}`, which is not defined", ml.role),
            );
        }
    }

    // Every class has a rate in every territory, and nothing else is rated. A CSV table
    // reports its own blank cells; here only a class with no row at all is left to find.
    let rates = at(root, "base_rates", None);
    let from_csv = matches!(rates.kind, NodeKind::Str(_));
    for c in &m.classes {
        let has_row = m.base_rates.keys().any(|(k, _)| *k == c.id);
        if from_csv && has_row {
            continue;
        }
        if !has_row {
            d.at(
                at_path(rates, &[c.id.as_str()]),
                format!("class `{}` has no base rates: expected a rate in every territory", c.id),
            );
            continue;
        }
        for t in &m.territories.list {
            if !m.base_rates.contains_key(&(c.id.clone(), t.id.clone())) {
                d.at(
                    at_path(rates, &[c.id.as_str()]),
                    format!("class `{}` has no base rate for territory `{}`", c.id, t.id),
                );
            }
        }
    }
    for (c, t) in m.base_rates.keys() {
        if !known(c) {
            d.at(rates, format!("base rate for class `{c}`, which is not defined in [[classes]]"));
        }
        if !terr_ids.contains(t.as_str()) {
            d.at(rates, format!("base rate for territory `{t}`, which is not in [territories.names]"));
        }
    }

    limits(m, root, d);
    form(m, root, d);
    rules_reachable(m, root, d, &known);
}

fn limits(m: &Manual, root: &Node, d: &mut Diags<'_>) {
    let node = at(root, "limits", None);
    match m.limits_factor(&m.meta.base_limits) {
        Some(f) if f == Decimal::ONE => {}
        Some(f) => d.at(node, format!("base limits {} must have factor 1.00, found {f}", m.meta.base_limits.label())),
        None => d.at(node, format!("base limits {} are not among the [[limits]] options", m.meta.base_limits.label())),
    }
    for (i, a) in m.limits.iter().enumerate() {
        for (j, b) in m.limits.iter().enumerate().skip(i + 1) {
            if a.limits == b.limits {
                d.at(at(root, "limits", Some(j)), format!("limits {} are listed twice", a.limits.label()));
            }
            let (lo, hi, hi_index) =
                if a.limits.per_claim <= b.limits.per_claim && a.limits.aggregate <= b.limits.aggregate {
                    (a, b, j)
                } else if b.limits.per_claim <= a.limits.per_claim && b.limits.aggregate <= a.limits.aggregate {
                    (b, a, i)
                } else {
                    continue;
                };
            if hi.factor < lo.factor {
                d.at(
                    at(root, "limits", Some(hi_index)),
                    format!(
                        "higher limits {} have a lower factor ({}) than {} ({}); expected factors to rise with limits",
                        hi.limits.label(),
                        hi.factor,
                        lo.limits.label(),
                        lo.factor
                    ),
                );
            }
        }
    }
}

fn form(m: &Manual, root: &Node, d: &mut Diags<'_>) {
    let cm = at_path(root, &["claims_made", "steps"]);
    match (&m.form.claims_made_steps, m.meta.base_form) {
        (Some(steps), _) => {
            if steps.last().copied() != Some(Decimal::ONE) {
                d.at(
                    cm,
                    format!(
                        "claims-made steps must end at the mature factor 1.00, found {}",
                        steps.last().copied().unwrap_or_default()
                    ),
                );
            }
            if m.meta.base_form == PolicyForm::Occurrence && m.form.claims_made_mature_factor.is_none() {
                d.at(cm, "base form is occurrence: give `mature_factor`, mature claims-made relative to occurrence");
            }
        }
        (None, PolicyForm::ClaimsMade) => {
            d.at(root, "base form is claims_made but there is no [claims_made] table with `steps`");
        }
        (None, PolicyForm::Occurrence) => {}
    }
    if m.meta.base_form == PolicyForm::ClaimsMade && m.form.claims_made_mature_factor.is_some() {
        d.at(cm, "`mature_factor` is only for manuals whose base form is occurrence");
    }
    if m.meta.base_form == PolicyForm::Occurrence && m.form.occurrence_factor.is_some_and(|f| f != Decimal::ONE) {
        d.at(at(root, "occurrence", None), "base form is occurrence: the occurrence factor must be 1.00 or absent");
    }
}

fn rules_reachable(m: &Manual, root: &Node, d: &mut Diags<'_>, known: &dyn Fn(&str) -> bool) {
    let rating = at(root, "rating", None);
    let steps = &m.provider_steps;
    if !matches!(steps.first(), Some(ProviderStep::BaseRate)) {
        d.at(rating, "the first provider step must be base_rate");
    }
    for (name, want) in [("base_rate", 1), ("policy_form", 1), ("limits", 1)] {
        let n = steps.iter().filter(|s| s.name() == name).count();
        if n != want {
            d.at(rating, format!("provider step `{name}` appears {n} times; expected exactly once"));
        }
    }
    for name in ["deductible", "schedule", "experience", "locum"] {
        if steps.iter().filter(|s| s.name() == name).count() > 1 {
            d.at(rating, format!("provider step `{name}` appears more than once"));
        }
    }
    let mut used_groups = BTreeSet::new();
    for s in steps {
        match s {
            ProviderStep::Modifiers { group } => {
                if m.group(group).is_none() {
                    d.at(rating, format!("step modifiers:{group} names a group not in [[modifier_groups]]"));
                }
                if !used_groups.insert(group.as_str()) {
                    d.at(rating, format!("modifier group `{group}` is applied twice"));
                }
            }
            ProviderStep::Schedule if m.schedule.is_none() => {
                d.at(rating, "step `schedule` but the manual has no [schedule] plan")
            }
            ProviderStep::Experience if m.experience.is_none() => {
                d.at(rating, "step `experience` but the manual has no [experience] plan")
            }
            ProviderStep::Locum if m.locum.is_none() => d.at(rating, "step `locum` but the manual has no [locum] rule"),
            _ => {}
        }
    }
    if !m.deductibles.is_empty() && !steps.iter().any(|s| matches!(s, ProviderStep::Deductible)) {
        d.at(rating, "the manual offers deductibles but no provider step applies `deductible`");
    }
    for (present, step, what) in [
        (m.schedule.is_some(), "schedule", "[schedule]"),
        (m.experience.is_some(), "experience", "[experience]"),
        (m.locum.is_some(), "locum", "[locum]"),
    ] {
        if present && !steps.iter().any(|s| s.name() == step) {
            d.at(rating, format!("{what} is defined but no provider step `{step}` applies it"));
        }
    }
    let mut grouped = BTreeSet::new();
    for (gi, g) in m.modifier_groups.iter().enumerate() {
        let groups = at(root, "modifier_groups", Some(gi));
        if !used_groups.contains(g.id.as_str()) {
            d.at(
                groups,
                format!("modifier group `{}` is not applied by any provider step (add \"modifiers:{}\")", g.id, g.id),
            );
        }
        for id in &g.modifiers {
            if m.modifier(id).is_none() {
                d.at(groups, format!("group `{}` lists modifier `{id}`, which is not in [modifiers]", g.id));
            }
            if !grouped.insert(id.as_str()) {
                d.at(groups, format!("modifier `{id}` is in more than one group and would apply twice"));
            }
        }
    }
    for md in &m.modifiers {
        if !grouped.contains(md.id.as_str()) {
            d.at(
                at_path(root, &["modifiers", md.id.as_str()]),
                format!("modifier `{}` is in no modifier group, so it never applies", md.id),
            );
        }
    }
    let has_entity_charge = m.entity.shared.is_some() || m.entity.separate.is_some();
    let entity_steps = m.policy_steps.iter().filter(|s| matches!(s, PolicyStep::Entity)).count();
    if has_entity_charge && entity_steps != 1 {
        d.at(
            rating,
            format!("[entity] charges are defined; the policy steps must apply `entity` once (found {entity_steps})"),
        );
    }
    for s in &m.surcharges {
        let n = m.policy_steps.iter().filter(|p| matches!(p, PolicyStep::Surcharge { id } if *id == s.id)).count();
        if n != 1 {
            d.at(
                rating,
                format!(
                    "surcharge `{}` must be applied once by a policy step \"surcharge:{}\" (found {n})",
                    s.id, s.id
                ),
            );
        }
    }
    for p in &m.policy_steps {
        if let PolicyStep::Surcharge { id } = p
            && !m.surcharges.iter().any(|s| &s.id == id)
        {
            d.at(rating, format!("policy step surcharge:{id} names no [[surcharges]] entry"));
        }
    }
    if let Some(x) = &m.experience {
        let node = at(root, "experience", None);
        for c in &m.classes {
            if !x.expected_per_year.contains_key(&c.id) {
                d.at(node, format!("no expected losses for class `{}`", c.id));
            }
        }
        for c in x.expected_per_year.keys() {
            if !known(c) {
                d.at(node, format!("expected losses for class `{c}`, which is not defined"));
            }
        }
    }
    for (i, r) in m.eligibility.iter().enumerate() {
        if let Condition::Class { any } = &r.condition {
            for c in any {
                if !known(c) {
                    d.at(
                        at(root, "eligibility", Some(i)),
                        format!("eligibility rule names class `{c}`, which is not defined"),
                    );
                }
            }
        }
    }
}
