//! One test per coverage-review rule: the rule is silent on a clean practice and fires on one
//! changed in exactly the fact the rule is about (so each test fails without its rule). The
//! rules run against what a carrier's manual would issue and, further down, against a policy in
//! force read from a policy file (`medmal review --policy`).
#![allow(clippy::unwrap_used)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use medmal_core::Manual;
use medmal_core::practice::Practice;
use medmal_core::rate;
use medmal_core::review::{InForcePolicy, LimitsRequirement, Review, Severity, review, review_policy};
use medmal_text::SourceFile;

const FEATURES: &str = r#"
[carrier]
financial_strength = "A (Excellent)"
market = "admitted"

[features]
consent_to_settle = "full"
defense = "outside_limits"
licensing_board_defense = 50000
deposition_representation = 25000
cyber = 50000
telehealth_states = ["PA", "NJ"]
contractors_covered = true
general_liability = true
risk_management_services = ["risk hotline"]
"#;

const PRACTICE: &str = r#"
[practice]
name = "Clean Family Medicine"
state = "PA"

[entity]
name = "Clean Family Medicine PC"
insure = true

[[locations]]
name = "Office"
county = "Philadelphia"

[coverage]
effective = 2026-03-01
transaction = "new"
form = "claims_made"
limits = "2M/4M"
entity_limits = "separate"

[[providers]]
name = "Dr. One"
role = "physician"
specialty = "80420"
surgery = "none"
practice = [{ county = "Philadelphia", percent = 100 }]
tail_paid_by = "practice"
[providers.prior_coverage]
form = "claims_made"
carrier = "Old Mutual"
retro_date = 2020-03-01
"#;

fn tiny_text() -> String {
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../testdata/manuals/tiny-mutual/PA/2026-01/manual.toml");
    std::fs::read_to_string(p).unwrap()
}

fn manual_with(features: &str) -> Manual {
    manual_from(format!("{}\n{features}", tiny_text()))
}

fn manual_from(text: String) -> Manual {
    let src = SourceFile::new("manual.toml", text);
    medmal_manual::parse_manual(&src, &|_| Err("no tables".into())).map_err(|d| format!("{d:?}")).unwrap().0
}

/// An edit that must find its text, so a test cannot pass on an edit that changed nothing.
fn swap(from: &'static str, to: &'static str) -> impl Fn(&str) -> String {
    move |s: &str| {
        assert!(s.contains(from), "`{from}` is not in the text");
        s.replacen(from, to, 1)
    }
}

fn practice(text: &str) -> Practice {
    medmal_practice::parse_practice(&SourceFile::new("practice.toml", text)).map_err(|d| format!("{d:?}")).unwrap()
}

/// The shipped requirements table, read the way `medmal review` reads it.
fn requirements() -> Vec<LimitsRequirement> {
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../data/limits-requirements.toml");
    let out = medmal_manual::load_limits_requirements(&p).map_err(|d| format!("{d:?}")).unwrap();
    assert_eq!(out.len(), 6);
    out
}

fn run(m: &Manual, p: &Practice) -> Review {
    review(p, m, &rate(m, p), &requirements())
}

fn rules(r: &Review) -> Vec<&'static str> {
    r.gaps.iter().map(|g| g.rule).collect()
}

/// `rule` is absent for the clean case and present, at `severity`, once `change` is applied.
fn check(rule: &str, severity: Severity, features: impl Fn(&str) -> String, practice_edit: impl Fn(&str) -> String) {
    let clean = run(&manual_with(FEATURES), &practice(PRACTICE));
    assert!(!rules(&clean).contains(&rule), "{rule} fires on the clean case: {:?}", clean.gaps);
    let changed = run(&manual_with(&features(FEATURES)), &practice(&practice_edit(PRACTICE)));
    let g = changed
        .gaps
        .iter()
        .find(|g| g.rule == rule)
        .unwrap_or_else(|| panic!("{rule} did not fire: {:?}", changed.gaps));
    assert_eq!(g.severity, severity, "{g:?}");
    assert!(!g.fact.is_empty() && !g.consequence.is_empty());
}

fn same(s: &str) -> String {
    s.to_string()
}

#[test]
fn the_clean_case_has_no_gaps() {
    let r = run(&manual_with(FEATURES), &practice(PRACTICE));
    assert!(r.gaps.is_empty(), "{:?}", r.gaps);
}

