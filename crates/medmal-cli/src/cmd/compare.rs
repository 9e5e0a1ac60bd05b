//! `medmal compare PRACTICE`: every carrier, like for like, with the cost over the years.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use medmal_core::Manual;
use medmal_core::compare::{CompareOptions, Comparison, compare};
use medmal_core::manual::{Deductible, DeductibleBasis, DeductibleKind, PolicyForm};
use medmal_core::practice::EntityLimits;
use medmal_core::projection::Scenario;
use medmal_proposal::tables;
use rust_decimal::Decimal;

use crate::CompareFormat;
use crate::render::{dollars, table};
use crate::sources::{load_manuals, manuals_dir};

/// The what-if choices of `compare`, as typed on the command line.
#[derive(Debug, Default, clap::Args)]
pub struct CompareArgs {
    /// Years to project (claims-made step-up, tails).
    #[arg(long, default_value_t = 5)]
    pub years: u32,
    /// Annual rate trend for future years, as a fraction (0.03 = +3% a year).
    #[arg(long, default_value = "0")]
    pub trend: String,
    /// Compare at these limits instead of the practice's (e.g. 2M/4M).
    #[arg(long)]
    pub limits: Option<String>,
    /// Compare on this form instead of the practice's.
    #[arg(long, value_parser = ["claims_made", "occurrence"])]
    pub form: Option<String>,
    /// Compare with this deductible: `none`, or AMOUNT[:indemnity|indemnity_expense[:per_claim|aggregate]].
    #[arg(long)]
    pub deductible: Option<String>,
    /// Compare with shared or separate entity limits.
    #[arg(long, value_parser = ["shared", "separate"])]
    pub entity: Option<String>,
    /// Scenario: a provider leaves after a year, as "NAME@YEAR" (repeatable).
    #[arg(long = "leave")]
    pub leave: Vec<String>,
    /// Scenario: a provider retires after a year, as "NAME@YEAR" (repeatable).
    #[arg(long = "retire")]
    pub retire: Vec<String>,
}

fn bad(msg: String) -> std::io::Result<Result<CompareOptions, ExitCode>> {
    writeln!(std::io::stderr(), "medmal compare: {msg}")?;
    Ok(Err(ExitCode::from(2)))
}

fn who_when(s: &str) -> Option<(String, u32)> {
    let (name, year) = s.rsplit_once('@')?;
    Some((name.trim().to_string(), year.trim().parse().ok()?))
}

/// Turn the command-line choices into comparison options (exit 2 on a malformed choice).
pub fn options(a: &CompareArgs) -> std::io::Result<Result<CompareOptions, ExitCode>> {
    let mut o = CompareOptions { years: a.years, ..CompareOptions::default() };
    if a.years == 0 || a.years > 30 {
        return bad(format!("--years {} must be 1 to 30", a.years));
    }
    match medmal_text::parse_decimal(&a.trend) {
        Some(t) if t > -Decimal::ONE && t < Decimal::ONE => o.trend = t,
        _ => return bad(format!("--trend `{}` must be a fraction such as 0.03", a.trend)),
    }
    if let Some(l) = &a.limits {
        match medmal_practice::parse_limits(l) {
            Some(l) if l.aggregate >= l.per_claim => o.limits = Some(l),
            _ => return bad(format!("--limits `{l}` is not a per-claim/aggregate pair such as 2M/4M")),
        }
    }
    o.form = a.form.as_deref().map(|f| if f == "occurrence" { PolicyForm::Occurrence } else { PolicyForm::ClaimsMade });
    if let Some(d) = &a.deductible {
        if d == "none" {
            o.deductible = Some(None);
        } else {
            let mut parts = d.split(':');
            let amount = parts.next().and_then(medmal_practice::parse_amount);
            let kind = match parts.next().unwrap_or("indemnity") {
                "indemnity" => Some(DeductibleKind::Indemnity),
                "indemnity_expense" => Some(DeductibleKind::IndemnityAndExpense),
                _ => None,
            };
            let basis = match parts.next().unwrap_or("per_claim") {
                "per_claim" => Some(DeductibleBasis::PerClaim),
                "aggregate" => Some(DeductibleBasis::Aggregate),
                _ => None,
            };
            match (amount, kind, basis) {
                (Some(amount), Some(kind), Some(basis)) => {
                    o.deductible = Some(Some(Deductible { amount, kind, basis }))
                }
                _ => {
                    return bad(format!(
                        "--deductible `{d}`: expected none or AMOUNT[:indemnity|indemnity_expense[:per_claim|aggregate]]"
                    ));
                }
            }
        }
    }
    o.entity_limits =
        a.entity.as_deref().map(|e| if e == "separate" { EntityLimits::Separate } else { EntityLimits::Shared });
    for (list, retire) in [(&a.leave, false), (&a.retire, true)] {
        for s in list {
            let Some((provider, year)) = who_when(s) else {
                return bad(format!("`{s}`: expected NAME@YEAR, e.g. \"Dr. Ana Ruiz@2\""));
            };
            o.scenarios.push(if retire {
                Scenario::Retire { provider, year }
            } else {
                Scenario::Leave { provider, year }
            });
        }
    }
    Ok(Ok(o))
}

