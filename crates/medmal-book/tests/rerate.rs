//! Book re-rating: every row's premium is the quote engine's premium for the same provider;
//! the report reconciles with the rows; CSV and Parquet give the same report; a bad row in
//! a large file is named by its row number.
#![allow(clippy::unwrap_used)]

use std::path::Path;

use medmal_book::generate::{GenerateOptions, generate};
use medmal_book::{BookError, ReadOptions, read_book, write_book};
use medmal_core::Manual;
use medmal_core::book::{Book, CompiledManual, ImpactOptions, ImpactReport, RowResult, RowStatus, impact};
use medmal_core::worksheet::QuoteStatus;
use rust_decimal::Decimal;

fn manuals() -> Vec<Manual> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../manuals");
    let (loaded, diags) = medmal_manual::load_all(&root);
    assert!(diags.is_empty(), "{diags:?}");
    loaded.into_iter().map(|l| l.manual).collect()
}

fn find<'m>(ms: &'m [Manual], id: &str) -> &'m Manual {
    ms.iter().find(|m| m.meta.id() == id).unwrap()
}

fn book(ms: &[Manual], carrier: &str, state: &str, rows: u64, seed: u64) -> Book {
    let refs: Vec<&Manual> = ms.iter().collect();
    let options = GenerateOptions {
        carrier: carrier.into(),
        state: state.into(),
        version: None,
        policies: None,
        rows: Some(rows),
        seed,
    };
    generate(&refs, &options).unwrap()
}

fn rerate(book: &Book, from: &Manual, to: &Manual) -> (Vec<RowResult>, ImpactReport) {
    let (f, t) = (CompiledManual::new(from, &book.dicts), CompiledManual::new(to, &book.dicts));
    let results: Vec<RowResult> =
        (0..book.len()).map(|i| RowResult { before: f.rate_row(book, i), after: t.rate_row(book, i) }).collect();
    let report = impact(book, &f, &t, &results, ImpactOptions::default());
    (results, report)
}

/// Every row, under every version of its carrier and state, rates to exactly the premium and
/// status the quote engine gives the same provider as a one-provider practice — and fails
/// where the quote fails.
#[test]
fn every_row_rates_as_the_quote_engine_rates_the_same_provider() {
    let ms = manuals();
    let mut compared = 0;
    for (carrier, state, seed) in [
        ("keystone-mutual", "PA", 7),
        ("summit-national", "FL", 8),
        ("meridian-specialty", "NY", 9),
        ("harbor-rrg", "PA", 10),
    ] {
        let b = book(&ms, carrier, state, 1500, seed);
        for m in ms.iter().filter(|m| m.meta.carrier == carrier && m.meta.state == state) {
            let c = CompiledManual::new(m, &b.dicts);
            for i in 0..b.len() {
                let practice = b.practice_for_row(i).unwrap();
                let quote = medmal_core::rate(m, &practice);
                match (c.rate_row(&b, i), quote) {
                    (Ok(row), Ok(q)) => {
                        assert_eq!(row.premium, q.providers[0].premium, "{} row {i}", m.meta.id());
                        let status = match q.status {
                            QuoteStatus::Quoted => RowStatus::Quoted,
                            QuoteStatus::Referred => RowStatus::Referred,
                            QuoteStatus::Declined => RowStatus::Declined,
                        };
                        assert_eq!(row.status, status, "{} row {i}: {:?}", m.meta.id(), q.reasons);
                        compared += 1;
                    }
                    (Err(_), Err(_)) => {}
                    (row, quote) => {
                        panic!("{} row {i}: batch {row:?} but quote {:?}", m.meta.id(), quote.map(|q| q.total))
                    }
                }
            }
        }
    }
    assert!(compared > 10_000, "{compared}");
}

