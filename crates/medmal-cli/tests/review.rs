//! One test per coverage-review rule: the rule is silent on a clean practice and fires on one
//! changed in exactly the fact the rule is about (so each test fails without its rule).
#![allow(clippy::unwrap_used)]

use std::path::Path;

use medmal_core::Manual;
use medmal_core::practice::Practice;
use medmal_core::rate;
use medmal_core::review::{LimitsRequirement, Review, Severity, review};
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
    let text = format!("{}\n{features}", tiny_text());
    let src = SourceFile::new("manual.toml", text);
    medmal_manual::parse_manual(&src, &|_| Err("no tables".into())).map_err(|d| format!("{d:?}")).unwrap().0
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
