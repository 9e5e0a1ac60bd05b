//! Where manuals come from, and printing problems.

use std::io::Write;
use std::path::{Path, PathBuf};

use medmal_manual::LoadedManual;
use medmal_text::Diagnostic;

/// The manuals directory: the one given, else `./manuals`, else the sample manuals of the
/// source tree this binary was built from.
pub fn manuals_dir(given: Option<PathBuf>) -> PathBuf {
    if let Some(p) = given {
        return p;
    }
    let local = PathBuf::from("manuals");
    if local.is_dir() {
        return local;
    }
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../manuals")
}

/// A manual given as a directory or as its `manual.toml`.
pub fn manual_file(path: &Path) -> PathBuf {
    if path.is_dir() { path.join("manual.toml") } else { path.to_path_buf() }
}

pub fn print_diagnostics(out: &mut dyn Write, diags: &[Diagnostic]) -> std::io::Result<()> {
    for d in diags {
        writeln!(out, "{d}")?;
    }
    Ok(())
}

/// Read a practice file; problems are printed to stderr and make this `None`.
pub fn load_practice(path: &Path) -> std::io::Result<Option<medmal_core::Practice>> {
    match medmal_practice::load_practice(path) {
        Ok(p) => Ok(Some(p)),
        Err(diags) => {
            print_diagnostics(&mut std::io::stderr().lock(), &diags)?;
            Ok(None)
        }
    }
}

/// Load every manual under `dir`; problems are printed to stderr and make this `None`.
pub fn load_manuals(dir: &Path) -> std::io::Result<Option<Vec<LoadedManual>>> {
    let (manuals, diags) = medmal_manual::load_all(dir);
    if diags.is_empty() {
        return Ok(Some(manuals));
    }
    let mut err = std::io::stderr().lock();
    print_diagnostics(&mut err, &diags)?;
    writeln!(
        err,
        "medmal: {} problem(s) in the manuals under {}; run `medmal check {}`",
        diags.len(),
        dir.display(),
        dir.display()
    )?;
    Ok(None)
}
