//! `medmal quote PRACTICE`

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use medmal_core::practice::{Practice, Transaction};
use medmal_core::{Manual, Quote, RateError, carriers_in_force, rate};
use serde::Serialize;

use crate::Format;
use crate::render;
use crate::sources::{load_manuals, manuals_dir};

/// One carrier's answer for a practice.
#[derive(Debug, Serialize)]
pub struct CarrierResult {
    pub carrier: String,
    pub carrier_name: String,
    /// `rated`, `cannot_rate` (the practice lacks what the manual needs), or `no_version`.
    pub outcome: &'static str,
    pub manual: Option<String>,
    pub quote: Option<Quote>,
    pub errors: Vec<RateError>,
}

#[derive(Serialize)]
struct QuoteReport<'a> {
    practice: &'a str,
    state: &'a str,
    effective: String,
    transaction: Transaction,
    results: &'a [CarrierResult],
}

/// Rate with every carrier writing the practice's state (or just `only`), picking each
/// carrier's version in force on the effective date for new business or renewal.
pub fn rate_all(manuals: &[&Manual], practice: &Practice, only: Option<&str>) -> Vec<CarrierResult> {
    let cov = &practice.coverage;
    carriers_in_force(manuals, practice)
        .into_iter()
        .filter(|c| only.is_none_or(|o| o == c.carrier))
        .map(|c| {
            let (carrier, carrier_name) = (c.carrier, c.carrier_name.to_string());
            match c.manual {
                None => CarrierResult {
                    carrier: carrier.to_string(),
                    carrier_name,
                    outcome: "no_version",
                    manual: None,
                    quote: None,
                    errors: vec![RateError {
                        field: "coverage.effective".into(),
                        message: format!(
                            "no {carrier} manual for {} is in force on {} for {}",
                            practice.state,
                            cov.effective,
                            match cov.transaction {
                                Transaction::New => "new business",
                                Transaction::Renewal => "renewals",
                            }
                        ),
                    }],
                },
                Some(m) => match rate(m, practice) {
                    Ok(q) => CarrierResult {
                        carrier: carrier.to_string(),
                        carrier_name,
                        outcome: "rated",
                        manual: Some(m.meta.id()),
                        quote: Some(q),
                        errors: Vec::new(),
                    },
                    Err(errors) => CarrierResult {
                        carrier: carrier.to_string(),
                        carrier_name,
                        outcome: "cannot_rate",
                        manual: Some(m.meta.id()),
                        quote: None,
                        errors,
                    },
                },
            }
        })
        .collect()
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
    let dir = manuals_dir(manuals);
    let Some(loaded) = load_manuals(&dir)? else {
        return Ok(ExitCode::from(1));
    };
    let manuals: Vec<&Manual> = loaded.iter().map(|m| &m.manual).collect();
    let results = rate_all(&manuals, &practice, carrier);
    let mut out = std::io::stdout().lock();
    if results.is_empty() {
        let who = carrier.map_or("no carrier".to_string(), |c| format!("carrier `{c}`"));
        writeln!(std::io::stderr(), "medmal: {who} in {} writes {}", dir.display(), practice.state)?;
        return Ok(ExitCode::from(1));
    }
    match format {
        Format::Json => {
            let report = QuoteReport {
                practice: &practice.name,
                state: &practice.state,
                effective: practice.coverage.effective.to_string(),
                transaction: practice.coverage.transaction,
                results: &results,
            };
            serde_json::to_writer_pretty(&mut out, &report)?;
            writeln!(out)?;
        }
        Format::Table => render::quote_report(&mut out, &practice, &results)?,
    }
    let any_rated = results.iter().any(|r| r.quote.is_some());
    Ok(if any_rated { ExitCode::SUCCESS } else { ExitCode::from(1) })
}