#[test]
fn the_report_reconciles_with_its_rows() {
    let ms = manuals();
    let b = book(&ms, "keystone-mutual", "PA", 5000, 11);
    let (from, to) = (find(&ms, "keystone-mutual/PA/2026-07"), find(&ms, "keystone-mutual/PA/2027-01"));
    let (results, r) = rerate(&b, from, to);
    let both: Vec<(Decimal, Decimal)> = results
        .iter()
        .filter_map(|x| match (&x.before, &x.after) {
            (Ok(a), Ok(b)) => Some((a.premium, b.premium)),
            _ => None,
        })
        .collect();
    let before: Decimal = both.iter().map(|x| x.0).sum();
    let after: Decimal = both.iter().map(|x| x.1).sum();
    assert_eq!((r.before, r.after, r.rated), (before, after, both.len() as u64));
    assert_eq!(r.change, after - before);
    for groups in [&r.by_class, &r.by_territory, &r.by_limits, &r.by_form] {
        assert_eq!(groups.iter().map(|g| g.before).sum::<Decimal>(), before);
        assert_eq!(groups.iter().map(|g| g.after).sum::<Decimal>(), after);
        assert_eq!(groups.iter().map(|g| g.rows).sum::<u64>(), r.rated);
    }
    assert_eq!(r.bands.iter().map(|g| g.before).sum::<Decimal>(), before);
    assert_eq!(r.bands.iter().map(|g| g.after).sum::<Decimal>(), after);
    assert_eq!(r.bands.iter().map(|g| g.rows).sum::<u64>(), r.rated);
    // The generated book carries its 2026-07 premium: it reproduces to the cent.
    let current = r.current.as_ref().unwrap();
    assert_eq!((current.total, current.rows_differing), (before, 0));
    // Movers are sorted by the size of their change, and no row outside moved more.
    assert_eq!(r.movers.len(), 20);
    let ratio = |m: &medmal_core::book::Mover| ((m.after - m.before) / m.before).abs();
    assert!(r.movers.windows(2).all(|w| ratio(&w[0]) >= ratio(&w[1])));
    let least = ratio(&r.movers[19]);
    let outside = both.iter().map(|(b, a)| ((a - b) / b).abs()).max().unwrap();
    assert!(
        outside <= ratio(&r.movers[0]) && both.iter().filter(|(b, a)| ((a - b) / b).abs() > least).count() < 20,
        "{least} {outside} {:?}",
        r.movers
    );
    // Flagged rows: every referral or decline under the new version is listed.
    let flagged_to = results.iter().filter(|x| x.after.as_ref().is_ok_and(|a| a.status != RowStatus::Quoted)).count();
    assert_eq!(r.flagged.iter().filter(|f| f.version == "to" && f.status != "not_rated").count(), flagged_to);
    assert!(flagged_to > 0, "a realistic book has some referrals");
}

