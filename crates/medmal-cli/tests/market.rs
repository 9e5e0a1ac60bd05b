//! The sample market as a whole: every manual under `manuals/` against the calibration ranges
//! of `testdata/calibration.toml`, and the sample practices of `examples/practices/`.
//!
//! `cargo test -p medmal-cli --test market -- --nocapture` prints the calibration table (the one
//! in `docs/sample-market.md`) and what each carrier answers for each sample practice.
#![allow(clippy::unwrap_used)]

use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;

use medmal_core::Manual;
use medmal_core::manual::{Limits, PolicyForm, SurgeryLevel};
use medmal_text::{Diags, SourceFile, TableReader, parse_toml};
use rust_decimal::{Decimal, RoundingStrategy};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

// ------------------------------------------------------------------------------------------------
// Calibration ranges

/// The three MLM survey specialties: code, short name, surgery level rated.
const SPECIALTIES: [(&str, &str, SurgeryLevel); 3] =
    [("80208", "IM", SurgeryLevel::None), ("80143", "GS", SurgeryLevel::Major), ("80153", "OB", SurgeryLevel::Major)];

#[derive(Debug)]
struct Band {
    min: Decimal,
    max: Decimal,
}

#[derive(Debug)]
struct Row {
    state: String,
    territory: String,
    /// Representative counties: their territories must be rated, and in range.
    counties: Vec<String>,
    /// The other counties the range names: their territories, when rated, must be in range.
    also: Vec<String>,
    /// Other names for these counties, checked only where a manual lists them.
    aliases: Vec<String>,
    rest_of_state: bool,
    /// One band per entry of `SPECIALTIES`.
    bands: Vec<Band>,
    sources: Vec<String>,
}

fn load_calibration() -> Vec<Row> {
    let path = root().join("testdata/calibration.toml");
    let text = std::fs::read_to_string(&path).unwrap();
    let source = SourceFile::new("testdata/calibration.toml", text);
    let tree = parse_toml(&source).unwrap_or_else(|d| panic!("{d:?}"));
    let mut d = Diags::new(&source);
    let mut top = TableReader::new(&tree, &mut d, "the calibration file");
    let mut source_keys = BTreeSet::new();
    if let Some(s) = top.get("sources") {
        let mut r = TableReader::new(s, &mut d, "sources");
        for e in r.rest() {
            source_keys.insert(e.key.clone());
        }
        r.finish(&mut d);
    }
    let mut rows = Vec::new();
    for node in top.array(&mut d, "ranges") {
        let mut r = TableReader::new(node, &mut d, "a range");
        let state = r.req_str(&mut d, "state", "a state code").unwrap_or_default();
        let territory = r.req_str(&mut d, "territory", "a territory label").unwrap_or_default();
        let counties = r.strings(&mut d, "counties");
        if counties.is_empty() {
            d.at(node, "a range needs at least one county in `counties`");
        }
        let also = r.strings(&mut d, "also");
        let aliases = r.strings(&mut d, "aliases");
        let rest_of_state = r.bool(&mut d, "rest_of_state").unwrap_or(false);
        let mut bands = Vec::new();
        for (code, _, _) in SPECIALTIES {
            let Some(b) = r.require(&mut d, code, "{ min, max }") else {
                continue;
            };
            let mut br = TableReader::new(b, &mut d, code);
            let min = br.req_decimal(&mut d, "min", "a dollar amount");
            let max = br.req_decimal(&mut d, "max", "a dollar amount");
            br.finish(&mut d);
            if let (Some(min), Some(max)) = (min, max) {
                assert!(min <= max, "{state} {territory} {code}: min > max");
                bands.push(Band { min, max });
            }
        }
        let sources = r.strings(&mut d, "sources");
        for s in &sources {
            if !source_keys.contains(s) {
                d.at(node, format!("source `{s}` is not in [sources]"));
            }
        }
        r.finish(&mut d);
        rows.push(Row { state, territory, counties, also, aliases, rest_of_state, bands, sources });
    }
    top.finish(&mut d);
    let problems: Vec<String> = d.list.iter().map(ToString::to_string).collect();
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    rows
}

