//! Multi-year projections and like-for-like comparison, checked against hand arithmetic on the
//! two small fixture manuals (testdata/manuals), and against independent re-rating.
#![allow(clippy::unwrap_used)]

use std::path::Path;
use std::str::FromStr;

use medmal_core::compare::{CompareOptions, OfferLabel, compare, fit};
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

// ---------------------------------------------------------------------------------------------
// Two sample practices on the sample Keystone Physicians Mutual PA 2027-01 manual
// (manuals/keystone-mutual/PA/2027-01), computed by hand from its tables. The steps, in order:
// base rate (tables/base_rates.csv) × claims-made step [0.35, 0.65, 0.85, 0.95, 1.00] × ILF
// (500K/1.5M 0.80, 1M/3M 1.00) × exposure group (multiply, 3 dp) × merit group (add, cap 10%
// credit, 2 dp) × credit group (add, cap 15% credit, 3 dp), each product rounded to the cent,
// then to the dollar; policy: + MCARE 15% of the providers' premium, rounded to the dollar.
// Tail: the mature undiscounted premium (base × 1.00 × ILF, no credits, to the dollar) × the
// tail factor for the claims-made year at termination, unlimited column (row 2: 1.45, row 5 and
// later: 2.25), to the dollar. Free tail on retirement after 5 years insured at age 55 or over.

fn sample_manuals() -> Vec<Manual> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../manuals");
    let (loaded, diags) = medmal_manual::load_all(&root);
    assert!(diags.is_empty(), "{diags:?}");
    loaded.into_iter().map(|l| l.manual).collect()
}

fn sample_practice(name: &str) -> Practice {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/practices").join(name);
    medmal_practice::load_practice(&path).unwrap()
}

/// Doylestown Children's Health (examples/practices/pa-bucks-new-pediatrician.toml): two
/// pediatricians (80267, no surgery → class 1), Bucks County → territory 2, base 12,600; 1M/3M
/// (ILF 1.00), new business 2027-01-01, no entity. Both start at claims-made year 1: Dr. Nguyen
/// has no prior coverage, Dr. Whitaker does not carry his prior acts.
///
/// Dr. Chloe Nguyen (0 years since training, no credits of her own):
///   y1 CM 1: 12600 × 0.35 = 4410.00 × new-to-practice (0 yrs) 0.50 = 2205.00 → 2205
///   y2 CM 2: 12600 × 0.65 = 8190.00 × (1 yr) 0.75 = 6142.50 → 6143
///   y3 CM 3: 12600 × 0.85 = 10710.00 × (2 yrs) 0.90 = 9639.00 → 9639
///   y4 CM 4: 12600 × 0.95 = 11970.00 × loyalty (3 yrs insured) 0.97 = 11610.90 → 11611
///   y5 CM 5: 12600 × 1.00 = 12600.00 × loyalty 0.97 = 12222.00 → 12222
///   (claims-free needs 5 years since training: she has at most 4.)
/// Dr. Thomas Whitaker (15 years since training, no claims → claims-free 10+ yrs −10% = merit
/// 0.90; board −2.5%, society −2%, risk-management course 2026-04-18 −7.5% valid to 2028-04-18):
///   y1: 4410.00 × 0.90 = 3969.00 × credits (1 − 0.12) 0.88 = 3492.72 → 3493
///   y2: 8190.00 × 0.90 = 7371.00 × 0.88 = 6486.48 → 6486   (2028-01-01: course still valid)
///   y3: 10710.00 × 0.90 = 9639.00 × 0.955 (course expired) = 9205.245 → 9205.25 → 9205
///   y4: 11970.00 × 0.90 = 10773.00 × 0.925 (+ loyalty 3 yrs −3%) = 9965.025 → 9965.03 → 9965
///   y5: 12600.00 × 0.90 = 11340.00 × 0.925 = 10489.50 → 10490
/// Policy (providers + MCARE 15%):
///   y1 5698 + 854.70 = 6552.70 → 6553      y2 12629 + 1894.35 = 14523.35 → 14523
///   y3 18844 + 2826.60 = 21670.60 → 21671  y4 21576 + 3236.40 = 24812.40 → 24812
///   y5 22712 + 3406.80 = 26118.80 → 26119
///   premiums 6553 + 14523 + 21671 + 24812 + 26119 = 93678
/// Tails after year 5 (claims-made year 5 → row 5, 2.25): 12600 × 2.25 = 28350 each, the
/// practice pays both: 56700. Total 150378.
#[test]
fn pediatric_pair_steps_up_while_new_to_practice_credits_run_off() {
    let ms = sample_manuals();
    let m = manual(&ms, "keystone-mutual/PA/2027-01");
    let practice = sample_practice("pa-bucks-new-pediatrician.toml");
    let p = project(m, &practice, 5, Decimal::ZERO, &Scenario::Stay);
    assert_eq!(p.error, None);
    let years: Vec<Decimal> = p.years.iter().map(|y| y.premium).collect();
    assert_eq!(years, vec![d("6553"), d("14523"), d("21671"), d("24812"), d("26119")]);
    let by_provider: Vec<Vec<(Option<u32>, Decimal)>> =
        p.years.iter().map(|y| y.providers.iter().map(|(_, cm, prem)| (*cm, *prem)).collect()).collect();
    assert_eq!(
        by_provider,
        vec![
            vec![(Some(1), d("2205")), (Some(1), d("3493"))],
            vec![(Some(2), d("6143")), (Some(2), d("6486"))],
            vec![(Some(3), d("9639")), (Some(3), d("9205"))],
            vec![(Some(4), d("11611")), (Some(4), d("9965"))],
            vec![(Some(5), d("12222")), (Some(5), d("10490"))],
        ]
    );
    assert_eq!(p.premiums, d("93678"));
    let tails: Vec<(&str, Decimal, &str)> =
        p.tails.iter().map(|t| (t.provider.as_str(), t.premium, t.paid_by.as_str())).collect();
    assert_eq!(
        tails,
        vec![("Dr. Chloe Nguyen", d("28350"), "practice"), ("Dr. Thomas Whitaker", d("28350"), "practice")]
    );
    assert_eq!(p.total, d("150378"));
}

