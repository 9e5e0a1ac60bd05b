//! The factor sections of a manual and its ordered rating steps.

use medmal_core::manual::{CarrierFacts, PolicyFeatures};
use medmal_core::manual::{
    ClaimSurchargeRow, Combine, Condition, Credibility, Deductible, DeductibleBasis, DeductibleKind, DeductibleOption,
    DisciplinaryAction, EligibilityAction, EligibilityRule, EntityCharge, EntityRule, ExperienceRating, FormRules,
    FreeTail, HoursBand, LimitsOption, LocumRule, Modifier, ModifierGroup, ModifierRule, PolicyStep, ProviderStep,
    ScheduleItem, ScheduleRating, Surcharge, SurgeryLevel, TailBasis, TailRow, TailRules,
};
use medmal_core::money::{Rounding, RoundingMode};
use medmal_text::{ArrayReader, Diags, Node, NodeKind, TableReader, as_str};
use rust_decimal::Decimal;

use crate::lower::{adjustment, amount, credit, limits_at, positive, rounding_at};

pub(crate) struct Factors {
    pub form: FormRules,
    pub limits: Vec<LimitsOption>,
    pub deductibles: Vec<DeductibleOption>,
    pub modifiers: Vec<Modifier>,
    pub groups: Vec<ModifierGroup>,
    pub schedule: Option<ScheduleRating>,
    pub experience: Option<ExperienceRating>,
    pub locum: Option<LocumRule>,
    pub entity: EntityRule,
    pub surcharges: Vec<Surcharge>,
    pub tail: Option<TailRules>,
    pub eligibility: Vec<EligibilityRule>,
    pub features: Option<PolicyFeatures>,
    pub carrier: Option<CarrierFacts>,
    pub provider_steps: Vec<ProviderStep>,
    pub policy_steps: Vec<PolicyStep>,
}

pub(crate) fn factors(top: &mut TableReader<'_>, d: &mut Diags<'_>) -> Option<Factors> {
    let form = form_rules(top, d);
    let limits = top.array(d, "limits").into_iter().filter_map(|n| limits_option(n, d)).collect::<Vec<_>>();
    if limits.is_empty() {
        d.at(top.node(), "the manual offers no limits: add [[limits]] entries with `limits` and `factor`");
    }
    let deductibles = top.array(d, "deductibles").into_iter().filter_map(|n| deductible(n, d)).collect();
    let modifiers = match top.get("modifiers") {
        Some(n) => {
            let mut t = TableReader::new(n, d, "[modifiers]");
            let out = t.rest().into_iter().filter_map(|e| modifier(&e.key, &e.value, d)).collect();
            t.finish(d);
            out
        }
        None => Vec::new(),
    };
    let groups = top.array(d, "modifier_groups").into_iter().filter_map(|n| group(n, d)).collect();
    let schedule = top.get("schedule").and_then(|n| schedule(n, d));
    let experience = top.get("experience").and_then(|n| experience(n, d));
    let locum = top.get("locum").and_then(|n| {
        let mut t = TableReader::new(n, d, "[locum]");
        let free_days = t.req_u32(d, "free_days", "days per year a locum is covered free");
        let per_day =
            t.require(d, "per_day", "the charge per day beyond the free days").and_then(|n| amount(n, d, "per_day"));
        t.finish(d);
        Some(LocumRule { free_days: free_days?, per_day: per_day? })
    });
    let entity =
        top.get("entity").map_or(Some(EntityRule { shared: None, separate: None, maximum: None }), |n| entity(n, d));
    let surcharges = top.array(d, "surcharges").into_iter().filter_map(|n| surcharge(n, d)).collect();
    let tail = top.get("tail").and_then(|n| tail(n, d));
    let eligibility = top.array(d, "eligibility").into_iter().filter_map(|n| eligibility(n, d)).collect();
    let features = top.get("features").and_then(|n| crate::features::features(n, d));
    let carrier = top.get("carrier").and_then(|n| crate::features::carrier(n, d));
    let (provider_steps, policy_steps) =
        match top.require(d, "rating", "a [rating] table with the ordered `provider` and `policy` steps") {
            Some(n) => rating(n, d),
            None => (None, None),
        };
    Some(Factors {
        form: form?,
        limits,
        deductibles,
        modifiers,
        groups,
        schedule,
        experience,
        locum,
        entity: entity?,
        surcharges,
        tail,
        eligibility,
        features,
        carrier,
        provider_steps: provider_steps?,
        policy_steps: policy_steps?,
    })
}

