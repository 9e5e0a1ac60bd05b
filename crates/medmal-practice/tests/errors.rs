//! Every kind of problem is reported at its place, all at once.
#![allow(clippy::unwrap_used)]

use medmal_practice::{Diagnostic, load_practice, parse_limits, parse_practice};
use medmal_text::{Location, SourceFile};

/// A valid practice; the line numbers matter to the tests below.
const MINIMAL: &str = r#"[practice]
name = "Test Practice"
state = "PA"

[[locations]]
name = "Office"
county = "Bucks"

[coverage]
effective = 2026-07-01
transaction = "new"
form = "claims_made"
limits = "1M/3M"

[[providers]]
name = "Dr. Test"
role = "physician"
specialty = "80420"
surgery = "none"
"#;

fn diags(name: &str, text: &str) -> Vec<String> {
    match parse_practice(&SourceFile::new(name, text)) {
        Ok(_) => Vec::new(),
        Err(d) => {
            assert!(!d.is_empty());
            d.iter().map(ToString::to_string).collect()
        }
    }
}

/// `MINIMAL` with one piece of text replaced; the replaced text must be there.
fn with(from: &str, to: &str) -> String {
    assert!(MINIMAL.contains(from), "{from}");
    MINIMAL.replacen(from, to, 1)
}

fn one(text: &str) -> String {
    let d = diags("x.toml", text);
    assert_eq!(d.len(), 1, "{d:#?}");
    d[0].clone()
}

#[test]
fn minimal_practice_parses_with_defaults() {
    let p = parse_practice(&SourceFile::new("x.toml", MINIMAL)).unwrap();
    assert!(p.entity.is_none());
    assert_eq!(p.coverage.entity_limits, medmal_core::practice::EntityLimits::Shared);
    let dr = &p.providers[0];
    assert!(!dr.board_certified && !dr.society_member && !dr.teaching && !dr.contractor);
    assert_eq!((dr.locum_days, dr.leave_months, dr.years_insured_with_carrier), (0, 0, 0));
    assert!(dr.prior_coverage.is_none() && dr.hours_per_week.is_none() && dr.age.is_none());
}

