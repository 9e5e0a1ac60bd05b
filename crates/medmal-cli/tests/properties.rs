//! Rating invariants over generated practices, checked against every manual in the repo
//! (the sample market and the test fixtures): premiums are never negative, worksheets replay
//! to their premiums, totals add up, higher limits are never cheaper, an immature claims-made
//! year is never dearer than maturity, and the same input always gives the same output.
#![allow(clippy::unwrap_used)]

use std::path::Path;
use std::sync::OnceLock;

use jiff::civil::Date;
use medmal_core::manual::{MidLevelMethod, PolicyForm, SurgeryLevel};
use medmal_core::practice::*;
use medmal_core::worksheet::replay;
use medmal_core::{Manual, rate};
use proptest::prelude::*;
use rust_decimal::Decimal;

fn manuals() -> &'static Vec<Manual> {
    static M: OnceLock<Vec<Manual>> = OnceLock::new();
    M.get_or_init(|| {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
        let mut out = Vec::new();
        for dir in ["manuals", "testdata/manuals"] {
            let (loaded, diags) = medmal_manual::load_all(&root.join(dir));
            assert!(diags.is_empty(), "{diags:?}");
            out.extend(loaded.into_iter().map(|l| l.manual));
        }
        assert!(!out.is_empty());
        out
    })
}

#[derive(Debug, Clone)]
struct Knobs {
    manual: usize,
    providers: Vec<ProviderKnobs>,
    limits: usize,
    occurrence: bool,
    entity: Option<bool>,
    deductible: Option<usize>,
}

#[derive(Debug, Clone)]
struct ProviderKnobs {
    kind: usize,
    county: usize,
    hours: u32,
    years_since_training: u32,
    retro_years_back: u32,
    board: bool,
    claims: u32,
    locum_days: u32,
}

fn knobs() -> impl Strategy<Value = Knobs> {
    let provider = (0usize..64, 0usize..16, 8u32..70, 0u32..30, 0u32..9, any::<bool>(), 0u32..4, 0u32..90).prop_map(
        |(kind, county, hours, years_since_training, retro_years_back, board, claims, locum_days)| ProviderKnobs {
            kind,
            county,
            hours,
            years_since_training,
            retro_years_back,
            board,
            claims,
            locum_days,
        },
    );
    (
        0usize..64,
        prop::collection::vec(provider, 1..6),
        0usize..16,
        any::<bool>(),
        prop::option::of(any::<bool>()),
        prop::option::of(0usize..8),
    )
        .prop_map(|(manual, providers, limits, occurrence, entity, deductible)| Knobs {
            manual,
            providers,
            limits,
            occurrence,
            entity,
            deductible,
        })
}

fn date(s: &str) -> Date {
    s.parse().unwrap()
}

/// Roles a manual can rate: (specialty, surgery) for physicians, or a mid-level type.
fn roles(m: &Manual) -> Vec<Role> {
    let mut out = Vec::new();
    for s in &m.specialties {
        for (level, class) in
            [(SurgeryLevel::None, &s.none), (SurgeryLevel::Minor, &s.minor), (SurgeryLevel::Major, &s.major)]
        {
            if class.is_some() || s.any.is_some() {
                out.push(Role::Physician { specialty: s.code.clone(), surgery: level });
            }
        }
    }
    for ml in &m.midlevels {
        let shared = match &ml.method {
            MidLevelMethod::PercentOfClass { shared, .. } => shared.is_some(),
            MidLevelMethod::Flat { shared, .. } => shared.is_some(),
            MidLevelMethod::OwnClass { .. } => true,
        };
        out.push(Role::MidLevel { kind: ml.role.clone(), shared_limits: shared });
    }
    out
}

