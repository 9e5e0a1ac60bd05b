//! Rate manuals on disk → validated [`medmal_core::Manual`]s.
//!
//! A manual is a directory holding `manual.toml` and, for large tables, CSV files beside it
//! (`tables/base_rates.csv`, `tables/counties.csv`), plus worked rating examples under
//! `examples/`. The format is documented in `docs/manual-format.md`.
//!
//! Parsing is split from reading: [`parse_manual`] takes the text and a callback that supplies
//! table files, so tests and fuzzers drive it without a file system. Every problem is
//! collected and reported as `file:line:col: message`; a manual with any problem is not
//! returned.

mod checks;
mod features;
mod lower;
mod requirements;
mod steps;
mod tables;

use std::path::{Path, PathBuf};

use medmal_core::Manual;
use medmal_core::manual::ManualMeta;
use medmal_core::versions::{TimelineProblem, check_timelines};
use medmal_text::{Diagnostic, Location, SourceFile, parse_toml};

pub use requirements::load_limits_requirements;

/// A manual with where it came from, so later checks can point into its file.
#[derive(Debug, Clone)]
pub struct LoadedManual {
    pub manual: Manual,
    /// The `manual.toml` path as given.
    pub file: String,
    pub dir: PathBuf,
    /// Positions of the `[manual]` keys that cross-version checks point at.
    pub meta_positions: MetaPositions,
}

#[derive(Debug, Clone, Default)]
pub struct MetaPositions {
    pub effective_new: Option<(usize, usize)>,
    pub effective_renewal: Option<(usize, usize)>,
    pub expires: Option<(usize, usize)>,
    pub manual: Option<(usize, usize)>,
}

/// Parse `manual.toml` text. `read_table` returns a table file's source given its path as
/// written in the manual (relative to the manual's directory), or an error message.
pub fn parse_manual(
    main: &SourceFile,
    read_table: &dyn Fn(&str) -> Result<SourceFile, String>,
) -> Result<(Manual, MetaPositions), Vec<Diagnostic>> {
    let root = parse_toml(main)?;
    lower::lower(main, &root, read_table)
}

/// Read and parse one manual from its `manual.toml` path.
pub fn load_manual(path: &Path) -> Result<LoadedManual, Vec<Diagnostic>> {
    let name = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|e| {
        vec![Diagnostic { file: name.clone(), location: Location::File, message: format!("cannot read manual: {e}") }]
    })?;
    let dir = path.parent().map_or_else(|| PathBuf::from("."), Path::to_path_buf);
    let source = SourceFile::new(name.clone(), text);
    let read_table = |rel: &str| -> Result<SourceFile, String> {
        let p = dir.join(rel);
        std::fs::read_to_string(&p)
            .map(|t| SourceFile::new(p.display().to_string(), t))
            .map_err(|e| format!("cannot read table file {}: {e}", p.display()))
    };
    let (manual, meta_positions) = parse_manual(&source, &read_table)?;
    Ok(LoadedManual { manual, file: name, dir, meta_positions })
}

/// Every `manual.toml` under `root` (or `root` itself when it is a file), sorted.
pub fn find_manuals(root: &Path) -> Result<Vec<PathBuf>, Diagnostic> {
    if root.is_file() {
        return Ok(vec![root.to_path_buf()]);
    }
    let mut out = Vec::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        let entries = std::fs::read_dir(&dir).map_err(|e| Diagnostic {
            file: dir.display().to_string(),
            location: Location::File,
            message: format!("cannot read manuals directory: {e}"),
        })?;
        for entry in entries.flatten() {
            let p = entry.path();
            if p.is_dir() {
                stack.push(p);
            } else if p.file_name().is_some_and(|n| n == "manual.toml") {
                out.push(p);
            }
        }
    }
    out.sort();
    Ok(out)
}

/// Load every manual under `root` and check the versions of each carrier and state against
/// each other. Returns the manuals that loaded and all problems found.
pub fn load_all(root: &Path) -> (Vec<LoadedManual>, Vec<Diagnostic>) {
    let paths = match find_manuals(root) {
        Ok(p) => p,
        Err(d) => return (Vec::new(), vec![d]),
    };
    let mut manuals = Vec::new();
    let mut diags = Vec::new();
    if paths.is_empty() {
        diags.push(Diagnostic {
            file: root.display().to_string(),
            location: Location::File,
            message: "no manual.toml found: expected <carrier>/<state>/<version>/manual.toml below this directory"
                .into(),
        });
    }
    for p in paths {
        match load_manual(&p) {
            Ok(m) => manuals.push(m),
            Err(mut d) => diags.append(&mut d),
        }
    }
    diags.extend(timeline_diagnostics(&manuals));
    (manuals, diags)
}

/// Overlaps and gaps between versions of one carrier and state, pointed at their dates.
pub fn timeline_diagnostics(manuals: &[LoadedManual]) -> Vec<Diagnostic> {
    let metas: Vec<&ManualMeta> = manuals.iter().map(|m| &m.manual.meta).collect();
    check_timelines(&metas)
        .into_iter()
        .map(|TimelineProblem { index, field, message }| {
            let m = &manuals[index];
            let pos = match field {
                "effective_new" => m.meta_positions.effective_new,
                "effective_renewal" => m.meta_positions.effective_renewal,
                "expires" => m.meta_positions.expires.or(m.meta_positions.manual),
                _ => m.meta_positions.manual,
            };
            Diagnostic {
                file: m.file.clone(),
                location: pos.map_or(Location::File, |(line, col)| Location::Position { line, col }),
                message,
            }
        })
        .collect()
}
