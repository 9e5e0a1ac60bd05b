//! Reads a policy file (the declarations of a policy in force) into
//! [`medmal_core::review::InForcePolicy`], for `medmal review PRACTICE --policy FILE`.
//!
//! The format is described in `docs/policy-format.md`. Like the practice reader, it reports
//! every problem at once, each as `file:line:col: what is wrong: what was expected`. Unlike a
//! rate manual's `[features]`, where silence means "not covered", every coverage feature of a
//! policy must be stated: the review turns each missing cover into a gap, so a key left out by
//! mistake would otherwise become a false alarm (or a false comfort).

use std::path::Path;

use jiff::civil::Date;
use medmal_core::manual::{CarrierFacts, CarrierMarket, ConsentToSettle, DefenseCosts, PolicyFeatures, PolicyForm};
use medmal_core::review::{FreeTailTerms, InForcePolicy, InsuredEntity, LocumTerms, NamedInsured, TailTerms};
use medmal_text::{
    ArrayReader, Diagnostic, Diags, Location, Node, NodeKind, SourceFile, TableReader, as_bool, as_date, as_decimal,
    parse_json, parse_toml,
};
use rust_decimal::Decimal;

use crate::coverage::{ENTITY_LIMITS, FORMS, read_deductible, read_limits};
use crate::document::service;
use crate::read::{choice, decimal_in, money, place, req_choice, req_text, shorten, state_code, table, text, whole_in};

const MARKETS: [(&str, CarrierMarket); 3] = [
    ("admitted", CarrierMarket::Admitted),
    ("surplus_lines", CarrierMarket::SurplusLines),
    ("risk_retention_group", CarrierMarket::RiskRetentionGroup),
];

const CONSENT: [(&str, ConsentToSettle); 3] =
    [("full", ConsentToSettle::Full), ("hammer", ConsentToSettle::Hammer), ("none", ConsentToSettle::None)];

const DEFENSE: [(&str, DefenseCosts); 2] =
    [("outside_limits", DefenseCosts::OutsideLimits), ("inside_limits", DefenseCosts::InsideLimits)];

const FREE_TAIL_EVENTS: [&str; 3] = ["death", "disability", "retirement"];

/// Parse a policy from source text: JSON when the file name ends in `.json`, TOML otherwise.
pub fn parse_policy(source: &SourceFile) -> Result<InForcePolicy, Vec<Diagnostic>> {
    let json = crate::is_json(&source.name);
    let root = if json {
        let mut root = parse_json(source)?;
        crate::drop_nulls(&mut root);
        root
    } else {
        parse_toml(source)?
    };
    let mut d = Diags::new(source);
    let policy = read(&root, &mut d);
    match policy {
        Some(p) if d.is_empty() => Ok(p),
        _ => {
            let mut list = d.list;
            if list.is_empty() {
                // Every failed read reports; this only guards against an empty error list.
                let mut d = Diags::new(source);
                d.file("the policy could not be read: expected a policy file as described in docs/policy-format.md");
                list = d.list;
            }
            if !json {
                list.sort();
            }
            list.dedup();
            Err(list)
        }
    }
}

/// Read and parse a policy file. A file that cannot be read is one diagnostic for the file.
pub fn load_policy(path: &Path) -> Result<InForcePolicy, Vec<Diagnostic>> {
    let name = path.display().to_string();
    match std::fs::read_to_string(path) {
        Ok(text) => parse_policy(&SourceFile::new(name, text)),
        Err(e) => Err(vec![Diagnostic {
            file: name,
            location: Location::File,
            message: format!("cannot read the policy file: {e}"),
        }]),
    }
}

/// The `[policy]` table: who wrote it, where, the form, the term and the limits.
struct Head {
    number: String,
    carrier_name: String,
    carrier: CarrierFacts,
    state: String,
    form: PolicyForm,
    effective: Date,
    expires: Date,
    limits: medmal_core::manual::Limits,
    deductible: Option<medmal_core::manual::Deductible>,
    premium: Option<Decimal>,
}

