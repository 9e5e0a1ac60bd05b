//! `manual.toml` tree → [`Manual`]: the plan sections (meta, classes, specialties, mid-levels,
//! territories, base rates). Factor sections live in `steps.rs`; cross-reference checks in
//! `checks.rs`.

use std::collections::BTreeMap;

use medmal_core::Manual;
use medmal_core::manual::{
    Limits, ManualMeta, MidLevelMethod, MidLevelRule, PolicyForm, RatingClass, SpecialtyMapping, Territories, Territory,
};
use medmal_core::money::{Money, Rounding, RoundingMode};
use medmal_text::{Diagnostic, Diags, Node, NodeKind, SourceFile, TableReader, as_decimal, as_str};
use rust_decimal::Decimal;

use crate::MetaPositions;
use crate::{checks, steps, tables};

/// `1M/3M`-style limits (see [`medmal_core::limits::parse_limits`]) whose aggregate is at
/// least the per-claim limit.
fn parse_limits(text: &str) -> Option<Limits> {
    medmal_core::limits::parse_limits(text).filter(|l| l.aggregate >= l.per_claim)
}

/// Read limits written as `"1M/3M"` or `{ per_claim = …, aggregate = … }`.
pub(crate) fn limits_at(node: &Node, d: &mut Diags<'_>) -> Option<Limits> {
    match &node.kind {
        NodeKind::Str(s) => {
            let l = parse_limits(s);
            if l.is_none() {
                d.at(node, format!("`{s}` is not a limits pair: expected per-claim/aggregate like \"1M/3M\" with aggregate ≥ per-claim"));
            }
            l
        }
        _ => {
            let mut t = TableReader::new(node, d, "limits");
            let per_claim = t.req_decimal(d, "per_claim", "the per-claim limit");
            let aggregate = t.req_decimal(d, "aggregate", "the aggregate limit");
            t.finish(d);
            let (per_claim, aggregate) = (per_claim?, aggregate?);
            if per_claim <= Decimal::ZERO || aggregate < per_claim {
                d.at(node, "expected 0 < per_claim ≤ aggregate");
                return None;
            }
            Some(Limits { per_claim, aggregate })
        }
    }
}

pub(crate) fn rounding_at(node: &Node, d: &mut Diags<'_>) -> Option<Rounding> {
    let mut t = TableReader::new(node, d, "a rounding rule");
    let unit = t.require(d, "unit", "the rounding unit, e.g. \"1\" or \"0.01\"").and_then(|n| {
        let u = as_decimal(n, d)?;
        if u <= Decimal::ZERO {
            d.at(n, "rounding unit must be positive, e.g. 1 or 0.01");
            return None;
        }
        Some(u)
    });
    let mode = t.get("mode").map_or(Some(RoundingMode::HalfUp), |n| {
        let s = as_str(n, d)?;
        let m = RoundingMode::parse(&s);
        if m.is_none() {
            d.at(n, format!("unknown rounding mode `{s}`: expected half_up, half_even, down or up"));
        }
        m
    });
    t.finish(d);
    Some(Rounding { unit: unit?, mode: mode? })
}

/// The largest amount or factor a manual may state. Keeping inputs far inside the decimal
/// range means no rating chain of realistic length can overflow.
pub(crate) const MAX_VALUE: Decimal = Decimal::from_parts(1_000_000_000, 0, 0, false, 0);

/// A decimal that must be > 0.
pub(crate) fn positive(node: &Node, d: &mut Diags<'_>, what: &str) -> Option<Decimal> {
    let v = as_decimal(node, d)?;
    if v <= Decimal::ZERO || v > MAX_VALUE {
        d.at(node, format!("{what} must be positive and at most 1,000,000,000, found {v}"));
        return None;
    }
    Some(v)
}

/// A credit fraction in [0, 1).
pub(crate) fn credit(node: &Node, d: &mut Diags<'_>, what: &str) -> Option<Decimal> {
    let v = as_decimal(node, d)?;
    if v < Decimal::ZERO || v >= Decimal::ONE {
        d.at(node, format!("{what} must be a fraction from 0 to below 1 (0.05 = 5%), found {v}"));
        return None;
    }
    Some(v)
}

/// A signed adjustment: −0.25 is a 25% credit; it must leave a positive factor.
pub(crate) fn adjustment(node: &Node, d: &mut Diags<'_>) -> Option<Decimal> {
    let v = as_decimal(node, d)?;
    if v <= -Decimal::ONE || v > Decimal::from(5) {
        d.at(node, format!("adjustment must be above −1 (a 100% credit) and at most 5, found {v}"));
        return None;
    }
    Some(v)
}