fn form_rules(top: &mut TableReader<'_>, d: &mut Diags<'_>) -> Option<FormRules> {
    let mut steps = None;
    let mut mature_factor = None;
    if let Some(n) = top.get("claims_made") {
        let mut t = TableReader::new(n, d, "[claims_made]");
        if let Some(s) = t.require(d, "steps", "step factors for claims-made years 1, 2, … ending at the mature factor")
        {
            let items = ArrayReader::new(s, d, "steps").items;
            let v: Vec<Decimal> = items.iter().filter_map(|i| positive(i, d, "claims-made step factor")).collect();
            if v.len() == items.len() && !v.is_empty() {
                steps = Some((v, s));
            } else if items.is_empty() {
                d.at(s, "expected at least one step factor");
            }
        }
        mature_factor = t.get("mature_factor").and_then(|n| positive(n, d, "mature claims-made factor"));
        t.finish(d);
    }
    let occurrence = top.get("occurrence").and_then(|n| {
        let mut t = TableReader::new(n, d, "[occurrence]");
        let f = t
            .require(d, "factor", "occurrence premium relative to the base form")
            .and_then(|n| positive(n, d, "occurrence factor"));
        t.finish(d);
        f
    });
    if let Some((v, node)) = &steps {
        for w in v.windows(2) {
            if w[1] < w[0] {
                d.at(node, format!("claims-made steps must not decrease: {} follows {}", w[1], w[0]));
            }
        }
        let mature = v.last().copied().unwrap_or(Decimal::ONE);
        if v.iter().any(|s| *s > mature) {
            d.at(node, format!("a claims-made step exceeds the mature factor {mature}"));
        }
    }
    Some(FormRules {
        claims_made_steps: steps.map(|s| s.0),
        occurrence_factor: occurrence,
        claims_made_mature_factor: mature_factor,
    })
}

fn limits_option(n: &Node, d: &mut Diags<'_>) -> Option<LimitsOption> {
    let mut t = TableReader::new(n, d, "a limits option");
    let limits = t.require(d, "limits", "a per-claim/aggregate pair such as \"1M/3M\"").and_then(|n| limits_at(n, d));
    let factor = t.require(d, "factor", "the increased limits factor").and_then(|n| positive(n, d, "limits factor"));
    t.finish(d);
    Some(LimitsOption { limits: limits?, factor: factor? })
}

fn deductible(n: &Node, d: &mut Diags<'_>) -> Option<DeductibleOption> {
    let mut t = TableReader::new(n, d, "a deductible option");
    let amount = t.require(d, "amount", "the deductible amount").and_then(|n| positive(n, d, "deductible amount"));
    let kind = t.req_str(d, "type", "indemnity or indemnity_expense").and_then(|s| match s.as_str() {
        "indemnity" => Some(DeductibleKind::Indemnity),
        "indemnity_expense" => Some(DeductibleKind::IndemnityAndExpense),
        _ => {
            d.at(n, format!("unknown deductible type `{s}`: expected indemnity or indemnity_expense"));
            None
        }
    });
    let basis = t.req_str(d, "basis", "per_claim or aggregate").and_then(|s| match s.as_str() {
        "per_claim" => Some(DeductibleBasis::PerClaim),
        "aggregate" => Some(DeductibleBasis::Aggregate),
        _ => {
            d.at(n, format!("unknown deductible basis `{s}`: expected per_claim or aggregate"));
            None
        }
    });
    let c = t
        .require(d, "credit", "the premium credit as a fraction (0.05 = 5%)")
        .and_then(|n| credit(n, d, "deductible credit"));
    t.finish(d);
    Some(DeductibleOption { deductible: Deductible { amount: amount?, kind: kind?, basis: basis? }, credit: c? })
}