fn read(root: &Node, d: &mut Diags<'_>) -> Option<InForcePolicy> {
    let mut r = table(root, d, "the policy file")?;
    let head = r.require(d, "policy", "a [policy] table with the declarations: number, carrier, form, term, limits");
    let head = head.and_then(|n| read_head(n, d));
    // Later sections are checked against the form and term even when another part of
    // `[policy]` is wrong, so read those on their own.
    let form = head.as_ref().map(|h| h.form).or_else(|| peek_form(root));
    let expires = head.as_ref().map(|h| h.expires);
    let entity = match r.get("entity") {
        Some(n) => read_entity(n, d),
        None => Some(None),
    };
    let insureds_node = r.get("insureds");
    let insureds = match insureds_node {
        Some(n) => read_insureds(n, d, form, expires),
        None => Some(Vec::new()),
    };
    let midlevels = match r.get("midlevels") {
        Some(n) => read_midlevels(n, d),
        None => Some((Vec::new(), Vec::new())),
    };
    let features = r
        .require(
            d,
            "features",
            "a [features] table: consent_to_settle, defense, sublimits, telehealth_states, contractors_covered, general_liability",
        )
        .and_then(|n| read_features(n, d));
    let locum = match r.get("locum") {
        Some(n) => read_locum(n, d).map(Some),
        None => Some(None),
    };
    let tail = match (r.get("tail"), form) {
        (Some(n), Some(PolicyForm::Occurrence)) => {
            d.at(n, "`[tail]` applies to claims-made policies only: expected no [tail] when form = \"occurrence\" (an occurrence policy needs no tail)");
            None
        }
        (Some(n), _) => read_tail(n, d),
        (None, Some(PolicyForm::ClaimsMade)) => {
            d.at(root, "missing [tail]: expected the claims-made policy's tail terms (`offered = true` with its lengths and price, or `offered = false`)");
            None
        }
        (None, _) => Some(TailTerms { offered: false, lengths: Vec::new(), factor: None, free: None }),
    };
    let exclusions = match r.get("exclusions") {
        Some(n) => read_exclusions(n, d),
        None => Some((Vec::new(), Vec::new())),
    };
    r.finish(d);

    // A policy insures somebody: named providers, or at least the entity.
    let entity_insured = matches!(entity, Some(Some(_)));
    if let Some(list) = &insureds
        && list.is_empty()
        && !entity_insured
        && entity.is_some()
    {
        match insureds_node {
            Some(n) => d.at(n, "`insureds` is empty: expected at least one named insured, or an insured [entity]"),
            None => d.at(
                root,
                "missing [[insureds]]: expected at least one named insured (name, and retro_date on a claims-made policy), or an insured [entity]",
            ),
        }
        return None;
    }

    let head = head?;
    let entity = entity?;
    let (blanket_midlevels, excluded_midlevels) = midlevels?;
    let (excluded_services, excluded_procedures) = exclusions?;
    Some(InForcePolicy {
        number: head.number,
        carrier_name: head.carrier_name,
        carrier: head.carrier,
        state: head.state,
        form: head.form,
        effective: head.effective,
        expires: head.expires,
        limits: head.limits,
        deductible: head.deductible,
        premium: head.premium,
        entity,
        insureds: insureds?,
        blanket_midlevels,
        excluded_midlevels,
        features: features?,
        locum: locum?,
        tail: tail?,
        excluded_services,
        excluded_procedures,
    })
}

/// The form as written, without reporting anything (`read_head` reports).
fn peek_form(root: &Node) -> Option<PolicyForm> {
    let find = |node: &Node, key: &str| match &node.kind {
        NodeKind::Table(entries) => entries.iter().find(|e| e.key == key).map(|e| e.value.clone()),
        _ => None,
    };
    let form = find(&find(root, "policy")?, "form")?;
    let NodeKind::Str(s) = &form.kind else { return None };
    FORMS.iter().find(|(n, _)| n.eq_ignore_ascii_case(s.trim())).map(|(_, f)| *f)
}