/// The mature claims-made 1M/3M manual rate: base rate × ILF(1M/3M) × mature claims-made step,
/// × the mature claims-made relativity when the base form is occurrence. Before any credit,
/// debit or fund surcharge. `Ok(None)` when the manual does not write the specialty at that
/// surgery level.
fn manual_rate(m: &Manual, code: &str, surgery: SurgeryLevel, territory: &str) -> Result<Option<Decimal>, String> {
    let Some(spec) = m.specialty(code) else {
        return Ok(None);
    };
    let level = match surgery {
        SurgeryLevel::None => &spec.none,
        SurgeryLevel::Minor => &spec.minor,
        SurgeryLevel::Major => &spec.major,
    };
    let Some(class) = level.as_ref().or(spec.any.as_ref()) else {
        return Ok(None);
    };
    let base = m
        .base_rates
        .get(&(class.clone(), territory.to_string()))
        .ok_or_else(|| format!("no base rate for class {class}, territory {territory}"))?;
    let one_three = Limits { per_claim: Decimal::from(1_000_000), aggregate: Decimal::from(3_000_000) };
    let ilf = match m.limits_factor(&one_three) {
        Some(f) => f,
        None if m.meta.base_limits == one_three => Decimal::ONE,
        None => return Err("1M/3M is not offered (no increased limits factor)".into()),
    };
    let step = m.mature_step().ok_or("no claims-made steps (claims-made not written)")?;
    let relativity = match m.meta.base_form {
        PolicyForm::ClaimsMade => Decimal::ONE,
        PolicyForm::Occurrence => {
            m.form.claims_made_mature_factor.ok_or("base form occurrence without claims_made.mature_factor")?
        }
    };
    Ok(Some(*base * ilf * step * relativity))
}

fn dollars(x: Decimal) -> String {
    let n = x.round_dp_with_strategy(0, RoundingStrategy::MidpointAwayFromZero).to_string();
    let (sign, digits) = n.strip_prefix('-').map_or(("", n.as_str()), |d| ("-", d));
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    format!("{sign}{out}")
}

/// Where a rate sits in its range: 0% at the minimum, 100% at the maximum.
fn position(rate: Decimal, band: &Band) -> String {
    let width = band.max - band.min;
    if width.is_zero() {
        return "–".into();
    }
    let pct = ((rate - band.min) / width * Decimal::from(100))
        .round_dp_with_strategy(0, RoundingStrategy::MidpointAwayFromZero);
    format!("{pct}%")
}

fn k(x: Decimal) -> String {
    format!("{}k", (x / Decimal::from(1000)).normalize())
}

/// The territories of `m` that calibration row `row` covers, each with the counties that
/// reach it, and the representative counties the manual cannot rate.
fn territories_for(m: &Manual, row: &Row, rows: &[Row]) -> (Vec<(String, Vec<String>)>, Vec<String>) {
    let mut out: Vec<(String, Vec<String>)> = Vec::new();
    let mut problems = Vec::new();
    let add = |t: &str, via: String, out: &mut Vec<(String, Vec<String>)>| match out.iter_mut().find(|(id, _)| id == t)
    {
        Some((_, v)) => {
            if !v.contains(&via) {
                v.push(via);
            }
        }
        None => out.push((t.to_string(), vec![via])),
    };
    for c in &row.counties {
        match m.territory_of(c) {
            Some(t) => add(t, c.clone(), &mut out),
            None => problems.push(format!(
                "{}: county {c} ({}) is not rated (not listed, no default territory)",
                m.meta.id(),
                row.territory
            )),
        }
    }
    for c in &row.also {
        if let Some(t) = m.territory_of(c) {
            add(t, c.clone(), &mut out);
        }
    }
    for a in &row.aliases {
        if let Some((c, t)) = m.territories.counties.iter().find(|(c, _)| c.eq_ignore_ascii_case(a)) {
            add(t, c.clone(), &mut out);
        }
    }
    if row.rest_of_state {
        let named: BTreeSet<String> = rows
            .iter()
            .filter(|r| r.state == row.state && !r.rest_of_state)
            .flat_map(|r| r.counties.iter().chain(&r.also).chain(&r.aliases))
            .map(|c| c.to_ascii_lowercase())
            .collect();
        if let Some(t) = &m.territories.default {
            add(t, "(default)".into(), &mut out);
        }
        for (county, t) in &m.territories.counties {
            if !named.contains(&county.to_ascii_lowercase()) {
                add(t, county.clone(), &mut out);
            }
        }
    }
    (out, problems)
}