/// `[{ <key> = N, adjustment = A }, …]` rows keyed by a whole number.
fn by_whole(t: &mut TableReader<'_>, d: &mut Diags<'_>, list: &'static str, key: &'static str) -> Vec<(u32, Decimal)> {
    let mut out: Vec<(u32, Decimal)> = Vec::new();
    for row in t.array(d, list) {
        let mut r = TableReader::new(row, d, "a row");
        let k = r.req_u32(d, key, "a whole number");
        let a = r.require(d, "adjustment", "a signed adjustment (−0.10 = 10% credit)").and_then(|n| adjustment(n, d));
        r.finish(d);
        if let (Some(k), Some(a)) = (k, a) {
            if out.iter().any(|(x, _)| *x == k) {
                d.at(row, format!("{key} = {k} appears twice"));
            }
            out.push((k, a));
        }
    }
    if out.is_empty() {
        d.at(t.node(), format!("expected `{list}` rows with `{key}` and `adjustment`"));
    }
    out.sort_by_key(|(k, _)| *k);
    out
}

fn single(t: &mut TableReader<'_>, d: &mut Diags<'_>) -> Option<Decimal> {
    t.require(d, "adjustment", "a signed adjustment (−0.05 = 5% credit)").and_then(|n| adjustment(n, d))
}