fn read_head(node: &Node, d: &mut Diags<'_>) -> Option<Head> {
    let mut r = table(node, d, "`policy`")?;
    let number = req_text(&mut r, d, "number", "the policy number as the declarations show it");
    let carrier_name =
        req_text(&mut r, d, "carrier", "the insuring carrier's name, such as \"Keystone Physicians Mutual\"");
    let market = req_choice(&mut r, d, "market", &MARKETS);
    let financial_strength = req_text(
        &mut r,
        d,
        "financial_strength",
        "the carrier's financial-strength rating as published, such as \"A- (Excellent)\", or \"not rated\"",
    );
    let state = r
        .require(d, "state", "the two-letter state the policy is written in, such as \"PA\"")
        .and_then(|n| state_code(n, d, "state"));
    let form = req_choice(&mut r, d, "form", &FORMS);
    let effective = r.req_date(d, "effective", "the first day of the policy term (YYYY-MM-DD)");
    let expires_node = r.require(d, "expires", "the day the policy term ends (YYYY-MM-DD)");
    let expires = expires_node.and_then(|n| as_date(n, d));
    let limits = r
        .require(d, "limits", "limits such as \"1M/3M\" or { per_claim = 1000000, aggregate = 3000000 }")
        .and_then(|n| read_limits(n, d));
    let deductible = match r.get("deductible") {
        Some(n) => read_deductible(n, d).map(Some),
        None => Some(None),
    };
    let premium = match r.get("premium") {
        Some(n) => money(n, d, "premium").map(Some),
        None => Some(None),
    };
    r.finish(d);
    if let (Some(eff), Some(exp), Some(n)) = (effective, expires, expires_node)
        && exp <= eff
    {
        d.at(
            n,
            format!("the policy expires {exp}, not after it takes effect {eff}: expected `expires` after `effective`"),
        );
        return None;
    }
    Some(Head {
        number: number?,
        carrier_name: carrier_name?,
        carrier: CarrierFacts { financial_strength: financial_strength?, market: market? },
        state: state?,
        form: form?,
        effective: effective?,
        expires: expires?,
        limits: limits?,
        deductible: deductible?,
        premium: premium?,
    })
}

/// `Some(None)`: the declarations name the entity but do not insure it.
fn read_entity(node: &Node, d: &mut Diags<'_>) -> Option<Option<InsuredEntity>> {
    let mut r = table(node, d, "`entity`")?;
    let name = req_text(&mut r, d, "name", "the entity's legal name as the declarations show it");
    let insured = match r.get("insured") {
        Some(n) => as_bool(n, d),
        None => Some(true),
    };
    let limits_node = r.get("limits");
    r.finish(d);
    match insured? {
        true => {
            let limits = match limits_node {
                Some(n) => choice(n, d, "limits", &ENTITY_LIMITS),
                None => {
                    d.at(node, "missing key `limits`: expected \"shared\" or \"separate\" because the entity is insured (insured = true)");
                    None
                }
            };
            Some(Some(InsuredEntity { name: name?, limits: limits? }))
        }
        false => {
            if let Some(n) = limits_node {
                d.at(n, "`limits` applies to an insured entity only: expected no `limits` when insured = false");
                return None;
            }
            name?;
            Some(None)
        }
    }
}

fn read_insureds(
    node: &Node,
    d: &mut Diags<'_>,
    form: Option<PolicyForm>,
    expires: Option<Date>,
) -> Option<Vec<NamedInsured>> {
    let items = ArrayReader::new(node, d, "insureds").items;
    if !matches!(node.kind, NodeKind::Array(_)) {
        return None;
    }
    let mut out = Vec::new();
    let mut ok = true;
    let mut seen: Vec<(String, &Node)> = Vec::new();
    for item in items {
        let Some(mut r) = table(item, d, "a named insured ([[insureds]])") else {
            ok = false;
            continue;
        };
        let name_node = r.require(d, "name", "the provider's name as the declarations show it");
        let name = name_node.and_then(|n| text(n, d, "name", "the provider's name"));
        let retro_node = r.get("retro_date");
        let class = match r.get("class") {
            Some(n) => text(n, d, "class", "the rating class the declarations show, such as \"2\"").map(Some),
            None => Some(None),
        };
        r.finish(d);
        let retro_date = match (retro_node, form) {
            (Some(n), Some(PolicyForm::Occurrence)) => {
                d.at(n, "`retro_date` applies to claims-made policies only: expected no `retro_date` when form = \"occurrence\"");
                None
            }
            (Some(n), _) => match as_date(n, d) {
                Some(date) if expires.is_some_and(|e| date >= e) => {
                    let e = expires.map_or(String::new(), |e| e.to_string());
                    d.at(
                        n,
                        format!("retroactive date {date} is not before the policy expires {e}: expected a date within or before the term"),
                    );
                    None
                }
                Some(date) => Some(Some(date)),
                None => None,
            },
            (None, Some(PolicyForm::ClaimsMade)) => {
                d.at(
                    item,
                    format!(
                        "missing key `retro_date` for {}: expected the insured's retroactive date (YYYY-MM-DD); a claims-made policy covers no care before it",
                        name.as_deref().map_or_else(|| "this insured".to_string(), shorten)
                    ),
                );
                None
            }
            (None, _) => Some(None),
        };
        if let (Some(n), Some(node)) = (&name, name_node) {
            let key = n.to_lowercase();
            if let Some((_, first)) = seen.iter().find(|(k, _)| *k == key) {
                let first = place(d, first);
                d.at(
                    node,
                    format!("duplicate insured `{}` (first at {first}): expected each insured once", shorten(n)),
                );
                ok = false;
            } else {
                seen.push((key, node));
            }
        }
        match (name, retro_date, class) {
            (Some(name), Some(retro_date), Some(class)) => out.push(NamedInsured { name, retro_date, class }),
            _ => ok = false,
        }
    }
    ok.then_some(out)
}

