//! Rating speed on the sample manual: one provider with its full worksheet, and a 10-provider
//! practice. Run with `cargo bench -p medmal-manual --bench rate`.
//!
//! A baseline is measured in the same run — cloning the practice, the least work any rating
//! must do to touch its input — and each result is printed as a ratio to it, so figures from
//! different machines can be compared.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::hint::black_box;
use std::path::Path;
use std::time::Instant;

use criterion::{Criterion, criterion_group, criterion_main};
use medmal_core::practice::Practice;
use medmal_core::{Manual, rate, select_version};

fn load() -> (Vec<Manual>, Practice, Practice) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let (manuals, diags) = medmal_manual::load_all(&root.join("manuals"));
    assert!(diags.is_empty(), "{diags:?}");
    let solo =
        medmal_practice::load_practice(&root.join("examples/practices/solo-family.toml")).expect("solo practice");
    let mut group = medmal_practice::load_practice(&root.join("examples/practices/multispecialty-group.toml"))
        .expect("group practice");
    // Pad the group to exactly ten providers with copies of its own providers.
    let base = group.providers.clone();
    let mut i = 0;
    while group.providers.len() < 10 {
        let mut p = base[i % base.len()].clone();
        p.name = format!("{} (copy {i})", p.name);
        group.providers.push(p);
        i += 1;
    }
    group.providers.truncate(10);
    (manuals.into_iter().map(|m| m.manual).collect(), solo, group)
}

fn pick<'m>(manuals: &'m [Manual], p: &Practice) -> &'m Manual {
    // The reference manual that uses every element of the format.
    let candidates: Vec<&Manual> =
        manuals.iter().filter(|m| m.meta.state == p.state && m.meta.carrier == "keystone-mutual").collect();
    select_version(&candidates, p.coverage.effective, p.coverage.transaction).expect("a manual in force")
}

/// Median seconds per call of `f` over `rounds` rounds of `n` calls.
fn median(n: u32, rounds: usize, mut f: impl FnMut()) -> f64 {
    let mut times: Vec<f64> = (0..rounds)
        .map(|_| {
            let t = Instant::now();
            for _ in 0..n {
                f();
            }
            t.elapsed().as_secs_f64() / f64::from(n)
        })
        .collect();
    times.sort_by(f64::total_cmp);
    times[times.len() / 2]
}

fn bench(c: &mut Criterion) {
    let (manuals, solo, group) = load();
    let m_solo = pick(&manuals, &solo);
    let m_group = pick(&manuals, &group);
    let (a, b) = (rate(m_solo, &solo), rate(m_group, &group));
    assert!(a.is_ok() && b.is_ok(), "{:?} {:?}", a.err(), b.err());

    c.bench_function("baseline: clone practice (1 provider)", |b| b.iter(|| black_box(solo.clone())));
    c.bench_function("rate 1 provider with worksheet", |b| b.iter(|| rate(black_box(m_solo), black_box(&solo))));
    c.bench_function("rate 10-provider practice with worksheets", |b| {
        b.iter(|| rate(black_box(m_group), black_box(&group)))
    });

    // Ratios in the same process, so the figures travel between machines.
    let base = median(2_000, 21, || {
        black_box(solo.clone());
    });
    let one = median(2_000, 21, || {
        let _ = black_box(rate(m_solo, &solo));
    });
    let ten = median(200, 21, || {
        let _ = black_box(rate(m_group, &group));
    });
    println!(
        "\nmedians: baseline {:.2} µs; 1 provider {:.2} µs ({:.1}× baseline); 10 providers {:.2} µs = {:.2} µs/provider ({:.1}× baseline per provider)",
        base * 1e6,
        one * 1e6,
        one / base,
        ten * 1e6,
        ten * 1e5,
        ten / 10.0 / base
    );
}

criterion_group!(benches, bench);
criterion_main!(benches);