fn modifier(id: &str, n: &Node, d: &mut Diags<'_>) -> Option<Modifier> {
    let mut t = TableReader::new(n, d, "a modifier");
    let kind = t.req_str(d, "type", "the modifier type");
    let name = t.str(d, "name").unwrap_or_else(|| id.to_string());
    let rule = match kind.as_deref()? {
        "part_time" => {
            let mut bands = Vec::new();
            for b in t.array(d, "bands") {
                let mut r = TableReader::new(b, d, "a part-time band");
                let max_hours = r
                    .require(d, "max_hours", "the band's upper bound in hours/week")
                    .and_then(|n| positive(n, d, "max_hours"));
                let a = r.require(d, "adjustment", "the band's adjustment").and_then(|n| adjustment(n, d));
                r.finish(d);
                if let (Some(max_hours), Some(adjustment)) = (max_hours, a) {
                    bands.push(HoursBand { max_hours, adjustment });
                }
            }
            if bands.is_empty() {
                d.at(n, "expected `bands` with max_hours and adjustment");
            }
            bands.sort_by_key(|b| b.max_hours);
            Some(ModifierRule::PartTime { bands })
        }
        "new_to_practice" => Some(ModifierRule::NewToPractice { by_year: by_whole(&mut t, d, "years", "years") }),
        "resident" => {
            let resident = t.require(d, "resident", "the resident adjustment").and_then(|n| adjustment(n, d));
            let moonlighting =
                t.require(d, "moonlighting", "the moonlighting-resident adjustment").and_then(|n| adjustment(n, d));
            Some(ModifierRule::Resident { resident: resident?, moonlighting: moonlighting? })
        }
        "teaching" => single(&mut t, d).map(|adjustment| ModifierRule::Teaching { adjustment }),
        "leave_of_absence" => {
            let a = single(&mut t, d);
            let max_months = t.req_u32(d, "max_months", "the longest leave credited, in months");
            if max_months.is_some_and(|m| m == 0 || m > 12) {
                d.at(n, "max_months must be 1 to 12");
            }
            Some(ModifierRule::LeaveOfAbsence { adjustment: a?, max_months: max_months? })
        }
        "claims_free" => Some(ModifierRule::ClaimsFree { by_years: by_whole(&mut t, d, "years", "years") }),
        "claims_surcharge" => {
            let lookback_years = t.req_u32(d, "lookback_years", "the look-back window in years");
            let min_paid = t.get("min_paid").map_or(Some(Decimal::ZERO), |n| amount(n, d, "min_paid"));
            let mut rows = Vec::new();
            for r in t.array(d, "rows") {
                let mut rt = TableReader::new(r, d, "a claims surcharge row");
                let c = rt.req_u32(d, "claims", "the claim count at least");
                let p = rt.get("paid").map_or(Some(Decimal::ZERO), |n| amount(n, d, "paid"));
                let a = rt.require(d, "adjustment", "the surcharge").and_then(|n| adjustment(n, d));
                rt.finish(d);
                if let (Some(claims_at_least), Some(paid_at_least), Some(adjustment)) = (c, p, a) {
                    rows.push(ClaimSurchargeRow { claims_at_least, paid_at_least, adjustment });
                }
            }
            if rows.is_empty() {
                d.at(n, "expected `rows` with claims, paid and adjustment");
            }
            Some(ModifierRule::ClaimsSurcharge { lookback_years: lookback_years?, min_paid: min_paid?, rows })
        }
        "disciplinary" => {
            let lookback_years = t.req_u32(d, "lookback_years", "the look-back window in years");
            let mut actions = Vec::new();
            if let Some(a) = t.require(d, "actions", "a table of action → surcharge") {
                let mut at = TableReader::new(a, d, "actions");
                for e in at.rest() {
                    match DisciplinaryAction::parse(&e.key) {
                        Some(act) => {
                            if let Some(v) = adjustment(&e.value, d) {
                                actions.push((act, v));
                            }
                        }
                        None => d.at(
                            &Node::key_node(e),
                            format!(
                                "unknown disciplinary action `{}`: expected one of {}",
                                e.key,
                                DisciplinaryAction::ALL.iter().map(|a| a.name()).collect::<Vec<_>>().join(", ")
                            ),
                        ),
                    }
                }
                at.finish(d);
            }
            Some(ModifierRule::Disciplinary { lookback_years: lookback_years?, actions })
        }
        "risk_management" => {
            let a = single(&mut t, d);
            let valid_months = t.req_u32(d, "valid_months", "months the credit lasts after the course");
            Some(ModifierRule::RiskManagement { adjustment: a?, valid_months: valid_months? })
        }
        "board_certified" => single(&mut t, d).map(|adjustment| ModifierRule::BoardCertified { adjustment }),
        "society_member" => single(&mut t, d).map(|adjustment| ModifierRule::SocietyMember { adjustment }),
        "loyalty" => Some(ModifierRule::Loyalty { by_years: by_whole(&mut t, d, "years", "years") }),
        other => {
            d.at(n, format!(
                "unknown modifier type `{other}`: expected part_time, new_to_practice, resident, teaching, leave_of_absence, claims_free, claims_surcharge, disciplinary, risk_management, board_certified, society_member or loyalty"
            ));
            None
        }
    };
    t.get("source");
    t.finish(d);
    Some(Modifier { id: id.to_string(), name, rule: rule? })
}

fn group(n: &Node, d: &mut Diags<'_>) -> Option<ModifierGroup> {
    let mut t = TableReader::new(n, d, "a modifier group");
    let id = t.req_str(d, "id", "the group id");
    let name = t.str(d, "name").unwrap_or_else(|| id.clone().unwrap_or_default());
    let combine = t.req_str(d, "combine", "multiply or add").and_then(|s| match s.as_str() {
        "multiply" => Some(Combine::Multiply),
        "add" => Some(Combine::Add),
        _ => {
            d.at(n, format!("unknown combine rule `{s}`: expected multiply or add"));
            None
        }
    });
    let modifiers = t.strings(d, "modifiers");
    let max_credit = t.get("max_credit").and_then(|n| credit(n, d, "max_credit"));
    let max_debit = t.get("max_debit").and_then(|n| amount(n, d, "max_debit"));
    let factor_decimals = t.u32(d, "factor_decimals");
    t.finish(d);
    Some(ModifierGroup { id: id?, name, combine: combine?, modifiers, max_credit, max_debit, factor_decimals })
}