#[test]
fn csv_and_parquet_books_give_the_same_report() {
    let ms = manuals();
    let b = book(&ms, "summit-national", "PA", 4000, 12);
    let dir = std::env::temp_dir().join(format!("medmal-book-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let (csv, parquet) = (dir.join("book.csv"), dir.join("book.parquet"));
    write_book(&b, &csv).unwrap();
    write_book(&b, &parquet).unwrap();
    let from_csv = read_book(&csv, &ReadOptions::default()).unwrap().book;
    let from_parquet = read_book(&parquet, &ReadOptions::default()).unwrap().book;
    assert_eq!(from_csv, b, "CSV round trip");
    assert_eq!(from_parquet, b, "Parquet round trip");
    let (from, to) = (find(&ms, "summit-national/PA/2026-07"), find(&ms, "summit-national/PA/2027-01"));
    let (_, a) = rerate(&from_csv, from, to);
    let (_, p) = rerate(&from_parquet, from, to);
    assert_eq!(a, p);
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn a_malformed_row_in_the_middle_of_a_large_file_is_named_by_its_row_number() {
    let ms = manuals();
    let b = book(&ms, "keystone-mutual", "PA", 60_000, 13);
    let dir = std::env::temp_dir().join(format!("medmal-bad-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("book.csv");
    write_book(&b, &path).unwrap();
    // Data row 41,337 is line 41,338 of the file (after the header).
    let text = std::fs::read_to_string(&path).unwrap();
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    let effective = b.rows[41_336].effective.to_string();
    lines[41_337] = lines[41_337].replacen(&effective, "2026-02-30", 1);
    std::fs::write(&path, lines.join("\n") + "\n").unwrap();

    match read_book(&path, &ReadOptions::default()) {
        Err(BookError::BadRows { rows, .. }) => {
            assert_eq!(rows.len(), 1);
            assert_eq!((rows[0].row, rows[0].column.as_str()), (41_337, "effective_date"));
            assert!(rows[0].message.contains("2026-02-30"), "{}", rows[0].message);
        }
        other => panic!("expected a bad row, got {other:?}"),
    }
    // Skipping keeps every other row and hands back the bad one, cells and all.
    let loaded = read_book(&path, &ReadOptions { skip_bad_rows: true, ..ReadOptions::default() }).unwrap();
    assert_eq!(loaded.book.len(), 59_999);
    assert_eq!(loaded.rejected.len(), 1);
    assert_eq!(loaded.rejected[0].row, 41_337);
    assert!(loaded.rejected[0].cells.iter().any(|c| c == "2026-02-30"));
    assert_eq!(loaded.book.rows[41_336].source_row, 41_338);
    std::fs::remove_dir_all(&dir).ok();
}

/// A Parquet book of many row groups is read on several threads and joined in file order:
/// the same book, and a bad row in a later group keeps its row number.
#[test]
fn parquet_row_groups_read_in_parallel_join_in_order() {
    let ms = manuals();
    let b = book(&ms, "keystone-mutual", "PA", 5000, 14);
    let dir = std::env::temp_dir().join(format!("medmal-groups-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("book.parquet");
    medmal_book::write_parquet_in_groups(&b, std::fs::File::create(&path).unwrap(), 700).unwrap();
    assert_eq!(read_book(&path, &ReadOptions::default()).unwrap().book, b);

    // Row 4,321 (in the seventh group) gets a claims-made form without its retroactive date.
    let mut bad = b.clone();
    let i = (0..bad.len()).skip(4320).find(|&i| bad.rows[i].retro_date.is_some()).unwrap();
    bad.rows[i].retro_date = None;
    medmal_book::write_parquet_in_groups(&bad, std::fs::File::create(&path).unwrap(), 700).unwrap();
    match read_book(&path, &ReadOptions::default()) {
        Err(BookError::BadRows { rows, .. }) => {
            assert_eq!((rows[0].row, rows[0].column.as_str()), (i as u64 + 1, "retro_date"));
        }
        other => panic!("expected a bad row, got {other:?}"),
    }
    let loaded = read_book(&path, &ReadOptions { skip_bad_rows: true, ..ReadOptions::default() }).unwrap();
    assert_eq!((loaded.book.len(), loaded.rejected.len()), (4999, 1));
    assert_eq!(loaded.book.rows[i].source_row, i as u32 + 2);
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn unknown_and_missing_columns_are_refused() {
    let dir = std::env::temp_dir().join(format!("medmal-cols-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("book.csv");
    std::fs::write(&path, "policy_id,provider_id,carier\nP1,P1-1,x\n").unwrap();
    let e = read_book(&path, &ReadOptions::default()).unwrap_err().to_string();
    assert!(e.contains("unknown column `carier`"), "{e}");
    std::fs::write(&path, "policy_id,provider_id\nP1,P1-1\n").unwrap();
    let e = read_book(&path, &ReadOptions::default()).unwrap_err().to_string();
    assert!(e.contains("missing required columns: carrier"), "{e}");
    std::fs::remove_dir_all(&dir).ok();
}
