//! The result of rating: premiums with the worksheet that reproduces them by hand.

use std::borrow::Cow;

use rust_decimal::Decimal;
use serde::{Serialize, Serializer};

use crate::money::{Money, Rounding, fmt_money};

/// One line of a worksheet: what was done, from which rule and row, with which value, and the
/// running premium after it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Line {
    /// What the step is, in words: "Claims-made step factor".
    pub step: Cow<'static, str>,
    /// Where in the manual the value comes from: `claims_made.steps`, `modifiers.part_time`.
    pub rule: Cow<'static, str>,
    /// The table row or key used: "year 3 (retro 2023-07-01)".
    pub row: String,
    pub op: Op,
    /// The factor, amount or adjustment the line applies.
    #[serde(serialize_with = "ser_dec")]
    pub value: Decimal,
    /// Running premium after this line.
    #[serde(serialize_with = "ser_money")]
    pub running: Money,
}

/// What a line does to the running premium.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Op {
    /// Running premium becomes `value`.
    Set,
    /// Running premium is multiplied by `value`.
    Multiply,
    /// `value` is added to the running premium.
    Add,
    /// Running premium is rounded; `value` is the rounding unit.
    Round,
    /// Running premium is raised to the minimum `value`.
    Minimum,
    /// Information only (an individual adjustment within a group, a blended rate's parts).
    Note,
}

impl Op {
    pub fn symbol(self) -> &'static str {
        match self {
            Op::Set => "=",
            Op::Multiply => "×",
            Op::Add => "+",
            Op::Round => "≈",
            Op::Minimum => "≥",
            Op::Note => "·",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum QuoteStatus {
    Quoted,
    Referred,
    Declined,
}

impl QuoteStatus {
    pub fn name(self) -> &'static str {
        match self {
            QuoteStatus::Quoted => "quoted",
            QuoteStatus::Referred => "referred",
            QuoteStatus::Declined => "declined",
        }
    }
}

/// A practice rated under one manual.
#[derive(Debug, Clone, Serialize)]
pub struct Quote {
    /// `carrier/state/version`.
    pub manual: String,
    pub carrier: String,
    pub carrier_name: String,
    pub state: String,
    pub version: String,
    pub status: QuoteStatus,
    /// Why the quote is referred or declined.
    pub reasons: Vec<String>,
    pub providers: Vec<ProviderPremium>,
    pub experience: Option<ExperienceWorksheet>,
    #[serde(serialize_with = "ser_money")]
    pub providers_total: Money,
    /// Entity, surcharges, policy rounding and minimum.
    pub policy_lines: Vec<Line>,
    #[serde(serialize_with = "ser_money")]
    pub total: Money,
    /// Defaults the engine assumed because the practice file was silent.
    pub assumptions: Vec<String>,
    /// What was asked for but is not in this quote (e.g. entity coverage the carrier does not
    /// offer), so a premium is never read as covering more than it does.
    pub not_covered: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ProviderPremium {
    pub name: String,
    /// `physician` or the mid-level type (`NP`, `CRNA`, …).
    pub role: String,
    pub specialty: Option<String>,
    pub class: Option<String>,
    /// Claims-made year of this policy term (None for occurrence).
    pub claims_made_year: Option<u32>,
    #[serde(serialize_with = "ser_money")]
    pub premium: Money,
    pub worksheet: Vec<Line>,
    pub tail: Option<TailQuote>,
}

#[derive(Debug, Clone, Serialize)]
pub struct TailQuote {
    pub length: String,
    pub claims_made_year: u32,
    #[serde(serialize_with = "ser_money")]
    pub premium: Money,
    /// Free-tail events the provider qualifies for today (death, disability, retirement).
    pub free_on: Vec<String>,
    pub notes: Vec<String>,
    pub worksheet: Vec<Line>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ExperienceWorksheet {
    #[serde(serialize_with = "ser_money")]
    pub expected: Money,
    #[serde(serialize_with = "ser_money")]
    pub actual: Money,
    #[serde(serialize_with = "ser_dec")]
    pub credibility: Decimal,
    #[serde(serialize_with = "ser_dec")]
    pub modification: Decimal,
    pub lines: Vec<Line>,
}

fn ser_money<S: Serializer>(x: &Decimal, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&fmt_money(*x))
}

fn ser_dec<S: Serializer>(x: &Decimal, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&x.normalize().to_string())
}

/// Appends lines while tracking the running premium, so a line can never disagree with it.
#[derive(Debug, Default)]
pub struct WorksheetBuilder {
    pub lines: Vec<Line>,
    pub running: Money,
    /// The manual's rounding after every factor or charge, when it declares one.
    pub step_rounding: Option<Rounding>,
    /// Set when an amount left the decimal range; the engine turns it into an error.
    pub overflow: bool,
    /// Whether lines are kept. Off when only the amount is wanted (a tail's mature basis, a
    /// book re-rating), so no row text is ever formatted.
    pub record: bool,
}

impl WorksheetBuilder {
    pub fn new(step_rounding: Option<Rounding>) -> Self {
        Self { lines: Vec::new(), running: Decimal::ZERO, step_rounding, overflow: false, record: true }
    }