fn schedule(n: &Node, d: &mut Diags<'_>) -> Option<ScheduleRating> {
    let mut t = TableReader::new(n, d, "[schedule]");
    let max_credit = t.require(d, "max_credit", "the overall maximum credit").and_then(|n| credit(n, d, "max_credit"));
    let max_debit = t.require(d, "max_debit", "the overall maximum debit").and_then(|n| amount(n, d, "max_debit"));
    let mut items = Vec::new();
    for i in t.array(d, "items") {
        let mut it = TableReader::new(i, d, "a schedule item");
        let id = it.req_str(d, "id", "the item id");
        let name = it.str(d, "name").unwrap_or_default();
        let c = it.require(d, "max_credit", "the item's maximum credit").and_then(|n| credit(n, d, "max_credit"));
        let b = it.require(d, "max_debit", "the item's maximum debit").and_then(|n| amount(n, d, "max_debit"));
        it.finish(d);
        if let (Some(id), Some(max_credit), Some(max_debit)) = (id, c, b) {
            items.push(ScheduleItem { id, name, max_credit, max_debit });
        }
    }
    t.finish(d);
    Some(ScheduleRating { items, max_credit: max_credit?, max_debit: max_debit? })
}

fn experience(n: &Node, d: &mut Diags<'_>) -> Option<ExperienceRating> {
    let mut t = TableReader::new(n, d, "[experience]");
    let min_providers = t.req_u32(d, "min_providers", "the smallest group experience-rated");
    let period_years = t.req_u32(d, "period_years", "the experience period in years");
    let per_claim_limit =
        t.require(d, "per_claim_limit", "the loss limit per claim").and_then(|n| positive(n, d, "per_claim_limit"));
    let mut expected = std::collections::BTreeMap::new();
    if let Some(e) = t.require(d, "expected", "expected losses per provider-year by class") {
        let mut et = TableReader::new(e, d, "[experience.expected]");
        for entry in et.rest() {
            if let Some(v) = positive(&entry.value, d, "expected losses") {
                expected.insert(entry.key.clone(), v);
            }
        }
        et.finish(d);
    }
    let method = t.req_str(d, "credibility", "square_root or buhlmann");
    let credibility = match method.as_deref() {
        Some("square_root") => t
            .require(d, "full_credibility", "expected losses for full credibility")
            .and_then(|n| positive(n, d, "full_credibility"))
            .map(|full| Credibility::SquareRoot { full }),
        Some("buhlmann") => t
            .require(d, "k", "the credibility constant K")
            .and_then(|n| positive(n, d, "k"))
            .map(|k| Credibility::Buhlmann { k }),
        Some(other) => {
            d.at(n, format!("unknown credibility `{other}`: expected square_root (Z = min(1, √(E/full))) or buhlmann (Z = E/(E+K))"));
            None
        }
        None => None,
    };
    let credibility_decimals = t.u32(d, "credibility_decimals").unwrap_or(3);
    let mod_decimals = t.u32(d, "mod_decimals").unwrap_or(3);
    if credibility_decimals > 6 || mod_decimals > 6 {
        d.at(n, "credibility_decimals and mod_decimals must be at most 6");
    }
    let max_credit =
        t.require(d, "max_credit", "the largest experience credit").and_then(|n| credit(n, d, "max_credit"));
    let max_debit = t.require(d, "max_debit", "the largest experience debit").and_then(|n| amount(n, d, "max_debit"));
    t.finish(d);
    Some(ExperienceRating {
        min_providers: min_providers?,
        period_years: period_years?,
        per_claim_limit: per_claim_limit?,
        expected_per_year: expected,
        credibility: credibility?,
        credibility_decimals,
        mod_decimals,
        max_credit: max_credit?,
        max_debit: max_debit?,
    })
}