/// Mid-level types, uppercased (`np` → `NP`), each once.
fn midlevel_types(r: &mut TableReader<'_>, d: &mut Diags<'_>, key: &'static str) -> Option<Vec<String>> {
    let items: Vec<&Node> = match r.get(key) {
        None => return Some(Vec::new()),
        Some(n) if matches!(n.kind, NodeKind::Str(_)) => vec![n],
        Some(n) => ArrayReader::new(n, d, key).items.iter().collect(),
    };
    let mut out: Vec<String> = Vec::new();
    let mut ok = true;
    for n in items {
        let Some(s) = text(n, d, key, "a mid-level type such as \"NP\", \"PA\", \"CRNA\", \"CNM\"") else {
            ok = false;
            continue;
        };
        if s.len() > 16 || !s.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') {
            d.at(
                n,
                format!(
                    "`{}` is not a mid-level type: expected one such as \"NP\", \"PA\", \"CRNA\", \"CNM\"",
                    shorten(&s)
                ),
            );
            ok = false;
            continue;
        }
        let kind = s.to_ascii_uppercase();
        if out.contains(&kind) {
            d.at(n, format!("`{kind}` is listed twice in `{key}`: expected each type once"));
            ok = false;
            continue;
        }
        out.push(kind);
    }
    ok.then_some(out)
}

fn read_midlevels(node: &Node, d: &mut Diags<'_>) -> Option<(Vec<String>, Vec<String>)> {
    let mut r = table(node, d, "`midlevels`")?;
    let blanket = midlevel_types(&mut r, d, "blanket");
    let excluded = midlevel_types(&mut r, d, "excluded");
    r.finish(d);
    let (blanket, excluded) = (blanket?, excluded?);
    if let Some(both) = blanket.iter().find(|k| excluded.contains(k)) {
        d.at(node, format!("`{both}` is both blanket-covered and excluded: expected it in one list"));
        return None;
    }
    Some((blanket, excluded))
}

/// A sublimit the declarations must state: an amount > 0, or `false` when not covered.
fn sublimit(r: &mut TableReader<'_>, d: &mut Diags<'_>, key: &'static str, what: &str) -> Option<Option<Decimal>> {
    let n = r.require(d, key, &format!("the {what} sublimit in dollars, or false when the policy has none"))?;
    if let NodeKind::Bool(false) = n.kind {
        return Some(None);
    }
    if let NodeKind::Bool(true) = n.kind {
        d.at(n, format!("`{key}` is true: expected the {what} sublimit in dollars (such as 50000), or false"));
        return None;
    }
    let v = as_decimal(n, d)?;
    if v <= Decimal::ZERO {
        d.at(n, format!("`{key}` is {v}: expected a sublimit greater than 0, or false when the policy has none"));
        return None;
    }
    Some(Some(v.normalize()))
}

fn req_bool(r: &mut TableReader<'_>, d: &mut Diags<'_>, key: &'static str, expected: &str) -> Option<bool> {
    r.require(d, key, expected).and_then(|n| as_bool(n, d))
}