#[test]
fn wrong_enum_value_lists_the_allowed_values() {
    assert_eq!(
        one(&with(r#"form = "claims_made""#, r#"form = "claimsmade""#)),
        r#"x.toml:12:8: unknown form `claimsmade`: expected one of "claims_made", "occurrence""#
    );
    assert_eq!(
        one(&with(r#"surgery = "none""#, r#"surgery = "huge""#)),
        r#"x.toml:19:11: unknown surgery `huge`: expected one of "none", "minor", "major""#
    );
    assert_eq!(
        one(&with(r#"transaction = "new""#, "transaction = true")),
        r#"x.toml:11:15: `transaction` is a boolean: expected one of "new", "renewal""#
    );
}

#[test]
fn unknown_keys_list_the_expected_keys() {
    assert_eq!(
        one(&with("state = \"PA\"\n", "state = \"PA\"\nnmae = \"x\"\n")),
        "x.toml:4:1: unknown key `nmae`: expected one of name, services, state, telehealth_states"
    );
    let d = one(&format!("{MINIMAL}board_certifed = true\n"));
    assert!(d.starts_with("x.toml:20:1: unknown key `board_certifed`: expected one of "), "{d}");
    assert!(d.contains("board_certified") && d.contains("years_since_training"), "{d}");
    let d = one(&format!("{MINIMAL}\n[misc]\nx = 1\n"));
    assert_eq!(
        d,
        "x.toml:21:2: unknown key `misc`: expected one of coverage, entity, locations, practice, providers, underwriting"
    );
}

#[test]
fn missing_keys_are_reported_at_their_table() {
    assert_eq!(
        one(&with("specialty = \"80420\"\n", "")),
        r#"x.toml:15:1: missing key `specialty`: expected the physician's 5-digit ISO specialty code, such as "80420""#
    );
    assert_eq!(
        one(&with("county = \"Bucks\"\n", "")),
        r#"x.toml:5:1: missing key `county`: expected the county the location is in, such as "Montgomery""#
    );
    let no_coverage = MINIMAL.replace(
        "[coverage]\neffective = 2026-07-01\ntransaction = \"new\"\nform = \"claims_made\"\nlimits = \"1M/3M\"\n",
        "",
    );
    assert_eq!(one(&no_coverage), "x.toml:1:1: missing key `coverage`: expected a [coverage] table");
}

#[test]
fn entity_limits_are_required_when_the_entity_is_insured() {
    let text = with("[[locations]]", "[entity]\nname = \"Test, P.C.\"\n\n[[locations]]");
    assert_eq!(
        one(&text),
        r#"x.toml:12:1: missing key `entity_limits`: expected "shared" or "separate" because the entity is insured ([entity] insure = true)"#
    );
    // Not insured: no entity_limits needed.
    let text = with("[[locations]]", "[entity]\nname = \"Test, P.C.\"\ninsure = false\n\n[[locations]]");
    assert!(diags("x.toml", &text).is_empty());
}

#[test]
fn values_out_of_range() {
    assert_eq!(
        one(&format!("{MINIMAL}hours_per_week = 0\n")),
        "x.toml:20:18: `hours_per_week` is 0: expected more than 0 and at most 100"
    );
    assert_eq!(
        one(&format!("{MINIMAL}leave_months = 13\n")),
        "x.toml:20:16: `leave_months` is 13: expected a whole number from 0 to 12"
    );
    assert_eq!(
        one(&format!("{MINIMAL}years_since_training = 2.5\n")),
        "x.toml:20:24: expected a whole number ≥ 0, found 2.5"
    );
    assert_eq!(
        one(&with(r#"limits = "1M/3M""#, r#"limits = "3M/1M""#)),
        "x.toml:13:10: limits 3M/1M have an aggregate below the per-claim limit: expected aggregate ≥ per claim"
    );
    assert_eq!(
        one(&with(r#"limits = "1M/3M""#, r#"limits = "lots""#)),
        r#"x.toml:13:10: `lots` is not a limits amount: expected per-claim/aggregate such as "1M/3M", "500K/1.5M" or "1000000/3000000""#
    );
    assert_eq!(
        one(&with(r#"limits = "1M/3M""#, "limits = { per_claim = 0, aggregate = 3000000 }")),
        "x.toml:13:24: `per_claim` is 0: expected an amount greater than 0"
    );
    assert_eq!(
        one(&with(r#"state = "PA""#, r#"state = "Penn""#)),
        r#"x.toml:3:9: `Penn` in `state` is not a state code: expected a two-letter code such as "PA""#
    );
    assert_eq!(
        one(&with(r#"specialty = "80420""#, r#"specialty = "8042""#)),
        r#"x.toml:18:13: `8042` is not a specialty code: expected a 5-digit ISO code, 80xxx (M.D.) or 84xxx (D.O.), such as "80420""#
    );
}

#[test]
fn percent_of_practice_must_sum_to_100() {
    let text = format!(
        "{MINIMAL}practice = [ {{ county = \"Bucks\", percent = 60 }}, {{ county = \"Chester\", percent = 30 }} ]\n"
    );
    assert_eq!(one(&text), "x.toml:20:12: percent of practice sums to 90: expected the percents to add up to 100");
    let text = format!(
        "{MINIMAL}practice = [ {{ county = \"Bucks\", percent = 0 }}, {{ county = \"Chester\", percent = 100 }} ]\n"
    );
    assert_eq!(one(&text), "x.toml:20:44: `percent` is 0: expected more than 0 and at most 100");
}

#[test]
fn dates_after_the_effective_date_are_errors() {
    let text = format!("{MINIMAL}\n  [[providers.claims]]\n  reported = 2026-08-01\n  paid = 1000\n");
    assert_eq!(
        one(&text),
        "x.toml:22:14: `reported` 2026-08-01 is after the policy's effective date 2026-07-01: expected a date on or before it"
    );
    let text =
        format!("{MINIMAL}\n  [[providers.disciplinary]]\n  action = \"license_probation\"\n  date = 2026-07-02\n");
    assert_eq!(
        one(&text),
        "x.toml:23:10: `date` 2026-07-02 is after the policy's effective date 2026-07-01: expected a date on or before it"
    );
    let text = format!("{MINIMAL}\n[underwriting]\ngroup_losses = [ {{ reported = 2027-01-01, paid = 5 }} ]\n");
    assert_eq!(
        one(&text),
        "x.toml:22:31: `reported` 2027-01-01 is after the policy's effective date 2026-07-01: expected a date on or before it"
    );
    // The effective date itself is fine.
    let text = format!("{MINIMAL}\n  [[providers.claims]]\n  reported = 2026-07-01\n  paid = 0\n");
    assert!(diags("x.toml", &text).is_empty());
}

#[test]
fn role_specific_keys() {
    let np = with("role = \"physician\"", "role = \"np\"");
    let d = diags("x.toml", &np);
    assert_eq!(
        d,
        [
            r#"x.toml:18:13: `specialty` applies to physicians only, but role `NP` is a mid-level type: expected no `specialty` (or role = "physician")"#,
            r#"x.toml:19:11: `surgery` applies to physicians only, but role `NP` is a mid-level type: expected no `surgery` (or role = "physician")"#,
        ]
    );
    let np = np.replace("specialty = \"80420\"\nsurgery = \"none\"\n", "shared_limits = false\n");
    let p = parse_practice(&SourceFile::new("x.toml", &np)).unwrap();
    assert!(
        matches!(&p.providers[0].role, medmal_core::practice::Role::MidLevel { kind, shared_limits: false } if kind == "NP")
    );
    assert_eq!(
        one(&format!("{MINIMAL}shared_limits = true\n")),
        "x.toml:20:17: `shared_limits` applies to mid-level providers only: expected no `shared_limits` for a physician (physicians have their own limits)"
    );
}

#[test]
fn duplicate_provider_names() {
    let text = format!("{MINIMAL}\n[[providers]]\nname = \"dr. test\"\nrole = \"PA\"\n");
    assert_eq!(
        one(&text),
        "x.toml:22:8: duplicate provider name `dr. test` (first at 16:8): expected each provider's name once"
    );
}

#[test]
fn several_errors_are_all_reported_in_file_order() {
    let text = r#"[practice]
name = ""
state = "PA"

[[locations]]
name = "Office"

[coverage]
effective = 2026-07-01
transaction = "new"
form = "claims_made"
limits = "1M/3M"
deductible = { amount = 5000, type = "both", basis = "per_claim" }

[[providers]]
name = "Dr. A"
role = "physician"
specialty = "80420"
surgery = "none"
age = 7
color = "blue"

[[providers]]
name = "Dr. B"
role = "physician"
surgery = "major"

[underwriting]
schedule = { practice_management = -1.5 }
group_losses = []
"#;
    let d = diags("many.toml", text);
    assert_eq!(
        d,
        [
            "many.toml:2:8: `name` is empty: expected the practice's name",
            r#"many.toml:5:1: missing key `county`: expected the county the location is in, such as "Montgomery""#,
            r#"many.toml:13:38: unknown type `both`: expected one of "indemnity", "indemnity_expense""#,
            "many.toml:20:7: `age` is 7: expected a whole number from 18 to 110",
            "many.toml:21:1: unknown key `color`: expected one of age, board_certified, claims, contractor, disciplinary, hours_per_week, leave_months, locum_days, name, practice, prior_coverage, resident, risk_management_course, role, scheduled, shared_limits, society_member, specialty, surgery, tail_paid_by, teaching, years_insured_with_carrier, years_since_training",
            r#"many.toml:23:1: missing key `specialty`: expected the physician's 5-digit ISO specialty code, such as "80420""#,
            "many.toml:29:36: schedule item `practice_management` is -1.5: expected a signed fraction between -1 and 1, such as -0.05 for a 5% credit",
        ]
    );
}

#[test]
fn toml_syntax_errors_have_positions() {
    let d = diags("x.toml", &with("name = \"Dr. Test\"", "name = \"Dr. Test"));
    assert!(!d.is_empty());
    assert!(d[0].starts_with("x.toml:16:"), "{d:?}");
    assert!(d[0].contains("invalid TOML"), "{d:?}");
}

#[test]
fn json_diagnostics_name_the_field_path() {
    let text = r#"{
  "practice": { "name": "X", "state": "pa" },
  "locations": [ { "name": "Office", "county": "Bucks" } ],
  "coverage": { "effective": "2026-07-01", "transaction": "new", "form": "occurrence", "limits": "1M/3M" },
  "providers": [
    { "name": "A", "role": "physician", "specialty": "80420", "surgery": "none", "hours_per_week": 0, "age": null },
    { "name": "B", "role": "CRNA", "practice": [ { "county": "Bucks", "percent": 50 } ] }
  ]
}"#;
    assert_eq!(
        diags("x.json", text),
        [
            "x.json: at providers[0].hours_per_week: `hours_per_week` is 0: expected more than 0 and at most 100",
            "x.json: at providers[1].practice: percent of practice sums to 50: expected the percents to add up to 100",
        ]
    );
    let d = diags("x.json", "{ \"practice\": ");
    assert_eq!(d.len(), 1);
    assert!(d[0].starts_with("x.json:1:") && d[0].contains("invalid JSON"), "{d:?}");
}

#[test]
fn json_nulls_mean_absent_and_state_is_uppercased() {
    let text = r#"{
  "practice": { "name": "X", "state": "pa", "services": null },
  "entity": null,
  "locations": [ { "name": "Office", "county": "Bucks" } ],
  "coverage": { "effective": "2026-07-01", "transaction": "renewal", "form": "occurrence",
                "limits": { "per_claim": 1000000, "aggregate": 3000000 }, "deductible": null },
  "providers": [ { "name": "A", "role": "physician", "specialty": 80420, "surgery": "minor", "age": null } ]
}"#;
    let p = parse_practice(&SourceFile::new("x.json", text)).unwrap();
    assert_eq!(p.state, "PA");
    assert!(p.entity.is_none() && p.coverage.deductible.is_none() && p.providers[0].age.is_none());
    assert_eq!(p.coverage.limits.label(), "1M/3M");
}

#[test]
fn unreadable_file_is_one_file_diagnostic() {
    let path = std::path::Path::new("/nonexistent/dir/practice.toml");
    let d: Vec<Diagnostic> = load_practice(path).unwrap_err();
    assert_eq!(d.len(), 1);
    assert_eq!(d[0].location, Location::File);
    assert!(
        d[0].to_string().starts_with("/nonexistent/dir/practice.toml: cannot read the practice file: "),
        "{}",
        d[0]
    );
}

#[test]
fn limits_spellings() {
    let label = |s: &str| parse_limits(s).map(|l| l.label());
    assert_eq!(label("1M/3M").as_deref(), Some("1M/3M"));
    assert_eq!(label("500K/1.5M").as_deref(), Some("500K/1.5M"));
    assert_eq!(label("1000000/3000000").as_deref(), Some("1M/3M"));
    assert_eq!(label("2M/4M").as_deref(), Some("2M/4M"));
    assert_eq!(label("1M"), None);
    assert_eq!(label("0/1M"), None);
}
