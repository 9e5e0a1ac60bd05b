//! `medmal diff OLD NEW`

use std::io::Write;
use std::path::Path;
use std::process::ExitCode;

use medmal_core::diff::diff;

use crate::Format;
use crate::render::table;
use crate::sources::{manual_file, print_diagnostics};

pub fn run(old: &Path, new: &Path, format: Format) -> std::io::Result<ExitCode> {
    let mut problems = Vec::new();
    let a = medmal_manual::load_manual(&manual_file(old)).map_err(|mut d| problems.append(&mut d)).ok();
    let b = medmal_manual::load_manual(&manual_file(new)).map_err(|mut d| problems.append(&mut d)).ok();
    let (Some(a), Some(b)) = (a, b) else {
        print_diagnostics(&mut std::io::stderr().lock(), &problems)?;
        return Ok(ExitCode::from(1));
    };
    let d = diff(&a.manual, &b.manual);
    let mut out = std::io::stdout().lock();
    match format {
        Format::Json => {
            serde_json::to_writer_pretty(&mut out, &d)?;
            writeln!(out)?;
        }
        Format::Table => {
            writeln!(out, "{} → {}: {} change(s)", d.old, d.new, d.changes.len())?;
            let mut current = String::new();
            let mut rows: Vec<Vec<String>> = Vec::new();
            let flush = |out: &mut dyn Write, table_name: &str, rows: &mut Vec<Vec<String>>| -> std::io::Result<()> {
                if !rows.is_empty() {
                    writeln!(out, "\n[{table_name}]")?;
                    table(out, "  ", rows, &[false, true, false, true, true])?;
                    rows.clear();
                }
                Ok(())
            };
            for c in &d.changes {
                if c.table != current {
                    flush(&mut out, &current, &mut rows)?;
                    current.clone_from(&c.table);
                }
                rows.push(vec![
                    c.key.clone(),
                    c.old.clone().unwrap_or_else(|| "(none)".into()),
                    "→".into(),
                    c.new.clone().unwrap_or_else(|| "(removed)".into()),
                    c.percent.clone().unwrap_or_default(),
                ]);
            }
            flush(&mut out, &current, &mut rows)?;
        }
    }
    Ok(ExitCode::SUCCESS)
}
