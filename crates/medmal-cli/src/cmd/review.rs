//! `medmal review PRACTICE [--carrier ID | --policy FILE]`: coverage gaps and questions before
//! binding, for what each carrier would issue or for a policy in force.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use medmal_core::Manual;
use medmal_core::compare::fit;
use medmal_core::review::{LimitsRequirement, Review, review, review_policy};
use medmal_core::{Practice, carriers_in_force, rate};

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
    policy: Option<&Path>,
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
    let reviews = match policy {
        Some(path) => match medmal_practice::load_policy(path) {
            Ok(p) => vec![review_policy(&practice, &p, &requirements)],
            Err(diags) => {
                print_diagnostics(&mut std::io::stderr().lock(), &diags)?;
                return Ok(ExitCode::from(1));
            }
        },
        None => match carrier_reviews(&practice, manuals, carrier, &requirements)? {
            Some(r) => r,
            None => return Ok(ExitCode::from(1)),
        },
    };
    print(&reviews, format)?;
    Ok(ExitCode::SUCCESS)
}

/// Review the policy each carrier in force would actually issue (nearest limits, form, …).
fn carrier_reviews(
    practice: &Practice,
    manuals: Option<PathBuf>,
    carrier: Option<&str>,
    requirements: &[LimitsRequirement],
) -> std::io::Result<Option<Vec<Review>>> {
    let dir = manuals_dir(manuals);
    let Some(loaded) = load_manuals(&dir)? else { return Ok(None) };
    let manuals: Vec<&Manual> = loaded.iter().map(|m| &m.manual).collect();
    let mut reviews = Vec::new();
    for c in carriers_in_force(&manuals, practice) {
        let Some(m) = c.manual.filter(|_| carrier.is_none_or(|want| want == c.carrier)) else { continue };
        let (fitted, _) = fit(m, practice);
        reviews.push(review(&fitted, m, &rate(m, &fitted), requirements));
    }
    if reviews.is_empty() {
        let who = carrier.map_or("no carrier".to_string(), |c| format!("carrier `{c}`"));
        writeln!(
            std::io::stderr(),
            "medmal: {who} in {} writes {} on {}",
            dir.display(),
            practice.state,
            practice.coverage.effective
        )?;
        return Ok(None);
    }
    Ok(Some(reviews))
}

fn print(reviews: &[Review], format: Format) -> std::io::Result<()> {
    let mut out = std::io::stdout().lock();
    match format {
        Format::Json => {
            serde_json::to_writer_pretty(&mut out, reviews)?;
            writeln!(out)?;
        }
        Format::Table => {
            for r in reviews {
                let of = match (&r.policy, &r.manual) {
                    (Some(number), _) => format!("policy {number} ({})", r.carrier_name),
                    (None, Some(manual)) => format!("{} ({manual})", r.carrier),
                    (None, None) => r.carrier.clone(),
                };
                writeln!(out, "{} — coverage review of {of}", r.practice)?;
                if r.gaps.is_empty() {
                    writeln!(out, "  No gaps found.")?;
                }
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
    Ok(())
}