fn via_label(via: &[String]) -> String {
    if via.len() <= 3 { via.join(", ") } else { format!("{}, {} … (+{} more)", via[0], via[1], via.len() - 2) }
}

#[test]
fn every_manual_rates_inside_the_calibration_ranges() {
    let rows = load_calibration();
    let (loaded, diags) = medmal_manual::load_all(&root().join("manuals"));
    // Manuals with problems are left out of the table, and fail the test at the end.
    let mut failures: Vec<String> = diags.iter().map(ToString::to_string).collect();
    let mut manuals: Vec<&Manual> = loaded.iter().map(|l| &l.manual).collect();
    manuals.sort_by_key(|m| (m.meta.state.clone(), m.meta.carrier.clone(), m.meta.version.clone()));

    let mut table = String::new();
    let mut checked = 0;
    writeln!(
        table,
        "| state | calibration territory | manual | carrier territory | checked via | IM 80208 | GS 80143 | OB 80153 |"
    )
    .unwrap();
    writeln!(table, "|---|---|---|---|---|--:|--:|--:|").unwrap();
    for m in &manuals {
        if !rows.iter().any(|r| r.state == m.meta.state) {
            failures.push(format!("{}: no calibration range for state {}", m.meta.id(), m.meta.state));
        }
    }
    // Grouped by calibration territory, so the carriers sit side by side under their range.
    for row in &rows {
        let range_cells: Vec<String> =
            row.bands.iter().map(|b| format!("*{}–{}*", dollars(b.min), dollars(b.max))).collect();
        writeln!(table, "| {} | {} | *range* | | | {} |", row.state, row.territory, range_cells.join(" | ")).unwrap();
        for m in manuals.iter().filter(|m| m.meta.state == row.state) {
            let (territories, problems) = territories_for(m, row, &rows);
            failures.extend(problems);
            for (t, via) in territories {
                let tname = m.territories.list.iter().find(|x| x.id == t).map_or(String::new(), |x| x.name.clone());
                let mut cells = Vec::new();
                for ((code, short, surgery), band) in SPECIALTIES.iter().zip(&row.bands) {
                    match manual_rate(m, code, *surgery, &t) {
                        Ok(None) => cells.push("not written".to_string()),
                        Ok(Some(rate)) => {
                            checked += 1;
                            if rate < band.min || rate > band.max {
                                failures.push(format!(
                                    "{}: {short} {code} territory {t} ({}) rates {} outside {} {}: {}–{}",
                                    m.meta.id(),
                                    via_label(&via),
                                    dollars(rate),
                                    row.state,
                                    row.territory,
                                    dollars(band.min),
                                    dollars(band.max)
                                ));
                                cells.push(format!("**{} ✗** ({}–{})", dollars(rate), k(band.min), k(band.max)));
                            } else {
                                cells.push(format!("{} ({})", dollars(rate), position(rate, band)));
                            }
                        }
                        Err(e) => {
                            failures.push(format!("{}: {code} territory {t}: {e}", m.meta.id()));
                            cells.push(format!("error: {e}"));
                        }
                    }
                }
                writeln!(
                    table,
                    "| {} | {} | {} | {} {} | {} | {} |",
                    row.state,
                    row.territory,
                    m.meta.id(),
                    t,
                    tname,
                    via_label(&via),
                    cells.join(" | ")
                )
                .unwrap();
            }
        }
    }
    writeln!(table).unwrap();
    writeln!(table, "Calibration ranges (testdata/calibration.toml):").unwrap();
    writeln!(table).unwrap();
    writeln!(table, "| state | territory | checked via | IM 80208 | GS 80143 | OB 80153 | sources |").unwrap();
    writeln!(table, "|---|---|---|--:|--:|--:|---|").unwrap();
    for row in &rows {
        let bands: Vec<String> = row.bands.iter().map(|b| format!("{}–{}", dollars(b.min), dollars(b.max))).collect();
        let via = if row.rest_of_state {
            format!("{} and every other county", row.counties.join(", "))
        } else {
            row.counties.iter().chain(&row.also).cloned().collect::<Vec<_>>().join(", ")
        };
        writeln!(
            table,
            "| {} | {} | {} | {} | {} |",
            row.state,
            row.territory,
            via,
            bands.join(" | "),
            row.sources.join(", ")
        )
        .unwrap();
    }
    println!(
        "Mature claims-made 1M/3M manual rates (base × ILF × mature step), by calibration territory;\n\
         (n%) is where the rate sits in its range, 0% = minimum, 100% = maximum:\n"
    );
    println!("{table}");
    println!("{checked} rates checked; {} problem(s)", failures.len());
    assert!(!manuals.is_empty(), "no manuals found under manuals/");
    assert!(failures.is_empty(), "calibration failures:\n{}", failures.join("\n"));
}