/// The same practice, 4% a year trend, Dr. Nguyen leaving after year 2. Year k is the rated
/// premium × 1.04^(k−1), to the cent (1.04² = 1.0816, 1.04³ = 1.124864, 1.04⁴ = 1.16985856):
///   y1 both: 6553
///   y2 both: 14523 × 1.04 = 15103.92
///   her tail after year 2 (claims-made year 2 → row 2, 1.45): 12600 × 1.45 = 18270 × 1.04 =
///   19000.80; her employment terms are silent, so the practice is assumed to pay (and says so)
///   y3 Whitaker alone: 9205 + 1380.75 = 10585.75 → 10586 × 1.0816 = 11449.8176 → 11449.82
///   y4: 9965 + 1494.75 = 11459.75 → 11460 × 1.124864 = 12890.94144 → 12890.94
///   y5: 10490 + 1573.50 = 12063.50 → 12064 × 1.16985856 = 14113.1736… → 14113.17
///   premiums 6553 + 15103.92 + 11449.82 + 12890.94 + 14113.17 = 60110.85
///   total to the practice 60110.85 + 19000.80 = 79111.65 (no tail for Dr. Whitaker: he stays)
/// If her terms say she pays her own tail, the practice's total is the premiums alone.
#[test]
fn pediatrician_leaving_with_trend_buys_her_tail_and_says_who_pays() {
    let ms = sample_manuals();
    let m = manual(&ms, "keystone-mutual/PA/2027-01");
    let practice = sample_practice("pa-bucks-new-pediatrician.toml");
    let leave = Scenario::Leave { provider: "Dr. Chloe Nguyen".into(), year: 2 };
    let p = project(m, &practice, 5, d("0.04"), &leave);
    assert_eq!(p.error, None);
    let years: Vec<Decimal> = p.years.iter().map(|y| y.premium).collect();
    assert_eq!(years, vec![d("6553"), d("15103.92"), d("11449.82"), d("12890.94"), d("14113.17")]);
    let rated: Vec<Decimal> = p.years.iter().map(|y| y.rated).collect();
    assert_eq!(rated, vec![d("6553"), d("14523"), d("10586"), d("11460"), d("12064")]);
    assert!(p.years[2..].iter().all(|y| y.providers.len() == 1 && y.providers[0].0 == "Dr. Thomas Whitaker"));
    assert_eq!(p.premiums, d("60110.85"));
    assert_eq!(p.tails.len(), 1);
    let t = &p.tails[0];
    assert_eq!(
        (t.provider.as_str(), t.after_year, t.premium, t.paid_by.as_str()),
        ("Dr. Chloe Nguyen", 2, d("19000.80"), "practice")
    );
    assert!(p.notes.iter().any(|n| n.contains("Dr. Chloe Nguyen's employment terms do not say who pays the tail")));
    assert_eq!(p.practice_tails, d("19000.80"));
    assert_eq!(p.total, d("79111.65"));

    let mut she_pays = practice.clone();
    she_pays.providers[0].tail_paid_by = Some(medmal_core::practice::TailPayer::Provider);
    let p = project(m, &she_pays, 5, d("0.04"), &leave);
    assert_eq!(p.tails[0].paid_by, "provider");
    assert_eq!((p.practice_tails, p.provider_tails), (Decimal::ZERO, d("19000.80")));
    assert_eq!(p.total, d("60110.85"));
}