    /// A builder that computes the premium without keeping lines.
    pub fn amount_only(step_rounding: Option<Rounding>) -> Self {
        Self { record: false, ..Self::new(step_rounding) }
    }

    fn settle(&self, x: Money) -> Money {
        self.step_rounding.map_or(x, |r| r.apply(x))
    }

    pub fn set(
        &mut self,
        step: impl Into<Cow<'static, str>>,
        rule: impl Into<Cow<'static, str>>,
        row: impl FnOnce() -> String,
        value: Money,
    ) {
        self.running = value;
        self.push(step, rule, row, Op::Set, value);
    }

    pub fn multiply(
        &mut self,
        step: impl Into<Cow<'static, str>>,
        rule: impl Into<Cow<'static, str>>,
        row: impl FnOnce() -> String,
        factor: Decimal,
    ) {
        match self.running.checked_mul(factor) {
            Some(x) => self.running = self.settle(x),
            None => self.overflow = true,
        }
        self.push(step, rule, row, Op::Multiply, factor);
    }

    pub fn add(
        &mut self,
        step: impl Into<Cow<'static, str>>,
        rule: impl Into<Cow<'static, str>>,
        row: impl FnOnce() -> String,
        amount: Money,
    ) {
        match self.running.checked_add(amount) {
            Some(x) => self.running = self.settle(x),
            None => self.overflow = true,
        }
        self.push(step, rule, row, Op::Add, amount);
    }

    pub fn note(
        &mut self,
        step: impl Into<Cow<'static, str>>,
        rule: impl Into<Cow<'static, str>>,
        row: impl FnOnce() -> String,
        value: Decimal,
    ) {
        self.push(step, rule, row, Op::Note, value);
    }

    pub fn round(&mut self, step: &'static str, rule: &'static str, rounding: &Rounding) {
        self.running = rounding.apply(self.running);
        self.push(step, rule, || rounding.describe(), Op::Round, rounding.unit);
    }

    pub fn minimum(&mut self, step: &'static str, rule: &'static str, minimum: Money) {
        let row = if self.running < minimum { "minimum applies" } else { "above minimum" };
        self.running = self.running.max(minimum);
        self.push(step, rule, || row.to_string(), Op::Minimum, minimum);
    }

    fn push(
        &mut self,
        step: impl Into<Cow<'static, str>>,
        rule: impl Into<Cow<'static, str>>,
        row: impl FnOnce() -> String,
        op: Op,
        value: Decimal,
    ) {
        if self.record {
            self.lines.push(Line {
                step: step.into(),
                rule: rule.into(),
                row: row(),
                op,
                value,
                running: self.running,
            });
        }
    }
}

/// Replays a worksheet from its lines alone, as an underwriter would by hand, with the
/// manual's step rounding; returns the final premium or the index of the first line whose
/// running amount does not follow from the line before it.
pub fn replay(lines: &[Line], step_rounding: Option<Rounding>) -> Result<Money, usize> {
    let settle = |x: Money| step_rounding.map_or(x, |r| r.apply(x));
    let mut running = Decimal::ZERO;
    for (i, l) in lines.iter().enumerate() {
        let ok = match l.op {
            Op::Set => l.running == l.value,
            Op::Multiply => l.running == settle(running * l.value),
            Op::Add => l.running == settle(running + l.value),
            Op::Minimum => l.running == running.max(l.value),
            // The tie rule is in the row text; the result must be a multiple of the unit
            // within one unit of the amount rounded.
            Op::Round => {
                !l.value.is_zero() && (l.running - running).abs() < l.value && (l.running / l.value).fract().is_zero()
            }
            Op::Note => l.running == running,
        };
        if !ok {
            return Err(i);
        }
        running = l.running;
    }
    Ok(running)
}
