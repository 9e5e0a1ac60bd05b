//! CSV tables beside a manual: base rates (class × territory) and county → territory maps.
//! Problems point at the CSV file's own line and column.

use std::collections::BTreeMap;

use medmal_core::money::Money;
use medmal_text::{Diagnostic, Diags, SourceFile, parse_decimal};
use rust_decimal::Decimal;

/// Byte offset of field `i` of a record in the file. The record's own field ranges index its
/// unescaped buffer (no delimiters, trimmed), so the raw line is scanned instead.
fn field_offset(src: &SourceFile, rec: &csv::StringRecord, i: usize) -> usize {
    let start = rec.position().map_or(0, |p| usize::try_from(p.byte()).unwrap_or(0));
    let line = src.text.get(start..).unwrap_or_default();
    let mut field = 0;
    let mut in_quotes = false;
    let mut offset = start;
    for (k, ch) in line.char_indices() {
        if field == i {
            offset = start + k;
            break;
        }
        match ch {
            '"' => in_quotes = !in_quotes,
            ',' if !in_quotes => field += 1,
            '\n' => break,
            _ => {}
        }
        offset = start + k + ch.len_utf8();
    }
    // Point at the value, not at the blanks before it.
    let rest = src.text.get(offset..).unwrap_or_default();
    offset + rest.len() - rest.trim_start_matches([' ', '\t']).len()
}

fn reader(src: &SourceFile) -> csv::Reader<&[u8]> {
    csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .trim(csv::Trim::All)
        .comment(Some(b'#'))
        .from_reader(src.text.as_bytes())
}

fn csv_error(d: &mut Diags<'_>, e: &csv::Error) {
    match e.position() {
        Some(p) => d.at_offset(usize::try_from(p.byte()).unwrap_or(0), format!("invalid CSV: {e}")),
        None => d.file(format!("invalid CSV: {e}")),
    }
}

/// `class,T1,T2,…` header, then one row per class with a rate per territory.
pub(crate) fn base_rates(src: &SourceFile, out_diags: &mut Vec<Diagnostic>) -> BTreeMap<(String, String), Money> {
    let mut d = Diags::new(src);
    let mut out = BTreeMap::new();
    let mut rdr = reader(src);
    let mut header: Option<csv::StringRecord> = None;
    for rec in rdr.records() {
        let rec = match rec {
            Ok(r) => r,
            Err(e) => {
                csv_error(&mut d, &e);
                continue;
            }
        };
        let Some(h) = &header else {
            if rec.get(0) != Some("class") || rec.len() < 2 {
                d.at_offset(field_offset(src, &rec, 0), "expected a header `class,<territory>,<territory>,…`");
            }
            for i in 2..rec.len() {
                let t = rec.get(i).unwrap_or_default();
                if (1..i).any(|j| rec.get(j) == Some(t)) {
                    d.at_offset(
                        field_offset(src, &rec, i),
                        format!("territory `{t}` has a second column; expected one column per territory"),
                    );
                }
            }
            header = Some(rec);
            continue;
        };
        if rec.len() != h.len() {
            d.at_offset(
                field_offset(src, &rec, 0),
                format!("row has {} fields, expected {} like the header", rec.len(), h.len()),
            );
            continue;
        }
        let class = rec.get(0).unwrap_or_default().to_string();
        if out.keys().any(|(c, _): &(String, String)| *c == class) {
            d.at_offset(field_offset(src, &rec, 0), format!("class `{class}` has a second row"));
            continue;
        }
        for i in 1..rec.len() {
            let cell = rec.get(i).unwrap_or_default();
            let terr = h.get(i).unwrap_or_default().to_string();
            match parse_decimal(cell) {
                Some(v) if v > Decimal::ZERO && v <= crate::lower::MAX_VALUE => {
                    out.insert((class.clone(), terr), v);
                }
                Some(v) => d.at_offset(
                    field_offset(src, &rec, i),
                    format!("base rate must be positive and at most 1,000,000,000, found {v}"),
                ),
                None if cell.is_empty() => d.at_offset(
                    field_offset(src, &rec, i),
                    format!("class `{class}` has no rate for territory `{terr}`: expected a positive amount"),
                ),
                None => d.at_offset(
                    field_offset(src, &rec, i),
                    format!("`{cell}` is not a number: expected a base rate such as 12000"),
                ),
            }
        }
    }
    if header.is_none() {
        d.file("empty base-rate table: expected a header `class,<territory>,…` and one row per class");
    }
    out_diags.append(&mut d.list);
    out
}

/// `county,territory` header, then one row per county.
pub(crate) fn counties(
    src: &SourceFile,
    territories: &[&str],
    out_diags: &mut Vec<Diagnostic>,
) -> BTreeMap<String, String> {
    let mut d = Diags::new(src);
    let mut out: BTreeMap<String, String> = BTreeMap::new();
    let mut first_row: BTreeMap<String, usize> = BTreeMap::new();
    let mut rdr = reader(src);
    let mut seen_header = false;
    for rec in rdr.records() {
        let rec = match rec {
            Ok(r) => r,
            Err(e) => {
                csv_error(&mut d, &e);
                continue;
            }
        };
        if !seen_header {
            if rec.get(0) != Some("county") || rec.get(1) != Some("territory") || rec.len() != 2 {
                d.at_offset(field_offset(src, &rec, 0), "expected the header `county,territory`");
            }
            seen_header = true;
            continue;
        }
        if rec.len() != 2 {
            d.at_offset(
                field_offset(src, &rec, 0),
                format!("row has {} fields, expected 2: county,territory", rec.len()),
            );
            continue;
        }
        let county = rec.get(0).unwrap_or_default().to_string();
        let terr = rec.get(1).unwrap_or_default().to_string();
        if county.is_empty() || terr.is_empty() {
            d.at_offset(field_offset(src, &rec, 0), "expected a county name and a territory id");
            continue;
        }
        let key = county.to_lowercase();
        if let Some(prev) = out.iter().find(|(c, _)| c.to_lowercase() == key).map(|(_, t)| t.clone()) {
            let (line, _) = src.line_col(first_row.get(&key).copied().unwrap_or(0));
            d.at_offset(
                field_offset(src, &rec, 0),
                format!("county `{county}` is already in territory `{prev}` (line {line}); a county belongs to one territory"),
            );
            continue;
        }
        if !territories.contains(&terr.as_str()) {
            d.at_offset(
                field_offset(src, &rec, 1),
                format!("territory `{terr}` is not in [territories.names]: expected one of {}", territories.join(", ")),
            );
            continue;
        }
        first_row.insert(key, field_offset(src, &rec, 0));
        out.insert(county, terr);
    }
    out_diags.append(&mut d.list);
    out
}