fn read_features(node: &Node, d: &mut Diags<'_>) -> Option<PolicyFeatures> {
    let mut r = table(node, d, "`features`")?;
    let consent = req_choice(&mut r, d, "consent_to_settle", &CONSENT);
    let defense = req_choice(&mut r, d, "defense", &DEFENSE);
    let licensing_board_defense = sublimit(&mut r, d, "licensing_board_defense", "licensing-board defense");
    let deposition_representation = sublimit(&mut r, d, "deposition_representation", "deposition representation");
    let cyber = sublimit(&mut r, d, "cyber", "cyber / medical-records");
    let telehealth_states = match r.require(
        d,
        "telehealth_states",
        "the states whose patients are covered by telehealth, such as [\"NJ\"], [\"*\"] for all, or [] for the policy's state only",
    ) {
        Some(n) => read_telehealth(n, d),
        None => None,
    };
    let contractors_covered = req_bool(
        &mut r,
        d,
        "contractors_covered",
        "true when independent contractors can be (or are) scheduled, false when excluded",
    );
    let general_liability =
        req_bool(&mut r, d, "general_liability", "true when premises general liability is included, false when not");
    let risk_management_services = r.strings(d, "risk_management_services");
    let covered_services = match r.get("covered_services") {
        Some(n) => services(n, d, "covered_services"),
        None => Some(Vec::new()),
    };
    r.finish(d);
    Some(PolicyFeatures {
        consent_to_settle: consent?,
        defense: defense?,
        licensing_board_defense: licensing_board_defense?,
        deposition_representation: deposition_representation?,
        cyber: cyber?,
        telehealth_states: telehealth_states?,
        contractors_covered: contractors_covered?,
        general_liability: general_liability?,
        risk_management_services,
        covered_services: covered_services?,
    })
}

fn read_telehealth(node: &Node, d: &mut Diags<'_>) -> Option<Vec<String>> {
    let items: Vec<&Node> = match &node.kind {
        NodeKind::Str(_) => vec![node],
        _ => ArrayReader::new(node, d, "telehealth_states").items.iter().collect(),
    };
    let mut out = Vec::new();
    let mut ok = matches!(node.kind, NodeKind::Str(_) | NodeKind::Array(_));
    for n in items {
        if matches!(&n.kind, NodeKind::Str(s) if s.trim() == "*") {
            out.push("*".to_string());
            continue;
        }
        match state_code(n, d, "telehealth_states") {
            Some(s) => out.push(s),
            None => ok = false,
        }
    }
    ok.then_some(out)
}

/// Service names as the practice file writes them (`aesthetics`, `med_spa`).
fn services(node: &Node, d: &mut Diags<'_>, key: &str) -> Option<Vec<String>> {
    let items: Vec<&Node> = match &node.kind {
        NodeKind::Str(_) => vec![node],
        _ => ArrayReader::new(node, d, key).items.iter().collect(),
    };
    let mut out: Vec<String> = Vec::new();
    let mut ok = matches!(node.kind, NodeKind::Str(_) | NodeKind::Array(_));
    for n in items {
        match service(n, d) {
            Some(s) if out.contains(&s) => {
                d.at(n, format!("service `{s}` is listed twice in `{key}`: expected each service once"));
                ok = false;
            }
            Some(s) => out.push(s),
            None => ok = false,
        }
    }
    ok.then_some(out)
}

fn read_locum(node: &Node, d: &mut Diags<'_>) -> Option<LocumTerms> {
    let mut r = table(node, d, "`locum`")?;
    let free_days = r
        .require(d, "free_days", "the days a year a locum may stand in at no charge, such as 30")
        .and_then(|n| whole_in(n, d, "free_days", 0, 366));
    let per_day = match r.get("per_day") {
        Some(n) => money(n, d, "per_day").map(Some),
        None => Some(None),
    };
    r.finish(d);
    Some(LocumTerms { free_days: free_days?, per_day: per_day? })
}

