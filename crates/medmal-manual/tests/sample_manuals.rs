//! The sample manuals shipped under `manuals/` load without a single diagnostic, the Keystone
//! PA manual keeps using every element of the format, and deliberately broken copies of it are
//! reported at the exact `file:line:col` of the problem.
//!
//! Broken copies are made by editing the real manual text in memory and parsing it with
//! [`medmal_manual::parse_manual`] and a table reader that can swap in edited CSV text, so the
//! expected positions are computed from the edited text itself (they survive comment edits in
//! the manual).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};

use medmal_core::manual::{
    Combine, EligibilityAction, EntityCharge, MidLevelMethod, PolicyStep, ProviderStep, TailBasis,
};
use medmal_core::money::RoundingMode;
use medmal_text::SourceFile;
use rust_decimal::Decimal;

fn manuals_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../manuals")
}

fn keystone_dir() -> PathBuf {
    manuals_root().join("keystone-mutual/PA/2026-07")
}

fn read(rel: &str) -> String {
    std::fs::read_to_string(keystone_dir().join(rel)).expect(rel)
}

/// Parse `main` as `manual.toml`, reading tables from the Keystone directory except the ones
/// given in `tables` (path as written in the manual → replacement text). Returns every
/// diagnostic as `file:line:col: message` (empty when the manual is valid).
fn diagnose(main: &str, tables: &[(&str, String)]) -> Vec<String> {
    let source = SourceFile::new("manual.toml", main);
    let read_table = |rel: &str| -> Result<SourceFile, String> {
        if let Some((_, text)) = tables.iter().find(|(p, _)| *p == rel) {
            return Ok(SourceFile::new(rel, text.clone()));
        }
        std::fs::read_to_string(keystone_dir().join(rel))
            .map(|t| SourceFile::new(rel, t))
            .map_err(|e| format!("cannot read table file {rel}: {e}"))
    };
    match medmal_manual::parse_manual(&source, &read_table) {
        Ok(_) => Vec::new(),
        Err(diags) => diags.iter().map(ToString::to_string).collect(),
    }
}

/// 1-based line and column (in characters) of the first occurrence of `needle` in `text`.
fn pos(text: &str, needle: &str) -> (usize, usize) {
    let at = text.find(needle).unwrap_or_else(|| panic!("`{needle}` not found"));
    let before = &text[..at];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    (line, before[line_start..].chars().count() + 1)
}

/// `text` with exactly one occurrence of `from` replaced (so a test cannot silently edit
/// nothing after the manual changes).
fn edit(text: &str, from: &str, to: &str) -> String {
    assert_eq!(text.matches(from).count(), 1, "expected exactly one `{from}` in the manual");
    text.replacen(from, to, 1)
}

/// Assert a diagnostic at `file:line:col` whose message contains `message`.
fn assert_diag(diags: &[String], file: &str, (line, col): (usize, usize), message: &str) {
    let prefix = format!("{file}:{line}:{col}: ");
    assert!(
        diags.iter().any(|d| d.starts_with(&prefix) && d.contains(message)),
        "expected a diagnostic `{prefix}…{message}…`, got:\n{}",
        diags.join("\n")
    );
}

#[test]
fn every_sample_manual_loads_without_diagnostics() {
    let (manuals, diags) = medmal_manual::load_all(&manuals_root());
    assert!(
        diags.is_empty(),
        "diagnostics in the sample manuals:\n{}",
        diags.iter().map(ToString::to_string).collect::<Vec<_>>().join("\n")
    );
    assert!(manuals.iter().any(|m| m.manual.meta.id() == "keystone-mutual/PA/2026-07"));
}

#[test]
fn the_unedited_text_parses_cleanly() {
    assert_eq!(diagnose(&read("manual.toml"), &[]), Vec::<String>::new());
}