#[test]
fn entity_not_insured() {
    check("entity_not_insured", Severity::Critical, same, |p| p.replace("insure = true", "insure = false"));
}

#[test]
fn provider_not_scheduled() {
    check("provider_not_scheduled", Severity::Critical, same, |p| {
        p.replace("tail_paid_by = \"practice\"", "tail_paid_by = \"practice\"\nscheduled = false")
    });
}

#[test]
fn contractor_not_covered() {
    check(
        "contractor_not_covered",
        Severity::Critical,
        |f| f.replace("contractors_covered = true", "contractors_covered = false"),
        |p| p.replace("tail_paid_by = \"practice\"", "tail_paid_by = \"practice\"\ncontractor = true"),
    );
}

#[test]
fn midlevel_excluded() {
    check("midlevel_excluded", Severity::Critical, same, |p| {
        format!("{p}\n[[providers]]\nname = \"Cal Crna\"\nrole = \"CRNA\"\ntail_paid_by = \"practice\"\n")
    });
}

#[test]
fn telehealth_out_of_territory() {
    check("telehealth_out_of_territory", Severity::Critical, same, |p| {
        p.replace("state = \"PA\"", "state = \"PA\"\ntelehealth_states = [\"NJ\", \"OH\"]")
    });
}

#[test]
fn service_outside_class() {
    check("service_outside_class", Severity::Warning, same, |p| {
        p.replace("state = \"PA\"", "state = \"PA\"\nservices = [\"aesthetics\"]")
    });
}

#[test]
fn prior_acts_gap() {
    check("prior_acts_gap", Severity::Critical, same, |p| {
        p.replace("retro_date = 2020-03-01", "retro_date = 2020-03-01\ncarry_prior_acts = false")
    });
}

#[test]
fn leaving_claims_made_without_tail() {
    check("leaving_claims_made_without_tail", Severity::Critical, same, |p| {
        p.replace("form = \"claims_made\"\nlimits", "form = \"occurrence\"\nlimits")
    });
}

#[test]
fn limits_below_requirement() {
    check("limits_below_requirement", Severity::Critical, same, |p| {
        p.replace("limits = \"2M/4M\"", "limits = \"500K/1.5M\"")
    });
}

#[test]
fn hammer_clause() {
    check(
        "hammer_clause",
        Severity::Warning,
        |f| f.replace("consent_to_settle = \"full\"", "consent_to_settle = \"hammer\""),
        same,
    );
}

#[test]
fn no_consent_to_settle() {
    check(
        "no_consent_to_settle",
        Severity::Warning,
        |f| f.replace("consent_to_settle = \"full\"", "consent_to_settle = \"none\""),
        same,
    );
}

#[test]
fn defense_inside_limits() {
    check("defense_inside_limits", Severity::Warning, |f| f.replace("outside_limits", "inside_limits"), same);
}

#[test]
fn no_licensing_board_cover() {
    check(
        "no_licensing_board_cover",
        Severity::Warning,
        |f| f.replace("licensing_board_defense = 50000", "licensing_board_defense = false"),
        same,
    );
}

#[test]
fn no_deposition_cover() {
    check("no_deposition_cover", Severity::Note, |f| f.replace("deposition_representation = 25000\n", ""), same);
}

#[test]
fn no_cyber() {
    check("no_cyber", Severity::Warning, |f| f.replace("cyber = 50000", "cyber = false"), same);
}

#[test]
fn no_general_liability() {
    check(
        "no_general_liability",
        Severity::Note,
        |f| f.replace("general_liability = true", "general_liability = false"),
        same,
    );
}

#[test]
fn locum_beyond_free_days() {
    check("locum_beyond_free_days", Severity::Warning, same, |p| {
        p.replace("tail_paid_by = \"practice\"", "tail_paid_by = \"practice\"\nlocum_days = 40")
    });
}

#[test]
fn no_guaranty_fund() {
    check(
        "no_guaranty_fund",
        Severity::Warning,
        |f| f.replace("market = \"admitted\"", "market = \"surplus_lines\""),
        same,
    );
}

#[test]
fn tail_responsibility() {
    check("tail_responsibility", Severity::Warning, same, |p| p.replace("tail_paid_by = \"practice\"\n", ""));
}

