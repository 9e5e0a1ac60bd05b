//! A carrier's rate manual for one state and one version, as validated data.
//!
//! Everything a carrier can differ in lives here, including the *order* of the rating steps,
//! how credits combine and where rounding happens. The rating engine interprets this; it has
//! no carrier-specific branches. Values are built only by the manual loader, which has already
//! checked references and ranges, so rating can trust them (and still never panics if not).

use std::collections::BTreeMap;

use jiff::civil::Date;
use rust_decimal::Decimal;
use serde::Serialize;

use crate::money::{Factor, Money, Rounding};

pub type ClassId = String;
pub type TerritoryId = String;

#[derive(Debug, Clone)]
pub struct Manual {
    pub meta: ManualMeta,
    pub classes: Vec<RatingClass>,
    pub specialties: Vec<SpecialtyMapping>,
    /// 84xxx D.O. codes rate as their 80xxx M.D. twin unless listed themselves.
    pub osteopathic_mirror: bool,
    pub midlevels: Vec<MidLevelRule>,
    pub territories: Territories,
    /// Annual base rate at the base limits and base form, by (class, territory).
    pub base_rates: BTreeMap<(ClassId, TerritoryId), Money>,
    pub form: FormRules,
    pub limits: Vec<LimitsOption>,
    pub deductibles: Vec<DeductibleOption>,
    pub modifiers: Vec<Modifier>,
    pub modifier_groups: Vec<ModifierGroup>,
    pub schedule: Option<ScheduleRating>,
    pub experience: Option<ExperienceRating>,
    pub locum: Option<LocumRule>,
    pub entity: EntityRule,
    pub surcharges: Vec<Surcharge>,
    pub tail: Option<TailRules>,
    pub eligibility: Vec<EligibilityRule>,
    /// What the policy form covers and who the carrier is; `None` when the manual is silent
    /// (comparisons then show the features as unknown rather than guessing).
    pub features: Option<PolicyFeatures>,
    pub carrier: Option<CarrierFacts>,
    /// Applied to the running premium after every factor step, when declared.
    pub step_rounding: Option<Rounding>,
    pub provider_steps: Vec<ProviderStep>,
    pub policy_steps: Vec<PolicyStep>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ManualMeta {
    pub carrier: String,
    pub carrier_name: String,
    pub state: String,
    pub version: String,
    /// First day new-business policies are rated with this version.
    pub effective_new: Date,
    /// First day renewals are rated with this version (may differ from new business).
    pub effective_renewal: Date,
    /// Policies effective on or after this date are no longer rated with this version.
    pub expires: Option<Date>,
    pub base_limits: Limits,
    pub base_form: PolicyForm,
}

impl ManualMeta {
    /// `carrier/state/version`, the id a quote records.
    pub fn id(&self) -> String {
        format!("{}/{}/{}", self.carrier, self.state, self.version)
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct RatingClass {
    pub id: ClassId,
    pub name: String,
}

/// An ISO-style specialty code and the rating class for each surgery level it is written at.
#[derive(Debug, Clone)]
pub struct SpecialtyMapping {
    pub code: String,
    pub name: String,
    /// Class used whatever the surgery level (inherently surgical or non-surgical specialties).
    pub any: Option<ClassId>,
    pub none: Option<ClassId>,
    pub minor: Option<ClassId>,
    pub major: Option<ClassId>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SurgeryLevel {
    None,
    Minor,
    /// Major surgery, including obstetrics.
    Major,
}

impl SurgeryLevel {
    pub fn name(self) -> &'static str {
        match self {
            SurgeryLevel::None => "none",
            SurgeryLevel::Minor => "minor",
            SurgeryLevel::Major => "major",
        }
    }
}

/// How a mid-level or allied provider type is charged.
#[derive(Debug, Clone)]
pub struct MidLevelRule {
    /// Provider type as written in practice files: `NP`, `PA`, `CRNA`, `CNM`, …
    pub role: String,
    pub name: String,
    pub method: MidLevelMethod,
}

#[derive(Debug, Clone)]
pub enum MidLevelMethod {
    /// A percent of a named physician class's base rate, then the usual steps.
    PercentOfClass { class: ClassId, shared: Option<Decimal>, separate: Option<Decimal> },
    /// Rated in its own class like a physician.
    OwnClass { class: ClassId },
    /// A flat annual charge, no further steps.
    Flat { shared: Option<Money>, separate: Option<Money> },
}

#[derive(Debug, Clone)]
pub struct Territories {
    pub list: Vec<Territory>,
    /// County name (as written in practice files) → territory.
    pub counties: BTreeMap<String, TerritoryId>,
    /// Territory for counties not listed; `None` means unlisted counties cannot be rated.
    pub default: Option<TerritoryId>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Territory {
    pub id: TerritoryId,
    pub name: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PolicyForm {
    ClaimsMade,
    Occurrence,
}

impl PolicyForm {
    pub fn name(self) -> &'static str {
        match self {
            PolicyForm::ClaimsMade => "claims_made",
            PolicyForm::Occurrence => "occurrence",
        }
    }
}

#[derive(Debug, Clone)]
pub struct FormRules {
    /// Step factors for claims-made years 1, 2, …; the last is the mature factor (1.00 when the
    /// base form is claims-made). `None` when the carrier does not write claims-made.
    pub claims_made_steps: Option<Vec<Factor>>,
    /// Occurrence premium relative to the base form. `None` when occurrence is not written.
    pub occurrence_factor: Option<Factor>,
    /// Mature claims-made relative to occurrence, when the base form is occurrence.
    pub claims_made_mature_factor: Option<Factor>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Limits {
    pub per_claim: Money,
    pub aggregate: Money,
}

impl Limits {
    pub fn label(&self) -> String {
        format!("{}/{}", short_amount(self.per_claim), short_amount(self.aggregate))
    }
}

/// `1000000` → `1M`, `500000` → `500K`, `1500000` → `1.5M`.
pub fn short_amount(x: Decimal) -> String {
    let m = Decimal::from(1_000_000);
    let k = Decimal::from(1_000);
    if x >= m && (x / m * Decimal::from(100)).fract().is_zero() {
        format!("{}M", (x / m).normalize())
    } else if x >= k && (x / k).fract().is_zero() {
        format!("{}K", (x / k).normalize())
    } else {
        x.normalize().to_string()
    }
}

#[derive(Debug, Clone)]
pub struct LimitsOption {
    pub limits: Limits,
    /// Increased (or decreased) limits factor relative to the base limits.
    pub factor: Factor,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DeductibleKind {
    /// Applies to indemnity payments only.
    Indemnity,
    /// Applies to indemnity and defense expense together.
    IndemnityAndExpense,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DeductibleBasis {
    PerClaim,
    Aggregate,
}

impl DeductibleKind {
    pub fn name(self) -> &'static str {
        match self {
            DeductibleKind::Indemnity => "indemnity",
            DeductibleKind::IndemnityAndExpense => "indemnity_expense",
        }
    }
}

impl DeductibleBasis {
    pub fn name(self) -> &'static str {
        match self {
            DeductibleBasis::PerClaim => "per_claim",
            DeductibleBasis::Aggregate => "aggregate",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Deductible {
    pub amount: Money,
    pub kind: DeductibleKind,
    pub basis: DeductibleBasis,
}

impl Deductible {
    pub fn label(&self) -> String {
        format!("{} {} {}", self.amount.normalize(), self.kind.name(), self.basis.name())
    }
}

#[derive(Debug, Clone)]
pub struct DeductibleOption {
    pub deductible: Deductible,
    /// Credit as a fraction of premium (0.05 = 5% off).
    pub credit: Decimal,
}

/// One individual rating modifier. Adjustments are signed fractions: −0.25 is a 25% credit,
/// +0.50 a 50% debit.
#[derive(Debug, Clone)]
pub struct Modifier {
    pub id: String,
    pub name: String,
    pub rule: ModifierRule,
}

#[derive(Debug, Clone)]
pub enum ModifierRule {
    /// Bands of weekly hours, each applying to hours at most `max_hours`.
    PartTime {
        bands: Vec<HoursBand>,
    },
    /// By completed years since the end of residency or fellowship (0 = first year out).
    NewToPractice {
        by_year: Vec<(u32, Decimal)>,
    },
    Resident {
        resident: Decimal,
        moonlighting: Decimal,
    },
    Teaching {
        adjustment: Decimal,
    },
    /// Prorated by months on leave (at most `max_months`) over twelve.
    LeaveOfAbsence {
        adjustment: Decimal,
        max_months: u32,
    },
    /// By whole years claims-free: the row with the largest `years` not above the insured's.
    ClaimsFree {
        by_years: Vec<(u32, Decimal)>,
    },
    /// Claims reported in the look-back window with paid ≥ `min_paid`; the highest row whose
    /// count and total paid both hold applies.
    ClaimsSurcharge {
        lookback_years: u32,
        min_paid: Money,
        rows: Vec<ClaimSurchargeRow>,
    },
    /// Licensing-board or hospital-privilege actions within the look-back; the highest applies.
    Disciplinary {
        lookback_years: u32,
        actions: Vec<(DisciplinaryAction, Decimal)>,
    },
    /// A completed risk-management course, valid for `valid_months` from completion.
    RiskManagement {
        adjustment: Decimal,
        valid_months: u32,
    },
    BoardCertified {
        adjustment: Decimal,
    },
    SocietyMember {
        adjustment: Decimal,
    },
    /// By whole years insured with this carrier.
    Loyalty {
        by_years: Vec<(u32, Decimal)>,
    },
}

impl ModifierRule {
    pub fn kind(&self) -> &'static str {
        match self {
            ModifierRule::PartTime { .. } => "part_time",
            ModifierRule::NewToPractice { .. } => "new_to_practice",
            ModifierRule::Resident { .. } => "resident",
            ModifierRule::Teaching { .. } => "teaching",
            ModifierRule::LeaveOfAbsence { .. } => "leave_of_absence",
            ModifierRule::ClaimsFree { .. } => "claims_free",
            ModifierRule::ClaimsSurcharge { .. } => "claims_surcharge",
            ModifierRule::Disciplinary { .. } => "disciplinary",
            ModifierRule::RiskManagement { .. } => "risk_management",
            ModifierRule::BoardCertified { .. } => "board_certified",
            ModifierRule::SocietyMember { .. } => "society_member",
            ModifierRule::Loyalty { .. } => "loyalty",
        }
    }
}

#[derive(Debug, Clone)]
pub struct HoursBand {
    pub max_hours: Decimal,
    pub adjustment: Decimal,
}

#[derive(Debug, Clone)]
pub struct ClaimSurchargeRow {
    pub claims_at_least: u32,
    pub paid_at_least: Money,
    pub adjustment: Decimal,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DisciplinaryAction {
    LicenseRevoked,
    LicenseSuspended,
    LicenseProbation,
    PrivilegesRevoked,
    PrivilegesRestricted,
}

impl DisciplinaryAction {
    pub const ALL: [DisciplinaryAction; 5] = [
        DisciplinaryAction::LicenseRevoked,
        DisciplinaryAction::LicenseSuspended,
        DisciplinaryAction::LicenseProbation,
        DisciplinaryAction::PrivilegesRevoked,
        DisciplinaryAction::PrivilegesRestricted,
    ];

    pub fn name(self) -> &'static str {
        match self {
            DisciplinaryAction::LicenseRevoked => "license_revoked",
            DisciplinaryAction::LicenseSuspended => "license_suspended",
            DisciplinaryAction::LicenseProbation => "license_probation",
            DisciplinaryAction::PrivilegesRevoked => "privileges_revoked",
            DisciplinaryAction::PrivilegesRestricted => "privileges_restricted",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|a| a.name() == s)
    }
}

/// How the adjustments of a group become one factor.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Combine {
    /// Factor = Π(1 + adjᵢ), then capped.
    Multiply,
    /// Factor = 1 + Σ adjᵢ, then capped.
    Add,
}

#[derive(Debug, Clone)]
pub struct ModifierGroup {
    pub id: String,
    pub name: String,
    pub combine: Combine,
    pub modifiers: Vec<String>,
    /// Largest total credit (0.40 → the factor never goes below 0.60).
    pub max_credit: Option<Decimal>,
    /// Largest total debit (0.50 → the factor never goes above 1.50).
    pub max_debit: Option<Decimal>,
    /// Places the combined factor is rounded to (half up), when declared.
    pub factor_decimals: Option<u32>,
}

#[derive(Debug, Clone)]
pub struct ScheduleRating {
    pub items: Vec<ScheduleItem>,
    pub max_credit: Decimal,
    pub max_debit: Decimal,
}

#[derive(Debug, Clone)]
pub struct ScheduleItem {
    pub id: String,
    pub name: String,
    pub max_credit: Decimal,
    pub max_debit: Decimal,
}

#[derive(Debug, Clone)]
pub struct ExperienceRating {
    pub min_providers: u32,
    pub period_years: u32,
    pub per_claim_limit: Money,
    /// Expected losses per provider per year, by class.
    pub expected_per_year: BTreeMap<ClassId, Money>,
    pub credibility: Credibility,
    pub credibility_decimals: u32,
    pub mod_decimals: u32,
    pub max_credit: Decimal,
    pub max_debit: Decimal,
}

#[derive(Debug, Clone)]
pub enum Credibility {
    /// Z = min(1, √(E / full)).
    SquareRoot { full: Money },
    /// Z = E / (E + K).
    Buhlmann { k: Money },
}

#[derive(Debug, Clone)]
pub struct LocumRule {
    pub free_days: u32,
    pub per_day: Money,
}

#[derive(Debug, Clone)]
pub struct EntityRule {
    /// Charge when the entity shares the providers' limits; `None` = not offered.
    pub shared: Option<EntityCharge>,
    /// Charge when the entity has its own limits; `None` = not offered.
    pub separate: Option<EntityCharge>,
    /// Cap on the entity charge.
    pub maximum: Option<Money>,
}

#[derive(Debug, Clone, Copy)]
pub enum EntityCharge {
    /// A percent of the providers' premium.
    Percent(Decimal),
    Flat(Money),
}

/// State fund / patient-compensation-fund surcharge, added on top of the carrier premium.
#[derive(Debug, Clone)]
pub struct Surcharge {
    pub id: String,
    pub name: String,
    pub percent: Decimal,
}

#[derive(Debug, Clone)]
pub struct TailRules {
    pub basis: TailBasis,
    pub lengths: Vec<String>,
    pub default_length: String,
    /// Factor by claims-made year at termination (row) and tail length (column).
    pub factors: Vec<TailRow>,
    pub free: Option<FreeTail>,
    pub rounding: Rounding,
}

#[derive(Debug, Clone)]
pub struct TailRow {
    pub claims_made_year: u32,
    pub factors: Vec<Factor>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TailBasis {
    /// The provider's premium at the mature claims-made step, before individual credits,
    /// schedule and experience rating.
    MatureUndiscounted,
    /// The provider's actual expiring premium.
    Expiring,
}

#[derive(Debug, Clone)]
pub struct FreeTail {
    pub events: Vec<String>,
    pub min_age: Option<u32>,
    pub min_years_insured: u32,
    /// Conditions apply only to retirement; death and disability need only years insured.
    pub age_for_retirement_only: bool,
}

#[derive(Debug, Clone)]
pub struct EligibilityRule {
    pub action: EligibilityAction,
    pub reason: String,
    pub condition: Condition,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum EligibilityAction {
    Refer,
    Decline,
}

#[derive(Debug, Clone)]
pub enum Condition {
    /// A provider with at least `at_least` claims reported in `within_years` (paid ≥ `min_paid`).
    Claims {
        at_least: u32,
        within_years: u32,
        min_paid: Money,
    },
    /// A provider whose paid losses in `within_years` total at least `amount`.
    PaidTotal {
        amount: Money,
        within_years: u32,
    },
    /// The practice offers any of these services (e.g. `aesthetics`).
    Service {
        any: Vec<String>,
    },
    /// A provider rated in any of these classes.
    Class {
        any: Vec<ClassId>,
    },
    Specialty {
        any: Vec<String>,
    },
    Surgery {
        any: Vec<SurgeryLevel>,
    },
    Disciplinary {
        any: Vec<DisciplinaryAction>,
        within_years: u32,
    },
    LocumDays {
        over: u32,
    },
    Providers {
        over: u32,
    },
    /// Telehealth to patients in states other than the manual's.
    TelehealthOutOfState,
}

#[derive(Debug, Clone)]
pub enum ProviderStep {
    BaseRate,
    PolicyForm,
    Limits,
    Deductible,
    Modifiers { group: String },
    Schedule,
    Experience,
    Locum,
    Round(Rounding),
    Minimum(Money),
}

impl ProviderStep {
    pub fn name(&self) -> &'static str {
        match self {
            ProviderStep::BaseRate => "base_rate",
            ProviderStep::PolicyForm => "policy_form",
            ProviderStep::Limits => "limits",
            ProviderStep::Deductible => "deductible",
            ProviderStep::Modifiers { .. } => "modifiers",
            ProviderStep::Schedule => "schedule",
            ProviderStep::Experience => "experience",
            ProviderStep::Locum => "locum",
            ProviderStep::Round(_) => "round",
            ProviderStep::Minimum(_) => "minimum",
        }
    }
}

#[derive(Debug, Clone)]
pub enum PolicyStep {
    Entity,
    Surcharge { id: String },
    Round(Rounding),
    Minimum(Money),
}

impl Manual {
    pub fn class(&self, id: &str) -> Option<&RatingClass> {
        self.classes.iter().find(|c| c.id == id)
    }

    pub fn specialty(&self, code: &str) -> Option<&SpecialtyMapping> {
        self.specialties.iter().find(|s| s.code == code)
    }

    pub fn midlevel(&self, role: &str) -> Option<&MidLevelRule> {
        self.midlevels.iter().find(|m| m.role.eq_ignore_ascii_case(role))
    }

    pub fn modifier(&self, id: &str) -> Option<&Modifier> {
        self.modifiers.iter().find(|m| m.id == id)
    }

    pub fn group(&self, id: &str) -> Option<&ModifierGroup> {
        self.modifier_groups.iter().find(|g| g.id == id)
    }

    /// The base rate of a class in a territory, looked up without building an owned key.
    pub fn base_rate(&self, class: &str, territory: &str) -> Option<Money> {
        self.base_rates.get(&(class, territory) as &dyn RateKey).copied()
    }

    pub fn territory_of(&self, county: &str) -> Option<&TerritoryId> {
        self.territories
            .counties
            .iter()
            .find(|(c, _)| c.eq_ignore_ascii_case(county))
            .map(|(_, t)| t)
            .or(self.territories.default.as_ref())
    }

    pub fn limits_factor(&self, limits: &Limits) -> Option<Factor> {
        self.limits.iter().find(|l| l.limits == *limits).map(|l| l.factor)
    }

    /// The mature claims-made factor (the last step).
    pub fn mature_step(&self) -> Option<Factor> {
        self.form.claims_made_steps.as_ref().and_then(|s| s.last().copied())
    }
}

/// A (class, territory) key, owned or borrowed, so the base-rate map (keyed by owned pairs)
/// can be searched with borrowed ones: rating looks a rate up for every provider.
trait RateKey {
    fn pair(&self) -> (&str, &str);
}

impl RateKey for (ClassId, TerritoryId) {
    fn pair(&self) -> (&str, &str) {
        (&self.0, &self.1)
    }
}

impl RateKey for (&str, &str) {
    fn pair(&self) -> (&str, &str) {
        *self
    }
}

impl<'a> std::borrow::Borrow<dyn RateKey + 'a> for (ClassId, TerritoryId) {
    fn borrow(&self) -> &(dyn RateKey + 'a) {
        self
    }
}

// Ordered as the owned pair is, field by field, as `Borrow` requires.
impl PartialEq for dyn RateKey + '_ {
    fn eq(&self, other: &Self) -> bool {
        self.pair() == other.pair()
    }
}

impl Eq for dyn RateKey + '_ {}

impl PartialOrd for dyn RateKey + '_ {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for dyn RateKey + '_ {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.pair().cmp(&other.pair())
    }
}

/// How claims may be settled.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ConsentToSettle {
    /// No settlement without the insured's consent.
    Full,
    /// Consent required, but if the insured refuses a settlement the carrier recommends, the
    /// insured pays what the claim costs beyond it.
    Hammer,
    /// The carrier may settle without consent.
    None,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DefenseCosts {
    /// Defense costs are paid in addition to the limits.
    OutsideLimits,
    /// Defense costs erode the limits.
    InsideLimits,
}

/// The policy form's coverage features a broker weighs beside the price.
#[derive(Debug, Clone, Serialize)]
pub struct PolicyFeatures {
    pub consent_to_settle: ConsentToSettle,
    pub defense: DefenseCosts,
    /// Sublimit for licensing-board (disciplinary) defense; `None` = not covered.
    pub licensing_board_defense: Option<Money>,
    /// Sublimit for deposition representation; `None` = not covered.
    pub deposition_representation: Option<Money>,
    /// Cyber / medical-records breach sublimit; `None` = not covered.
    pub cyber: Option<Money>,
    /// States whose patients may be treated by telehealth under the policy; `["*"]` = anywhere
    /// in the US. The manual's own state is always covered, listed or not.
    pub telehealth_states: Vec<String>,
    /// Whether independent contractors can be scheduled on the policy.
    pub contractors_covered: bool,
    /// Whether premises general liability is included.
    pub general_liability: bool,
    pub risk_management_services: Vec<String>,
    /// Service lines the policy covers beyond the rated specialty (e.g. `aesthetics`).
    pub covered_services: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CarrierMarket {
    Admitted,
    SurplusLines,
    RiskRetentionGroup,
}

impl CarrierMarket {
    pub fn name(self) -> &'static str {
        match self {
            CarrierMarket::Admitted => "admitted",
            CarrierMarket::SurplusLines => "surplus_lines",
            CarrierMarket::RiskRetentionGroup => "risk_retention_group",
        }
    }

    /// State guaranty funds stand behind admitted carriers only (surplus-lines carriers and
    /// risk retention groups are outside them).
    pub fn guaranty_fund(self) -> bool {
        self == CarrierMarket::Admitted
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct CarrierFacts {
    /// Financial-strength rating as published (fictional for sample carriers).
    pub financial_strength: String,
    pub market: CarrierMarket,
}