/// The Keystone manual is the reference sample: it must keep exercising every element of the
/// format, so the format documentation and the rating examples always have a live instance.
#[test]
fn keystone_uses_every_element_of_the_format() {
    let loaded = medmal_manual::load_manual(&keystone_dir().join("manual.toml")).expect("Keystone manual loads");
    let m = &loaded.manual;
    let d = |s: &str| s.parse::<Decimal>().unwrap();

    assert_eq!(m.meta.carrier_name, "Keystone Physicians Mutual");
    assert_eq!(m.meta.state, "PA");
    assert_eq!(m.meta.effective_new.to_string(), "2026-07-01");
    assert_eq!(m.meta.effective_renewal.to_string(), "2026-08-01");
    assert_eq!(m.meta.base_limits.label(), "1M/3M");
    assert!(m.osteopathic_mirror);
    let sr = m.step_rounding.expect("step_rounding");
    assert_eq!((sr.unit, sr.mode), (d("0.01"), RoundingMode::HalfUp));

    // Specialty plan: the codes the examples and sample practices use, with their levels.
    for (code, levels) in [
        ("80420", "none minor major"),
        ("80208", "none"),
        ("80153", "any"),
        ("80143", "any"),
        ("80267", "none"),
        ("80151", "any"),
        ("80255", "none"),
        ("80256", "none minor"),
    ] {
        let s = m.specialty(code).unwrap_or_else(|| panic!("specialty {code}"));
        for level in levels.split(' ') {
            let class = match level {
                "none" => &s.none,
                "minor" => &s.minor,
                "major" => &s.major,
                _ => &s.any,
            };
            assert!(class.is_some(), "{code} at {level}");
        }
    }

    // Every class has a rate in every territory; counties map as documented.
    assert!(m.classes.len() >= 8);
    for c in &m.classes {
        for t in &m.territories.list {
            assert!(m.base_rates.contains_key(&(c.id.clone(), t.id.clone())), "rate for {} in {}", c.id, t.id);
        }
    }
    for (county, terr) in [
        ("Philadelphia", "1"),
        ("Montgomery", "2"),
        ("Delaware", "2"),
        ("Bucks", "2"),
        ("Chester", "2"),
        ("Allegheny", "3"),
        ("Erie", "4"),
    ] {
        assert_eq!(m.territory_of(county).map(String::as_str), Some(terr), "{county}");
    }

    // Mid-levels: percent of class with shared and separate, own class, flat.
    assert!(
        m.midlevels
            .iter()
            .any(|x| matches!(x.method, MidLevelMethod::PercentOfClass { shared: Some(_), separate: Some(_), .. }))
    );
    assert!(m.midlevels.iter().any(|x| matches!(x.method, MidLevelMethod::OwnClass { .. })));
    assert!(m.midlevels.iter().any(|x| matches!(x.method, MidLevelMethod::Flat { .. })));

    let steps: Vec<Decimal> = m.form.claims_made_steps.clone().expect("claims-made steps");
    assert_eq!(steps, ["0.35", "0.65", "0.85", "0.95", "1.00"].map(d).to_vec());
    assert!(m.form.occurrence_factor.is_some());
    assert!(m.limits.len() >= 4);

    // Deductibles of both types and both bases.
    for kind in ["indemnity", "indemnity_expense"] {
        for basis in ["per_claim", "aggregate"] {
            assert!(
                m.deductibles.iter().any(|o| o.deductible.kind.name() == kind && o.deductible.basis.name() == basis),
                "deductible {kind} {basis}"
            );
        }
    }

    // Every modifier type, each in exactly one group; groups of both combine rules with caps
    // and factor decimals.
    let kinds: Vec<&str> = m.modifiers.iter().map(|x| x.rule.kind()).collect();
    for k in [
        "part_time",
        "new_to_practice",
        "resident",
        "teaching",
        "leave_of_absence",
        "claims_free",
        "claims_surcharge",
        "disciplinary",
        "risk_management",
        "board_certified",
        "society_member",
        "loyalty",
    ] {
        assert!(kinds.contains(&k), "modifier type {k}");
    }
    for rule in [Combine::Multiply, Combine::Add] {
        assert!(
            m.modifier_groups
                .iter()
                .any(|g| g.combine == rule && g.max_credit.is_some() && g.factor_decimals.is_some()),
            "a capped {rule:?} group with factor_decimals"
        );
    }

    let schedule = m.schedule.as_ref().expect("schedule");
    assert_eq!((schedule.max_credit, schedule.max_debit), (d("0.25"), d("0.25")));
    let x = m.experience.as_ref().expect("experience");
    assert_eq!(x.min_providers, 5);
    assert!(m.locum.as_ref().is_some_and(|l| l.free_days == 30));
    assert!(matches!(m.entity.shared, Some(EntityCharge::Flat(_))));
    assert!(matches!(m.entity.separate, Some(EntityCharge::Percent(_))));
    assert!(m.entity.maximum.is_some());
    assert!(m.surcharges.iter().any(|s| s.id == "mcare"));
    let tail = m.tail.as_ref().expect("tail");
    assert_eq!(tail.basis, TailBasis::MatureUndiscounted);
    assert!(tail.free.as_ref().is_some_and(|f| f.min_age.is_some() && f.min_years_insured > 0));
    assert!(m.eligibility.iter().any(|r| r.action == EligibilityAction::Refer));
    assert!(m.eligibility.iter().any(|r| r.action == EligibilityAction::Decline));

    // Steps: every provider step kind, and the policy adds the fund surcharge on top.
    for name in [
        "base_rate",
        "policy_form",
        "limits",
        "deductible",
        "modifiers",
        "schedule",
        "experience",
        "locum",
        "round",
        "minimum",
    ] {
        assert!(m.provider_steps.iter().any(|s| s.name() == name), "provider step {name}");
    }
    assert!(matches!(m.provider_steps.last(), Some(ProviderStep::Minimum(_))));
    assert!(m.policy_steps.iter().any(|s| matches!(s, PolicyStep::Entity)));
    assert!(m.policy_steps.iter().any(|s| matches!(s, PolicyStep::Surcharge { id } if id == "mcare")));
    assert!(matches!(m.policy_steps.last(), Some(PolicyStep::Minimum(_))));
}

