//! `[coverage]`: the policy asked for.

use jiff::civil::Date;
use medmal_core::manual::{Deductible, DeductibleBasis, DeductibleKind, Limits, PolicyForm};
use medmal_core::practice::{CoverageRequest, EntityLimits, Transaction};
use medmal_text::{Diags, Node, NodeKind, TableReader, as_decimal};
use rust_decimal::Decimal;

use crate::read::{choice, req_choice, shorten, table, text};
use medmal_core::limits::parse_limits;

pub(crate) const FORMS: [(&str, PolicyForm); 2] =
    [("claims_made", PolicyForm::ClaimsMade), ("occurrence", PolicyForm::Occurrence)];

const TRANSACTIONS: [(&str, Transaction); 2] = [("new", Transaction::New), ("renewal", Transaction::Renewal)];

pub(crate) const ENTITY_LIMITS: [(&str, EntityLimits); 2] =
    [("shared", EntityLimits::Shared), ("separate", EntityLimits::Separate)];

const KINDS: [(&str, DeductibleKind); 2] =
    [("indemnity", DeductibleKind::Indemnity), ("indemnity_expense", DeductibleKind::IndemnityAndExpense)];

const BASES: [(&str, DeductibleBasis); 2] =
    [("per_claim", DeductibleBasis::PerClaim), ("aggregate", DeductibleBasis::Aggregate)];

/// The coverage request, and its effective date on its own (other sections check dates
/// against it even when something else in `[coverage]` is wrong).
pub(crate) fn read(node: &Node, d: &mut Diags<'_>, entity_insured: bool) -> (Option<CoverageRequest>, Option<Date>) {
    let Some(mut r) = table(node, d, "`coverage`") else {
        return (None, None);
    };
    let effective = r.req_date(d, "effective", "the policy's effective date (YYYY-MM-DD)");
    let transaction = req_choice(&mut r, d, "transaction", &TRANSACTIONS);
    let form = req_choice(&mut r, d, "form", &FORMS);
    let limits = r
        .require(d, "limits", "limits such as \"1M/3M\" or { per_claim = 1000000, aggregate = 3000000 }")
        .and_then(|n| read_limits(n, d));
    let deductible = match r.get("deductible") {
        Some(n) => read_deductible(n, d).map(Some),
        None => Some(None),
    };
    let entity_limits = if entity_insured {
        let expected = "\"shared\" or \"separate\" because the entity is insured ([entity] insure = true)";
        r.require(d, "entity_limits", expected).and_then(|n| choice(n, d, "entity_limits", &ENTITY_LIMITS))
    } else {
        match r.get("entity_limits") {
            Some(n) => choice(n, d, "entity_limits", &ENTITY_LIMITS),
            None => Some(EntityLimits::Shared),
        }
    };
    let tail_length = match r.get("tail_length") {
        Some(n) => text(n, d, "tail_length", "a tail length offered by the manual, such as \"unlimited\"").map(Some),
        None => Some(None),
    };
    r.finish(d);
    let request = (|| {
        Some(CoverageRequest {
            effective: effective?,
            transaction: transaction?,
            form: form?,
            limits: limits?,
            deductible: deductible?,
            entity_limits: entity_limits?,
            tail_length: tail_length?,
        })
    })();
    (request, effective)
}

/// Limits as `"1M/3M"` or `{ per_claim = 1000000, aggregate = 3000000 }`.
pub(crate) fn read_limits(node: &Node, d: &mut Diags<'_>) -> Option<Limits> {
    let limits = match &node.kind {
        NodeKind::Str(s) => match parse_limits(s) {
            Some(l) => l,
            None => {
                d.at(
                    node,
                    format!(
                        "`{}` is not a limits amount: expected per-claim/aggregate such as \"1M/3M\", \"500K/1.5M\" or \"1000000/3000000\"",
                        shorten(s)
                    ),
                );
                return None;
            }
        },
        NodeKind::Table(_) => {
            let mut r = TableReader::new(node, d, "`limits`");
            let per_claim =
                r.require(d, "per_claim", "the per-claim limit in dollars").and_then(|n| positive(n, d, "per_claim"));
            let aggregate =
                r.require(d, "aggregate", "the aggregate limit in dollars").and_then(|n| positive(n, d, "aggregate"));
            r.finish(d);
            Limits { per_claim: per_claim?, aggregate: aggregate? }
        }
        _ => {
            d.at(
                node,
                format!(
                    "`limits` is {}: expected a string such as \"1M/3M\" or a table {{ per_claim, aggregate }}",
                    node.type_name()
                ),
            );
            return None;
        }
    };
    if limits.aggregate < limits.per_claim {
        d.at(
            node,
            format!(
                "limits {} have an aggregate below the per-claim limit: expected aggregate ≥ per claim",
                limits.label()
            ),
        );
        return None;
    }
    Some(limits)
}

/// An amount > 0, normalized so `1000000.00` and `1000000` are the same limit.
fn positive(node: &Node, d: &mut Diags<'_>, key: &str) -> Option<Decimal> {
    let v = as_decimal(node, d)?;
    if v <= Decimal::ZERO {
        d.at(node, format!("`{key}` is {v}: expected an amount greater than 0"));
        return None;
    }
    Some(v.normalize())
}

pub(crate) fn read_deductible(node: &Node, d: &mut Diags<'_>) -> Option<Deductible> {
    let mut r = table(node, d, "`deductible`")?;
    let amount =
        r.require(d, "amount", "the deductible in dollars, such as 5000").and_then(|n| positive(n, d, "amount"));
    let kind = req_choice(&mut r, d, "type", &KINDS);
    let basis = req_choice(&mut r, d, "basis", &BASES);
    r.finish(d);
    Some(Deductible { amount: amount?, kind: kind?, basis: basis? })
}