fn read_tail(node: &Node, d: &mut Diags<'_>) -> Option<TailTerms> {
    let mut r = table(node, d, "`tail`")?;
    let offered =
        req_bool(&mut r, d, "offered", "true when the policy offers a tail (extended reporting), false when not");
    let lengths_node = r.get("lengths");
    let lengths = r_strings(lengths_node, d, "lengths");
    let factor_node = r.get("factor");
    let factor = match factor_node {
        Some(n) => decimal_in(n, d, "factor", (Decimal::ZERO, false), Decimal::TEN).map(Some),
        None => Some(None),
    };
    let free_on_node = r.get("free_on");
    let free_on = match free_on_node {
        Some(n) => free_events(n, d).map(Some),
        None => Some(None),
    };
    let after_node = r.get("free_after_years");
    let after = match after_node {
        Some(n) => whole_in(n, d, "free_after_years", 0, 70).map(Some),
        None => Some(None),
    };
    let age_node = r.get("free_min_age");
    let min_age = match age_node {
        Some(n) => whole_in(n, d, "free_min_age", 18, 110).map(Some),
        None => Some(None),
    };
    r.finish(d);
    let offered = offered?;
    if !offered {
        let stray = [("lengths", lengths_node), ("factor", factor_node), ("free_on", free_on_node)];
        let mut ok = true;
        for (key, n) in stray {
            if let Some(n) = n {
                d.at(n, format!("`{key}` describes an offered tail: expected no `{key}` when offered = false"));
                ok = false;
            }
        }
        if !ok {
            return None;
        }
    }
    if free_on_node.is_none() {
        for (key, n) in [("free_after_years", after_node), ("free_min_age", age_node)] {
            if let Some(n) = n {
                d.at(
                    n,
                    format!(
                        "`{key}` is a free-tail condition: expected `free_on` (the events the tail is free on) with it"
                    ),
                );
                return None;
            }
        }
    }
    let (free_on, min_years_insured, min_age) = (free_on?, after?, min_age?);
    let free = free_on.map(|events| FreeTailTerms {
        events,
        min_years_insured: min_years_insured.unwrap_or(0),
        min_age,
        // Carriers waive the age condition for death and disability.
        age_for_retirement_only: true,
    });
    Some(TailTerms { offered, lengths: lengths?, factor: factor?, free })
}

/// Free text list (a single string is a list of one).
fn r_strings(node: Option<&Node>, d: &mut Diags<'_>, key: &str) -> Option<Vec<String>> {
    let Some(node) = node else { return Some(Vec::new()) };
    let items: Vec<&Node> = match &node.kind {
        NodeKind::Str(_) => vec![node],
        _ => ArrayReader::new(node, d, key).items.iter().collect(),
    };
    let mut ok = matches!(node.kind, NodeKind::Str(_) | NodeKind::Array(_));
    let mut out = Vec::new();
    for n in items {
        match text(n, d, key, "a non-empty text") {
            Some(s) => out.push(s),
            None => ok = false,
        }
    }
    ok.then_some(out)
}

fn free_events(node: &Node, d: &mut Diags<'_>) -> Option<Vec<String>> {
    let items: Vec<&Node> = match &node.kind {
        NodeKind::Str(_) => vec![node],
        _ => ArrayReader::new(node, d, "free_on").items.iter().collect(),
    };
    let mut ok = matches!(node.kind, NodeKind::Str(_) | NodeKind::Array(_));
    let options: Vec<(&str, &str)> = FREE_TAIL_EVENTS.iter().map(|e| (*e, *e)).collect();
    let mut out: Vec<String> = Vec::new();
    for n in items {
        match choice(n, d, "free_on", &options) {
            Some(e) if out.iter().any(|x| x == e) => {
                d.at(n, format!("`{e}` is listed twice in `free_on`: expected each event once"));
                ok = false;
            }
            Some(e) => out.push(e.to_string()),
            None => ok = false,
        }
    }
    ok.then_some(out)
}