#[test]
fn keystone_ships_at_least_twelve_rating_examples() {
    let dir = keystone_dir().join("examples");
    let examples: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("examples directory")
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .collect();
    assert!(examples.len() >= 12, "only {} examples in {}", examples.len(), dir.display());
    for e in &examples {
        let text = std::fs::read_to_string(e).unwrap();
        assert!(text.contains("\n[expect]\n"), "{} has no [expect] table", e.display());
        assert!(text.contains("\ntotal = \""), "{} expects no total", e.display());
    }
}

// ---------------------------------------------------------------------------------------------
// Broken copies.

#[test]
fn unknown_key_is_reported_at_the_key() {
    let text = edit(&read("manual.toml"), "free_days = 30\n", "free_days = 30\nfree_day = 31\n");
    let diags = diagnose(&text, &[]);
    assert_diag(
        &diags,
        "manual.toml",
        pos(&text, "free_day = 31"),
        "unknown key `free_day`: expected one of free_days, per_day",
    );
}

#[test]
fn unknown_key_in_a_nested_table_is_reported_at_the_key() {
    let text = edit(&read("manual.toml"), "min_years_insured = 5\n", "min_years_insured = 5\nmin_year_insured = 5\n");
    let diags = diagnose(&text, &[]);
    assert_diag(&diags, "manual.toml", pos(&text, "min_year_insured = 5"), "unknown key `min_year_insured`");
}

#[test]
fn class_missing_a_rate_cell_is_reported_in_the_csv() {
    let csv = edit(&read("tables/base_rates.csv"), "\n3,33600,23500,19500,14700\n", "\n3,33600,23500,,14700\n");
    let diags = diagnose(&read("manual.toml"), &[("tables/base_rates.csv", csv.clone())]);
    let (line, _) = pos(&csv, "3,33600,23500,,14700");
    // The line is exact; the column is checked separately (see the ignored test below).
    assert!(
        diags.iter().any(|d| d.starts_with(&format!("tables/base_rates.csv:{line}:"))
            && d.contains("class `3` has no rate for territory `3`")),
        "got:\n{}",
        diags.join("\n")
    );
}

#[test]
fn class_missing_its_whole_row_is_reported_at_base_rates() {
    let csv = edit(&read("tables/base_rates.csv"), "\n4,48000,33600,27800,21000\n", "\n");
    let text = read("manual.toml");
    let diags = diagnose(&text, &[("tables/base_rates.csv", csv)]);
    let at = pos(&text, "\"tables/base_rates.csv\"");
    assert_diag(&diags, "manual.toml", at, "class `4` has no base rates: expected a rate in every territory");
}

/// CSV diagnostics point at the exact column of the offending cell.
#[test]
fn csv_diagnostics_point_at_the_exact_column() {
    let csv = edit(&read("tables/base_rates.csv"), "\n3,33600,23500,19500,14700\n", "\n3,33600,23500,,14700\n");
    let diags = diagnose(&read("manual.toml"), &[("tables/base_rates.csv", csv.clone())]);
    let (line, col) = pos(&csv, "3,33600,23500,,14700");
    assert_diag(
        &diags,
        "tables/base_rates.csv",
        (line, col + "3,33600,23500,".len()),
        "class `3` has no rate for territory `3`",
    );
}

/// A territory repeated in the CSV header is reported (it would otherwise silently win).
#[test]
fn repeated_territory_column_is_reported() {
    let mut csv = String::new();
    for l in read("tables/base_rates.csv").lines() {
        csv.push_str(l);
        if !l.starts_with('#') {
            let last = l.rsplit(',').next().unwrap_or_default();
            csv.push(',');
            csv.push_str(if l.starts_with("class") { "4" } else { last });
        }
        csv.push('\n');
    }
    let diags = diagnose(&read("manual.toml"), &[("tables/base_rates.csv", csv)]);
    assert!(
        diags.iter().any(|d| d.starts_with("tables/base_rates.csv:") && d.contains("`4`")),
        "got:\n{}",
        diags.join("\n")
    );
}

#[test]
fn county_in_two_territories_is_reported_at_the_second_row() {
    let csv = edit(&read("tables/counties.csv"), "\nAllegheny,3\n", "\nAllegheny,3\nBucks,3\n");
    let diags = diagnose(&read("manual.toml"), &[("tables/counties.csv", csv.clone())]);
    let (first, _) = pos(&csv, "\nBucks,2");
    assert_diag(
        &diags,
        "tables/counties.csv",
        pos(&csv, "Bucks,3"),
        &format!("county `Bucks` is already in territory `2` (line {}); a county belongs to one territory", first + 1),
    );
}

