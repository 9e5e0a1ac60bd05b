//! The proposal as one self-contained HTML page (inline CSS and SVG) that prints on Letter
//! paper: summary and comparison first, worksheets in an appendix on their own pages.

use std::fmt::Write;

use medmal_core::worksheet::Line;

use crate::{Proposal, Table, chart, money, tables};

pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for ch in s.chars() {
        match ch {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

const STYLE: &str = r#"
@page { size: Letter; margin: 0.6in; }
body { font-family: Helvetica, Arial, sans-serif; font-size: 10.5pt; color: #1f2328; max-width: 7.4in; margin: 0 auto; }
h1 { font-size: 20pt; margin: 0 0 4pt; }
h2 { font-size: 14pt; border-bottom: 2px solid #1f6feb; padding-bottom: 2pt; margin-top: 18pt; break-after: avoid; }
h3 { font-size: 11.5pt; margin: 12pt 0 4pt; break-after: avoid; }
table { border-collapse: collapse; width: 100%; margin: 4pt 0 8pt; break-inside: auto; }
th, td { border: 1px solid #d0d7de; padding: 3pt 5pt; text-align: left; vertical-align: top; }
th { background: #f6f8fa; }
tr { break-inside: avoid; }
td.num, th.num { text-align: right; white-space: nowrap; font-variant-numeric: tabular-nums; }
.muted { color: #57606a; }
.summary { background: #ddf4ff; border-left: 4px solid #1f6feb; padding: 6pt 10pt; }
.critical { color: #a40e26; font-weight: bold; }
.warning { color: #7d4e00; font-weight: bold; }
.note { color: #57606a; font-weight: bold; }
.label { display: inline-block; padding: 0 4pt; border-radius: 3pt; font-size: 9pt; background: #eaeef2; }
.appendix { break-before: page; }
.worksheet td, .worksheet th { font-size: 8.5pt; padding: 2pt 4pt; }
.disclaimer { font-size: 8.5pt; color: #57606a; border-top: 1px solid #d0d7de; margin-top: 16pt; padding-top: 6pt; }
svg { max-width: 100%; height: auto; }
"#;

fn th(cells: &[String], num_from: usize) -> String {
    let mut s = String::from("<tr>");
    for (i, c) in cells.iter().enumerate() {
        let class = if i >= num_from { " class=\"num\"" } else { "" };
        let _ = write!(s, "<th{class}>{}</th>", escape(c));
    }
    s.push_str("</tr>\n");
    s
}

fn tr(cells: &[String], num_from: usize) -> String {
    let mut s = String::from("<tr>");
    for (i, c) in cells.iter().enumerate() {
        let class = if i >= num_from { " class=\"num\"" } else { "" };
        let _ = write!(s, "<td{class}>{}</td>", escape(c));
    }
    s.push_str("</tr>\n");
    s
}

/// A table: header cells, then rows; columns from `num_from` on are right-aligned figures.
fn table(t: &Table, num_from: usize, bold_last: bool) -> String {
    let mut s = String::from("<table>\n");
    s.push_str(&th(&t.header, num_from));
    for (i, r) in t.rows.iter().enumerate() {
        let row = tr(r, num_from);
        if bold_last && i + 1 == t.rows.len() {
            s.push_str(&row.replace("<td", "<td style=\"font-weight:bold\""));
        } else {
            s.push_str(&row);
        }
    }
    s.push_str("</table>\n");
    s
}

fn worksheet(lines: &[Line]) -> String {
    table(&tables::worksheet(lines), 3, false).replacen("<table>", "<table class=\"worksheet\">", 1)
}

/// The whole document.
pub fn render(p: &Proposal) -> String {
    let c = &p.comparison;
    let mut s = String::new();
    let _ = writeln!(
        s,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>Malpractice insurance proposal — {}</title>\n<style>{STYLE}</style>\n</head>\n<body>",
        escape(&c.practice)
    );
    let _ = writeln!(
        s,
        "<h1>Medical professional liability proposal</h1>\n<p><strong>{}</strong> ({}) · prepared {} by {}</p>",
        escape(&c.practice),
        escape(&c.state),
        p.prepared_on,
        escape(&p.prepared_by)
    );
    let ded = c.deductible.map_or("no deductible".to_string(), |d| format!("{} deductible", d.label()));
    let _ = writeln!(
        s,
        "<p class=\"muted\">Every carrier below is rated for the same coverage: {} {}, {ded}, entity {} limits. Costs over {} years assume a {}% annual rate trend.</p>",
        escape(&c.form.name().replace('_', "-")),
        escape(&c.limits.label()),
        match c.entity_limits {
            medmal_core::practice::EntityLimits::Shared => "shared",
            medmal_core::practice::EntityLimits::Separate => "separate",
        },
        c.years,
        (c.trend * rust_decimal::Decimal::ONE_HUNDRED).normalize()
    );

    s.push_str("<h2>Recommendation</h2>\n<div class=\"summary\">\n");
    match p.recommended_offer() {
        Some(o) => {
            let _ = writeln!(s, "<p><strong>We recommend {}.</strong></p>", escape(&o.carrier_name));
        }
        None => s.push_str("<p><strong>No recommendation.</strong></p>\n"),
    }
    for r in &p.rationale {
        let _ = writeln!(s, "<p>{}</p>", escape(r));
    }
    s.push_str("</div>\n");

    // Comparison table.
    s.push_str("<h2>Premium comparison, first year</h2>\n");
    s.push_str(&table(&tables::premiums(c), 1, true));
    for o in &c.offers {
        if o.reasons.is_empty() {
            continue;
        }
        let _ = writeln!(s, "<h3>{} — {}</h3>\n<ul>", escape(&o.carrier_name), o.label.name());
        for r in &o.reasons {
            let _ = writeln!(s, "<li>{}</li>", escape(r));
        }
        s.push_str("</ul>\n");
    }

    // Cost over the years.
    let _ = writeln!(s, "<h2>Cost over {} years</h2>", c.years);
    s.push_str("<p class=\"muted\">Cumulative cost to the practice if it stays with each carrier, with every provider's tail bought at the end of the period.</p>\n");
    s.push_str(&chart::svg(c));
    s.push_str(&table(&tables::scenarios(c), 1, false));
    for ch in &c.cheapest {
        if ch.differs {
            let _ = writeln!(
                s,
                "<p><strong>Note:</strong> for “{}”, the cheapest first year is not the cheapest over the period.</p>",
                escape(&ch.scenario)
            );
        }
    }

    // Coverage grid.
    s.push_str("<h2>Coverage features</h2>\n");
    s.push_str(&table(&tables::features(c), usize::MAX, false));

    // Gaps and questions.
    s.push_str("<h2>Coverage gaps</h2>\n");
    for r in &p.reviews {
        let name =
            c.offers.iter().find(|o| o.carrier == r.carrier).map_or(r.carrier.clone(), |o| o.carrier_name.clone());
        let _ = writeln!(s, "<h3>{}</h3>", escape(&name));
        if r.gaps.is_empty() {
            s.push_str("<p>No gaps found.</p>\n");
            continue;
        }
        s.push_str("<table>\n");
        s.push_str(&th(&["severity".into(), "what we found".into(), "what it means".into()], usize::MAX));
        for g in &r.gaps {
            let _ = writeln!(
                s,
                "<tr><td class=\"{}\">{}</td><td>{}</td><td>{}</td></tr>",
                g.severity.name(),
                g.severity.name(),
                escape(&g.fact),
                escape(&g.consequence)
            );
        }
        s.push_str("</table>\n");
    }
    if let Some(r) = p.reviews.iter().find(|r| Some(&r.carrier) == p.recommended.as_ref()) {
        s.push_str("<h2>Questions to ask before binding</h2>\n<ol>\n");
        for q in &r.questions {
            let _ = writeln!(s, "<li>{}</li>", escape(q));
        }
        s.push_str("</ol>\n");
    }

    // Appendix: worksheets.
    s.push_str("<section class=\"appendix\">\n<h2>Appendix: rating worksheets</h2>\n");
    s.push_str("<p class=\"muted\">Each premium reproduces by hand from its worksheet: every step, the manual rule and table row it comes from, the factor or amount, and the running premium.</p>\n");
    for o in &c.offers {
        let Some(q) = &o.quote else { continue };
        let _ = writeln!(s, "<h3>{} — manual {}</h3>", escape(&o.carrier_name), escape(&q.manual));
        for pp in &q.providers {
            let _ = writeln!(s, "<p><strong>{}</strong>: {}</p>", escape(&pp.name), money(pp.premium));
            s.push_str(&worksheet(&pp.worksheet));
        }
        s.push_str("<p><strong>Policy</strong></p>\n");
        s.push_str(&worksheet(&q.policy_lines));
    }
    s.push_str("</section>\n");

    let _ = writeln!(s, "<p class=\"disclaimer\">{}</p>", escape(crate::DISCLAIMER));
    s.push_str("</body>\n</html>\n");
    s
}
