//! The per-state limits-requirements table that coverage review checks policies against.

use std::path::Path;

use medmal_core::review::LimitsRequirement;
use medmal_text::{Diags, SourceFile, TableReader, parse_toml};

/// Read `data/limits-requirements.toml` (documented in docs/limits-requirements.md): one
/// `[[requirement]]` per row with `state`, `limits` and `source`. Every problem is reported.
pub fn load_limits_requirements(path: &Path) -> Result<Vec<LimitsRequirement>, Vec<medmal_text::Diagnostic>> {
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
            let l = medmal_core::limits::parse_limits(&s).filter(|l| l.aggregate >= l.per_claim);
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