#[test]
fn non_positive_factor_is_reported_at_the_value() {
    let text = edit(&read("manual.toml"), "limits = \"2M/4M\"\nfactor = 1.25", "limits = \"2M/4M\"\nfactor = 0");
    let diags = diagnose(&text, &[]);
    let (line, _) = pos(&text, "limits = \"2M/4M\"\nfactor = 0");
    assert_diag(&diags, "manual.toml", (line + 1, 10), "limits factor must be positive");

    let text = edit(&read("manual.toml"), "[occurrence]\nfactor = 1.08", "[occurrence]\nfactor = -1.08");
    let diags = diagnose(&text, &[]);
    let (line, _) = pos(&text, "[occurrence]");
    assert_diag(&diags, "manual.toml", (line + 1, 10), "occurrence factor must be positive");
}

#[test]
fn claims_made_steps_must_end_at_one() {
    let text = edit(&read("manual.toml"), "steps = [0.35, 0.65, 0.85, 0.95, 1.00]", "steps = [0.35, 0.65, 0.85, 0.95]");
    let diags = diagnose(&text, &[]);
    let (line, col) = pos(&text, "steps = [0.35");
    assert_diag(
        &diags,
        "manual.toml",
        (line, col + "steps = ".len()),
        "claims-made steps must end at the mature factor 1.00, found 0.95",
    );
}

#[test]
fn claims_made_steps_must_not_decrease() {
    let text =
        edit(&read("manual.toml"), "steps = [0.35, 0.65, 0.85, 0.95, 1.00]", "steps = [0.35, 0.85, 0.65, 0.95, 1.00]");
    let diags = diagnose(&text, &[]);
    let (line, col) = pos(&text, "steps = [0.35");
    assert_diag(
        &diags,
        "manual.toml",
        (line, col + "steps = ".len()),
        "claims-made steps must not decrease: 0.65 follows 0.85",
    );
}

#[test]
fn unresolved_class_references_are_reported_at_their_entry() {
    // A specialty mapped to a class that does not exist.
    let text = edit(
        &read("manual.toml"),
        "code = \"80152\"\nname = \"Neurosurgery\"\nany = \"8\"",
        "code = \"80152\"\nname = \"Neurosurgery\"\nany = \"10\"",
    );
    let diags = diagnose(&text, &[]);
    let (line, _) = pos(&text, "code = \"80152\"");
    assert_diag(
        &diags,
        "manual.toml",
        (line - 1, 1),
        "specialty 80152 refers to class `10`, which is not defined in [[classes]]",
    );

    // A mid-level rated in a class that does not exist.
    let text =
        edit(&read("manual.toml"), "method = \"own_class\"\nclass = \"9\"", "method = \"own_class\"\nclass = \"CRNA\"");
    let diags = diagnose(&text, &[]);
    let (line, _) = pos(&text, "role = \"CRNA\"");
    assert_diag(&diags, "manual.toml", (line - 1, 1), "mid-level CRNA refers to class `CRNA`, which is not defined");

    // An eligibility rule naming an unknown class.
    let text = edit(&read("manual.toml"), "any = [\"8\"]", "any = [\"88\"]");
    let diags = diagnose(&text, &[]);
    let (line, _) = pos(&text, "reason = \"neurosurgery is written by the home office only\"");
    assert_diag(&diags, "manual.toml", (line - 2, 1), "eligibility rule names class `88`, which is not defined");
}

#[test]
fn a_group_naming_an_unknown_modifier_is_reported() {
    let text = edit(&read("manual.toml"), "\"teaching\", \"leave_of_absence\"]", "\"teaching\", \"leave_of_absense\"]");
    let diags = diagnose(&text, &[]);
    assert!(
        diags
            .iter()
            .any(|d| d.contains("group `exposure` lists modifier `leave_of_absense`, which is not in [modifiers]")),
        "got:\n{}",
        diags.join("\n")
    );
    assert!(
        diags.iter().any(|d| d.contains("modifier `leave_of_absence` is in no modifier group, so it never applies")),
        "got:\n{}",
        diags.join("\n")
    );
}

#[test]
fn limits_factors_must_rise_with_limits() {
    let text = edit(&read("manual.toml"), "limits = \"3M/5M\"\nfactor = 1.40", "limits = \"3M/5M\"\nfactor = 1.20");
    let diags = diagnose(&text, &[]);
    assert!(
        diags.iter().any(|d| d.starts_with("manual.toml:")
            && d.contains("higher limits 3M/5M have a lower factor (1.20) than 2M/4M (1.25)")),
        "got:\n{}",
        diags.join("\n")
    );
}
