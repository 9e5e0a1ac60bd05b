//! Multi-year projections and like-for-like comparison, checked against hand arithmetic on the
//! two small fixture manuals (testdata/manuals), and against independent re-rating.
#![allow(clippy::unwrap_used)]

use std::path::Path;
use std::str::FromStr;

use medmal_core::compare::{CompareOptions, OfferLabel, compare};
use medmal_core::manual::{Limits, PolicyForm};
use medmal_core::practice::Practice;
use medmal_core::projection::{Scenario, advance, project};
use medmal_core::{Manual, rate};
use rust_decimal::Decimal;

fn d(s: &str) -> Decimal {
    Decimal::from_str(s).unwrap()
}

fn manuals() -> Vec<Manual> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../testdata/manuals");
    let (loaded, diags) = medmal_manual::load_all(&root);
    assert!(diags.is_empty(), "{diags:?}");
    loaded.into_iter().map(|l| l.manual).collect()
}

fn solo() -> Practice {
    // The tiny-mutual worked example: Dr. One, Philadelphia, 25 h/week, board certified,
    // retro 2025-03-01, claims-made 2M/4M effective 2026-03-01; entity with separate limits.
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../testdata/practices/unknown-specialty.toml");
    let text = std::fs::read_to_string(path).unwrap().replace("80999", "80420");
    medmal_practice::parse_practice(&medmal_text::SourceFile::new("solo.toml", text)).unwrap()
}

fn manual<'m>(ms: &'m [Manual], id: &str) -> &'m Manual {
    ms.iter().find(|m| m.meta.id() == id).unwrap()
}

/// tiny-mutual, stay five years then buy tail, no trend. By hand (provider steps: base ×
/// claims-made step × ILF 1.25 × credits 0.75, rounded to $1; policy: + entity 10%, + fund 20%,
/// rounded to $1):
///   year 1 (CM year 2, 0.70): 10000 × 0.70 × 1.25 × 0.75 = 6562.50 → 6563;
///          6563 + 656.30 = 7219.30; + 1443.86 = 8663.16 → 8663
///   year 2 (CM year 3, 0.90): 8437.50 → 8438; + 843.80 = 9281.80; + 1856.36 = 11138.16 → 11138
///   years 3–5 (mature 1.00): 9375; + 937.50 = 10312.50; + 2062.50 = 12375
///   premiums = 8663 + 11138 + 3 × 12375 = 56926
///   tail after year 5 (CM year 7 → row 4, factor 2.00) on the mature undiscounted basis
///   10000 × 1.00 × 1.25 = 12500 → 25000
///   total = 81926
#[test]
fn stay_then_tail_matches_hand_arithmetic() {
    let ms = manuals();
    let m = manual(&ms, "tiny-mutual/PA/2026-01");
    let p = project(m, &solo(), 5, Decimal::ZERO, &Scenario::Stay);
    assert_eq!(p.error, None);
    let years: Vec<Decimal> = p.years.iter().map(|y| y.premium).collect();
    assert_eq!(years, vec![d("8663"), d("11138"), d("12375"), d("12375"), d("12375")]);
    let cm: Vec<Option<u32>> = p.years.iter().map(|y| y.providers[0].1).collect();
    assert_eq!(cm, vec![Some(2), Some(3), Some(4), Some(5), Some(6)]);
    assert_eq!(p.premiums, d("56926"));
    assert_eq!(p.tails.len(), 1);
    assert_eq!(p.tails[0].premium, d("25000"));
    assert_eq!(p.tails[0].paid_by, "practice");
    assert_eq!(p.total, d("81926"));
}

/// The same with a 3% trend: year k is rated × 1.03^(k−1), rounded to the cent.
///   y2 11138 × 1.03 = 11472.14; y3 12375 × 1.0609 = 13128.6375 → 13128.64;
///   y4 12375 × 1.092727 = 13522.496625 → 13522.50; y5 12375 × 1.12550881 = 13928.1715… → 13928.17
///   tail 25000 × 1.12550881 = 28137.72025 → 28137.72
#[test]
fn trend_compounds_per_year_and_applies_to_the_tail() {
    let ms = manuals();
    let m = manual(&ms, "tiny-mutual/PA/2026-01");
    let p = project(m, &solo(), 5, d("0.03"), &Scenario::Stay);
    let years: Vec<Decimal> = p.years.iter().map(|y| y.premium).collect();
    assert_eq!(years, vec![d("8663"), d("11472.14"), d("13128.64"), d("13522.50"), d("13928.17")]);
    assert_eq!(p.tails[0].premium, d("28137.72"));
    assert_eq!(p.total, d("8663") + d("11472.14") + d("13128.64") + d("13522.50") + d("13928.17") + d("28137.72"));
}

/// Occurrence instead: 10000 × 1.10 × 1.25 × 0.75 = 10312.50 → 10313; + 1031.30 = 11344.30;
/// + 2268.86 = 13613.16 → 13613 every year; five years 68065; no tail.
#[test]
fn occurrence_scenario_is_flat_and_has_no_tail() {
    let ms = manuals();
    let m = manual(&ms, "tiny-mutual/PA/2026-01");
    let p = project(m, &solo(), 5, Decimal::ZERO, &Scenario::Occurrence);
    assert!(p.years.iter().all(|y| y.premium == d("13613")));
    assert!(p.tails.is_empty());
    assert_eq!(p.total, d("68065"));
}

