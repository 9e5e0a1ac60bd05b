//! The cumulative-cost chart: one line per carrier, year by year, with the tail at the end, as
//! a self-contained SVG (people would rather look than read).

use medmal_core::compare::Comparison;
use medmal_core::projection::Scenario;
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;

use crate::html::escape;

const COLORS: [&str; 8] = ["#1f6feb", "#d1242f", "#1a7f37", "#9a6700", "#8250df", "#bf3989", "#0a7b83", "#57606a"];

/// Cumulative cost to the practice after each year (the last point adds the tail).
pub fn series(c: &Comparison) -> Vec<(String, Vec<Decimal>)> {
    let label = Scenario::Stay.label();
    c.offers
        .iter()
        .filter_map(|o| {
            let p = o.projections.iter().find(|p| p.scenario == label && p.error.is_none())?;
            let mut acc = Decimal::ZERO;
            let mut pts: Vec<Decimal> = p
                .years
                .iter()
                .map(|y| {
                    acc += y.premium;
                    acc
                })
                .collect();
            if p.practice_tails > Decimal::ZERO {
                pts.push(acc + p.practice_tails);
            }
            Some((o.carrier_name.clone(), pts))
        })
        .collect()
}

/// Pixel positions are the only floats here; every amount shown is an exact decimal label.
pub fn svg(c: &Comparison) -> String {
    let data = series(c);
    let (w, h, left, right, top, bottom) = (720.0_f64, 360.0_f64, 80.0_f64, 250.0_f64, 20.0_f64, 40.0_f64);
    let points = data.iter().map(|(_, p)| p.len()).max().unwrap_or(0).max(2);
    let max = data.iter().flat_map(|(_, p)| p.iter()).max().copied().unwrap_or(Decimal::ONE).max(Decimal::ONE);
    let max_f = max.to_f64().unwrap_or(1.0);
    let x = |i: usize| left + (w - left - right) * (i as f64) / ((points - 1) as f64);
    let y = |v: Decimal| top + (h - top - bottom) * (1.0 - v.to_f64().unwrap_or(0.0) / max_f);
    let mut s = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {w} {h}\" width=\"{w}\" height=\"{h}\" font-family=\"Helvetica, Arial, sans-serif\" font-size=\"10\" role=\"img\" aria-label=\"Cumulative cost per carrier\">\n"
    );
    s.push_str(&format!("<rect x=\"0\" y=\"0\" width=\"{w}\" height=\"{h}\" fill=\"white\"/>\n"));
    for k in 0..=4 {
        let v = max * Decimal::from(k) / Decimal::from(4);
        let yy = y(v);
        s.push_str(&format!(
            "<line x1=\"{left}\" y1=\"{yy:.1}\" x2=\"{:.1}\" y2=\"{yy:.1}\" stroke=\"#d0d7de\"/><text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\">${}</text>\n",
            w - right,
            left - 6.0,
            yy + 4.0,
            crate::money(v.round_dp(0)).trim_end_matches(".00")
        ));
    }
    for i in 0..points {
        let label = if i + 1 == points && data.iter().any(|(_, p)| p.len() == points) && points > c.years as usize {
            "tail".to_string()
        } else {
            format!("year {}", i + 1)
        };
        s.push_str(&format!(
            "<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\">{label}</text>\n",
            x(i),
            h - bottom + 18.0
        ));
    }
    for (k, (name, pts)) in data.iter().enumerate() {
        let color = COLORS[k % COLORS.len()];
        let path: Vec<String> = pts.iter().enumerate().map(|(i, v)| format!("{:.1},{:.1}", x(i), y(*v))).collect();
        s.push_str(&format!(
            "<polyline fill=\"none\" stroke=\"{color}\" stroke-width=\"2.5\" points=\"{}\"/>\n",
            path.join(" ")
        ));
        for (i, v) in pts.iter().enumerate() {
            s.push_str(&format!("<circle cx=\"{:.1}\" cy=\"{:.1}\" r=\"3\" fill=\"{color}\"/>\n", x(i), y(*v)));
        }
        let last = pts.last().copied().unwrap_or_default();
        s.push_str(&format!(
            "<text x=\"{:.1}\" y=\"{:.1}\" fill=\"{color}\">{} ${}</text>\n",
            w - right + 8.0,
            top + 16.0 * (k as f64) + 10.0,
            escape(&name.chars().take(34).collect::<String>()),
            crate::money(last.round_dp(0)).trim_end_matches(".00")
        ));
    }
    s.push_str("</svg>\n");
    s
}