#[test]
fn carrier_cannot_rate() {
    check("carrier_cannot_rate", Severity::Critical, same, |p| {
        p.replace("specialty = \"80420\"", "specialty = \"80999\"")
    });
}

#[test]
fn features_not_stated() {
    check("features_not_stated", Severity::Note, |_| String::new(), same);
}

#[test]
fn questions_are_filled_with_the_practices_facts() {
    let p = practice(&PRACTICE.replace("state = \"PA\"", "state = \"PA\"\ntelehealth_states = [\"NJ\"]"));
    let r = run(&manual_with(FEATURES), &p);
    let all = r.questions.join("\n");
    assert!(
        all.contains("is Dr. One correctly classed as 80420 with no surgery (rated in Tiny Mutual class 1)"),
        "{all}"
    );
    assert!(all.contains("will the policy name Clean Family Medicine PC and Dr. One"), "{all}");
    // Tail at term end: mature undiscounted 10000 × 1.25 = 12500, CM year 7 → factor 2.00.
    assert!(all.contains("Dr. One $25,000.00"), "{all}");
    assert!(all.contains("patients in NJ covered"), "{all}");
    assert!(all.contains("Tiny Mutual is rated A (Excellent); admitted"), "{all}");
}

#[test]
fn no_tail_option() {
    let without_tail = tiny_text().replace(
        "[tail]\nbasis = \"mature_undiscounted\"\nlengths = [\"unlimited\"]\nfactors = [{ year = 1, factors = [0.80] }, { year = 4, factors = [2.00] }]\n",
        "",
    );
    assert_ne!(without_tail, tiny_text());
    let clean = run(&manual_with(FEATURES), &practice(PRACTICE));
    assert!(!rules(&clean).contains(&"no_tail_option"));
    let r = run(&manual_from(format!("{without_tail}\n{FEATURES}")), &practice(PRACTICE));
    let g = r.gaps.iter().find(|g| g.rule == "no_tail_option").unwrap();
    assert_eq!(g.severity, Severity::Warning);
    // Occurrence needs no tail, so the rule is about claims-made only.
    let occ = practice(&swap("form = \"claims_made\"\nlimits", "form = \"occurrence\"\nlimits")(PRACTICE));
    assert!(!rules(&run(&manual_from(format!("{without_tail}\n{FEATURES}")), &occ)).contains(&"no_tail_option"));
}

#[test]
fn rules_that_need_a_quote_or_a_policy_file_stay_silent_for_a_carrier() {
    // A proposed policy names exactly the practice's scheduled providers, in its own state, at
    // the limits it is rated at, with no exclusion endorsements.
    let p = practice(&swap("state = \"PA\"", "state = \"PA\"\nservices = [\"aesthetics\"]")(PRACTICE));
    let r = run(&manual_with(FEATURES), &p);
    for rule in ["insured_not_in_practice", "policy_state_mismatch", "limits_below_request", "service_excluded"] {
        assert!(!rules(&r).contains(&rule), "{rule}: {:?}", r.gaps);
    }
    assert_eq!(r.manual.as_deref(), Some("tiny-mutual/PA/2026-01"));
    assert!(r.policy.is_none());
}

// ---------------------------------------------------------------------------------------------
// A policy in force (`medmal review --policy`): the same rules, read off the declarations.

/// The declarations of a policy that covers `PRACTICE` with nothing missing.
const POLICY: &str = r#"
[policy]
number = "CM-2026-001"
carrier = "Clean Mutual"
market = "admitted"
financial_strength = "A (Excellent)"
state = "PA"
form = "claims_made"
effective = 2026-03-01
expires = 2027-03-01
limits = "2M/4M"
premium = 20000

[entity]
name = "Clean Family Medicine PC"
limits = "separate"

[[insureds]]
name = "Dr. One"
retro_date = 2020-03-01
class = "1"

[features]
consent_to_settle = "full"
defense = "outside_limits"
licensing_board_defense = 50000
deposition_representation = 25000
cyber = 50000
telehealth_states = ["PA", "NJ"]
contractors_covered = true
general_liability = true

[locum]
free_days = 30
per_day = 500

[tail]
offered = true
lengths = ["unlimited"]
factor = 2.00
free_on = ["death", "disability", "retirement"]
free_after_years = 5
free_min_age = 55
"#;

