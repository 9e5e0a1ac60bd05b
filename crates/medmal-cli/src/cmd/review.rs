//! `medmal review PRACTICE [--carrier ID]`: coverage gaps and questions before binding.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use medmal_core::Manual;
use medmal_core::compare::fit;
use medmal_core::review::{LimitsRequirement, Review, review};
use medmal_core::{rate, select_version};
use medmal_text::{Diags, SourceFile, TableReader, parse_toml};

use crate::Format;
use crate::sources::{load_manuals, manuals_dir, print_diagnostics};

/// The documented per-state limits requirements (data/limits-requirements.toml).
pub fn requirements_file() -> PathBuf {
    let local = PathBuf::from("data/limits-requirements.toml");
    if local.is_file() {
        return local;
    }
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../data/limits-requirements.toml")
}

pub fn load_requirements(path: &Path) -> Result<Vec<LimitsRequirement>, Vec<medmal_text::Diagnostic>> {
    let name = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|e| {
        vec![medmal_text::Diagnostic {
            file: name.clone(),
            location: medmal_text::Location::File,
            message: format!("cannot read: {e}"),
        }]
    })?;
    let src = SourceFile::new(name, text);
    let root = parse_toml(&src)?;
    let mut d = Diags::new(&src);
    let mut top = TableReader::new(&root, &mut d, "the requirements file");
    let mut out = Vec::new();
    for n in top.array(&mut d, "requirement") {
        let mut t = TableReader::new(n, &mut d, "a requirement");
        let state = t.req_str(&mut d, "state", "a two-letter state");
        let limits = t.require(&mut d, "limits", "limits such as \"1M/3M\"").and_then(|n| {
            let s = medmal_text::as_str(n, &mut d)?;
            let l = medmal_practice::parse_limits(&s);
            if l.is_none() {
                d.at(n, format!("`{s}` is not a limits pair such as \"1M/3M\""));
            }
            l
        });
        let source = t.req_str(&mut d, "source", "who requires it");
        t.finish(&mut d);
        if let (Some(state), Some(limits), Some(source)) = (state, limits, source) {
            out.push(LimitsRequirement { state: state.to_uppercase(), limits, source });
        }
    }
    top.finish(&mut d);
    if d.is_empty() { Ok(out) } else { Err(d.list) }
}

pub fn run(
    practice_path: &Path,
    manuals: Option<PathBuf>,
    carrier: Option<&str>,
    format: Format,
) -> std::io::Result<ExitCode> {
    let Some(practice) = crate::sources::load_practice(practice_path)? else {
        return Ok(ExitCode::from(1));
    };
    let requirements = match load_requirements(&requirements_file()) {
        Ok(r) => r,
        Err(diags) => {
            print_diagnostics(&mut std::io::stderr().lock(), &diags)?;
            return Ok(ExitCode::from(1));
        }
    };
    let dir = manuals_dir(manuals);
    let Some(loaded) = load_manuals(&dir)? else { return Ok(ExitCode::from(1)) };
    let mut carriers: Vec<&str> = loaded
        .iter()
        .filter(|m| m.manual.meta.state.eq_ignore_ascii_case(&practice.state))
        .filter(|m| carrier.is_none_or(|c| c == m.manual.meta.carrier))
        .map(|m| m.manual.meta.carrier.as_str())
        .collect();
    carriers.dedup();
    let mut reviews: Vec<Review> = Vec::new();
    let cov = &practice.coverage;
    for c in &carriers {
        let versions: Vec<&Manual> = loaded
            .iter()
            .map(|m| &m.manual)
            .filter(|m| m.meta.carrier == *c && m.meta.state.eq_ignore_ascii_case(&practice.state))
            .collect();
        let Some(m) = select_version(&versions, cov.effective, cov.transaction) else { continue };
        // Review the policy this carrier would actually issue (nearest limits, form, …).
        let (fitted, _) = fit(m, &practice);
        reviews.push(review(&fitted, m, &rate(m, &fitted), &requirements));
    }
    if reviews.is_empty() {
        let who = carrier.map_or("no carrier".to_string(), |c| format!("carrier `{c}`"));
        writeln!(
            std::io::stderr(),
            "medmal: {who} in {} writes {} on {}",
            dir.display(),
            practice.state,
            cov.effective
        )?;
        return Ok(ExitCode::from(1));
    }
    let mut out = std::io::stdout().lock();
    match format {
        Format::Json => {
            serde_json::to_writer_pretty(&mut out, &reviews)?;
            writeln!(out)?;
        }
        Format::Table => {
            for r in &reviews {
                writeln!(out, "{} — coverage review with {} ({})", r.practice, r.carrier, r.manual)?;
                for g in &r.gaps {
                    writeln!(out, "  [{}] {}: {}", g.severity.name().to_uppercase(), g.rule, g.fact)?;
                    writeln!(out, "      → {}", g.consequence)?;
                }
                writeln!(out, "  Questions to ask before binding:")?;
                for (i, q) in r.questions.iter().enumerate() {
                    writeln!(out, "  {}. {q}", i + 1)?;
                }
                writeln!(out)?;
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}