fn read_exclusions(node: &Node, d: &mut Diags<'_>) -> Option<(Vec<String>, Vec<String>)> {
    let mut r = table(node, d, "`exclusions`")?;
    let services = match r.get("services") {
        Some(n) => services(n, d, "services"),
        None => Some(Vec::new()),
    };
    let procedures = r_strings(r.get("procedures"), d, "procedures");
    r.finish(d);
    Some((services?, procedures?))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    const CLAIMS_MADE: &str = r#"[policy]
number = "P-1"
carrier = "Test Mutual"
market = "admitted"
financial_strength = "A"
state = "PA"
form = "claims_made"
effective = 2026-01-01
expires = 2027-01-01
limits = "1M/3M"

[[insureds]]
name = "Dr. A"
retro_date = 2020-01-01

[features]
consent_to_settle = "full"
defense = "outside_limits"
licensing_board_defense = 25000
deposition_representation = false
cyber = false
telehealth_states = []
contractors_covered = false
general_liability = false

[tail]
offered = true
"#;

    fn errors(text: &str) -> Vec<String> {
        match parse_policy(&SourceFile::new("p.toml", text)) {
            Ok(_) => Vec::new(),
            Err(d) => d.iter().map(ToString::to_string).collect(),
        }
    }

    #[test]
    fn minimal_claims_made_policy_reads() {
        let p = parse_policy(&SourceFile::new("p.toml", CLAIMS_MADE)).unwrap();
        assert_eq!(p.insureds[0].retro_date, medmal_text::parse_date("2020-01-01"));
        assert_eq!(p.features.licensing_board_defense, Some(Decimal::from(25000)));
        assert!(p.features.cyber.is_none() && p.entity.is_none() && p.locum.is_none());
        assert!(p.tail.offered && p.tail.free.is_none());
    }

    #[test]
    fn claims_made_insured_needs_a_retro_date() {
        let e = errors(&CLAIMS_MADE.replace("retro_date = 2020-01-01\n", ""));
        assert_eq!(
            e,
            vec![
                "p.toml:12:1: missing key `retro_date` for Dr. A: expected the insured's retroactive date (YYYY-MM-DD); a claims-made policy covers no care before it"
            ]
        );
    }

    #[test]
    fn occurrence_policy_takes_no_retro_date_and_no_tail() {
        let e = errors(&CLAIMS_MADE.replace("\"claims_made\"", "\"occurrence\""));
        assert_eq!(e.len(), 2, "{e:?}");
        assert!(e[0].starts_with("p.toml:14:14: `retro_date` applies to claims-made policies only"), "{e:?}");
        assert!(e[1].starts_with("p.toml:26:1: `[tail]` applies to claims-made policies only"), "{e:?}");
    }

    #[test]
    fn every_feature_must_be_stated() {
        let e = errors(&CLAIMS_MADE.replace("cyber = false\n", "").replace("general_liability = false\n", ""));
        assert_eq!(e.len(), 2, "{e:?}");
        assert!(e.iter().all(|m| m.starts_with("p.toml:16:1: missing key `")), "{e:?}");
        assert!(e.iter().any(|m| m.contains("`cyber`: expected the cyber / medical-records sublimit")), "{e:?}");
    }

    #[test]
    fn term_must_run_forward_and_names_are_distinct() {
        let text = CLAIMS_MADE
            .replace("expires = 2027-01-01", "expires = 2025-01-01")
            .replace("[features]", "[[insureds]]\nname = \"dr. a\"\nretro_date = 2021-01-01\n\n[features]");
        let e = errors(&text);
        assert!(e.iter().any(|m| m.starts_with("p.toml:9:11: the policy expires 2025-01-01")), "{e:?}");
        assert!(e.iter().any(|m| m.starts_with("p.toml:17:8: duplicate insured `dr. a` (first at 13:8)")), "{e:?}");
    }

    #[test]
    fn unknown_keys_and_wrong_values_are_reported_together() {
        let text = CLAIMS_MADE
            .replace("market = \"admitted\"", "market = \"offshore\"")
            .replace("defense = \"outside_limits\"", "defense = \"outside_limits\"\ndefence = 1");
        let e = errors(&text);
        assert!(e.iter().any(|m| m.starts_with("p.toml:4:10: unknown market `offshore`")), "{e:?}");
        assert!(e.iter().any(|m| m.starts_with("p.toml:19:1: unknown key `defence`")), "{e:?}");
    }

    #[test]
    fn truncated_or_mangled_files_are_reported_never_panic() {
        let full = format!(
            "{CLAIMS_MADE}\n[entity]\nname = \"E\"\nlimits = \"shared\"\n[midlevels]\nblanket = [\"NP\"]\n[locum]\nfree_days = 30\n[exclusions]\nservices = [\"aesthetics\"]\n"
        );
        for (i, _) in full.char_indices() {
            let _ = parse_policy(&SourceFile::new("p.toml", &full[..i]));
        }
        let lines: Vec<&str> = full.lines().collect();
        for i in 0..lines.len() {
            for junk in ["x = [", "= 1", "[[policy]]", "retro_date = \"soon\"", "free_on = 7", "insured = \"yes\""] {
                let mut l = lines.clone();
                l[i] = junk;
                let text = l.join("\n");
                assert!(parse_policy(&SourceFile::new("p.toml", text.as_str())).is_err(), "{text}");
            }
        }
    }

    #[test]
    fn json_policy_names_field_paths() {
        let e = match parse_policy(&SourceFile::new("p.json", r#"{"policy": {"number": 7}}"#)) {
            Ok(_) => panic!("parsed"),
            Err(d) => d.iter().map(ToString::to_string).collect::<Vec<_>>(),
        };
        assert!(e.iter().any(|m| m.starts_with("p.json: at policy.number: expected a string")), "{e:?}");
    }
}
