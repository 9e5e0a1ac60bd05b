//! `[underwriting]`: schedule-rating selections and the group's loss history.

use jiff::civil::Date;
use medmal_core::practice::{GroupLoss, Underwriting};
use medmal_text::{ArrayReader, Diags, Node, NodeKind, as_decimal};
use rust_decimal::Decimal;

use crate::read::{money, past_date, shorten, table};

pub(crate) fn read(node: &Node, d: &mut Diags<'_>, effective: Option<Date>) -> Option<Underwriting> {
    let mut r = table(node, d, "`underwriting`")?;
    let schedule = match r.get("schedule") {
        Some(n) => read_schedule(n, d),
        None => Some(Vec::new()),
    };
    let group_losses = match r.get("group_losses") {
        Some(n) => read_losses(n, d, effective).map(Some),
        None => Some(None),
    };
    r.finish(d);
    Some(Underwriting { schedule: schedule?, group_losses: group_losses? })
}

/// Item id → signed adjustment, each strictly between −1 and 1, in source order.
fn read_schedule(node: &Node, d: &mut Diags<'_>) -> Option<Vec<(String, Decimal)>> {
    let mut r = table(node, d, "`schedule`")?;
    let mut out = Vec::new();
    let mut ok = true;
    for entry in r.rest() {
        let id = entry.key.trim();
        if id.is_empty() {
            d.at(
                &Node::key_node(entry),
                "empty schedule item id: expected an item id of the manual, such as \"practice_management\"",
            );
            ok = false;
            continue;
        }
        match as_decimal(&entry.value, d) {
            Some(v) if v > -Decimal::ONE && v < Decimal::ONE => out.push((id.to_string(), v)),
            Some(v) => {
                d.at(
                    &entry.value,
                    format!("schedule item `{}` is {v}: expected a signed fraction between -1 and 1, such as -0.05 for a 5% credit", shorten(id)),
                );
                ok = false;
            }
            None => ok = false,
        }
    }
    r.finish(d);
    ok.then_some(out)
}

/// Group losses; an empty list is a claims-free group.
fn read_losses(node: &Node, d: &mut Diags<'_>, effective: Option<Date>) -> Option<Vec<GroupLoss>> {
    let items = ArrayReader::new(node, d, "group_losses").items;
    if !matches!(node.kind, NodeKind::Array(_)) {
        return None;
    }
    let mut out = Vec::new();
    let mut ok = true;
    for item in items {
        let Some(mut r) = table(item, d, "a group loss ({ reported, paid })") else {
            ok = false;
            continue;
        };
        let reported = r
            .require(d, "reported", "the date the loss was reported (YYYY-MM-DD)")
            .and_then(|n| past_date(n, d, "reported", effective));
        let paid = r.require(d, "paid", "the amount paid in dollars").and_then(|n| money(n, d, "paid"));
        r.finish(d);
        match (reported, paid) {
            (Some(reported), Some(paid)) => out.push(GroupLoss { reported, paid }),
            _ => ok = false,
        }
    }
    ok.then_some(out)
}
