//! The synthetic book generator: reproducible, sized as asked, rateable under the version it
//! was generated for, distributed as docs/book-format.md ("Generated books") says, and a book
//! that survives a CSV or Parquet round trip unchanged.

use std::collections::{BTreeMap, HashSet};
use std::path::Path;
use std::sync::OnceLock;

use medmal_book::generate::{GenerateOptions, generate};
use medmal_book::{ReadOptions, read_csv, write_csv};
use medmal_core::Manual;
use medmal_core::book::{Book, CompiledManual, PHYSICIAN, RowStatus};
use medmal_core::manual::{Condition, PolicyForm};
use medmal_core::practice::Transaction;
use medmal_core::rate::whole_years;
use rust_decimal::Decimal;

fn manuals() -> &'static [Manual] {
    static MANUALS: OnceLock<Vec<Manual>> = OnceLock::new();
    MANUALS.get_or_init(|| {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../manuals");
        let (loaded, _diagnostics) = medmal_manual::load_all(&root);
        assert!(!loaded.is_empty(), "no manuals under {}", root.display());
        loaded.into_iter().map(|l| l.manual).collect()
    })
}

fn refs() -> Vec<&'static Manual> {
    manuals().iter().collect()
}

fn keystone_pa(version: &str) -> &'static Manual {
    manuals()
        .iter()
        .find(|m| m.meta.carrier == "keystone-mutual" && m.meta.state == "PA" && m.meta.version == version)
        .expect("Keystone PA manual")
}

fn options(seed: u64, rows: Option<u64>, policies: Option<u64>) -> GenerateOptions {
    GenerateOptions { carrier: "keystone-mutual".into(), state: "PA".into(), version: None, policies, rows, seed }
}

fn book(seed: u64, rows: u64) -> Book {
    generate(&refs(), &options(seed, Some(rows), None)).expect("generate")
}

fn share(n: usize, of: usize) -> f64 {
    n as f64 / of as f64
}

fn assert_near(what: &str, got: f64, want: f64, tolerance: f64) {
    assert!((got - want).abs() <= tolerance, "{what}: {got:.4}, expected {want} ± {tolerance}");
}

#[test]
fn same_seed_same_book_and_different_seed_different_book() {
    let a = book(7, 3_000);
    let b = book(7, 3_000);
    let c = book(8, 3_000);
    assert_eq!(a, b);
    assert_ne!(a, c);
    assert_ne!(a.rows, c.rows);
}

#[test]
fn rows_stops_at_exactly_that_many_rows() {
    for n in [1, 2, 999, 1_000, 1_001] {
        assert_eq!(book(3, n).len(), n as usize);
    }
}

#[test]
fn policies_gives_that_many_policies_with_numbered_ids() {
    let b = generate(&refs(), &options(11, None, Some(500))).expect("generate");
    let ids: Vec<&str> = (0..b.len()).map(|i| b.policy_ids.get(i)).collect();
    let distinct: HashSet<&str> = ids.iter().copied().collect();
    assert_eq!(distinct.len(), 500);
    assert_eq!(ids.first().copied(), Some("P0000001"));
    assert_eq!(ids.last().copied(), Some("P0000500"));
    assert_eq!(b.provider_ids.get(0), "P0000001-01");
    // Provider ids are unique and number the providers of each policy from 01.
    let providers: HashSet<&str> = (0..b.len()).map(|i| b.provider_ids.get(i)).collect();
    assert_eq!(providers.len(), b.len());
    for i in 0..b.len() {
        assert!(b.provider_ids.get(i).starts_with(&format!("{}-", b.policy_ids.get(i))));
    }
}

