//! The rate-impact report as one HTML page with an SVG histogram of the change.

use std::fmt::Write;

use medmal_core::book::{Group, ImpactReport};
use medmal_core::money::fmt_dollars;
use medmal_proposal::html::escape;

use super::rerate::pct;

/// Bars of the row count per band: credits (falling premium) in green, increases in red.
fn histogram(r: &ImpactReport) -> String {
    let (w, h, left, bottom, top) = (720u64, 260u64, 50u64, 60u64, 20u64);
    let n = r.bands.len().max(1) as u64;
    let slot = (w - left) / n;
    let most = r.bands.iter().map(|b| b.rows).max().unwrap_or(0).max(1);
    let plot = h - bottom - top;
    let mut svg = format!(
        r#"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {w} {h}" width="{w}" height="{h}" role="img" aria-label="Rows by premium change">"#
    );
    let _ = write!(svg, r##"<line x1="{left}" y1="{}" x2="{w}" y2="{}" stroke="#333"/>"##, h - bottom, h - bottom);
    for (i, b) in r.bands.iter().enumerate() {
        let bar = b.rows * plot / most;
        let x = left + i as u64 * slot + 6;
        let y = h - bottom - bar;
        let colour = match i {
            0..=2 => "#2e7d32",
            3 => "#757575",
            _ => "#c62828",
        };
        let _ = write!(
            svg,
            r#"<rect x="{x}" y="{y}" width="{}" height="{bar}" fill="{colour}"><title>{}: {} rows</title></rect>"#,
            slot - 12,
            escape(b.label),
            b.rows
        );
        let _ = write!(
            svg,
            r#"<text x="{}" y="{}" font-size="11" text-anchor="middle">{}</text>"#,
            x + (slot - 12) / 2,
            y.saturating_sub(4).max(12),
            b.rows
        );
        let _ = write!(
            svg,
            r#"<text x="{}" y="{}" font-size="10" text-anchor="middle">{}</text>"#,
            x + (slot - 12) / 2,
            h - bottom + 16,
            escape(b.label)
        );
    }
    let _ = write!(
        svg,
        r#"<text x="{}" y="{}" font-size="12" text-anchor="middle">change in premium, row by row</text>"#,
        left + (w - left) / 2,
        h - 12
    );
    svg.push_str("</svg>");
    svg
}

fn groups(title: &str, gs: &[Group]) -> String {
    let mut s = format!(
        "<h2>{}</h2><table><thead><tr><th></th><th></th><th>rows</th><th>before</th><th>after</th><th>change</th></tr></thead><tbody>",
        escape(title)
    );
    for g in gs {
        let _ = write!(
            s,
            "<tr><td>{}</td><td>{}</td><td class=n>{}</td><td class=n>{}</td><td class=n>{}</td><td class=n>{}</td></tr>",
            escape(&g.key),
            escape(&g.label),
            g.rows,
            fmt_dollars(g.before),
            fmt_dollars(g.after),
            pct(g.change_pct)
        );
    }
    s.push_str("</tbody></table>");
    s
}

pub fn page(name: &str, rejected: usize, r: &ImpactReport) -> String {
    let mut s = String::new();
    let title = format!("Rate impact: {} {} — {} → {}", r.carrier_name, r.state, r.from, r.to);
    let _ = write!(
        s,
        "<!doctype html><html lang=en><head><meta charset=utf-8><title>{}</title><style>\
body{{font-family:system-ui,sans-serif;margin:2em;color:#222;max-width:60em}}\
table{{border-collapse:collapse;margin:.5em 0 1.5em}}td,th{{padding:.25em .7em;border-bottom:1px solid #ddd;text-align:left}}\
td.n{{text-align:right;font-variant-numeric:tabular-nums}}h2{{margin-top:1.5em}}\
@media print{{body{{margin:0}}h2{{break-after:avoid}}table{{break-inside:avoid}}}}\
</style></head><body><h1>{}</h1>",
        escape(&title),
        escape(&title)
    );
    let _ = write!(
        s,
        "<p>Book <code>{}</code>: {} rows{}, {} rated under both versions.</p>",
        escape(name),
        r.rows,
        if rejected > 0 { format!(" ({rejected} bad rows left out)") } else { String::new() },
        r.rated
    );
    let _ = write!(
        s,
        "<table><tbody><tr><th>premium before</th><td class=n>{}</td></tr><tr><th>premium after</th><td class=n>{}</td></tr>\
<tr><th>change</th><td class=n>{} ({})</td></tr></tbody></table>",
        fmt_dollars(r.before),
        fmt_dollars(r.after),
        fmt_dollars(r.change),
        pct(r.change_pct)
    );
    if let Some(c) = &r.current {
        let _ = write!(
            s,
            "<p>Current premium in the book: {} over {} rows; {} rows differ from their {} premium.</p>",
            fmt_dollars(c.total),
            c.rows,
            c.rows_differing,
            escape(&r.from)
        );
    }
    s.push_str("<h2>Distribution of premium change</h2>");
    s.push_str(&histogram(r));
    s.push_str("<table><thead><tr><th>change</th><th>rows</th><th>before</th><th>after</th></tr></thead><tbody>");
    for b in &r.bands {
        let _ = write!(
            s,
            "<tr><td>{}</td><td class=n>{}</td><td class=n>{}</td><td class=n>{}</td></tr>",
            escape(b.label),
            b.rows,
            fmt_dollars(b.before),
            fmt_dollars(b.after)
        );
    }
    s.push_str("</tbody></table>");
    s.push_str(&groups("By class", &r.by_class));
    s.push_str(&groups("By territory", &r.by_territory));
    s.push_str(&groups("By limits", &r.by_limits));
    s.push_str(&groups("By form", &r.by_form));
    s.push_str(
        "<h2>Largest movers</h2><table><thead><tr><th>row</th><th>policy</th><th>provider</th><th>class</th><th>territory</th>\
<th>before</th><th>after</th><th>change</th></tr></thead><tbody>",
    );
    for m in &r.movers {
        let _ = write!(
            s,
            "<tr><td class=n>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td class=n>{}</td><td class=n>{}</td><td class=n>{}</td></tr>",
            m.row,
            escape(&m.policy_id),
            escape(&m.provider_id),
            escape(&m.class),
            escape(&m.territory),
            fmt_dollars(m.before),
            fmt_dollars(m.after),
            pct(m.change_pct)
        );
    }
    s.push_str("</tbody></table><h2>Referred, declined or not rated</h2>");
    if r.flag_counts.is_empty() {
        s.push_str("<p>None.</p>");
    } else {
        s.push_str("<table><thead><tr><th>rows</th><th>status</th><th>version</th><th>reason</th></tr></thead><tbody>");
        for c in &r.flag_counts {
            let version = if c.version == "from" { &r.from } else { &r.to };
            let _ = write!(
                s,
                "<tr><td class=n>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                c.rows,
                c.status.replace('_', " "),
                escape(version),
                escape(&c.reason)
            );
        }
        s.push_str("</tbody></table>");
    }
    s.push_str("</body></html>\n");
    s
}