// ------------------------------------------------------------------------------------------------
// Sample practices

fn practice_files() -> Vec<PathBuf> {
    let dir = root().join("examples/practices");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.is_file() && p.extension().is_some_and(|e| e == "toml" || e == "json"))
        .collect();
    files.sort();
    files
}

fn rel(p: &Path) -> String {
    p.strip_prefix(root()).unwrap_or(p).display().to_string()
}

#[test]
fn every_sample_practice_parses() {
    let files = practice_files();
    assert!(files.len() >= 10, "expected the sample practices, found {files:?}");
    let mut problems = Vec::new();
    for f in &files {
        if let Err(diags) = medmal_practice::load_practice(f) {
            problems.extend(diags.iter().map(ToString::to_string));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn every_sample_practice_is_rated_by_some_carrier() {
    let (loaded, diags) = medmal_manual::load_all(&root().join("manuals"));
    let diag_text: Vec<String> = diags.iter().map(ToString::to_string).collect();
    assert!(
        diags.is_empty(),
        "the manuals under manuals/ do not load, so `medmal quote` rates nothing:\n{}",
        diag_text.join("\n")
    );
    let states: BTreeSet<String> = loaded.iter().map(|l| l.manual.meta.state.clone()).collect();
    let mut failures = Vec::new();
    let mut report = String::new();
    for f in practice_files() {
        let practice = medmal_practice::load_practice(&f).unwrap_or_else(|d| panic!("{}: {d:?}", rel(&f)));
        if !states.contains(&practice.state) {
            writeln!(report, "{}: SKIPPED, no carrier under manuals/ writes {} yet", rel(&f), practice.state).unwrap();
            continue;
        }
        let out = Command::new(env!("CARGO_BIN_EXE_medmal"))
            .args(["quote", "--manuals", "manuals", "--format", "json"])
            .arg(&f)
            .current_dir(root())
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout);
        let stderr = String::from_utf8_lossy(&out.stderr);
        let mut line = format!("{} ({}, {}):", rel(&f), practice.state, practice.coverage.effective);
        if let Ok(json) = serde_json::from_str::<serde_json::Value>(&stdout) {
            for r in json["results"].as_array().into_iter().flatten() {
                let carrier = r["carrier"].as_str().unwrap_or("?");
                let manual = r["manual"].as_str().unwrap_or("-");
                let answer = match r["outcome"].as_str() {
                    Some("rated") => {
                        let total = &r["quote"]["total"];
                        format!(
                            "{} {}",
                            r["quote"]["status"].as_str().unwrap_or("?"),
                            total.as_str().map_or_else(|| total.to_string(), str::to_string)
                        )
                    }
                    Some(o) => o.to_string(),
                    None => "?".into(),
                };
                let _ = write!(line, "  {carrier} [{manual}] {answer};");
            }
        }
        writeln!(report, "{line}").unwrap();
        if out.status.code() != Some(0) {
            failures.push(format!(
                "{}: medmal quote exited {:?}, no carrier rated it\n{stdout}{stderr}",
                rel(&f),
                out.status.code()
            ));
        }
    }
    println!("{report}");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