fn policy(text: &str) -> InForcePolicy {
    medmal_practice::parse_policy(&SourceFile::new("policy.toml", text)).map_err(|d| format!("{d:?}")).unwrap()
}

fn run_policy(pol: &str, p: &str) -> Review {
    review_policy(&practice(p), &policy(pol), &requirements())
}

/// `rule` is absent for the clean policy and present, at `severity`, once the edits are made.
fn check_policy(
    rule: &str,
    severity: Severity,
    policy_edit: impl Fn(&str) -> String,
    practice_edit: impl Fn(&str) -> String,
) -> Review {
    let clean = run_policy(POLICY, PRACTICE);
    assert!(!rules(&clean).contains(&rule), "{rule} fires on the clean policy: {:?}", clean.gaps);
    let changed = run_policy(&policy_edit(POLICY), &practice_edit(PRACTICE));
    let g = changed
        .gaps
        .iter()
        .find(|g| g.rule == rule)
        .unwrap_or_else(|| panic!("{rule} did not fire: {:?}", changed.gaps));
    assert_eq!(g.severity, severity, "{g:?}");
    assert!(!g.fact.is_empty() && !g.consequence.is_empty());
    changed
}

fn fact<'r>(r: &'r Review, rule: &str) -> &'r str {
    &r.gaps.iter().find(|g| g.rule == rule).unwrap().fact
}

#[test]
fn policy_clean_case_has_no_gaps() {
    let r = run_policy(POLICY, PRACTICE);
    assert!(r.gaps.is_empty(), "{:?}", r.gaps);
    assert_eq!(r.policy.as_deref(), Some("CM-2026-001"));
    assert_eq!((r.carrier.as_str(), r.manual.as_deref()), ("Clean Mutual", None));
}

#[test]
fn policy_provider_on_the_practice_not_scheduled_on_the_policy() {
    let r = check_policy("provider_not_scheduled", Severity::Critical, same, |p| {
        format!(
            "{p}\n[[providers]]\nname = \"Dr. Two\"\nrole = \"physician\"\nspecialty = \"80420\"\nsurgery = \"none\"\ntail_paid_by = \"practice\"\n"
        )
    });
    assert_eq!(
        fact(&r, "provider_not_scheduled"),
        "Dr. Two works at the practice but is not a named insured on policy CM-2026-001"
    );
}

#[test]
fn policy_names_match_ignoring_case_and_punctuation() {
    let r = run_policy(&swap("name = \"Dr. One\"", "name = \"DR ONE\"")(POLICY), PRACTICE);
    assert!(r.gaps.is_empty(), "{:?}", r.gaps);
}

#[test]
fn policy_insured_not_in_practice() {
    let r = check_policy(
        "insured_not_in_practice",
        Severity::Note,
        swap("[features]", "[[insureds]]\nname = \"Dr. Gone\"\nretro_date = 2018-01-01\n\n[features]"),
        same,
    );
    assert!(fact(&r, "insured_not_in_practice").contains("names Dr. Gone"));
}

#[test]
fn policy_retro_date_later_than_the_prior_coverages() {
    let r = check_policy(
        "prior_acts_gap",
        Severity::Critical,
        swap("retro_date = 2020-03-01", "retro_date = 2023-03-01"),
        same,
    );
    assert_eq!(
        fact(&r, "prior_acts_gap"),
        "Dr. One's retroactive date on policy CM-2026-001 (Clean Mutual) is 2023-03-01, later than the prior retro 2020-03-01"
    );
    // The same date as the prior coverage's, or an earlier one, leaves no gap.
    let earlier = run_policy(&swap("retro_date = 2020-03-01", "retro_date = 2019-03-01")(POLICY), PRACTICE);
    assert!(!rules(&earlier).contains(&"prior_acts_gap"));
}

#[test]
fn policy_retro_date_without_a_known_prior_retro() {
    // The practice knows only that the prior cover was claims-made: a retro date on the policy's
    // first day is surely later; an earlier one cannot be judged and is left alone.
    let no_prior_retro = swap("retro_date = 2020-03-01\n", "");
    check_policy(
        "prior_acts_gap",
        Severity::Critical,
        swap("retro_date = 2020-03-01", "retro_date = 2026-03-01"),
        &no_prior_retro,
    );
    let r = run_policy(POLICY, &no_prior_retro(PRACTICE));
    assert!(!rules(&r).contains(&"prior_acts_gap"), "{:?}", r.gaps);
}