pub fn run(
    practice_path: &Path,
    manuals: Option<PathBuf>,
    args: &CompareArgs,
    format: CompareFormat,
) -> std::io::Result<ExitCode> {
    if format == CompareFormat::Html {
        // The comparison as a document: the same page `medmal proposal --out x.html` writes.
        let p = match crate::cmd::proposal::build(practice_path, manuals, args, None, "your broker")? {
            Ok(p) => p,
            Err(code) => return Ok(code),
        };
        std::io::stdout().lock().write_all(medmal_proposal::html::render(&p).as_bytes())?;
        return Ok(ExitCode::SUCCESS);
    }
    let opts = match options(args)? {
        Ok(o) => o,
        Err(code) => return Ok(code),
    };
    let Some(practice) = crate::sources::load_practice(practice_path)? else {
        return Ok(ExitCode::from(1));
    };
    let dir = manuals_dir(manuals);
    let Some(loaded) = load_manuals(&dir)? else { return Ok(ExitCode::from(1)) };
    let manuals: Vec<&Manual> = loaded.iter().map(|m| &m.manual).collect();
    let c = compare(&manuals, &practice, &opts);
    if c.offers.is_empty() {
        writeln!(std::io::stderr(), "medmal: no carrier in {} writes {}", dir.display(), practice.state)?;
        return Ok(ExitCode::from(1));
    }
    let mut out = std::io::stdout().lock();
    match format {
        CompareFormat::Json => {
            serde_json::to_writer_pretty(&mut out, &c)?;
            writeln!(out)?;
        }
        CompareFormat::Table | CompareFormat::Html => render(&mut out, &c)?,
    }
    Ok(ExitCode::SUCCESS)
}

fn render(out: &mut dyn Write, c: &Comparison) -> std::io::Result<()> {
    let ded = c.deductible.map_or("no deductible".to_string(), |d| format!("deductible {}", d.label()));
    writeln!(
        out,
        "{} ({}) — like for like: {} {}, {ded}, entity {:?} limits; {} years, trend {}%",
        c.practice,
        c.state,
        c.form.name().replace('_', "-"),
        c.limits.label(),
        c.entity_limits,
        c.years,
        (c.trend * Decimal::ONE_HUNDRED).normalize()
    )?;

    let shown = |t: &medmal_proposal::Table| {
        let mut rows = vec![t.header.clone()];
        rows.extend(t.rows.iter().cloned());
        rows
    };
    let right: Vec<bool> = std::iter::once(false).chain(c.offers.iter().map(|_| true)).collect();
    writeln!(out, "\nPremium, year 1")?;
    table(out, "  ", &shown(&tables::premiums(c)), &right)?;
    writeln!(out, "\nCost over {} years (to the practice)", c.years)?;
    table(out, "  ", &shown(&tables::scenarios(c)), &right)?;
    for ch in &c.cheapest {
        let name = |id: &Option<String>| {
            c.offers.iter().find(|o| Some(&o.carrier) == id.as_ref()).map_or("—", |o| o.carrier_name.as_str())
        };
        let (first, over) = (name(&ch.first_year), name(&ch.over_period));
        let mark = if ch.differs { "  ← the cheapest first year is NOT the cheapest over the period" } else { "" };
        writeln!(out, "  {}: cheapest year 1 {first}; cheapest over {} years {over}{mark}", ch.scenario, c.years)?;
    }

    for o in &c.offers {
        writeln!(
            out,
            "\n{} — {} ({})",
            o.carrier_name,
            o.label.name().to_uppercase(),
            o.manual.as_deref().unwrap_or("no manual in force")
        )?;
        for r in &o.reasons {
            writeln!(out, "  {r}")?;
        }
        for p in &o.projections {
            if let Some(e) = &p.error {
                writeln!(out, "  {}: cannot project: {e}", p.scenario)?;
                continue;
            }
            let years: Vec<String> = p.years.iter().map(|y| format!("y{} {}", y.year, dollars(y.premium))).collect();
            writeln!(out, "  {}: {}", p.scenario, years.join(", "))?;
            for t in &p.tails {
                writeln!(
                    out,
                    "    tail {} after year {}: {} paid by {} ({})",
                    t.provider,
                    t.after_year,
                    dollars(t.premium),
                    t.paid_by,
                    t.note
                )?;
            }
            for n in &p.notes {
                writeln!(out, "    note: {n}")?;
            }
        }
    }

    writeln!(out, "\nCoverage features")?;
    table(out, "  ", &shown(&tables::features(c)), &[])?;
    Ok(())
}
