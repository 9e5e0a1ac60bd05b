//! A medical practice as a broker enters it: who works there, where, what they did before,
//! and what coverage is asked for. Built by the practice reader; the engine only reads it.

use jiff::civil::Date;
use rust_decimal::Decimal;
use serde::Serialize;

use crate::manual::{Deductible, DisciplinaryAction, Limits, PolicyForm, SurgeryLevel};
use crate::money::Money;

#[derive(Debug, Clone, Serialize)]
pub struct Practice {
    pub name: String,
    /// The state the coverage is written in.
    pub state: String,
    pub entity: Option<EntityInfo>,
    pub locations: Vec<Location>,
    /// Service lines that matter to appetite: `aesthetics`, `telehealth`, `urgent_care`, …
    pub services: Vec<String>,
    /// States (other than `state`) where patients are seen by telehealth.
    pub telehealth_states: Vec<String>,
    pub providers: Vec<Provider>,
    pub coverage: CoverageRequest,
    pub underwriting: Underwriting,
}

#[derive(Debug, Clone, Serialize)]
pub struct EntityInfo {
    pub name: String,
    /// Whether the entity (the corporation) is to be insured.
    pub insure: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct Location {
    pub name: String,
    pub county: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Provider {
    pub name: String,
    pub role: Role,
    /// Percent of practice by county; percents sum to 100.
    pub practice_split: Vec<CountyShare>,
    pub hours_per_week: Option<Decimal>,
    /// Completed years since the end of residency/fellowship.
    pub years_since_training: Option<u32>,
    pub board_certified: bool,
    pub society_member: bool,
    pub risk_management_course: Option<Date>,
    pub claims: Vec<Claim>,
    pub disciplinary: Vec<DisciplinaryEvent>,
    pub prior_coverage: Option<PriorCoverage>,
    pub locum_days: u32,
    pub resident: Option<ResidentStatus>,
    pub teaching: bool,
    pub leave_months: u32,
    pub years_insured_with_carrier: u32,
    pub age: Option<u32>,
    /// Independent contractor rather than employee (coverage review uses this).
    pub contractor: bool,
    /// Who pays this provider's tail on leaving, per the employment terms; `None` = not stated.
    pub tail_paid_by: Option<TailPayer>,
    /// Whether the provider is to be scheduled on the policy (false: insured elsewhere, or
    /// simply not listed with the carrier).
    pub scheduled: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TailPayer {
    Practice,
    Provider,
}

#[derive(Debug, Clone, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Role {
    Physician {
        specialty: String,
        surgery: SurgeryLevel,
    },
    /// Mid-level or allied provider type (`NP`, `PA`, `CRNA`, `CNM`, …) and whether it shares
    /// the supervising physicians' limits.
    MidLevel {
        kind: String,
        shared_limits: bool,
    },
}

#[derive(Debug, Clone, Serialize)]
pub struct CountyShare {
    pub county: String,
    pub percent: Decimal,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Claim {
    pub reported: Date,
    pub paid: Money,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DisciplinaryEvent {
    pub action: DisciplinaryAction,
    pub date: Date,
}

#[derive(Debug, Clone, Serialize)]
pub struct PriorCoverage {
    pub form: PolicyForm,
    pub carrier: Option<String>,
    /// Retroactive date of the prior claims-made coverage.
    pub retro_date: Option<Date>,
    /// Whether the new policy picks up prior acts (nose) and so keeps the retro date.
    pub carry_prior_acts: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ResidentStatus {
    Resident,
    Moonlighting,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Transaction {
    New,
    Renewal,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum EntityLimits {
    Shared,
    Separate,
}

#[derive(Debug, Clone, Serialize)]
pub struct CoverageRequest {
    pub effective: Date,
    pub transaction: Transaction,
    pub form: PolicyForm,
    pub limits: Limits,
    pub deductible: Option<Deductible>,
    /// Limits for the entity when it is insured.
    pub entity_limits: EntityLimits,
    /// Tail length to quote; the manual's default when absent.
    pub tail_length: Option<String>,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct Underwriting {
    /// Schedule-rating selections: item id → signed adjustment (−0.05 = 5% credit).
    pub schedule: Vec<(String, Decimal)>,
    pub group_losses: Option<Vec<GroupLoss>>,
}

#[derive(Debug, Clone, Serialize)]
pub struct GroupLoss {
    pub reported: Date,
    pub paid: Money,
}
