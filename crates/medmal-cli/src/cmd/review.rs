//! `medmal review PRACTICE [--carrier ID]`: coverage gaps and questions before binding.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use medmal_core::Manual;
use medmal_core::compare::fit;
use medmal_core::review::{Review, review};
use medmal_core::{carriers_in_force, rate};

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

pub fn run(
    practice_path: &Path,
    manuals: Option<PathBuf>,
    carrier: Option<&str>,
    format: Format,
) -> std::io::Result<ExitCode> {
    let Some(practice) = crate::sources::load_practice(practice_path)? else {
        return Ok(ExitCode::from(1));
    };
    let requirements = match medmal_manual::load_limits_requirements(&requirements_file()) {
        Ok(r) => r,
        Err(diags) => {
            print_diagnostics(&mut std::io::stderr().lock(), &diags)?;
            return Ok(ExitCode::from(1));
        }
    };
    let dir = manuals_dir(manuals);
    let Some(loaded) = load_manuals(&dir)? else { return Ok(ExitCode::from(1)) };
    let manuals: Vec<&Manual> = loaded.iter().map(|m| &m.manual).collect();
    let mut reviews: Vec<Review> = Vec::new();
    let cov = &practice.coverage;
    for c in carriers_in_force(&manuals, &practice) {
        let Some(m) = c.manual.filter(|_| carrier.is_none_or(|want| want == c.carrier)) else { continue };
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