#[test]
fn options_errors_name_what_exists() {
    let e = generate(&refs(), &options(1, Some(10), Some(10))).expect_err("both sizes");
    assert!(e.contains("exactly one"), "{e}");
    let e = generate(&refs(), &options(1, None, None)).expect_err("no size");
    assert!(e.contains("exactly one"), "{e}");
    let e = generate(&refs(), &options(1, Some(0), None)).expect_err("zero rows");
    assert!(e.contains("at least 1"), "{e}");

    let mut o = options(1, Some(10), None);
    o.carrier = "nobody".into();
    let e = generate(&refs(), &o).expect_err("unknown carrier");
    assert!(e.contains("nobody") && e.contains("keystone-mutual"), "{e}");

    let mut o = options(1, Some(10), None);
    o.state = "TX".into();
    let e = generate(&refs(), &o).expect_err("unknown state");
    assert!(e.contains("TX") && e.contains("NY") && e.contains("PA"), "{e}");

    let mut o = options(1, Some(10), None);
    o.version = Some("1999-01".into());
    let e = generate(&refs(), &o).expect_err("unknown version");
    assert!(e.contains("1999-01") && e.contains("2026-07") && e.contains("2027-01"), "{e}");
}

#[test]
fn default_version_is_the_earliest_and_dates_span_its_first_year() {
    let b = book(5, 5_000);
    let m = keystone_pa("2026-07");
    let start = m.meta.effective_new;
    let end = start.checked_add(jiff::Span::new().years(1)).expect("date");
    assert!(b.rows.iter().all(|r| r.effective >= start && r.effective < end));
    let months: HashSet<i8> = b.rows.iter().map(|r| r.effective.month()).collect();
    assert_eq!(months.len(), 12);

    let mut o = options(5, Some(2_000), None);
    o.version = Some("2027-01".into());
    let later = generate(&refs(), &o).expect("generate");
    let start = keystone_pa("2027-01").meta.effective_new;
    assert!(later.rows.iter().all(|r| r.effective >= start));
}

/// Every generated row rates under Keystone PA 2026-07; the only declines are claim
/// histories the manual declines (three or more claims in five years), never a specialty,
/// surgery level, locum count or disciplinary action the generator should have left out.
#[test]
fn rows_rate_under_the_version_and_carry_its_premium() {
    let b = book(42, 20_000);
    let m = keystone_pa("2026-07");
    let compiled = CompiledManual::new(m, &b.dicts);
    let mut rated = 0;
    let mut errors: BTreeMap<String, usize> = BTreeMap::new();
    let mut statuses: BTreeMap<String, usize> = BTreeMap::new();
    for i in 0..b.len() {
        match compiled.rate_row(&b, i) {
            Ok(r) => {
                rated += 1;
                assert_eq!(b.rows[i].current_premium, Some(r.premium), "row {i}");
                assert!(r.premium > Decimal::ZERO);
                if r.status != RowStatus::Quoted {
                    let reason = r.reason.map(|x| compiled.reason_text(x)).unwrap_or_default();
                    *statuses.entry(format!("{:?}: {reason}", r.status)).or_default() += 1;
                }
                if r.status == RowStatus::Declined {
                    let rule = r.reason.and_then(|x| m.eligibility.get(x as usize)).expect("reason");
                    assert!(matches!(rule.condition, Condition::Claims { .. }), "row {i} declined: {}", rule.reason);
                }
            }
            Err(e) => {
                assert_eq!(b.rows[i].current_premium, None);
                *errors.entry(format!("{}: {}", e.column, e.message)).or_default() += 1;
            }
        }
    }
    assert!(share(rated, b.len()) >= 0.99, "rated {rated} of {}; errors: {errors:?}", b.len());
    assert!(errors.is_empty(), "{errors:?}");
    // Referrals and declines exist, and are rare.
    println!("not quoted, by first reason: {statuses:#?}");
    let not_quoted: usize = statuses.values().sum();
    assert!(not_quoted > 0 && share(not_quoted, b.len()) < 0.05, "{statuses:?}");
}

