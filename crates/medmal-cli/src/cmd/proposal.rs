//! `medmal proposal PRACTICE --out FILE.html|FILE.pdf`: the document a broker hands a practice.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use jiff::civil::Date;
use medmal_core::Manual;
use medmal_core::compare::{compare, fit};
use medmal_core::review::review;
use medmal_core::{carriers_in_force, rate};
use medmal_proposal::Proposal;

use crate::cmd::compare::{CompareArgs, options};
use crate::cmd::review::requirements_file;
use crate::sources::{load_manuals, manuals_dir, print_diagnostics};

/// Build the proposal (comparison, reviews for every carrier, recommendation).
pub fn build(
    practice_path: &Path,
    manuals: Option<PathBuf>,
    args: &CompareArgs,
    date: Option<Date>,
    prepared_by: &str,
) -> std::io::Result<Result<Proposal, ExitCode>> {
    let opts = match options(args)? {
        Ok(o) => o,
        Err(code) => return Ok(Err(code)),
    };
    let Some(practice) = crate::sources::load_practice(practice_path)? else {
        return Ok(Err(ExitCode::from(1)));
    };
    let requirements = match medmal_manual::load_limits_requirements(&requirements_file()) {
        Ok(r) => r,
        Err(diags) => {
            print_diagnostics(&mut std::io::stderr().lock(), &diags)?;
            return Ok(Err(ExitCode::from(1)));
        }
    };
    let dir = manuals_dir(manuals);
    let Some(loaded) = load_manuals(&dir)? else { return Ok(Err(ExitCode::from(1))) };
    let manuals: Vec<&Manual> = loaded.iter().map(|m| &m.manual).collect();
    let comparison = compare(&manuals, &practice, &opts);
    if comparison.offers.is_empty() {
        writeln!(std::io::stderr(), "medmal: no carrier in {} writes {}", dir.display(), practice.state)?;
        return Ok(Err(ExitCode::from(1)));
    }
    let asked = medmal_core::compare::requested(&practice, &opts);
    let mut reviews = Vec::new();
    for m in carriers_in_force(&manuals, &asked).into_iter().filter_map(|c| c.manual) {
        let (fitted, _) = fit(m, &asked);
        reviews.push(review(&fitted, m, &rate(m, &fitted), &requirements));
    }
    let today = date.unwrap_or_else(today_utc);
    Ok(Ok(Proposal::build(comparison, reviews, today, prepared_by.to_string())))
}

/// Today's date in UTC (the only clock read in medmal, and only for the "prepared on" line).
fn today_utc() -> Date {
    let days = jiff::Timestamp::now().as_second().div_euclid(86_400);
    Date::constant(1970, 1, 1).checked_add(jiff::Span::new().days(days)).unwrap_or(Date::constant(1970, 1, 1))
}

pub fn run(
    practice_path: &Path,
    manuals: Option<PathBuf>,
    args: &CompareArgs,
    out: &Path,
    date: Option<Date>,
    prepared_by: &str,
) -> std::io::Result<ExitCode> {
    let ext = out.extension().and_then(|e| e.to_str()).map(str::to_ascii_lowercase);
    if !matches!(ext.as_deref(), Some("html" | "htm" | "pdf")) {
        writeln!(std::io::stderr(), "medmal proposal: --out must end in .html or .pdf, got {}", out.display())?;
        return Ok(ExitCode::from(2));
    }
    let proposal = match build(practice_path, manuals, args, date, prepared_by)? {
        Ok(p) => p,
        Err(code) => return Ok(code),
    };
    let bytes = if ext.as_deref() == Some("pdf") {
        match medmal_proposal::pdf::render(&proposal) {
            Ok(b) => b,
            Err(e) => {
                writeln!(std::io::stderr(), "medmal: could not typeset the PDF: {e}")?;
                return Ok(ExitCode::from(1));
            }
        }
    } else {
        medmal_proposal::html::render(&proposal).into_bytes()
    };
    std::fs::write(out, bytes)?;
    writeln!(
        std::io::stderr(),
        "wrote {} ({} carriers{})",
        out.display(),
        proposal.comparison.offers.len(),
        proposal.recommended_offer().map_or(String::new(), |o| format!("; recommended {}", o.carrier_name))
    )?;
    Ok(ExitCode::SUCCESS)
}
