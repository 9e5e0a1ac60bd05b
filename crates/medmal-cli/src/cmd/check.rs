//! `medmal check PATH…`

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use medmal_text::Diagnostic;
use serde::Serialize;

use crate::Format;
use crate::sources::{manuals_dir, print_diagnostics};

#[derive(Serialize)]
struct Summary {
    file: String,
    manual: String,
    carrier_name: String,
    effective_new: String,
    effective_renewal: String,
    classes: usize,
    territories: usize,
    base_rates: usize,
    provider_steps: usize,
}

#[derive(Serialize)]
struct Report {
    ok: bool,
    manuals: Vec<Summary>,
    problems: Vec<String>,
}

pub fn run(paths: &[PathBuf], format: Format) -> std::io::Result<ExitCode> {
    let paths = if paths.is_empty() { vec![manuals_dir(None)] } else { paths.to_vec() };
    let mut manuals = Vec::new();
    let mut problems: Vec<Diagnostic> = Vec::new();
    for p in &paths {
        match medmal_manual::find_manuals(p) {
            Ok(files) if files.is_empty() => problems.push(Diagnostic {
                file: p.display().to_string(),
                location: medmal_text::Location::File,
                message: "no manual.toml found here".into(),
            }),
            Ok(files) => {
                for f in files {
                    match medmal_manual::load_manual(&f) {
                        Ok(m) => manuals.push(m),
                        Err(mut d) => problems.append(&mut d),
                    }
                }
            }
            Err(d) => problems.push(d),
        }
    }
    // Versions are checked across everything given, so a gap between two directories shows.
    problems.extend(medmal_manual::timeline_diagnostics(&manuals));

    let summaries: Vec<Summary> = manuals
        .iter()
        .map(|m| Summary {
            file: m.file.clone(),
            manual: m.manual.meta.id(),
            carrier_name: m.manual.meta.carrier_name.clone(),
            effective_new: m.manual.meta.effective_new.to_string(),
            effective_renewal: m.manual.meta.effective_renewal.to_string(),
            classes: m.manual.classes.len(),
            territories: m.manual.territories.list.len(),
            base_rates: m.manual.base_rates.len(),
            provider_steps: m.manual.provider_steps.len(),
        })
        .collect();
    let mut out = std::io::stdout().lock();
    match format {
        Format::Json => {
            let report = Report {
                ok: problems.is_empty(),
                manuals: summaries,
                problems: problems.iter().map(ToString::to_string).collect(),
            };
            serde_json::to_writer_pretty(&mut out, &report)?;
            writeln!(out)?;
        }
        Format::Table => {
            print_diagnostics(&mut out, &problems)?;
            if problems.is_empty() {
                for s in &summaries {
                    writeln!(
                        out,
                        "ok  {}  {} — new {} / renewal {}; {} classes, {} territories, {} base rates, {} provider steps",
                        s.manual,
                        s.carrier_name,
                        s.effective_new,
                        s.effective_renewal,
                        s.classes,
                        s.territories,
                        s.base_rates,
                        s.provider_steps
                    )?;
                }
            } else {
                writeln!(out, "{} problem(s); {} manual(s) loaded cleanly", problems.len(), summaries.len())?;
            }
        }
    }
    Ok(if problems.is_empty() { ExitCode::SUCCESS } else { ExitCode::from(1) })
}