/// Every sample manual, every version: the generator draws only what the manual writes.
#[test]
fn every_sample_manual_generates_a_rateable_book() {
    for m in manuals() {
        let o = GenerateOptions {
            carrier: m.meta.carrier.clone(),
            state: m.meta.state.clone(),
            version: Some(m.meta.version.clone()),
            policies: None,
            rows: Some(3_000),
            seed: 9,
        };
        let b = generate(&refs(), &o).unwrap_or_else(|e| panic!("{}: {e}", m.meta.id()));
        let compiled = CompiledManual::new(m, &b.dicts);
        let mut errors = Vec::new();
        let mut declined = 0;
        for i in 0..b.len() {
            match compiled.rate_row(&b, i) {
                Ok(r) => {
                    assert_eq!(b.rows[i].current_premium, Some(r.premium));
                    if r.status == RowStatus::Declined {
                        declined += 1;
                        let rule = r.reason.and_then(|x| m.eligibility.get(x as usize)).expect("reason");
                        assert!(
                            matches!(rule.condition, Condition::Claims { .. } | Condition::PaidTotal { .. }),
                            "{}: row {i} declined: {}",
                            m.meta.id(),
                            rule.reason
                        );
                    }
                }
                Err(e) => errors.push(format!("row {i}: {}: {}", e.column, e.message)),
            }
        }
        assert!(errors.is_empty(), "{}: {} errors, first {:?}", m.meta.id(), errors.len(), errors.first());
        assert!(share(declined, b.len()) < 0.01, "{}: {declined} declined", m.meta.id());
    }
}