#[test]
fn policy_occurrence_after_claims_made() {
    check_policy(
        "leaving_claims_made_without_tail",
        Severity::Critical,
        |p| {
            let p = swap("form = \"claims_made\"", "form = \"occurrence\"")(p);
            let p = swap("retro_date = 2020-03-01\n", "")(&p);
            let cut = p.find("[tail]").unwrap();
            p[..cut].to_string()
        },
        same,
    );
}

#[test]
fn policy_hammer_clause() {
    check_policy(
        "hammer_clause",
        Severity::Warning,
        swap("consent_to_settle = \"full\"", "consent_to_settle = \"hammer\""),
        same,
    );
}

#[test]
fn policy_no_consent_to_settle() {
    check_policy(
        "no_consent_to_settle",
        Severity::Warning,
        swap("consent_to_settle = \"full\"", "consent_to_settle = \"none\""),
        same,
    );
}

#[test]
fn policy_defense_inside_limits() {
    let r = check_policy("defense_inside_limits", Severity::Warning, swap("outside_limits", "inside_limits"), same);
    assert!(r.gaps[0].consequence.contains("reduces the 2M/4M left"), "{:?}", r.gaps);
}

#[test]
fn policy_surplus_lines_carrier() {
    let r = check_policy(
        "no_guaranty_fund",
        Severity::Warning,
        swap("market = \"admitted\"", "market = \"surplus_lines\""),
        same,
    );
    assert_eq!(fact(&r, "no_guaranty_fund"), "Clean Mutual is a surplus lines carrier");
    assert!(r.questions.last().unwrap().contains("not admitted, so no guaranty fund stands behind it"));
}

#[test]
fn policy_risk_retention_group() {
    check_policy(
        "no_guaranty_fund",
        Severity::Warning,
        swap("market = \"admitted\"", "market = \"risk_retention_group\""),
        same,
    );
}

#[test]
fn policy_entity_not_insured() {
    let r = check_policy(
        "entity_not_insured",
        Severity::Critical,
        swap("[entity]\nname = \"Clean Family Medicine PC\"\nlimits = \"separate\"\n", ""),
        same,
    );
    assert_eq!(fact(&r, "entity_not_insured"), "Clean Family Medicine PC is not insured on policy CM-2026-001");
    // Named on the declarations but not insured is the same gap.
    let named = swap("limits = \"separate\"\n", "insured = false\n")(POLICY);
    assert!(rules(&run_policy(&named, PRACTICE)).contains(&"entity_not_insured"));
}

#[test]
fn policy_midlevel_excluded() {
    let nurse =
        |p: &str| format!("{p}\n[[providers]]\nname = \"Nia Nurse\"\nrole = \"NP\"\ntail_paid_by = \"practice\"\n");
    let named = swap("[features]", "[[insureds]]\nname = \"Nia Nurse\"\nretro_date = 2024-01-01\n\n[features]");
    // Named and not excluded: covered.
    let r = run_policy(&named(POLICY), &nurse(PRACTICE));
    assert!(r.gaps.is_empty(), "{:?}", r.gaps);
    check_policy(
        "midlevel_excluded",
        Severity::Critical,
        |p| format!("{}\n[midlevels]\nexcluded = [\"NP\"]\n", named(p)),
        nurse,
    );
}

#[test]
fn policy_blanket_midlevels_need_not_be_named() {
    let nurse =
        |p: &str| format!("{p}\n[[providers]]\nname = \"Nia Nurse\"\nrole = \"NP\"\ntail_paid_by = \"practice\"\n");
    let unnamed = run_policy(POLICY, &nurse(PRACTICE));
    assert_eq!(rules(&unnamed), vec!["provider_not_scheduled"]);
    let blanket = run_policy(&format!("{POLICY}\n[midlevels]\nblanket = [\"np\"]\n"), &nurse(PRACTICE));
    assert!(blanket.gaps.is_empty(), "{:?}", blanket.gaps);
}

#[test]
fn policy_contractor_not_covered() {
    check_policy(
        "contractor_not_covered",
        Severity::Critical,
        swap("contractors_covered = true", "contractors_covered = false"),
        swap("tail_paid_by = \"practice\"", "tail_paid_by = \"practice\"\ncontractor = true"),
    );
}

