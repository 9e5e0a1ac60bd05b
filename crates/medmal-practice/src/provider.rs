//! `[[providers]]`: each physician or mid-level provider, their history and prior coverage.

use jiff::civil::Date;
use medmal_core::manual::{DisciplinaryAction, SurgeryLevel};
use medmal_core::practice::{
    Claim, CountyShare, DisciplinaryEvent, PriorCoverage, Provider, ResidentStatus, Role, TailPayer,
};
use medmal_text::{ArrayReader, Diags, Node, NodeKind, TableReader, as_bool, as_date, as_str, as_u32};
use rust_decimal::Decimal;

use crate::coverage::FORMS;
use crate::read::{choice, decimal_in, money, past_date, place, req_choice, req_text, shorten, table, text, whole_in};

const SURGERY: [(&str, SurgeryLevel); 3] =
    [("none", SurgeryLevel::None), ("minor", SurgeryLevel::Minor), ("major", SurgeryLevel::Major)];

const TAIL_PAYER: [(&str, TailPayer); 2] = [("practice", TailPayer::Practice), ("provider", TailPayer::Provider)];

const RESIDENT: [(&str, ResidentStatus); 2] =
    [("resident", ResidentStatus::Resident), ("moonlighting", ResidentStatus::Moonlighting)];

/// All providers: at least one, with distinct names.
pub(crate) fn read_all(r: &mut TableReader<'_>, d: &mut Diags<'_>, effective: Option<Date>) -> Option<Vec<Provider>> {
    let node = r.require(d, "providers", "at least one [[providers]] table")?;
    let items = ArrayReader::new(node, d, "providers").items;
    if items.is_empty() {
        if matches!(node.kind, NodeKind::Array(_)) {
            d.at(node, "`providers` is empty: expected at least one provider");
        }
        return None;
    }
    let mut out = Vec::new();
    let mut ok = true;
    for item in items {
        match read_one(item, d, effective) {
            Some(p) => out.push(p),
            None => ok = false,
        }
    }
    ok &= distinct_names(items, d);
    ok.then_some(out)
}

/// Report every provider whose name repeats an earlier one (ignoring case and spaces).
fn distinct_names(items: &[Node], d: &mut Diags<'_>) -> bool {
    let mut seen: Vec<(String, &Node)> = Vec::new();
    let mut ok = true;
    for item in items {
        let NodeKind::Table(entries) = &item.kind else {
            continue;
        };
        let Some(entry) = entries.iter().find(|e| e.key == "name") else {
            continue;
        };
        let NodeKind::Str(name) = &entry.value.kind else {
            continue;
        };
        let key = name.trim().to_lowercase();
        if key.is_empty() {
            continue;
        }
        if let Some((_, first)) = seen.iter().find(|(k, _)| *k == key) {
            let first = place(d, first);
            d.at(
                &entry.value,
                format!(
                    "duplicate provider name `{}` (first at {first}): expected each provider's name once",
                    shorten(name.trim())
                ),
            );
            ok = false;
        } else {
            seen.push((key, &entry.value));
        }
    }
    ok
}

fn read_one(node: &Node, d: &mut Diags<'_>, effective: Option<Date>) -> Option<Provider> {
    let mut r = table(node, d, "a provider ([[providers]])")?;
    let name = req_text(&mut r, d, "name", "the provider's name");
    let role = read_role(&mut r, d);
    let practice_split = match r.get("practice") {
        Some(n) => read_split(n, d),
        None => Some(Vec::new()),
    };
    let hours_per_week = opt(r.get("hours_per_week"), |n| {
        decimal_in(n, d, "hours_per_week", (Decimal::ZERO, false), Decimal::ONE_HUNDRED)
    });
    let years_since_training = opt(r.get("years_since_training"), |n| whole_in(n, d, "years_since_training", 0, 70));
    let board_certified = flag(r.get("board_certified"), d, false);
    let society_member = flag(r.get("society_member"), d, false);
    let risk_management_course = opt(r.get("risk_management_course"), |n| as_date(n, d));
    let claims = r.array(d, "claims").into_iter().map(|n| read_claim(n, d, effective)).collect::<Vec<_>>();
    let disciplinary = r.array(d, "disciplinary").into_iter().map(|n| read_action(n, d, effective)).collect::<Vec<_>>();
    let prior_coverage = opt(r.get("prior_coverage"), |n| read_prior(n, d));
    let locum_days = count(r.get("locum_days"), |n| whole_in(n, d, "locum_days", 0, 366));
    let resident = opt(r.get("resident"), |n| choice(n, d, "resident", &RESIDENT));
    let teaching = flag(r.get("teaching"), d, false);
    let leave_months = count(r.get("leave_months"), |n| whole_in(n, d, "leave_months", 0, 12));
    let years_insured_with_carrier = count(r.get("years_insured_with_carrier"), |n| as_u32(n, d));
    let age = opt(r.get("age"), |n| whole_in(n, d, "age", 18, 110));
    let contractor = flag(r.get("contractor"), d, false);
    let tail_paid_by = opt(r.get("tail_paid_by"), |n| choice(n, d, "tail_paid_by", &TAIL_PAYER));
    let scheduled = flag(r.get("scheduled"), d, true);
    r.finish(d);
    Some(Provider {
        name: name?,
        role: role?,
        practice_split: practice_split?,
        hours_per_week: hours_per_week?,
        years_since_training: years_since_training?,
        board_certified: board_certified?,
        society_member: society_member?,
        risk_management_course: risk_management_course?,
        claims: claims.into_iter().collect::<Option<Vec<_>>>()?,
        disciplinary: disciplinary.into_iter().collect::<Option<Vec<_>>>()?,
        prior_coverage: prior_coverage?,
        locum_days: locum_days?,
        resident: resident?,
        teaching: teaching?,
        leave_months: leave_months?,
        years_insured_with_carrier: years_insured_with_carrier?,
        age: age?,
        contractor: contractor?,
        tail_paid_by: tail_paid_by?,
        scheduled: scheduled?,
    })
}