/// Money ≥ 0.
pub(crate) fn amount(node: &Node, d: &mut Diags<'_>, what: &str) -> Option<Money> {
    let v = as_decimal(node, d)?;
    if v < Decimal::ZERO || v > MAX_VALUE {
        d.at(node, format!("{what} must be from 0 to 1,000,000,000, found {v}"));
        return None;
    }
    Some(v)
}

pub(crate) fn lower(
    main: &SourceFile,
    root: &Node,
    read_table: &dyn Fn(&str) -> Result<SourceFile, String>,
) -> Result<(Manual, MetaPositions), Vec<Diagnostic>> {
    let mut d = Diags::new(main);
    let mut extra: Vec<Diagnostic> = Vec::new();
    let mut top = TableReader::new(root, &mut d, "the manual");

    let (meta, positions, mirror, step_rounding) =
        match top.require(&mut d, "manual", "a [manual] table with carrier, state, version and dates") {
            Some(n) => meta(n, &mut d),
            None => (None, MetaPositions::default(), false, None),
        };

    let classes = top.array(&mut d, "classes").into_iter().filter_map(|n| class(n, &mut d)).collect::<Vec<_>>();
    if classes.is_empty() {
        d.at(root, "the manual defines no rating classes: add [[classes]] entries");
    }
    let specialties =
        top.array(&mut d, "specialties").into_iter().filter_map(|n| specialty(n, &mut d)).collect::<Vec<_>>();
    let midlevels = top.array(&mut d, "midlevels").into_iter().filter_map(|n| midlevel(n, &mut d)).collect::<Vec<_>>();
    let territories = match top.require(&mut d, "territories", "a [territories] table") {
        Some(n) => territories(n, &mut d, &mut extra, read_table),
        None => None,
    };
    let base_rates =
        match top.require(&mut d, "base_rates", "base rates: a CSV file name or a table of class → territory → rate")
        {
            Some(n) => base_rates(n, &mut d, &mut extra, read_table),
            None => None,
        };

    let factors = steps::factors(&mut top, &mut d);
    top.get("sources");
    top.finish(&mut d);

    let (Some(meta), Some(territories), Some(base_rates), Some(factors)) = (meta, territories, base_rates, factors)
    else {
        let mut all = d.list;
        all.append(&mut extra);
        all.sort();
        all.dedup();
        return Err(all);
    };
    let manual = Manual {
        meta,
        classes,
        specialties,
        osteopathic_mirror: mirror,
        midlevels,
        territories,
        base_rates,
        form: factors.form,
        limits: factors.limits,
        deductibles: factors.deductibles,
        modifiers: factors.modifiers,
        modifier_groups: factors.groups,
        schedule: factors.schedule,
        experience: factors.experience,
        locum: factors.locum,
        entity: factors.entity,
        surcharges: factors.surcharges,
        tail: factors.tail,
        eligibility: factors.eligibility,
        features: factors.features,
        carrier: factors.carrier,
        step_rounding,
        provider_steps: factors.provider_steps,
        policy_steps: factors.policy_steps,
    };
    checks::check(&manual, root, &mut d);
    let mut all = d.list;
    all.append(&mut extra);
    if all.is_empty() {
        Ok((manual, positions))
    } else {
        all.sort();
        all.dedup();
        Err(all)
    }
}

type Meta = (Option<ManualMeta>, MetaPositions, bool, Option<Rounding>);

