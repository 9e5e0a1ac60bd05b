//! Readable tables for the terminal.

use std::io::{self, Write};

use medmal_core::money::fmt_money;
use medmal_core::practice::Practice;
use medmal_core::worksheet::{Line, Op, Quote};
use rust_decimal::Decimal;

use crate::cmd::quote::CarrierResult;

/// Pad columns to their widest cell (counting characters, not bytes).
pub fn table(out: &mut dyn Write, indent: &str, rows: &[Vec<String>], right: &[bool]) -> io::Result<()> {
    let cols = rows.iter().map(Vec::len).max().unwrap_or(0);
    let mut width = vec![0usize; cols];
    for r in rows {
        for (i, c) in r.iter().enumerate() {
            width[i] = width[i].max(c.chars().count());
        }
    }
    for r in rows {
        let mut line = String::from(indent);
        for (i, c) in r.iter().enumerate() {
            let pad = width[i].saturating_sub(c.chars().count());
            if right.get(i).copied().unwrap_or(false) {
                line.push_str(&" ".repeat(pad));
                line.push_str(c);
            } else {
                line.push_str(c);
                if i + 1 < r.len() {
                    line.push_str(&" ".repeat(pad));
                }
            }
            if i + 1 < r.len() {
                line.push_str("  ");
            }
        }
        writeln!(out, "{}", line.trim_end())?;
    }
    Ok(())
}

/// `12345.6` → `12,345.60`.
pub fn dollars(x: Decimal) -> String {
    medmal_core::money::fmt_dollars(x)
}

pub fn worksheet(out: &mut dyn Write, indent: &str, lines: &[Line]) -> io::Result<()> {
    let mut rows = vec![vec!["step".into(), "rule".into(), "row".into(), "value".into(), "running".into()]];
    for l in lines {
        let running = if l.op == Op::Note { String::new() } else { fmt_money(l.running) };
        rows.push(vec![
            l.step.to_string(),
            l.rule.to_string(),
            l.row.to_string(),
            medmal_proposal::tables::line_value(l),
            running,
        ]);
    }
    table(out, indent, &rows, &[false, false, false, true, true])
}

pub fn quote(out: &mut dyn Write, q: &Quote) -> io::Result<()> {
    writeln!(out, "{} — manual {} — {}", q.carrier_name, q.manual, q.status.name().to_uppercase())?;
    for r in &q.reasons {
        writeln!(out, "  {r}")?;
    }
    for p in &q.providers {
        let what = match (&p.specialty, &p.class) {
            (Some(s), Some(c)) => format!("physician {s}, class {c}"),
            (None, Some(c)) => format!("{}, class {c}", p.role),
            _ => p.role.to_string(),
        };
        let cm = p.claims_made_year.map_or(String::new(), |y| format!(", claims-made year {y}"));
        writeln!(out, "\n  {} ({what}{cm}): {}", p.name, dollars(p.premium))?;
        worksheet(out, "    ", &p.worksheet)?;
        if let Some(t) = &p.tail {
            let free = if t.free_on.is_empty() { String::new() } else { format!("; free on {}", t.free_on.join(", ")) };
            writeln!(
                out,
                "    Tail if leaving at term end ({}, claims-made year {}): {}{free}",
                t.length,
                t.claims_made_year,
                dollars(t.premium)
            )?;
            worksheet(out, "      ", &t.worksheet)?;
            for n in &t.notes {
                writeln!(out, "      {n}")?;
            }
        }
    }
    if let Some(x) = &q.experience {
        writeln!(out, "\n  Group experience rating: modification {}", x.modification.normalize())?;
        worksheet(out, "    ", &x.lines)?;
    }
    writeln!(out, "\n  Policy")?;
    worksheet(out, "    ", &q.policy_lines)?;
    writeln!(out, "  TOTAL ANNUAL PREMIUM: {}", dollars(q.total))?;
    for n in &q.not_covered {
        writeln!(out, "  NOT COVERED: {n}")?;
    }
    if !q.assumptions.is_empty() {
        writeln!(out, "  Assumed:")?;
        for a in &q.assumptions {
            writeln!(out, "    - {a}")?;
        }
    }
    Ok(())
}

pub fn quote_report(out: &mut dyn Write, practice: &Practice, results: &[CarrierResult]) -> io::Result<()> {
    let cov = &practice.coverage;
    writeln!(
        out,
        "{} ({}) — effective {} ({:?}), {} {}",
        practice.name,
        practice.state,
        cov.effective,
        cov.transaction,
        cov.form.name().replace('_', "-"),
        cov.limits.label()
    )?;
    let mut summary = vec![vec!["carrier".into(), "manual".into(), "status".into(), "total".into()]];
    for r in results {
        let (status, total) = match &r.quote {
            Some(q) => (q.status.name().to_string(), dollars(q.total)),
            None => (r.outcome.replace('_', " "), "—".into()),
        };
        summary.push(vec![r.carrier_name.clone(), r.manual.clone().unwrap_or_else(|| "—".into()), status, total]);
    }
    table(out, "  ", &summary, &[false, false, false, true])?;
    for r in results {
        writeln!(out, "\n{}", "=".repeat(78))?;
        match &r.quote {
            Some(q) => quote(out, q)?,
            None => {
                writeln!(out, "{} — {}", r.carrier_name, r.manual.clone().unwrap_or_default())?;
                writeln!(out, "  cannot rate:")?;
                for e in &r.errors {
                    writeln!(out, "    {e}")?;
                }
            }
        }
    }
    Ok(())
}