/// An optional value: `Some(None)` when absent, `None` when present but wrong.
fn opt<T>(node: Option<&Node>, read: impl FnOnce(&Node) -> Option<T>) -> Option<Option<T>> {
    match node {
        Some(n) => read(n).map(Some),
        None => Some(None),
    }
}

/// A count that defaults to 0.
fn count(node: Option<&Node>, read: impl FnOnce(&Node) -> Option<u32>) -> Option<u32> {
    node.map_or(Some(0), read)
}

/// A flag with a default.
fn flag(node: Option<&Node>, d: &mut Diags<'_>, default: bool) -> Option<bool> {
    node.map_or(Some(default), |n| as_bool(n, d))
}

/// `role` with the keys that belong to one kind of role only.
fn read_role(r: &mut TableReader<'_>, d: &mut Diags<'_>) -> Option<Role> {
    let role = r.require(d, "role", "\"physician\" or a mid-level type such as \"NP\", \"PA\", \"CRNA\", \"CNM\"");
    let specialty = r.get("specialty");
    let surgery = r.get("surgery");
    let shared_limits = r.get("shared_limits");
    let role = role.and_then(|n| role_kind(n, d));
    match role {
        // The role is missing or wrong: still check what can be checked.
        None => {
            if let Some(n) = specialty {
                specialty_code(n, d);
            }
            if let Some(n) = surgery {
                choice(n, d, "surgery", &SURGERY);
            }
            if let Some(n) = shared_limits {
                as_bool(n, d);
            }
            None
        }
        Some(None) => {
            if let Some(n) = shared_limits {
                d.at(n, "`shared_limits` applies to mid-level providers only: expected no `shared_limits` for a physician (physicians have their own limits)");
            }
            let specialty = match specialty {
                Some(n) => specialty_code(n, d),
                None => {
                    d.at(r.node(), "missing key `specialty`: expected the physician's 5-digit ISO specialty code, such as \"80420\"");
                    None
                }
            };
            let surgery = match surgery {
                Some(n) => choice(n, d, "surgery", &SURGERY),
                None => {
                    d.at(r.node(), "missing key `surgery`: expected the physician's surgery level, one of \"none\", \"minor\", \"major\"");
                    None
                }
            };
            if shared_limits.is_some() {
                return None;
            }
            Some(Role::Physician { specialty: specialty?, surgery: surgery? })
        }
        Some(Some(kind)) => {
            for (node, key) in [(specialty, "specialty"), (surgery, "surgery")] {
                if let Some(n) = node {
                    d.at(
                        n,
                        format!("`{key}` applies to physicians only, but role `{kind}` is a mid-level type: expected no `{key}` (or role = \"physician\")"),
                    );
                }
            }
            let shared = flag(shared_limits, d, true);
            if specialty.is_some() || surgery.is_some() {
                return None;
            }
            Some(Role::MidLevel { kind, shared_limits: shared? })
        }
    }
}

/// `Some(None)` for a physician, `Some(Some(kind))` for a mid-level type (uppercased).
fn role_kind(node: &Node, d: &mut Diags<'_>) -> Option<Option<String>> {
    let expected = "\"physician\" or a mid-level type such as \"NP\", \"PA\", \"CRNA\", \"CNM\"";
    let s = text(node, d, "role", expected)?;
    if s.eq_ignore_ascii_case("physician") {
        return Some(None);
    }
    if s.len() <= 16 && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') {
        return Some(Some(s.to_ascii_uppercase()));
    }
    d.at(node, format!("`{}` is not a provider role: expected {expected}", shorten(&s)));
    None
}