#[test]
fn distributions_are_as_documented() {
    let b = book(2026, 20_000);
    let m = keystone_pa("2026-07");
    let n = b.len();
    let rows = &b.rows;
    let role = |r: &medmal_core::book::BookRow| b.dicts.role.get(r.role).map_or("", String::as_str);

    let claims_made = rows.iter().filter(|r| r.form == PolicyForm::ClaimsMade).count();
    assert_near("claims-made share", share(claims_made, n), 0.85, 0.03);

    let mid_levels: Vec<&str> = rows.iter().map(role).filter(|r| *r != PHYSICIAN).collect();
    assert_near("mid-level share", share(mid_levels.len(), n), 0.15, 0.02);
    let np_pa = mid_levels.iter().filter(|r| matches!(**r, "NP" | "PA")).count();
    assert_near("NP and PA among mid-levels", share(np_pa, mid_levels.len()), 0.85, 0.04);

    // Specialty mix: primary care most common, neurosurgery rare.
    let mut by_code: BTreeMap<&str, usize> = BTreeMap::new();
    for r in rows.iter().filter(|r| role(r) == PHYSICIAN) {
        let code = b.dicts.specialty.get(r.specialty).map_or("", String::as_str);
        // D.O. codes count with their M.D. twin.
        let md = code.strip_prefix("84").map_or(code.to_string(), |rest| format!("80{rest}"));
        *by_code
            .entry(if md == "80420" {
                "80420"
            } else if md == "80152" {
                "80152"
            } else {
                "other"
            })
            .or_default() += 1;
    }
    let physicians = n - mid_levels.len();
    assert!(by_code["80420"] > by_code["80152"] * 10, "{by_code:?}");
    assert!(share(by_code["80152"], physicians) < 0.03, "{by_code:?}");
    let osteopathic =
        rows.iter().filter(|r| b.dicts.specialty.get(r.specialty).is_some_and(|c| c.starts_with("84"))).count();
    assert_near("D.O. share of physicians", share(osteopathic, physicians), 0.10, 0.02);

    let base = rows.iter().filter(|r| b.dicts.limits.get(r.limits) == Some(&m.meta.base_limits)).count();
    assert_near("base limits share", share(base, n), 0.60, 0.04);
    let no_deductible = rows.iter().filter(|r| b.dicts.deductible.get(r.deductible) == Some(&None)).count();
    assert_near("no deductible share", share(no_deductible, n), 0.80, 0.04);

    let part_time: Vec<Decimal> = rows.iter().filter_map(|r| r.hours_per_week).collect();
    assert_near("part-time share", share(part_time.len(), n), 0.15, 0.015);
    assert!(part_time.iter().all(|h| *h > Decimal::from(4) && *h <= Decimal::from(29)));
    assert!(part_time.iter().all(|h| (*h * Decimal::TWO).fract().is_zero()), "whole or half hours");

    let years: Vec<u32> = rows.iter().filter_map(|r| r.years_since_training).collect();
    assert!(years.iter().all(|y| *y <= 35));
    assert_near("first three years", share(years.iter().filter(|y| **y < 3).count(), years.len()), 0.08, 0.01);

    assert_near("board certified", share(rows.iter().filter(|r| r.board_certified).count(), n), 0.80, 0.015);
    assert_near("society member", share(rows.iter().filter(|r| r.society_member).count(), n), 0.40, 0.015);
    let courses: Vec<_> = rows.iter().filter_map(|r| r.risk_management_course.map(|d| (d, r.effective))).collect();
    assert_near("risk-management course", share(courses.len(), n), 0.35, 0.015);
    for (course, effective) in &courses {
        let earliest = effective.checked_sub(jiff::Span::new().months(30)).expect("date");
        assert!(course < effective && *course >= earliest, "{course} for {effective}");
    }

    let renewal: Vec<_> = rows.iter().filter(|r| r.transaction == Transaction::Renewal).collect();
    assert_near("renewal share", share(renewal.len(), n), 0.88, 0.03);
    assert!(rows.iter().filter(|r| r.transaction == Transaction::New).all(|r| r.years_insured == 0));
    assert!(renewal.iter().all(|r| (1..=20).contains(&r.years_insured)));

    let locum: Vec<u32> = rows.iter().map(|r| r.locum_days).filter(|d| *d > 0).collect();
    assert_near("locum share", share(locum.len(), n), 0.05, 0.01);
    assert!(locum.iter().all(|d| (10..=120).contains(d)));

    // Claims: 12% one, 3% two, 1% three or more, all in the ten years before the term.
    let counts: Vec<usize> = rows.iter().map(|r| b.claims_of(r).len()).collect();
    assert_near("one claim", share(counts.iter().filter(|c| **c == 1).count(), n), 0.12, 0.01);
    assert_near("two claims", share(counts.iter().filter(|c| **c == 2).count(), n), 0.03, 0.006);
    assert_near("three or more", share(counts.iter().filter(|c| **c >= 3).count(), n), 0.01, 0.004);
    let mut paid_zero = 0;
    let mut claims = 0;
    for r in rows {
        // The manuals' look-backs: on or after the date ten years before, and before the term.
        let earliest = r.effective.checked_sub(jiff::Span::new().years(10)).expect("date");
        for c in b.claims_of(r) {
            claims += 1;
            assert!(c.reported < r.effective && c.reported >= earliest, "{} for {}", c.reported, r.effective);
            assert!(c.paid.fract().is_zero(), "whole dollars");
            if c.paid.is_zero() {
                paid_zero += 1;
            } else {
                assert!(c.paid >= Decimal::from(25_000) && c.paid <= Decimal::from(500_000));
            }
        }
    }
    assert_near("claims closed without payment", share(paid_zero, claims), 0.60, 0.05);
    assert_near("disciplinary", share(rows.iter().filter(|r| r.disciplinary.len > 0).count(), n), 0.005, 0.003);

    // Claims-made maturity: years 1-4 about 10% each, mature the rest; retro ≤ effective.
    let mut by_year = [0usize; 5];
    for r in rows.iter().filter(|r| r.form == PolicyForm::ClaimsMade) {
        let retro = r.retro_date.expect("retro date");
        assert!(retro <= r.effective);
        let year = usize::try_from(whole_years(retro, r.effective) + 1).expect("year");
        by_year[year.min(5) - 1] += 1;
    }
    for (i, count) in by_year.iter().take(4).enumerate() {
        assert_near(&format!("claims-made year {}", i + 1), share(*count, claims_made), 0.11, 0.03);
    }
    assert_near("mature claims-made", share(by_year[4], claims_made), 0.56, 0.05);

    // Policies: 60% solo, 30% 2-5 providers, 10% 6-15; one schedule and form per policy.
    let mut policies: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for i in 0..n {
        policies.entry(b.policy_ids.get(i)).or_default().push(i);
    }
    // The last policy may be cut short by the row count.
    let sizes: Vec<usize> = policies.values().map(Vec::len).collect();
    let p = sizes.len();
    assert_near("solo policies", share(sizes.iter().filter(|s| **s == 1).count(), p), 0.60, 0.03);
    assert_near("2-5 providers", share(sizes.iter().filter(|s| (2..=5).contains(*s)).count(), p), 0.30, 0.03);
    assert!(sizes.iter().all(|s| *s <= 15));
    let mut scheduled = 0;
    for members in policies.values() {
        let first = &rows[members[0]];
        for &i in members {
            assert_eq!(rows[i].schedule, first.schedule);
            assert_eq!(rows[i].form, first.form);
            assert_eq!(rows[i].effective, first.effective);
        }
        if b.dicts.schedule.get(first.schedule).is_some_and(|s| !s.is_empty()) {
            scheduled += 1;
        }
    }
    assert_near("policies with schedule rating", share(scheduled, p), 0.30, 0.03);
    let plan = m.schedule.as_ref().expect("schedule plan");
    for selections in &b.dicts.schedule.values {
        let total: Decimal = selections.iter().map(|(_, a)| *a).sum();
        assert!(total >= -plan.max_credit && total <= plan.max_debit);
        for (id, adj) in selections {
            let item = plan.items.iter().find(|i| &i.id == id).expect("item");
            assert!(*adj >= -item.max_credit && *adj <= item.max_debit && !adj.is_zero());
        }
    }

    // Counties: the manual's own and unlisted ones that rate in the default territory.
    let counties: HashSet<&str> =
        rows.iter().filter_map(|r| b.dicts.county.get(r.county)).map(String::as_str).collect();
    assert!(counties.contains("Philadelphia") && counties.contains("Allegheny"));
    assert!(counties.iter().any(|c| !m.territories.counties.contains_key(*c)));
}