fn entity_charge(n: &Node, d: &mut Diags<'_>) -> Option<EntityCharge> {
    let mut t = TableReader::new(n, d, "an entity charge");
    let percent = t.get("percent").and_then(|n| amount(n, d, "percent"));
    let flat = t.get("flat").and_then(|n| amount(n, d, "flat"));
    t.finish(d);
    match (percent, flat) {
        (Some(p), None) => Some(EntityCharge::Percent(p)),
        (None, Some(f)) => Some(EntityCharge::Flat(f)),
        _ => {
            d.at(n, "expected exactly one of `percent` (of providers' premium) or `flat`");
            None
        }
    }
}

fn entity(n: &Node, d: &mut Diags<'_>) -> Option<EntityRule> {
    let mut t = TableReader::new(n, d, "[entity]");
    let shared = t.get("shared").and_then(|n| entity_charge(n, d));
    let separate = t.get("separate").and_then(|n| entity_charge(n, d));
    let maximum = t.get("maximum").and_then(|n| amount(n, d, "maximum"));
    t.finish(d);
    Some(EntityRule { shared, separate, maximum })
}

fn surcharge(n: &Node, d: &mut Diags<'_>) -> Option<Surcharge> {
    let mut t = TableReader::new(n, d, "a surcharge");
    let id = t.req_str(d, "id", "the surcharge id");
    let name = t.str(d, "name").unwrap_or_else(|| id.clone().unwrap_or_default());
    let percent =
        t.require(d, "percent", "the surcharge as a fraction of premium").and_then(|n| amount(n, d, "percent"));
    t.get("source");
    t.finish(d);
    Some(Surcharge { id: id?, name, percent: percent? })
}

fn tail(n: &Node, d: &mut Diags<'_>) -> Option<TailRules> {
    let mut t = TableReader::new(n, d, "[tail]");
    let basis = t.req_str(d, "basis", "mature_undiscounted or expiring").and_then(|s| match s.as_str() {
        "mature_undiscounted" => Some(TailBasis::MatureUndiscounted),
        "expiring" => Some(TailBasis::Expiring),
        _ => {
            d.at(n, format!("unknown tail basis `{s}`: expected mature_undiscounted or expiring"));
            None
        }
    });
    let lengths = t.strings(d, "lengths");
    if lengths.is_empty() {
        d.at(n, "expected `lengths`: the tail lengths offered, e.g. [\"1yr\", \"3yr\", \"unlimited\"]");
    }
    let default_length = t.str(d, "default_length").or_else(|| lengths.last().cloned()).unwrap_or_default();
    if !lengths.contains(&default_length) {
        d.at(n, format!("default_length `{default_length}` is not one of the lengths"));
    }
    let mut factors = Vec::new();
    for r in t.array(d, "factors") {
        let mut rt = TableReader::new(r, d, "a tail factor row");
        let year = rt.req_u32(d, "year", "the claims-made year at termination");
        let f: Vec<Decimal> = match rt.require(d, "factors", "one factor per tail length") {
            Some(fnode) => {
                let items = ArrayReader::new(fnode, d, "factors").items;
                if items.len() != lengths.len() {
                    d.at(
                        fnode,
                        format!("{} factors for {} tail lengths; expected one per length", items.len(), lengths.len()),
                    );
                }
                items.iter().filter_map(|i| positive(i, d, "tail factor")).collect()
            }
            None => Vec::new(),
        };
        rt.finish(d);
        if let Some(claims_made_year) = year {
            if factors.iter().any(|x: &TailRow| x.claims_made_year == claims_made_year) {
                d.at(r, format!("year {claims_made_year} appears twice"));
            }
            factors.push(TailRow { claims_made_year, factors: f });
        }
    }
    factors.sort_by_key(|r| r.claims_made_year);
    if factors.first().is_some_and(|r| r.claims_made_year != 1) || factors.is_empty() {
        d.at(n, "tail factor rows must start at year = 1");
    }
    let free = t.get("free").map(|f| {
        let mut ft = TableReader::new(f, d, "[tail.free]");
        let events = ft.strings(d, "events");
        for e in &events {
            if !["death", "disability", "retirement"].contains(&e.as_str()) {
                d.at(f, format!("unknown free-tail event `{e}`: expected death, disability or retirement"));
            }
        }
        let min_age = ft.u32(d, "min_age");
        let min_years_insured = ft.u32(d, "min_years_insured").unwrap_or(0);
        let age_for_retirement_only = ft.bool(d, "age_for_retirement_only").unwrap_or(true);
        ft.finish(d);
        FreeTail { events, min_age, min_years_insured, age_for_retirement_only }
    });
    let rounding = t
        .get("rounding")
        .map_or(Some(Rounding { unit: Decimal::ONE, mode: RoundingMode::HalfUp }), |n| rounding_at(n, d));
    t.get("source");
    t.finish(d);
    Some(TailRules { basis: basis?, lengths, default_length, factors, free, rounding: rounding? })
}