/// A 5-digit ISO specialty code: 80xxx (M.D.) or 84xxx (D.O.). A bare number is accepted.
fn specialty_code(node: &Node, d: &mut Diags<'_>) -> Option<String> {
    let s = match &node.kind {
        NodeKind::Str(s) | NodeKind::Number(s) => s.trim(),
        _ => return as_str(node, d),
    };
    let ok = s.len() == 5 && s.chars().all(|c| c.is_ascii_digit()) && (s.starts_with("80") || s.starts_with("84"));
    if ok {
        Some(s.to_string())
    } else {
        d.at(node, format!("`{}` is not a specialty code: expected a 5-digit ISO code, 80xxx (M.D.) or 84xxx (D.O.), such as \"80420\"", shorten(s)));
        None
    }
}

/// Percent of practice by county: each share in (0, 100], counties distinct, summing to 100.
fn read_split(node: &Node, d: &mut Diags<'_>) -> Option<Vec<CountyShare>> {
    let items = ArrayReader::new(node, d, "practice").items;
    if !matches!(node.kind, NodeKind::Array(_)) {
        return None;
    }
    if items.is_empty() {
        d.at(node, "`practice` is empty: expected at least one { county, percent } (percents adding up to 100), or no `practice` to rate the provider at the first location");
        return None;
    }
    let mut out: Vec<CountyShare> = Vec::new();
    let mut ok = true;
    for item in items {
        let Some(mut r) = table(item, d, "a share of practice ({ county, percent })") else {
            ok = false;
            continue;
        };
        let county = req_text(&mut r, d, "county", "the county, such as \"Bucks\"");
        let percent = r
            .require(d, "percent", "the percent of practice in the county, such as 60")
            .and_then(|n| decimal_in(n, d, "percent", (Decimal::ZERO, false), Decimal::ONE_HUNDRED));
        r.finish(d);
        match (county, percent) {
            (Some(county), Some(percent)) => {
                if out.iter().any(|s| s.county.eq_ignore_ascii_case(&county)) {
                    d.at(item, format!("county `{}` is listed twice: expected each county once", shorten(&county)));
                    ok = false;
                }
                out.push(CountyShare { county, percent });
            }
            _ => ok = false,
        }
    }
    if !ok {
        return None;
    }
    // Each share is at most 100, so the sum cannot overflow for any realistic list; checked
    // anyway so no input can panic.
    let total = out.iter().try_fold(Decimal::ZERO, |acc, s| acc.checked_add(s.percent));
    if total != Some(Decimal::ONE_HUNDRED) {
        let shown = total.map_or_else(|| "more than can be added".to_string(), |t| t.normalize().to_string());
        d.at(node, format!("percent of practice sums to {shown}: expected the percents to add up to 100"));
        return None;
    }
    Some(out)
}

fn read_claim(node: &Node, d: &mut Diags<'_>, effective: Option<Date>) -> Option<Claim> {
    let mut r = table(node, d, "a claim ([[providers.claims]])")?;
    let reported = r
        .require(d, "reported", "the date the claim was reported (YYYY-MM-DD)")
        .and_then(|n| past_date(n, d, "reported", effective));
    let paid = r.require(d, "paid", "the amount paid in dollars (0 if none)").and_then(|n| money(n, d, "paid"));
    r.finish(d);
    Some(Claim { reported: reported?, paid: paid? })
}

fn read_action(node: &Node, d: &mut Diags<'_>, effective: Option<Date>) -> Option<DisciplinaryEvent> {
    let mut r = table(node, d, "a disciplinary action ([[providers.disciplinary]])")?;
    let actions: Vec<(&str, DisciplinaryAction)> = DisciplinaryAction::ALL.iter().map(|a| (a.name(), *a)).collect();
    let action = req_choice(&mut r, d, "action", &actions);
    let date =
        r.require(d, "date", "the date of the action (YYYY-MM-DD)").and_then(|n| past_date(n, d, "date", effective));
    r.finish(d);
    Some(DisciplinaryEvent { action: action?, date: date? })
}

fn read_prior(node: &Node, d: &mut Diags<'_>) -> Option<PriorCoverage> {
    let mut r = table(node, d, "`prior_coverage`")?;
    let form = req_choice(&mut r, d, "form", &FORMS);
    let carrier = opt(r.get("carrier"), |n| text(n, d, "carrier", "the prior carrier's name"));
    let retro = r.get("retro_date");
    let retro_date = opt(retro, |n| as_date(n, d));
    let carry_prior_acts = flag(r.get("carry_prior_acts"), d, true);
    r.finish(d);
    if let (Some(n), Some(medmal_core::manual::PolicyForm::Occurrence)) = (retro, form) {
        d.at(n, "`retro_date` applies to claims-made prior coverage only: expected no `retro_date` when form = \"occurrence\"");
        return None;
    }
    Some(PriorCoverage { form: form?, carrier: carrier?, retro_date: retro_date?, carry_prior_acts: carry_prior_acts? })
}