#[test]
fn policy_telehealth_out_of_territory() {
    let r = check_policy(
        "telehealth_out_of_territory",
        Severity::Critical,
        swap("telehealth_states = [\"PA\", \"NJ\"]", "telehealth_states = []"),
        swap("state = \"PA\"", "state = \"PA\"\ntelehealth_states = [\"NJ\"]"),
    );
    assert!(r.gaps[0].consequence.contains("only for patients in PA"), "{:?}", r.gaps);
}

#[test]
fn policy_service_excluded() {
    let r = check_policy(
        "service_excluded",
        Severity::Critical,
        |p| format!("{p}\n[exclusions]\nservices = [\"aesthetics\"]\n"),
        swap("state = \"PA\"", "state = \"PA\"\nservices = [\"aesthetics\"]"),
    );
    // Excluded outright is the one gap; "outside the class" would say the same thing twice.
    assert!(!rules(&r).contains(&"service_outside_class"), "{:?}", r.gaps);
}

#[test]
fn policy_service_outside_class_unless_endorsed() {
    let aesthetics = swap("state = \"PA\"", "state = \"PA\"\nservices = [\"aesthetics\"]");
    check_policy("service_outside_class", Severity::Warning, same, &aesthetics);
    let endorsed = swap("general_liability = true", "general_liability = true\ncovered_services = [\"aesthetics\"]");
    assert!(run_policy(&endorsed(POLICY), &aesthetics(PRACTICE)).gaps.is_empty());
}

#[test]
fn policy_limits_below_requirement() {
    check_policy(
        "limits_below_requirement",
        Severity::Critical,
        swap("limits = \"2M/4M\"", "limits = \"500K/1.5M\""),
        same,
    );
}

#[test]
fn policy_limits_below_what_the_practice_asks_for() {
    let r =
        check_policy("limits_below_request", Severity::Warning, swap("limits = \"2M/4M\"", "limits = \"1M/3M\""), same);
    assert_eq!(
        fact(&r, "limits_below_request"),
        "policy CM-2026-001 (Clean Mutual) carries 1M/3M; the practice asks for 2M/4M"
    );
    // 1M/3M meets every PA requirement, so that is the only gap.
    assert_eq!(rules(&r), vec!["limits_below_request"]);
}

#[test]
fn policy_state_mismatch() {
    check_policy("policy_state_mismatch", Severity::Critical, swap("state = \"PA\"", "state = \"NJ\""), same);
}

#[test]
fn policy_no_tail_option() {
    check_policy(
        "no_tail_option",
        Severity::Warning,
        |p| {
            let cut = p.find("[tail]").unwrap();
            format!("{}[tail]\noffered = false\n", &p[..cut])
        },
        same,
    );
}

#[test]
fn policy_sublimits_and_general_liability() {
    check_policy(
        "no_licensing_board_cover",
        Severity::Warning,
        swap("licensing_board_defense = 50000", "licensing_board_defense = false"),
        same,
    );
    check_policy(
        "no_deposition_cover",
        Severity::Note,
        swap("deposition_representation = 25000", "deposition_representation = false"),
        same,
    );
    check_policy("no_cyber", Severity::Warning, swap("cyber = 50000", "cyber = false"), same);
    check_policy(
        "no_general_liability",
        Severity::Note,
        swap("general_liability = true", "general_liability = false"),
        same,
    );
}

#[test]
fn policy_locum_days() {
    let locum = swap("tail_paid_by = \"practice\"", "tail_paid_by = \"practice\"\nlocum_days = 40");
    let r = check_policy("locum_beyond_free_days", Severity::Warning, same, &locum);
    assert!(r.gaps[0].consequence.contains("the extra 10 days cost $500/day"), "{:?}", r.gaps);
    // A policy without a locum provision: any locum day needs the locum's own cover.
    let cut = |p: &str| p.replace("[locum]\nfree_days = 30\nper_day = 500\n", "");
    let r = check_policy("locum_beyond_free_days", Severity::Warning, cut, &locum);
    assert!(r.gaps[0].fact.contains("has no locum tenens provision"), "{:?}", r.gaps);
}

#[test]
fn policy_tail_responsibility() {
    check_policy("tail_responsibility", Severity::Warning, same, swap("tail_paid_by = \"practice\"\n", ""));
}

