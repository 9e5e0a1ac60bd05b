//! The sample practices in `examples/practices/` parse, with the values they say.
#![allow(clippy::unwrap_used)]

use std::path::PathBuf;
use std::str::FromStr;

use medmal_core::manual::{DeductibleBasis, DeductibleKind, PolicyForm, SurgeryLevel};
use medmal_core::practice::{EntityLimits, Practice, Role, Transaction};
use medmal_practice::load_practice;
use rust_decimal::Decimal;

fn sample(name: &str) -> Practice {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../examples/practices").join(name);
    match load_practice(&path) {
        Ok(p) => p,
        Err(diags) => {
            let shown: Vec<String> = diags.iter().map(ToString::to_string).collect();
            panic!("{name} does not parse:\n{}", shown.join("\n"))
        }
    }
}

fn dec(s: &str) -> Decimal {
    Decimal::from_str(s).unwrap()
}

fn date(s: &str) -> jiff::civil::Date {
    jiff::civil::Date::from_str(s).unwrap()
}

#[test]
fn every_sample_parses() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../examples/practices");
    let mut seen = 0;
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        let ext = path.extension().and_then(|e| e.to_str()).unwrap_or_default();
        if ext == "toml" || ext == "json" {
            let name = path.file_name().unwrap().to_str().unwrap().to_string();
            let p = sample(&name);
            assert!(!p.providers.is_empty(), "{name}");
            seen += 1;
        }
    }
    assert!(seen >= 4, "expected the four sample practices, found {seen}");
}

#[test]
fn toml_and_json_solo_practice_are_identical() {
    let toml = sample("solo-family.toml");
    let json = sample("solo-family.json");
    assert_eq!(format!("{toml:?}"), format!("{json:?}"));
}

#[test]
fn solo_family_practice() {
    let p = sample("solo-family.toml");
    assert_eq!(p.state, "PA");
    assert_eq!(p.services, ["telehealth"]);
    assert_eq!(p.telehealth_states, ["NJ"]);
    let entity = p.entity.as_ref().unwrap();
    assert!(entity.insure);
    assert_eq!(p.coverage.entity_limits, EntityLimits::Shared);
    assert_eq!(p.coverage.form, PolicyForm::ClaimsMade);
    assert_eq!(p.coverage.transaction, Transaction::New);
    assert_eq!(p.coverage.limits.label(), "1M/3M");
    assert_eq!(p.coverage.effective, date("2026-07-01"));
    assert!(p.coverage.deductible.is_none());
    assert_eq!(p.providers.len(), 1);
    let dr = &p.providers[0];
    assert!(matches!(&dr.role, Role::Physician { specialty, surgery: SurgeryLevel::None } if specialty == "80420"));
    assert!(dr.board_certified);
    assert_eq!(dr.risk_management_course, Some(date("2026-03-14")));
    let prior = dr.prior_coverage.as_ref().unwrap();
    assert_eq!(prior.form, PolicyForm::ClaimsMade);
    assert_eq!(prior.retro_date, Some(date("2012-07-01")));
    assert!(prior.carry_prior_acts);
    assert!(dr.practice_split.is_empty());
    assert!(p.underwriting.schedule.is_empty());
    assert!(p.underwriting.group_losses.is_none());
}

#[test]
fn obgyn_group() {
    let p = sample("obgyn-group.toml");
    assert_eq!(p.coverage.entity_limits, EntityLimits::Separate);
    let ded = p.coverage.deductible.unwrap();
    assert_eq!((ded.amount, ded.kind, ded.basis), (dec("5000"), DeductibleKind::Indemnity, DeductibleBasis::PerClaim));
    let physicians: Vec<_> = p
        .providers
        .iter()
        .filter(|pr| matches!(&pr.role, Role::Physician { specialty, surgery: SurgeryLevel::Major } if specialty == "80153"))
        .collect();
    assert_eq!(physicians.len(), 3);
    assert!(physicians.iter().any(|pr| pr.years_since_training == Some(0)));
    assert!(physicians.iter().any(|pr| pr.claims.iter().any(|c| c.paid > Decimal::ZERO)));
    assert!(p.providers.iter().any(|pr| pr.locum_days == 45));
    let mid = |kind: &str| {
        p.providers.iter().find_map(|pr| match &pr.role {
            Role::MidLevel { kind: k, shared_limits } if k == kind => Some(*shared_limits),
            _ => None,
        })
    };
    assert_eq!(mid("NP"), Some(true));
    assert_eq!(mid("CRNA"), Some(false));
    let split = &p.providers[0].practice_split;
    assert_eq!(split.len(), 2);
    assert_eq!((split[0].county.as_str(), split[0].percent), ("Chester", dec("70")));
}

#[test]
fn multispecialty_group() {
    let p = sample("multispecialty-group.toml");
    assert_eq!(p.providers.len(), 8);
    assert_eq!(p.coverage.transaction, Transaction::Renewal);
    assert_eq!(p.coverage.limits.label(), "2M/4M");
    assert_eq!(p.coverage.tail_length.as_deref(), Some("unlimited"));
    let counties: Vec<&str> = p.locations.iter().map(|l| l.county.as_str()).collect();
    assert!(counties.contains(&"Philadelphia") && counties.contains(&"Montgomery"));
    assert!(p.providers.iter().filter(|pr| pr.practice_split.len() > 1).count() >= 3);
    let hours: Vec<Decimal> = p.providers.iter().filter_map(|pr| pr.hours_per_week).collect();
    assert!(hours.contains(&dec("18")) && hours.contains(&dec("28")));
    assert!(p.providers.iter().any(|pr| matches!(&pr.role, Role::MidLevel { kind, .. } if kind == "PA")));
    let schedule: Vec<(&str, Decimal)> = p.underwriting.schedule.iter().map(|(k, v)| (k.as_str(), *v)).collect();
    assert_eq!(
        schedule,
        [("practice_management", dec("-0.05")), ("patient_volume", dec("0.03")), ("risk_controls", dec("-0.04"))]
    );
    let losses = p.underwriting.group_losses.as_ref().unwrap();
    assert!((3..=4).contains(&losses.len()));
    let five_years_before = date("2021-10-01");
    assert!(losses.iter().all(|l| l.reported >= five_years_before && l.reported <= p.coverage.effective));
    assert!(p.coverage.effective >= date("2026-07-01") && p.coverage.effective <= date("2026-12-31"));
}