/// The provider leaves after year 2: years 1–2 as above (8663 + 11138), then the solo
/// practice has nobody left to insure; the tail after year 2 (CM year 3 → row 1, factor 0.80)
/// is 12500 × 0.80 = 10000, and with no employment terms the practice is assumed to pay, which
/// the projection says.
#[test]
fn a_departure_buys_that_providers_tail_and_says_who_pays() {
    let ms = manuals();
    let m = manual(&ms, "tiny-mutual/PA/2026-01");
    let who = "Dr. One".to_string();
    let p = project(m, &solo(), 5, Decimal::ZERO, &Scenario::Leave { provider: who.clone(), year: 2 });
    assert_eq!(p.years.len(), 2);
    assert_eq!(p.premiums, d("19801"));
    assert_eq!(p.tails[0].premium, d("10000"));
    assert_eq!(p.tails[0].after_year, 2);
    assert!(p.notes.iter().any(|n| n.contains("assumed the practice pays")));
    let mut paid_by_provider = solo();
    paid_by_provider.providers[0].tail_paid_by = Some(medmal_core::practice::TailPayer::Provider);
    let p = project(m, &paid_by_provider, 5, Decimal::ZERO, &Scenario::Leave { provider: who, year: 2 });
    assert_eq!(p.tails[0].paid_by, "provider");
    assert_eq!(p.provider_tails, d("10000"));
    assert_eq!(p.total, d("19801"));
}

/// steady-mutual is dearer in year 1 but cheaper over five years. By hand:
///   year 1 (CM year 2, 0.90): 9000 × 0.90 × 1.25 × 0.75 = 7593.75 → 7594; + 759.40 = 8353.40;
///          + 1670.68 = 10024.08 → 10024   (tiny-mutual: 8663, cheaper)
///   years 2–5 (mature): 8437.50 → 8438; + 843.80 = 9281.80; + 1856.36 = 11138.16 → 11138
///   premiums 10024 + 4 × 11138 = 54576; tail 9000 × 1.25 = 11250 × 2.00 = 22500; total 77076
///   (tiny-mutual 81926).
#[test]
fn cheapest_first_year_is_not_cheapest_over_the_period_and_is_marked() {
    let ms = manuals();
    let refs: Vec<&Manual> = ms.iter().collect();
    let opts = CompareOptions::default();
    let c = compare(&refs, &solo(), &opts);
    let stay = c.cheapest.iter().find(|x| x.scenario == Scenario::Stay.label()).unwrap();
    assert_eq!(stay.first_year.as_deref(), Some("tiny-mutual"));
    assert_eq!(stay.over_period.as_deref(), Some("steady-mutual"));
    assert!(stay.differs);
    let steady = c.offers.iter().find(|o| o.carrier == "steady-mutual").unwrap();
    let proj = steady.projections.iter().find(|p| p.scenario == Scenario::Stay.label()).unwrap();
    assert_eq!(proj.first_year(), d("10024"));
    assert_eq!(proj.total, d("77076"));

    // The answer follows from the worksheets: re-rate every year independently and re-add.
    for offer in &c.offers {
        let m = ms.iter().find(|m| Some(m.meta.id()) == offer.manual).unwrap();
        let p = offer.projections.iter().find(|p| p.scenario == Scenario::Stay.label()).unwrap();
        let mut sum = Decimal::ZERO;
        for y in 0..5 {
            let q = rate(m, &advance(&solo(), y)).unwrap();
            let replayed = medmal_core::worksheet::replay(&q.policy_lines, m.step_rounding).unwrap();
            assert_eq!(replayed, q.total);
            assert_eq!(q.total, p.years[y as usize].premium);
            sum += q.total;
        }
        let last = rate(m, &advance(&solo(), 4)).unwrap();
        sum += last.providers[0].tail.as_ref().unwrap().premium;
        assert_eq!(sum, p.total, "{}", offer.carrier);
    }
}

#[test]
fn limits_a_carrier_does_not_offer_are_substituted_and_flagged_as_indication() {
    let ms = manuals();
    let refs: Vec<&Manual> = ms.iter().filter(|m| m.meta.carrier == "tiny-mutual").collect();
    let opts = CompareOptions {
        limits: Some(Limits { per_claim: d("3000000"), aggregate: d("5000000") }),
        ..CompareOptions::default()
    };
    let c = compare(&refs, &solo(), &opts);
    let o = &c.offers[0];
    assert_eq!(o.label, OfferLabel::Indication);
    assert!(
        o.substitutions[0].contains("3M/5M limits not offered by Tiny Mutual; rated at 2M/4M (nearest offered)"),
        "{:?}",
        o.substitutions
    );
    // As asked (2M/4M) it is bindable, except for the assumed percent of practice.
    let c = compare(&refs, &solo(), &CompareOptions::default());
    assert_eq!(c.offers[0].label, OfferLabel::Indication);
    assert!(c.offers[0].reasons.iter().all(|r| r.starts_with("assumed:")));
    // Occurrence asked of a carrier that writes it: no substitution.
    let opts = CompareOptions { form: Some(PolicyForm::Occurrence), ..CompareOptions::default() };
    let c = compare(&refs, &solo(), &opts);
    assert!(c.offers[0].substitutions.is_empty());
}
