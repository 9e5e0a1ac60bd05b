//! `[features]` (what the policy form covers) and `[carrier]` (who stands behind it).

use medmal_core::manual::{CarrierFacts, CarrierMarket, ConsentToSettle, DefenseCosts, PolicyFeatures};
use medmal_text::{Diags, Node, TableReader, as_str};

use crate::lower::amount;

/// A sublimit: an amount, or `false` for "not covered".
fn sublimit(t: &mut TableReader<'_>, d: &mut Diags<'_>, key: &'static str) -> Option<rust_decimal::Decimal> {
    let n = t.get(key)?;
    if let medmal_text::NodeKind::Bool(false) = n.kind {
        return None;
    }
    let v = amount(n, d, key)?;
    (!v.is_zero()).then_some(v)
}

fn choice<T: Copy>(n: &Node, d: &mut Diags<'_>, options: &[(&str, T)]) -> Option<T> {
    let s = as_str(n, d)?;
    let found = options.iter().find(|(k, _)| *k == s).map(|(_, v)| *v);
    if found.is_none() {
        let names: Vec<&str> = options.iter().map(|(k, _)| *k).collect();
        d.at(n, format!("unknown value `{s}`: expected one of {}", names.join(", ")));
    }
    found
}

pub(crate) fn features(n: &Node, d: &mut Diags<'_>) -> Option<PolicyFeatures> {
    let mut t = TableReader::new(n, d, "[features]");
    let consent = t.require(d, "consent_to_settle", "full, hammer or none").and_then(|n| {
        choice(
            n,
            d,
            &[("full", ConsentToSettle::Full), ("hammer", ConsentToSettle::Hammer), ("none", ConsentToSettle::None)],
        )
    });
    let defense = t.require(d, "defense", "outside_limits or inside_limits").and_then(|n| {
        choice(n, d, &[("outside_limits", DefenseCosts::OutsideLimits), ("inside_limits", DefenseCosts::InsideLimits)])
    });
    let licensing_board_defense = sublimit(&mut t, d, "licensing_board_defense");
    let deposition_representation = sublimit(&mut t, d, "deposition_representation");
    let cyber = sublimit(&mut t, d, "cyber");
    let telehealth_states: Vec<String> =
        t.strings(d, "telehealth_states").into_iter().map(|s| s.to_uppercase()).collect();
    for s in &telehealth_states {
        if s != "*" && (s.len() != 2 || !s.chars().all(|c| c.is_ascii_alphabetic())) {
            d.at(n, format!("telehealth state `{s}` is not a two-letter state code or \"*\""));
        }
    }
    let contractors_covered = t.bool(d, "contractors_covered").unwrap_or(false);
    let general_liability = t.bool(d, "general_liability").unwrap_or(false);
    let risk_management_services = t.strings(d, "risk_management_services");
    let covered_services = t.strings(d, "covered_services");
    t.finish(d);
    Some(PolicyFeatures {
        consent_to_settle: consent?,
        defense: defense?,
        licensing_board_defense,
        deposition_representation,
        cyber,
        telehealth_states,
        contractors_covered,
        general_liability,
        risk_management_services,
        covered_services,
    })
}

pub(crate) fn carrier(n: &Node, d: &mut Diags<'_>) -> Option<CarrierFacts> {
    let mut t = TableReader::new(n, d, "[carrier]");
    let financial_strength =
        t.req_str(d, "financial_strength", "the published financial-strength rating, e.g. \"A- (Excellent)\"");
    let market = t.require(d, "market", "admitted, surplus_lines or risk_retention_group").and_then(|n| {
        choice(
            n,
            d,
            &[
                ("admitted", CarrierMarket::Admitted),
                ("surplus_lines", CarrierMarket::SurplusLines),
                ("risk_retention_group", CarrierMarket::RiskRetentionGroup),
            ],
        )
    });
    t.finish(d);
    Some(CarrierFacts { financial_strength: financial_strength?, market: market? })
}