#[test]
fn policy_questions_come_from_the_declarations() {
    let p = swap(
        "tail_paid_by = \"practice\"",
        "tail_paid_by = \"practice\"\nage = 61\nyears_insured_with_carrier = 8",
    )(PRACTICE);
    let pol = format!(
        "{}\n[exclusions]\nprocedures = [\"vasectomy\"]\n",
        swap(
            "premium = 20000",
            "premium = 20000\ndeductible = { amount = 10000, type = \"indemnity\", basis = \"per_claim\" }"
        )(POLICY)
    );
    let r = run_policy(&pol, &p);
    let all = r.questions.join("\n");
    assert!(all.contains("is Dr. One correctly classed as 80420 with no surgery (declared in class 1)"), "{all}");
    assert!(all.contains("policy CM-2026-001 names Clean Family Medicine PC and Dr. One"), "{all}");
    // Tail: factor 2.00 × premium 20,000 = 40,000; age 61 ≥ 55 and 8 ≥ 5 years insured.
    assert!(all.contains("the tail (unlimited) is priced at 2 × the annual premium: about $40,000.00"), "{all}");
    assert!(
        all.contains(
            "free on death/disability/retirement after 5 years insured, age 55 or over to retire (met today by Dr. One)"
        ),
        "{all}"
    );
    assert!(all.contains("Deductible: $10,000.00 on indemnity per claim"), "{all}");
    assert!(all.contains("the policy excludes vasectomy"), "{all}");
    assert!(all.contains("Renewal: the policy runs 2026-03-01 to 2027-03-01"), "{all}");
    assert!(all.contains("Clean Mutual is rated A (Excellent); admitted"), "{all}");
    // Nothing here needs a quote, so nothing claims one.
    assert!(!rules(&r).iter().any(|g| g.starts_with("carrier_") || *g == "features_not_stated"), "{:?}", r.gaps);
}

#[test]
fn policy_tail_price_unknown_says_so() {
    let r = run_policy(&swap("factor = 2.00\n", "")(POLICY), PRACTICE);
    assert!(
        r.questions.iter().any(|q| q.contains("at a price the policy does not state; ask for a tail quote")),
        "{:?}",
        r.questions
    );
}

// ---------------------------------------------------------------------------------------------
// The command line.

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn medmal(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_medmal")).args(args).current_dir(root()).output().unwrap()
}

