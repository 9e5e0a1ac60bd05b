//! `medmal test [DIR]`: the worked rating examples kept beside each manual, the way a rate
//! filing carries its examples. Each `examples/*.toml` is a practice (inline, or
//! `practice = "path"`) plus an `[expect]` table of premiums to the cent.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use medmal_core::practice::Practice;
use medmal_core::worksheet::Quote;
use medmal_core::{Manual, rate};
use medmal_text::{Diagnostic, Diags, Node, NodeKind, SourceFile, TableReader, as_str, parse_toml};
use rust_decimal::Decimal;
use serde::Serialize;

use crate::Format;
use crate::sources::{load_manuals, manuals_dir};

#[derive(Debug, Default)]
struct Expect {
    status: Option<String>,
    total: Option<Decimal>,
    providers: BTreeMap<String, Decimal>,
    tails: BTreeMap<String, Decimal>,
}

#[derive(Serialize)]
struct Outcome {
    example: String,
    manual: String,
    passed: bool,
    failures: Vec<String>,
}

fn money_map(n: &Node, d: &mut Diags<'_>, what: &str) -> BTreeMap<String, Decimal> {
    let mut out = BTreeMap::new();
    let mut t = TableReader::new(n, d, what);
    for e in t.rest() {
        if let Some(v) = medmal_text::as_decimal(&e.value, d) {
            out.insert(e.key.clone(), v);
        }
    }
    t.finish(d);
    out
}

/// Split an example file into its practice and its expectations.
fn read_example(path: &Path) -> Result<(Practice, Expect), Vec<Diagnostic>> {
    let name = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|e| {
        vec![Diagnostic {
            file: name.clone(),
            location: medmal_text::Location::File,
            message: format!("cannot read example: {e}"),
        }]
    })?;
    let source = SourceFile::new(name, text);
    let root = parse_toml(&source)?;
    let mut d = Diags::new(&source);
    let NodeKind::Table(entries) = &root.kind else {
        return Err(vec![]);
    };
    let mut expect = Expect::default();
    let mut practice_file = None;
    let mut rest = Vec::new();
    for e in entries {
        match e.key.as_str() {
            "expect" => {
                let mut t = TableReader::new(&e.value, &mut d, "[expect]");
                expect.status = t.str(&mut d, "status");
                expect.total = t.decimal(&mut d, "total");
                if let Some(p) = t.get("providers") {
                    expect.providers = money_map(p, &mut d, "[expect.providers]");
                }
                if let Some(p) = t.get("tails") {
                    expect.tails = money_map(p, &mut d, "[expect.tails]");
                }
                t.finish(&mut d);
            }
            "practice" if matches!(e.value.kind, NodeKind::Str(_)) => practice_file = as_str(&e.value, &mut d),
            _ => rest.push(e.clone()),
        }
    }
    if expect.total.is_none() && expect.providers.is_empty() && expect.status.is_none() {
        d.at(&root, "an example needs an [expect] table with status, total and/or providers");
    }
    if !d.is_empty() {
        return Err(d.list);
    }
    let practice = match practice_file {
        Some(rel) => medmal_practice::load_practice(&path.parent().unwrap_or(Path::new(".")).join(rel))?,
        None => {
            let inline = Node { kind: NodeKind::Table(rest), span: root.span.clone(), path: String::new() };
            medmal_practice::practice_from_node(&source, &inline)?
        }
    };
    Ok((practice, expect))
}

fn compare(q: &Quote, expect: &Expect) -> Vec<String> {
    let mut failures = Vec::new();
    if let Some(s) = &expect.status
        && s != q.status.name()
    {
        failures.push(format!("status: expected {s}, got {} ({})", q.status.name(), q.reasons.join("; ")));
    }
    if let Some(t) = expect.total
        && t != q.total
    {
        failures.push(format!("total: expected {t}, got {}", q.total));
    }
    for (name, want) in &expect.providers {
        match q.providers.iter().find(|p| &p.name == name) {
            Some(p) if p.premium == *want => {}
            Some(p) => failures.push(format!("{name}: expected {want}, got {}", p.premium)),
            None => failures.push(format!("{name}: no such provider in the quote")),
        }
    }
    for p in &q.providers {
        if !expect.providers.is_empty() && !expect.providers.contains_key(&p.name) {
            failures.push(format!("{}: premium {} not checked; add it to [expect.providers]", p.name, p.premium));
        }
    }
    for (name, want) in &expect.tails {
        match q.providers.iter().find(|p| &p.name == name).and_then(|p| p.tail.as_ref()) {
            Some(t) if t.premium == *want => {}
            Some(t) => failures.push(format!("{name} tail: expected {want}, got {}", t.premium)),
            None => failures.push(format!("{name}: no tail quoted")),
        }
    }
    failures
}

fn run_one(path: &Path, manual: &Manual) -> Vec<String> {
    match read_example(path) {
        Err(diags) => diags.iter().map(ToString::to_string).collect(),
        Ok((practice, expect)) => match rate(manual, &practice) {
            Ok(q) => compare(&q, &expect),
            Err(errors) => errors.iter().map(|e| format!("cannot rate: {e}")).collect(),
        },
    }
}

pub fn run(dir: Option<PathBuf>, format: Format) -> std::io::Result<ExitCode> {
    let dir = manuals_dir(dir);
    let Some(manuals) = load_manuals(&dir)? else {
        return Ok(ExitCode::from(1));
    };
    let mut outcomes = Vec::new();
    for m in &manuals {
        let Ok(entries) = std::fs::read_dir(m.dir.join("examples")) else {
            continue;
        };
        let mut files: Vec<PathBuf> =
            entries.flatten().map(|e| e.path()).filter(|p| p.extension().is_some_and(|x| x == "toml")).collect();
        files.sort();
        for f in files {
            let failures = run_one(&f, &m.manual);
            outcomes.push(Outcome {
                example: f.display().to_string(),
                manual: m.manual.meta.id(),
                passed: failures.is_empty(),
                failures,
            });
        }
    }
    let passed = outcomes.iter().filter(|o| o.passed).count();
    let failed = outcomes.len() - passed;
    let mut out = std::io::stdout().lock();
    match format {
        Format::Json => {
            serde_json::to_writer_pretty(&mut out, &outcomes)?;
            writeln!(out)?;
        }
        Format::Table => {
            for o in &outcomes {
                writeln!(out, "{} {}  ({})", if o.passed { "PASS" } else { "FAIL" }, o.example, o.manual)?;
                for f in &o.failures {
                    writeln!(out, "     {f}")?;
                }
            }
            writeln!(out, "examples: {passed} passed, {failed} failed")?;
        }
    }
    if outcomes.is_empty() {
        writeln!(std::io::stderr(), "medmal: no rating examples found under {}/*/examples/", dir.display())?;
        return Ok(ExitCode::from(1));
    }
    Ok(if failed == 0 { ExitCode::SUCCESS } else { ExitCode::from(1) })
}