fn eligibility(n: &Node, d: &mut Diags<'_>) -> Option<EligibilityRule> {
    let mut t = TableReader::new(n, d, "an eligibility rule");
    let action = t.req_str(d, "action", "refer or decline").and_then(|s| match s.as_str() {
        "refer" => Some(EligibilityAction::Refer),
        "decline" => Some(EligibilityAction::Decline),
        _ => {
            d.at(n, format!("unknown action `{s}`: expected refer or decline"));
            None
        }
    });
    let reason = t.req_str(d, "reason", "the reason shown to the broker");
    let within = |t: &mut TableReader<'_>, d: &mut Diags<'_>| t.u32(d, "within_years").unwrap_or(5);
    let condition = match t.req_str(d, "condition", "what triggers the rule").as_deref() {
        Some("claims") => {
            let at_least = t.req_u32(d, "at_least", "the claim count");
            let within_years = within(&mut t, d);
            let min_paid = t.get("min_paid").map_or(Some(Decimal::ZERO), |n| amount(n, d, "min_paid"));
            Some(Condition::Claims { at_least: at_least?, within_years, min_paid: min_paid? })
        }
        Some("paid_total") => {
            let amt = t.require(d, "amount", "the paid total").and_then(|n| amount(n, d, "amount"));
            let within_years = within(&mut t, d);
            Some(Condition::PaidTotal { amount: amt?, within_years })
        }
        Some("service") => Some(Condition::Service { any: t.strings(d, "any") }),
        Some("class") => Some(Condition::Class { any: t.strings(d, "any") }),
        Some("specialty") => Some(Condition::Specialty { any: t.strings(d, "any") }),
        Some("surgery") => {
            let mut levels = Vec::new();
            for s in t.strings(d, "any") {
                match s.as_str() {
                    "none" => levels.push(SurgeryLevel::None),
                    "minor" => levels.push(SurgeryLevel::Minor),
                    "major" => levels.push(SurgeryLevel::Major),
                    _ => d.at(n, format!("unknown surgery level `{s}`: expected none, minor or major")),
                }
            }
            Some(Condition::Surgery { any: levels })
        }
        Some("disciplinary") => {
            let mut any = Vec::new();
            for s in t.strings(d, "any") {
                match DisciplinaryAction::parse(&s) {
                    Some(a) => any.push(a),
                    None => d.at(n, format!("unknown disciplinary action `{s}`")),
                }
            }
            let within_years = within(&mut t, d);
            Some(Condition::Disciplinary { any, within_years })
        }
        Some("locum_days") => {
            t.req_u32(d, "over", "the number of locum days").map(|over| Condition::LocumDays { over })
        }
        Some("providers") => t.req_u32(d, "over", "the number of providers").map(|over| Condition::Providers { over }),
        Some("telehealth_out_of_state") => Some(Condition::TelehealthOutOfState),
        Some(other) => {
            d.at(n, format!(
                "unknown condition `{other}`: expected claims, paid_total, service, class, specialty, surgery, disciplinary, locum_days, providers or telehealth_out_of_state"
            ));
            None
        }
        None => None,
    };
    t.finish(d);
    Some(EligibilityRule { action: action?, reason: reason?, condition: condition? })
}