fn meta(node: &Node, d: &mut Diags<'_>) -> Meta {
    let mut t = TableReader::new(node, d, "[manual]");
    let pos = |n: Option<&Node>, d: &Diags<'_>| n.and_then(|n| n.span.as_ref()).map(|s| d.source().line_col(s.start));
    let carrier = t.req_str(d, "carrier", "a carrier id such as \"keystone-mutual\"");
    let carrier_name = t.req_str(d, "carrier_name", "the carrier's name");
    let state = t.req_str(d, "state", "a two-letter state code").map(|s| s.to_uppercase());
    let version = t.req_str(d, "version", "a version label such as \"2026.1\"");
    let new_node = t.require(d, "effective_new", "the first date new business is rated with this version");
    let effective_new = new_node.and_then(|n| medmal_text::as_date(n, d));
    let renewal_node = t.get("effective_renewal");
    let effective_renewal = renewal_node.map_or(effective_new, |n| medmal_text::as_date(n, d));
    let expires_node = t.get("expires");
    let expires = expires_node.and_then(|n| medmal_text::as_date(n, d));
    let base_limits = t
        .require(d, "base_limits", "the limits base rates are quoted at, e.g. \"1M/3M\"")
        .and_then(|n| limits_at(n, d));
    let base_form = t.require(d, "base_form", "claims_made or occurrence").and_then(|n| form_at(n, d));
    let mirror = t.bool(d, "osteopathic_mirror").unwrap_or(true);
    let step_rounding = t.get("step_rounding").and_then(|n| rounding_at(n, d));
    t.get("notes");
    if let (Some(e), Some(x)) = (effective_new, expires)
        && x <= e
        && let Some(n) = expires_node
    {
        d.at(n, format!("expires {x} is not after effective_new {e}"));
    }
    let positions = MetaPositions {
        effective_new: pos(new_node, d),
        effective_renewal: pos(renewal_node.or(new_node), d),
        expires: pos(expires_node, d),
        manual: pos(Some(node), d),
    };
    t.finish(d);
    let meta = (|| {
        Some(ManualMeta {
            carrier: carrier?,
            carrier_name: carrier_name?,
            state: state?,
            version: version?,
            effective_new: effective_new?,
            effective_renewal: effective_renewal?,
            expires,
            base_limits: base_limits?,
            base_form: base_form?,
        })
    })();
    (meta, positions, mirror, step_rounding)
}

pub(crate) fn form_at(node: &Node, d: &mut Diags<'_>) -> Option<PolicyForm> {
    let s = as_str(node, d)?;
    match s.as_str() {
        "claims_made" => Some(PolicyForm::ClaimsMade),
        "occurrence" => Some(PolicyForm::Occurrence),
        _ => {
            d.at(node, format!("unknown policy form `{s}`: expected claims_made or occurrence"));
            None
        }
    }
}

fn class(node: &Node, d: &mut Diags<'_>) -> Option<RatingClass> {
    let mut t = TableReader::new(node, d, "a class");
    let id = t.req_str(d, "id", "the class id");
    let name = t.str(d, "name").unwrap_or_default();
    t.finish(d);
    Some(RatingClass { id: id?, name })
}

fn specialty(node: &Node, d: &mut Diags<'_>) -> Option<SpecialtyMapping> {
    let mut t = TableReader::new(node, d, "a specialty");
    let code_node = t.require(d, "code", "a 5-digit ISO specialty code");
    let code = code_node.and_then(|n| as_str(n, d));
    if let (Some(c), Some(n)) = (&code, code_node)
        && (c.len() != 5 || !c.chars().all(|ch| ch.is_ascii_digit()))
    {
        d.at(n, format!("specialty code `{c}` is not a 5-digit ISO code such as \"80420\""));
    }
    let name = t.str(d, "name").unwrap_or_default();
    let any = t.str(d, "any");
    let none = t.str(d, "none");
    let minor = t.str(d, "minor");
    let major = t.str(d, "major");
    if any.is_none() && none.is_none() && minor.is_none() && major.is_none() {
        d.at(node, "a specialty needs a class: set `any`, or one of `none`, `minor`, `major` (surgery levels)");
    }
    t.finish(d);
    Some(SpecialtyMapping { code: code?, name, any, none, minor, major })
}

