//! The `medmal` binary end to end: exit codes, diagnostics, JSON contracts, worked examples.
#![allow(clippy::unwrap_used)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn medmal(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_medmal")).args(args).current_dir(root()).output().unwrap()
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[test]
fn sample_and_fixture_manuals_check_clean() {
    for dir in ["manuals", "testdata/manuals"] {
        let o = medmal(&["check", dir]);
        assert_eq!(o.status.code(), Some(0), "{}{}", stdout(&o), stderr(&o));
        assert!(stdout(&o).starts_with("ok  "), "{}", stdout(&o));
    }
}

#[test]
fn every_worked_example_passes() {
    for dir in ["manuals", "testdata/manuals"] {
        let o = medmal(&["test", dir]);
        let out = stdout(&o);
        assert_eq!(o.status.code(), Some(0), "{out}{}", stderr(&o));
        assert!(out.contains(" passed, 0 failed"), "{out}");
    }
}

#[test]
fn a_wrong_expectation_fails_the_example_run() {
    let tmp = std::env::temp_dir().join(format!("medmal-test-{}", std::process::id()));
    let src = root().join("testdata/manuals/tiny-mutual/PA/2026-01");
    let dst = tmp.join("tiny-mutual/PA/2026-01");
    std::fs::create_dir_all(dst.join("examples")).unwrap();
    std::fs::copy(src.join("manual.toml"), dst.join("manual.toml")).unwrap();
    let example = std::fs::read_to_string(src.join("examples/solo.toml"))
        .unwrap()
        .replace("total = \"8663\"", "total = \"8664\"");
    std::fs::write(dst.join("examples/solo.toml"), example).unwrap();
    let o = medmal(&["test", tmp.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stdout(&o).contains("total: expected 8664, got 8663"), "{}", stdout(&o));
    assert!(stdout(&o).contains("0 passed, 1 failed"));
    std::fs::remove_dir_all(&tmp).ok();
}

#[test]
fn broken_manual_reports_file_line_col_and_exits_1() {
    let tmp = std::env::temp_dir().join(format!("medmal-broken-{}", std::process::id()));
    std::fs::create_dir_all(&tmp).unwrap();
    let text = std::fs::read_to_string(root().join("testdata/manuals/tiny-mutual/PA/2026-01/manual.toml"))
        .unwrap()
        .replace("steps = [0.40, 0.70, 0.90, 1.00]", "steps = [0.40, 0.70, 0.90, 0.95]")
        .replace("\"2\" = { A = 50000, B = 40000 }", "\"2\" = { A = 50000 }")
        .replace("factor = 1.10", "factor = 1.10\nfactr = 2");
    let file = tmp.join("manual.toml");
    std::fs::write(&file, text).unwrap();
    let o = medmal(&["check", file.to_str().unwrap()]);
    let out = stdout(&o);
    assert_eq!(o.status.code(), Some(1), "{out}");
    let f = file.display().to_string();
    assert!(out.contains(&format!("{f}:52:1: unknown key `factr`: expected one of factor")), "{out}");
    assert!(
        out.contains(&format!("{f}:48:9: claims-made steps must end at the mature factor 1.00, found 0.95")),
        "{out}"
    );
    assert!(out.contains(&format!("{f}:45:7: class `2` has no base rate for territory `B`")), "{out}");
    assert!(out.contains("3 problem(s)"), "{out}");
    std::fs::remove_dir_all(&tmp).ok();
}

#[test]
fn overlapping_versions_are_reported() {
    let tmp = std::env::temp_dir().join(format!("medmal-overlap-{}", std::process::id()));
    for (v, new, exp) in [("a", "2026-01-01", "expires = 2026-09-01\n"), ("b", "2026-06-01", "")] {
        let dir = tmp.join(v);
        std::fs::create_dir_all(&dir).unwrap();
        let text = std::fs::read_to_string(root().join("testdata/manuals/tiny-mutual/PA/2026-01/manual.toml"))
            .unwrap()
            .replace("version = \"2026-01\"", &format!("version = \"{v}\""))
            .replace("effective_new = 2026-01-01", &format!("effective_new = {new}"))
            .replace("effective_renewal = 2026-01-01", &format!("effective_renewal = {new}"))
            .replace("expires = 2027-01-01\n", exp);
        std::fs::write(dir.join("manual.toml"), text).unwrap();
    }
    let o = medmal(&["check", tmp.to_str().unwrap()]);
    let out = stdout(&o);
    assert_eq!(o.status.code(), Some(1), "{out}");
    assert!(
        out.contains("new business overlap: version a runs to 2026-09-01 (exclusive) but version b starts 2026-06-01"),
        "{out}"
    );
    assert!(out.contains("b/manual.toml:8:17:"), "{out}");
    std::fs::remove_dir_all(&tmp).ok();
}

#[test]
fn quote_json_carries_money_as_strings_and_picks_the_version_in_force() {
    let o =
        medmal(&["quote", "--manuals", "testdata/manuals", "--format", "json", "testdata/practices/tiny-2027.toml"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let r = v["results"].as_array().unwrap().iter().find(|r| r["carrier"] == "tiny-mutual").unwrap();
    assert_eq!(r["manual"], "tiny-mutual/PA/2027-01");
    assert_eq!(r["outcome"], "rated");
    assert!(r["quote"]["total"].is_string());
    assert!(r["quote"]["providers"][0]["worksheet"][0]["running"].is_string());
}

#[test]
fn unknown_specialty_is_a_clear_error_naming_the_field() {
    let o = medmal(&["quote", "--manuals", "testdata/manuals", "testdata/practices/unknown-specialty.toml"]);
    assert_eq!(o.status.code(), Some(1));
    let out = stdout(&o);
    assert!(
        out.contains("providers[0].specialty: specialty code 80999 is not in tiny-mutual/PA/2026-01's specialty plan"),
        "{out}"
    );
}

#[test]
fn bad_practice_file_reports_position_and_exits_1() {
    let tmp = std::env::temp_dir().join(format!("medmal-badpractice-{}.toml", std::process::id()));
    std::fs::write(&tmp, "[practice]\nname = \"X\"\nstate = 7\n").unwrap();
    let o = medmal(&["quote", "--manuals", "testdata/manuals", tmp.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains(&format!("{}:3:9:", tmp.display())), "{}", stderr(&o));
    std::fs::remove_file(&tmp).ok();
}

#[test]
fn usage_errors_exit_2() {
    assert_eq!(medmal(&["frobnicate"]).status.code(), Some(2));
    assert_eq!(medmal(&["quote"]).status.code(), Some(2));
}

#[test]
fn diff_shows_factor_changes_with_percent() {
    let o = medmal(&[
        "diff",
        "testdata/manuals/tiny-mutual/PA/2026-01",
        "testdata/manuals/tiny-mutual/PA/2027-01",
        "--format",
        "json",
    ]);
    assert_eq!(o.status.code(), Some(0));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let changes = v["changes"].as_array().unwrap();
    let ilf = changes.iter().find(|c| c["table"] == "limits" && c["key"] == "2M/4M").unwrap();
    assert_eq!(ilf["old"], "1.25");
    assert_eq!(ilf["new"], "1.28");
    assert_eq!(ilf["percent"], "+2.4%");
    let rate = changes.iter().find(|c| c["table"] == "base_rates" && c["key"] == "class 2 territory B").unwrap();
    assert_eq!(rate["percent"], "+2.5%");
}

#[test]
fn entity_coverage_a_carrier_does_not_write_is_flagged_not_silently_dropped() {
    let tmp = std::env::temp_dir().join(format!("medmal-noentity-{}", std::process::id()));
    let dir = tmp.join("tiny-mutual/PA/2026-01");
    std::fs::create_dir_all(&dir).unwrap();
    let text = std::fs::read_to_string(root().join("testdata/manuals/tiny-mutual/PA/2026-01/manual.toml"))
        .unwrap()
        .replace("[entity]\nshared = { percent = 0.0 }\nseparate = { percent = 0.10 }\n", "")
        .replace("policy = [\"entity\", ", "policy = [");
    std::fs::write(dir.join("manual.toml"), text).unwrap();
    // The unknown-specialty fixture is the 2026 solo practice with a bad code; mend the code.
    let fixed = std::fs::read_to_string(root().join("testdata/practices/unknown-specialty.toml"))
        .unwrap()
        .replace("80999", "80420");
    let pfile = tmp.join("practice.toml");
    std::fs::write(&pfile, fixed).unwrap();
    let o = medmal(&["quote", "--manuals", tmp.to_str().unwrap(), "--format", "json", pfile.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let q = &v["results"][0]["quote"];
    let note = q["not_covered"][0].as_str().unwrap();
    assert!(
        note.contains("Tiny Mutual does not insure practice entities in PA; Tiny Solo PC is not covered"),
        "{note}"
    );
    // No entity line in the premium: total = provider 6563 + 20% fund = 7875.60 → 7876.
    assert_eq!(q["total"], "7876.00");
    std::fs::remove_dir_all(&tmp).ok();
}