#[test]
fn sample_policies_review_against_their_practices() {
    let o = medmal(&[
        "review",
        "examples/practices/pa-pittsburgh-orthopedics-midlevels.toml",
        "--policy",
        "examples/policies/pa-pittsburgh-orthopedics-midlevels.toml",
        "--format",
        "json",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", String::from_utf8_lossy(&o.stderr));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v.as_array().unwrap().len(), 1);
    assert_eq!(v[0]["policy"], "APT-RRG-25-004417");
    assert!(v[0]["manual"].is_null());
    let gaps: Vec<(String, String)> = v[0]["gaps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| (g["rule"].as_str().unwrap().to_string(), g["fact"].as_str().unwrap().to_string()))
        .collect();
    let has = |rule: &str, text: &str| gaps.iter().any(|(r, f)| r == rule && f.contains(text));
    assert!(has("prior_acts_gap", "Dr. Aisha Bello's retroactive date"), "{gaps:?}");
    assert!(has("provider_not_scheduled", "Darnell Hughes, PA-C"), "{gaps:?}");
    assert!(has("provider_not_scheduled", "Joseph Ricci, CRNA"), "{gaps:?}");
    assert!(has("midlevel_excluded", "Joseph Ricci, CRNA"), "{gaps:?}");
    assert!(has("hammer_clause", ""), "{gaps:?}");
    assert!(has("defense_inside_limits", ""), "{gaps:?}");
    assert!(has("no_guaranty_fund", "risk retention group"), "{gaps:?}");

    let o = medmal(&[
        "review",
        "examples/practices/pa-lancaster-retiring-internist.toml",
        "--policy",
        "examples/policies/pa-lancaster-retiring-internist.toml",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", String::from_utf8_lossy(&o.stderr));
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(out.starts_with("Harold Stoltzfus, M.D. — coverage review of policy KPM-PA-2026-118204"), "{out}");
    assert!(out.contains("[CRITICAL] limits_below_requirement: limits 500K/1.5M are below 1M/3M"), "{out}");
    assert!(out.contains("(met today by Dr. Harold Stoltzfus)"), "{out}");
}

#[test]
fn bad_policy_file_reports_file_line_col_and_exits_1() {
    let tmp = std::env::temp_dir().join(format!("medmal-badpolicy-{}.toml", std::process::id()));
    let text =
        swap("retro_date = 2020-03-01\n", "")(&swap("defense = \"outside_limits\"", "defense = \"outside\"")(POLICY));
    std::fs::write(&tmp, text).unwrap();
    let o = medmal(&["review", "examples/practices/solo-family.toml", "--policy", tmp.to_str().unwrap()]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(o.stdout.is_empty());
    let f = tmp.display().to_string();
    assert!(err.contains(&format!("{f}:18:1: missing key `retro_date` for Dr. One")), "{err}");
    assert!(
        err.contains(&format!(
            "{f}:24:11: unknown defense `outside`: expected one of \"outside_limits\", \"inside_limits\""
        )),
        "{err}"
    );
    std::fs::remove_file(&tmp).ok();

    let o = medmal(&["review", "examples/practices/solo-family.toml", "--policy", "no/such/policy.toml"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stderr).contains("no/such/policy.toml: cannot read the policy file"));
}

#[test]
fn carrier_and_policy_together_are_a_usage_error() {
    let o = medmal(&[
        "review",
        "examples/practices/pa-lancaster-retiring-internist.toml",
        "--carrier",
        "keystone-mutual",
        "--policy",
        "examples/policies/pa-lancaster-retiring-internist.toml",
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("cannot be used with"));
}

// ---------------------------------------------------------------------------------------------
// docs/policy-format.md says what the reader does.

const DOC: &str = include_str!("../../../docs/policy-format.md");

fn doc_blocks(lang: &str) -> Vec<String> {
    let fence = format!("```{lang}\n");
    let mut out = Vec::new();
    let mut rest = DOC;
    while let Some(start) = rest.find(&fence) {
        let body = &rest[start + fence.len()..];
        let end = body.find("```").unwrap();
        out.push(body[..end].to_string());
        rest = &body[end + 3..];
    }
    out
}

#[test]
fn documented_policy_example_reads_and_its_diagnostics_are_the_real_ones() {
    let toml = doc_blocks("toml");
    assert_eq!(toml.len(), 2);
    let p = policy(&toml[0]);
    assert_eq!((p.insureds.len(), p.excluded_services.len()), (2, 1));
    let got = match medmal_practice::parse_policy(&SourceFile::new("policy.toml", toml[1].as_str())) {
        Ok(_) => panic!("the documented bad file parses"),
        Err(d) => d.iter().map(|d| format!("{d}\n")).collect::<String>(),
    };
    assert_eq!(got, doc_blocks("text")[0]);
}

#[test]
fn carrier_refers() {
    let refer = |f: &str| {
        format!(
            "{f}\n[[eligibility]]\naction = \"refer\"\nreason = \"aesthetics needs underwriter review\"\ncondition = \"service\"\nany = [\"aesthetics\"]\n"
        )
    };
    let aesthetics = swap("state = \"PA\"", "state = \"PA\"\nservices = [\"aesthetics\"]");
    check("carrier_refers", Severity::Warning, refer, &aesthetics);
    // The referral names the service, so the service gap is critical rather than a warning.
    let r = run(&manual_with(&refer(FEATURES)), &practice(&aesthetics(PRACTICE)));
    assert_eq!(r.gaps.iter().find(|g| g.rule == "service_outside_class").unwrap().severity, Severity::Critical);
}

#[test]
fn carrier_declines() {
    check(
        "carrier_declines",
        Severity::Critical,
        |f| {
            format!(
                "{f}\n[[eligibility]]\naction = \"decline\"\nreason = \"a claim in five years\"\ncondition = \"claims\"\nat_least = 1\nwithin_years = 5\n"
            )
        },
        |p| format!("{p}\n[[providers.claims]]\nreported = 2024-05-01\npaid = 0\n"),
    );
}

#[test]
fn contractor_scheduled() {
    check(
        "contractor_scheduled",
        Severity::Note,
        same,
        swap("tail_paid_by = \"practice\"", "tail_paid_by = \"practice\"\ncontractor = true"),
    );
}
