//! `medmal book generate` and `medmal rerate` end to end: report formats, per-row output,
//! one row's worksheets, bad rows and the rejects file.
#![allow(clippy::unwrap_used)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn medmal(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_medmal")).args(args).current_dir(root()).output().unwrap()
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn temp(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("medmal-cli-rerate-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn generate(dir: &Path, file: &str, rows: &str) -> String {
    let out = dir.join(file).display().to_string();
    let o = medmal(&[
        "book",
        "generate",
        "--rows",
        rows,
        "--seed",
        "5",
        "--carrier",
        "keystone-mutual",
        "--state",
        "PA",
        "--out",
        &out,
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    out
}

#[test]
fn rerate_reports_in_every_format_and_rows_reconcile() {
    let dir = temp("formats");
    let book = generate(&dir, "book.parquet", "3000");
    let rows = dir.join("rows.csv").display().to_string();
    let o = medmal(&["rerate", &book, "--from", "2026-07", "--to", "2027-01", "--format", "json", "--rows", &rows]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let report: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(report["from"], "keystone-mutual/PA/2026-07");
    assert_eq!(report["to"], "keystone-mutual/PA/2027-01");
    assert_eq!(report["rows"], 3000);
    assert_eq!(report["movers"].as_array().unwrap().len(), 20);
    assert_eq!(report["bands"].as_array().unwrap().len(), 9);

    // The per-row file sums to the report's totals, to the cent.
    let per_row = std::fs::read_to_string(&rows).unwrap();
    let mut lines = per_row.lines();
    assert_eq!(lines.next(), Some("row,policy_id,provider_id,before,after,status_before,status_after"));
    let (mut before, mut after) = (rust_decimal::Decimal::ZERO, rust_decimal::Decimal::ZERO);
    for l in lines {
        let f: Vec<&str> = l.split(',').collect();
        before += f[3].parse::<rust_decimal::Decimal>().unwrap();
        after += f[4].parse::<rust_decimal::Decimal>().unwrap();
    }
    assert_eq!(before.to_string(), report["before"].as_str().unwrap());
    assert_eq!(after.to_string(), report["after"].as_str().unwrap());

    let o = medmal(&["rerate", &book, "--from", "2026-07", "--to", "2027-01"]);
    let table = text(&o.stdout);
    for heading in
        ["By class", "By territory", "By limits", "By form", "Distribution of premium change", "Largest movers"]
    {
        assert!(table.contains(heading), "{heading}\n{table}");
    }
    let html = dir.join("report.html").display().to_string();
    let o = medmal(&["rerate", &book, "--from", "2026-07", "--to", "2027-01", "--format", "html", "--out", &html]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let page = std::fs::read_to_string(&html).unwrap();
    assert!(page.contains("<svg") && page.contains("<rect") && page.contains("Largest movers"));
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn explain_shows_one_rows_worksheets_under_both_versions() {
    let dir = temp("explain");
    let book = generate(&dir, "book.csv", "50");
    let o = medmal(&["rerate", &book, "--from", "2026-07", "--to", "2027-01", "--explain", "7"]);
    let out = text(&o.stdout);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    assert!(out.contains("keystone-mutual/PA/2026-07") && out.contains("keystone-mutual/PA/2027-01"), "{out}");
    assert!(out.contains("Base rate") && out.contains("provider premium (the row's premium)"), "{out}");
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn bad_rows_stop_the_run_or_go_to_the_rejects_file() {
    let dir = temp("bad");
    let book = generate(&dir, "book.csv", "400");
    let content = std::fs::read_to_string(&book).unwrap();
    let mut lines: Vec<String> = content.lines().map(str::to_string).collect();
    lines[250] = lines[250].replace(",claims_made,", ",claims-made,").replace(",occurrence,", ",occurence,");
    std::fs::write(&book, lines.join("\n") + "\n").unwrap();

    let o = medmal(&["rerate", &book, "--from", "2026-07", "--to", "2027-01"]);
    assert_eq!(o.status.code(), Some(1));
    let err = text(&o.stderr);
    assert!(err.contains("row 250, column form"), "{err}");

    let rejects = dir.join("rejects.csv").display().to_string();
    let o = medmal(&[
        "rerate",
        &book,
        "--from",
        "2026-07",
        "--to",
        "2027-01",
        "--skip-bad-rows",
        &rejects,
        "--format",
        "json",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let report: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!((report["rows"].as_u64(), report["rows_rejected"].as_u64()), (Some(399), Some(1)));
    let rejected = std::fs::read_to_string(&rejects).unwrap();
    assert!(rejected.starts_with("row,error_column,error,policy_id,"), "{rejected}");
    assert!(rejected.lines().nth(1).unwrap().starts_with("250,form,"), "{rejected}");
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn unknown_versions_are_a_usage_error_naming_the_versions() {
    let dir = temp("versions");
    let book = generate(&dir, "book.csv", "20");
    let o = medmal(&["rerate", &book, "--from", "2026-07", "--to", "2031-01"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o.stderr).contains("versions: 2026-07, 2027-01"), "{}", text(&o.stderr));
    std::fs::remove_dir_all(&dir).ok();
}