/// Harold Stoltzfus, M.D. (examples/practices/pa-lancaster-retiring-internist.toml): internal
/// medicine (80208, no surgery → class 2), Lancaster County → territory 4 (not listed: the
/// state-wide default), base 10,290; 500K/1.5M (ILF 0.80); renewal 2027-03-01; retro 2000-03-01,
/// so claims-made year 28 and later: mature (1.00) every year, no step-up left. 30 hours a week
/// is full time (the part-time bands stop at 29). 36 years since training, no claims →
/// claims-free −10% (merit 0.90). Credits: course 2025-09-12 −7.5% (valid to 2027-09-12),
/// board −2.5%, society −2%, 27 years insured −10%: −22% capped at −15% = 0.85.
///   y1: 10290 × 1.00 × 0.80 = 8232.00 × 0.90 = 7408.80 × 0.85 = 6297.48 → 6297;
///       + MCARE 944.55 = 7241.55 → 7242
///   y2 (2028-03-01, course expired): −14.5% = 0.855: 7408.80 × 0.855 = 6334.524 → 6334.52 → 6335;
///       + 950.25 = 7285.25 → 7285; years 3–5 the same (loyalty and claims-free already at their top rows)
/// With a 3% trend (1.03² = 1.0609, 1.03³ = 1.092727, 1.03⁴ = 1.12550881):
///   7242; 7285 × 1.03 = 7503.55; × 1.0609 = 7728.6565 → 7728.66; × 1.092727 = 7960.516… → 7960.52;
///   × 1.12550881 = 8199.3316… → 8199.33; premiums 38634.06
/// Stay: tail after year 5 (row 5, 2.25) on 10290 × 0.80 = 8232 → 18522 × 1.12550881 =
///   20846.674… → 20846.67, the practice pays; total 59480.73.
/// Retire after year 2 (age 67, 28 years insured: 67 ≥ 55 and 28 ≥ 5): the tail is free
///   (it would cost 18522 × 1.03 = 19077.66); the practice pays 7242 + 7503.55 = 14745.55.
/// Leave after year 2 instead (not retiring): the same tail is not free, and his terms say the
///   provider pays it: 19077.66 on him, 14745.55 on the practice.
#[test]
fn retiring_internist_gets_a_free_tail_leaving_he_pays_his_own() {
    let ms = sample_manuals();
    let m = manual(&ms, "keystone-mutual/PA/2027-01");
    let practice = sample_practice("pa-lancaster-retiring-internist.toml");
    let who = "Dr. Harold Stoltzfus".to_string();

    let stay = project(m, &practice, 5, d("0.03"), &Scenario::Stay);
    assert_eq!(stay.error, None);
    let rated: Vec<Decimal> = stay.years.iter().map(|y| y.rated).collect();
    assert_eq!(rated, vec![d("7242"), d("7285"), d("7285"), d("7285"), d("7285")]);
    let years: Vec<Decimal> = stay.years.iter().map(|y| y.premium).collect();
    assert_eq!(years, vec![d("7242"), d("7503.55"), d("7728.66"), d("7960.52"), d("8199.33")]);
    assert_eq!(
        stay.years.iter().map(|y| y.providers[0].1).collect::<Vec<_>>(),
        vec![Some(28), Some(29), Some(30), Some(31), Some(32)]
    );
    assert_eq!(stay.premiums, d("38634.06"));
    assert_eq!((stay.tails[0].premium, stay.tails[0].paid_by.as_str()), (d("20846.67"), "practice"));
    assert_eq!(stay.total, d("59480.73"));

    let retire = project(m, &practice, 5, d("0.03"), &Scenario::Retire { provider: who.clone(), year: 2 });
    assert_eq!(retire.years.len(), 2);
    let t = &retire.tails[0];
    assert_eq!((t.after_year, t.premium, t.paid_by.as_str()), (2, Decimal::ZERO, "free"));
    assert_eq!(t.note, "free retirement tail (would cost 19077.66)");
    assert_eq!(retire.total, d("14745.55"));

    let leave = project(m, &practice, 5, d("0.03"), &Scenario::Leave { provider: who, year: 2 });
    let t = &leave.tails[0];
    assert_eq!((t.premium, t.paid_by.as_str()), (d("19077.66"), "provider"));
    assert_eq!((leave.provider_tails, leave.total), (d("19077.66"), d("14745.55")));
    assert!(leave.notes.iter().all(|n| !n.contains("assumed the practice pays")));
}