fn rating(n: &Node, d: &mut Diags<'_>) -> (Option<Vec<ProviderStep>>, Option<Vec<PolicyStep>>) {
    let mut t = TableReader::new(n, d, "[rating]");
    let provider = t.require(d, "provider", "the ordered provider steps").map(|p| {
        ArrayReader::new(p, d, "provider").items.iter().filter_map(|s| provider_step(s, d)).collect::<Vec<_>>()
    });
    let policy = t.get("policy").map_or(Some(Vec::new()), |p| {
        Some(ArrayReader::new(p, d, "policy").items.iter().filter_map(|s| policy_step(s, d)).collect::<Vec<_>>())
    });
    t.finish(d);
    (provider, policy)
}

/// `{ round = {…} }` or `{ minimum = N }` table steps.
fn table_step(s: &Node, d: &mut Diags<'_>) -> Option<(&'static str, Option<Rounding>, Option<Decimal>)> {
    let mut t = TableReader::new(s, d, "a step");
    let round = t.get("round").and_then(|n| rounding_at(n, d));
    let minimum = t.get("minimum").and_then(|n| amount(n, d, "minimum"));
    t.finish(d);
    match (round, minimum) {
        (Some(r), None) => Some(("round", Some(r), None)),
        (None, Some(m)) => Some(("minimum", None, Some(m))),
        _ => {
            d.at(s, "a table step is `{ round = { unit = …, mode = … } }` or `{ minimum = amount }`");
            None
        }
    }
}

const PROVIDER_STEPS: &str = "base_rate, policy_form, limits, deductible, modifiers:<group>, schedule, experience, locum, { round = … }, { minimum = … }";

fn provider_step(s: &Node, d: &mut Diags<'_>) -> Option<ProviderStep> {
    if let NodeKind::Table(_) = s.kind {
        let (kind, r, m) = table_step(s, d)?;
        return match kind {
            "round" => r.map(ProviderStep::Round),
            _ => m.map(ProviderStep::Minimum),
        };
    }
    let name = as_str(s, d)?;
    Some(match name.as_str() {
        "base_rate" => ProviderStep::BaseRate,
        "policy_form" => ProviderStep::PolicyForm,
        "limits" => ProviderStep::Limits,
        "deductible" => ProviderStep::Deductible,
        "schedule" => ProviderStep::Schedule,
        "experience" => ProviderStep::Experience,
        "locum" => ProviderStep::Locum,
        other => match other.strip_prefix("modifiers:") {
            Some(group) => ProviderStep::Modifiers { group: group.to_string() },
            None => {
                d.at(s, format!("unknown provider step `{other}`: expected {PROVIDER_STEPS}"));
                return None;
            }
        },
    })
}

fn policy_step(s: &Node, d: &mut Diags<'_>) -> Option<PolicyStep> {
    if let NodeKind::Table(_) = s.kind {
        let (kind, r, m) = table_step(s, d)?;
        return match kind {
            "round" => r.map(PolicyStep::Round),
            _ => m.map(PolicyStep::Minimum),
        };
    }
    let name = as_str(s, d)?;
    match name.as_str() {
        "entity" => Some(PolicyStep::Entity),
        other => match other.strip_prefix("surcharge:") {
            Some(id) => Some(PolicyStep::Surcharge { id: id.to_string() }),
            None => {
                d.at(s, format!("unknown policy step `{other}`: expected entity, surcharge:<id>, {{ round = … }}, {{ minimum = … }}"));
                None
            }
        },
    }
}