#[test]
fn csv_round_trip_gives_the_same_book() {
    let b = book(77, 5_000);
    let mut csv = Vec::new();
    write_csv(&b, &mut csv).expect("write");
    let loaded = read_csv("book.csv", csv.as_slice(), &ReadOptions::default()).expect("read");
    assert!(loaded.rejected.is_empty());
    assert_eq!(loaded.book.len(), b.len());
    for i in 0..b.len() {
        assert_eq!(loaded.book.rows[i], b.rows[i], "row {i}");
    }
    assert_eq!(loaded.book, b);
}

/// `cargo test --release -p medmal-book --test generate -- --ignored --nocapture`
#[test]
#[ignore = "timing, run in release"]
fn a_million_rows() {
    let started = std::time::Instant::now();
    let b = book(1, 1_000_000);
    let elapsed = started.elapsed();
    let rated = b.rows.iter().filter(|r| r.current_premium.is_some()).count();
    println!("1,000,000 rows in {elapsed:.2?}; {rated} rated; {} policies", b.policy_ids.get(b.len() - 1));
    assert_eq!(b.len(), 1_000_000);
}

#[test]
fn parquet_round_trip_gives_the_same_book() {
    let b = book(78, 5_000);
    let path = std::env::temp_dir().join(format!("medmal-generate-{}.parquet", std::process::id()));
    medmal_book::write_book(&b, &path).expect("write");
    let loaded = medmal_book::read_book(&path, &ReadOptions::default());
    let _ = std::fs::remove_file(&path);
    let loaded = loaded.expect("read");
    assert!(loaded.rejected.is_empty());
    assert_eq!(loaded.book, b);
}