/// The premium a worksheet set proves: every provider's worksheet and the policy worksheet
/// replay from their lines alone, and the policy starts from the providers' sum.
fn proven_total(m: &Manual, q: &medmal_core::Quote) -> Decimal {
    for pp in &q.providers {
        assert_eq!(medmal_core::worksheet::replay(&pp.worksheet, m.step_rounding), Ok(pp.premium), "{}", pp.name);
    }
    assert_eq!(q.providers.iter().map(|pp| pp.premium).sum::<Decimal>(), q.providers_total);
    let total = medmal_core::worksheet::replay(&q.policy_lines, m.step_rounding).unwrap();
    assert_eq!(total, q.total);
    total
}

fn proven_tail(q: &medmal_core::Quote, name: &str) -> Decimal {
    let t = q.providers.iter().find(|pp| pp.name == name).and_then(|pp| pp.tail.as_ref()).unwrap();
    assert_eq!(medmal_core::worksheet::replay(&t.worksheet, None), Ok(t.premium), "{name}'s tail");
    t.premium
}

/// The cheapest answer follows from the worksheets on the sample market, for every scenario
/// and with a trend: each carrier's cost over the period is rebuilt year by year from
/// independently rated quotes whose worksheets replay (the practice advanced that many years,
/// the leaver gone after their year), trended, plus the tails the practice pays; the carriers
/// with the smallest first year and the smallest total are the ones the comparison names.
#[test]
fn cheapest_over_the_period_follows_from_the_worksheets_on_the_sample_market() {
    let ms = sample_manuals();
    let refs: Vec<&Manual> = ms.iter().collect();
    let practice = sample_practice("pa-bucks-new-pediatrician.toml");
    let trend = d("0.04");
    let leaver = "Dr. Chloe Nguyen";
    let leave = Scenario::Leave { provider: leaver.into(), year: 2 };
    let opts = CompareOptions { trend, scenarios: vec![leave.clone()], ..CompareOptions::default() };
    let c = compare(&refs, &practice, &opts);
    let trended = |x: Decimal, y: u32| {
        let f = (0..y).fold(Decimal::ONE, |f, _| f * (Decimal::ONE + trend));
        medmal_core::money::Rounding::CENTS.apply(x * f)
    };
    for scenario in [Scenario::Stay, leave, Scenario::Occurrence] {
        let mut rebuilt: Vec<(String, Decimal, Decimal)> = Vec::new();
        for offer in c.offers.iter().filter(|o| o.label != OfferLabel::Declined) {
            let Some(p) = offer.projections.iter().find(|p| p.scenario == scenario.label() && p.error.is_none()) else {
                continue;
            };
            let m = ms.iter().find(|m| Some(m.meta.id()) == offer.manual).unwrap();
            let mut base = fit(m, &practice).0;
            if scenario == Scenario::Occurrence {
                base.coverage.form = PolicyForm::Occurrence;
            }
            let (mut first, mut total) = (None, Decimal::ZERO);
            for y in 0..5 {
                let mut year = advance(&base, y);
                if matches!(scenario, Scenario::Leave { .. }) && y >= 2 {
                    year.providers.retain(|pr| pr.name != leaver);
                }
                let q = rate(m, &year).unwrap();
                let premium = trended(proven_total(m, &q), y);
                assert_eq!(
                    premium,
                    p.years[y as usize].premium,
                    "{} {} year {}",
                    offer.carrier,
                    scenario.label(),
                    y + 1
                );
                first.get_or_insert(premium);
                total += premium;
                // Tails the practice pays: everyone's at the end of a stay; the leaver's (terms
                // silent, so the practice) after year 2; none on occurrence.
                match &scenario {
                    Scenario::Stay if y == 4 => {
                        for pp in &q.providers {
                            total += trended(proven_tail(&q, &pp.name), y);
                        }
                    }
                    Scenario::Leave { .. } if y == 1 => total += trended(proven_tail(&q, leaver), y),
                    _ => {}
                }
            }
            assert_eq!(total, p.total, "{} {}", offer.carrier, scenario.label());
            rebuilt.push((offer.carrier.clone(), first.unwrap(), total));
        }
        assert!(rebuilt.len() >= 2, "{}: {rebuilt:?}", scenario.label());
        let named = c.cheapest.iter().find(|x| x.scenario == scenario.label()).unwrap();
        let first = rebuilt.iter().min_by_key(|r| r.1).map(|r| r.0.clone());
        let over = rebuilt.iter().min_by_key(|r| r.2).map(|r| r.0.clone());
        assert_eq!((&named.first_year, &named.over_period), (&first, &over), "{}: {rebuilt:?}", scenario.label());
        assert_eq!(named.differs, first != over);
    }
}