fn build(k: &Knobs) -> (&'static Manual, Practice) {
    let ms = manuals();
    let m = &ms[k.manual % ms.len()];
    let roles = roles(m);
    let mut counties: Vec<String> = m.territories.counties.keys().cloned().collect();
    if m.territories.default.is_some() {
        counties.push("Nowhere In Particular".into());
    }
    let effective = m.meta.effective_new.checked_add(jiff::Span::new().days(40)).unwrap();
    let providers = k
        .providers
        .iter()
        .enumerate()
        .map(|(i, p)| {
            let retro = effective.checked_sub(jiff::Span::new().years(i64::from(p.retro_years_back))).unwrap();
            Provider {
                name: format!("Provider {i}"),
                role: roles[p.kind % roles.len()].clone(),
                practice_split: vec![CountyShare {
                    county: counties[p.county % counties.len()].clone(),
                    percent: Decimal::ONE_HUNDRED,
                }],
                hours_per_week: Some(Decimal::from(p.hours)),
                years_since_training: Some(p.years_since_training),
                board_certified: p.board,
                society_member: false,
                risk_management_course: None,
                claims: (0..p.claims)
                    .map(|c| Claim {
                        reported: date("2023-05-01").min(effective),
                        paid: Decimal::from(40_000 * (c + 1)),
                    })
                    .collect(),
                disciplinary: Vec::new(),
                prior_coverage: Some(PriorCoverage {
                    form: PolicyForm::ClaimsMade,
                    carrier: None,
                    retro_date: Some(retro),
                    carry_prior_acts: true,
                }),
                locum_days: p.locum_days,
                resident: None,
                teaching: false,
                leave_months: 0,
                years_insured_with_carrier: p.retro_years_back,
                age: Some(40),
                contractor: false,
                tail_paid_by: None,
                scheduled: true,
            }
        })
        .collect();
    let form = if k.occurrence && m.form.occurrence_factor.is_some() || m.form.claims_made_steps.is_none() {
        PolicyForm::Occurrence
    } else {
        PolicyForm::ClaimsMade
    };
    let entity_limits = match k.entity {
        Some(true) if m.entity.separate.is_some() => EntityLimits::Separate,
        _ if m.entity.shared.is_some() => EntityLimits::Shared,
        _ => EntityLimits::Separate,
    };
    let practice = Practice {
        name: "Generated".into(),
        state: m.meta.state.clone(),
        entity: k.entity.map(|_| EntityInfo { name: "Generated PC".into(), insure: true }),
        locations: vec![Location { name: "Office".into(), county: counties[0].clone() }],
        services: Vec::new(),
        telehealth_states: Vec::new(),
        providers,
        coverage: CoverageRequest {
            effective,
            transaction: Transaction::New,
            form,
            limits: m.limits[k.limits % m.limits.len()].limits,
            deductible: k
                .deductible
                .and_then(|i| m.deductibles.get(i % m.deductibles.len().max(1)).map(|d| d.deductible)),
            entity_limits,
            tail_length: None,
        },
        underwriting: Underwriting::default(),
    };
    (m, practice)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn premiums_are_non_negative_and_worksheets_reproduce_them(k in knobs()) {
        let (m, practice) = build(&k);
        let q = rate(m, &practice).map_err(|e| TestCaseError::fail(format!("{e:?}")))?;
        prop_assert!(q.total >= Decimal::ZERO);
        let mut sum = Decimal::ZERO;
        for p in &q.providers {
            prop_assert!(p.premium >= Decimal::ZERO);
            prop_assert_eq!(p.worksheet.last().map(|l| l.running), Some(p.premium));
            prop_assert_eq!(replay(&p.worksheet, m.step_rounding), Ok(p.premium));
            if let Some(t) = &p.tail {
                prop_assert!(t.premium >= Decimal::ZERO);
                prop_assert_eq!(t.worksheet.last().map(|l| l.running), Some(t.premium));
            }
            sum += p.premium;
        }
        prop_assert_eq!(sum, q.providers_total);
        prop_assert_eq!(replay(&q.policy_lines, m.step_rounding), Ok(q.total));
    }

    #[test]
    fn same_input_same_output(k in knobs()) {
        let (m, practice) = build(&k);
        let a = serde_json::to_string(&rate(m, &practice).map_err(|e| TestCaseError::fail(format!("{e:?}")))?).unwrap();
        let b = serde_json::to_string(&rate(m, &practice).map_err(|e| TestCaseError::fail(format!("{e:?}")))?).unwrap();
        prop_assert_eq!(a, b);
    }

    #[test]
    fn higher_limits_are_never_cheaper(k in knobs()) {
        let (m, mut practice) = build(&k);
        let mut by_limits = Vec::new();
        for l in &m.limits {
            practice.coverage.limits = l.limits;
            let q = rate(m, &practice).map_err(|e| TestCaseError::fail(format!("{e:?}")))?;
            by_limits.push((l.limits, q.total));
        }
        for (a, ta) in &by_limits {
            for (b, tb) in &by_limits {
                if a.per_claim <= b.per_claim && a.aggregate <= b.aggregate {
                    prop_assert!(ta <= tb, "{} costs {} but higher {} costs {}", a.label(), ta, b.label(), tb);
                }
            }
        }
    }

    #[test]
    fn claims_made_years_never_exceed_maturity(k in knobs()) {
        let (m, mut practice) = build(&k);
        practice.coverage.form = PolicyForm::ClaimsMade;
        let Some(steps) = &m.form.claims_made_steps else { return Ok(()) };
        let mature = *steps.last().unwrap();
        prop_assert!(steps.iter().all(|s| *s <= mature));
        let immature = rate(m, &practice).map_err(|e| TestCaseError::fail(format!("{e:?}")))?;
        for p in &mut practice.providers {
            if let Some(prior) = &mut p.prior_coverage {
                prior.retro_date = Some(date("1990-01-01"));
            }
        }
        let matured = rate(m, &practice).map_err(|e| TestCaseError::fail(format!("{e:?}")))?;
        for (a, b) in immature.providers.iter().zip(&matured.providers) {
            prop_assert!(a.premium <= b.premium, "{}: year {:?} premium {} above mature {}", a.name, a.claims_made_year, a.premium, b.premium);
        }
    }
}