fn midlevel(node: &Node, d: &mut Diags<'_>) -> Option<MidLevelRule> {
    let mut t = TableReader::new(node, d, "a mid-level rule");
    let role = t.req_str(d, "role", "the provider type, e.g. \"NP\"").map(|r| r.to_uppercase());
    let name = t.str(d, "name").unwrap_or_default();
    let method = t.req_str(d, "method", "percent_of_class, own_class or flat");
    let class = t.str(d, "class");
    let shared = t.get("shared").and_then(|n| as_decimal(n, d).map(|v| (v, n)));
    let separate = t.get("separate").and_then(|n| as_decimal(n, d).map(|v| (v, n)));
    let method = match method.as_deref() {
        Some("percent_of_class") => {
            for (v, n) in [shared, separate].iter().flatten() {
                if *v <= Decimal::ZERO || *v > Decimal::from(3) {
                    d.at(n, format!("percent of class must be a fraction above 0 (0.25 = 25%), found {v}"));
                }
            }
            if class.is_none() {
                d.at(node, "method percent_of_class needs `class`: the physician class the percent applies to");
            }
            class.map(|class| MidLevelMethod::PercentOfClass {
                class,
                shared: shared.map(|s| s.0),
                separate: separate.map(|s| s.0),
            })
        }
        Some("own_class") => {
            if class.is_none() {
                d.at(node, "method own_class needs `class`");
            }
            class.map(|class| MidLevelMethod::OwnClass { class })
        }
        Some("flat") => {
            for (v, n) in [shared, separate].iter().flatten() {
                if *v < Decimal::ZERO {
                    d.at(n, format!("flat charge must not be negative, found {v}"));
                }
            }
            Some(MidLevelMethod::Flat { shared: shared.map(|s| s.0), separate: separate.map(|s| s.0) })
        }
        Some(other) => {
            d.at(node, format!("unknown mid-level method `{other}`: expected percent_of_class, own_class or flat"));
            None
        }
        None => None,
    };
    if let Some(
        MidLevelMethod::PercentOfClass { shared: None, separate: None, .. }
        | MidLevelMethod::Flat { shared: None, separate: None },
    ) = method
    {
        d.at(node, "give `shared` and/or `separate`: the charge with shared or separate limits");
    }
    t.finish(d);
    Some(MidLevelRule { role: role?, name, method: method? })
}

fn territories(
    node: &Node,
    d: &mut Diags<'_>,
    extra: &mut Vec<Diagnostic>,
    read_table: &dyn Fn(&str) -> Result<SourceFile, String>,
) -> Option<Territories> {
    let mut t = TableReader::new(node, d, "[territories]");
    let default = t.str(d, "default");
    let mut list = Vec::new();
    if let Some(names) = t.require(d, "names", "a table of territory id → name") {
        let mut nt = TableReader::new(names, d, "[territories.names]");
        for e in nt.rest() {
            let name = as_str(&e.value, d).unwrap_or_default();
            list.push(Territory { id: e.key.clone(), name });
        }
        nt.finish(d);
    }
    let mut counties = BTreeMap::new();
    match t.require(d, "counties", "a CSV file name (county,territory) or a table of county → territory") {
        Some(n) if matches!(n.kind, NodeKind::Str(_)) => {
            let file = as_str(n, d).unwrap_or_default();
            match read_table(&file) {
                Ok(src) => {
                    let ids: Vec<&str> = list.iter().map(|t: &Territory| t.id.as_str()).collect();
                    counties = tables::counties(&src, &ids, extra);
                }
                Err(e) => d.at(n, e),
            }
        }
        Some(n) => {
            let mut ct = TableReader::new(n, d, "[territories.counties]");
            for e in ct.rest() {
                if let Some(terr) = as_str(&e.value, d) {
                    if counties.keys().any(|k: &String| k.eq_ignore_ascii_case(&e.key)) {
                        d.at(&Node::key_node(e), format!("county `{}` is listed twice", e.key));
                    }
                    counties.insert(e.key.clone(), terr);
                }
            }
            ct.finish(d);
        }
        None => {}
    }
    for (county, terr) in &counties {
        if !list.iter().any(|x| &x.id == terr) {
            d.at(node, format!("county `{county}` maps to territory `{terr}`, which is not in [territories.names]"));
        }
    }
    if let Some(def) = &default
        && !list.iter().any(|x| &x.id == def)
    {
        d.at(node, format!("default territory `{def}` is not in [territories.names]"));
    }
    t.finish(d);
    Some(Territories { list, counties, default })
}

fn base_rates(
    node: &Node,
    d: &mut Diags<'_>,
    extra: &mut Vec<Diagnostic>,
    read_table: &dyn Fn(&str) -> Result<SourceFile, String>,
) -> Option<BTreeMap<(String, String), Money>> {
    if let NodeKind::Str(file) = &node.kind {
        return match read_table(file) {
            Ok(src) => Some(tables::base_rates(&src, extra)),
            Err(e) => {
                d.at(node, e);
                None
            }
        };
    }
    let mut out = BTreeMap::new();
    let mut t = TableReader::new(node, d, "[base_rates]");
    for e in t.rest() {
        let mut row = TableReader::new(&e.value, d, "a class's base rates by territory");
        for cell in row.rest() {
            if let Some(v) = positive(&cell.value, d, "base rate") {
                out.insert((e.key.clone(), cell.key.clone()), v);
            }
        }
        row.finish(d);
    }
    t.finish(d);
    Some(out)
}
