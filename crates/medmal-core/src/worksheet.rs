//! The result of rating: premiums with the worksheet that reproduces them by hand.

use std::borrow::Cow;
use std::fmt;
use std::ops::Deref;
use std::sync::Arc;

use jiff::civil::Date;
use rust_decimal::Decimal;
use serde::{Serialize, Serializer};

use crate::manual::{Deductible, DisciplinaryAction, Limits};
use crate::money::{Money, Rounding, fmt_money};
use crate::rate::modifiers::{CombineWhy, Why};

/// One line of a worksheet: what was done, from which rule and row, with which value, and the
/// running premium after it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Line {
    /// What the step is, in words: "Claims-made step factor".
    pub step: Label,
    /// Where in the manual the value comes from: `claims_made.steps`, `modifiers.part_time`.
    pub rule: Label,
    /// The table row or key used: "year 3 (retro 2023-07-01)".
    pub row: Text,
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

/// A line's step or rule name: a word of the engine's own, or a name from the manual shared by
/// every line that shows it, so a modifier applied to ten providers is written out once.
#[derive(Clone)]
pub struct Label(LabelText);

#[derive(Clone)]
enum LabelText {
    Static(&'static str),
    /// Bytes `start..end` of a shared string, so a modifier's name and rule are written into
    /// one allocation and each line holds two counted references to it.
    Part {
        text: Arc<str>,
        start: u16,
        end: u16,
    },
    /// A name longer than the parts can count.
    Whole(Arc<str>),
}

impl Label {
    /// Two names written out once, into one shared string: a step's name and its rule
    /// (`prefix` and `id`, as `modifiers.` and `board_certified`).
    pub(crate) fn pair(name: &str, prefix: &str, id: &str) -> (Self, Self) {
        let text = shared_concat(&[name, prefix, id]);
        let split = name.len();
        match (u16::try_from(split), u16::try_from(text.len())) {
            (Ok(start), Ok(end)) => {
                let step = Self(LabelText::Part { text: text.clone(), start: 0, end: start });
                (step, Self(LabelText::Part { text, start, end }))
            }
            _ => (Self::whole(shared_concat(&[name])), Self::whole(shared_concat(&[prefix, id]))),
        }
    }

    /// The parts written out once, as one shared name.
    pub(crate) fn concat(parts: &[&str]) -> Self {
        Self::whole(shared_concat(parts))
    }

    fn whole(text: Arc<str>) -> Self {
        match u16::try_from(text.len()) {
            Ok(end) => Self(LabelText::Part { text, start: 0, end }),
            Err(_) => Self(LabelText::Whole(text)),
        }
    }

    pub fn as_str(&self) -> &str {
        match &self.0 {
            LabelText::Static(s) => s,
            LabelText::Part { text, start, end } => text.get(usize::from(*start)..usize::from(*end)).unwrap_or(text),
            LabelText::Whole(text) => text,
        }
    }
}

/// The parts joined into one shared string with a single allocation: short names are joined
/// on the stack first.
fn shared_concat(parts: &[&str]) -> Arc<str> {
    let len: usize = parts.iter().map(|p| p.len()).sum();
    let mut buf = [0u8; 128];
    if let Some(out) = buf.get_mut(..len) {
        let mut at = 0;
        for p in parts {
            out[at..at + p.len()].copy_from_slice(p.as_bytes());
            at += p.len();
        }
        // Whole strs joined end to end are UTF-8; the check cannot fail.
        if let Ok(s) = std::str::from_utf8(out) {
            return Arc::from(s);
        }
    }
    Arc::from(parts.concat())
}

impl Deref for Label {
    type Target = str;
    fn deref(&self) -> &str {
        self.as_str()
    }
}

impl AsRef<str> for Label {
    fn as_ref(&self) -> &str {
        self.as_str()
    }
}

impl From<&'static str> for Label {
    fn from(s: &'static str) -> Self {
        Self(LabelText::Static(s))
    }
}

impl From<String> for Label {
    fn from(s: String) -> Self {
        Self::whole(Arc::from(s))
    }
}

impl From<Cow<'static, str>> for Label {
    fn from(s: Cow<'static, str>) -> Self {
        match s {
            Cow::Borrowed(s) => s.into(),
            Cow::Owned(s) => s.into(),
        }
    }
}

impl From<Arc<str>> for Label {
    fn from(s: Arc<str>) -> Self {
        Self::whole(s)
    }
}

impl fmt::Display for Label {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self.as_str(), f)
    }
}

impl fmt::Debug for Label {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.as_str(), f)
    }
}

impl PartialEq for Label {
    fn eq(&self, other: &Self) -> bool {
        self.as_str() == other.as_str()
    }
}

impl Eq for Label {}

impl PartialEq<str> for Label {
    fn eq(&self, other: &str) -> bool {
        self.as_str() == other
    }
}

impl PartialEq<&str> for Label {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

impl Serialize for Label {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
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
    pub role: Cow<'static, str>,
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
    pub notes: Vec<Text>,
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

    // Row closures return anything that becomes worksheet text: a `String` written out now, or
    // a `Text` kept as its values. They run only when lines are kept.

    pub fn set<R: Into<Text>>(
        &mut self,
        step: impl Into<Label>,
        rule: impl Into<Label>,
        row: impl FnOnce() -> R,
        value: Money,
    ) {
        self.running = value;
        self.push(step, rule, row, Op::Set, value);
    }

    pub fn multiply<R: Into<Text>>(
        &mut self,
        step: impl Into<Label>,
        rule: impl Into<Label>,
        row: impl FnOnce() -> R,
        factor: Decimal,
    ) {
        let product = match &self.step_rounding {
            Some(r) => r.apply_product(self.running, factor),
            None => self.running.checked_mul(factor),
        };
        match product {
            Some(x) => self.running = x,
            None => self.overflow = true,
        }
        self.push(step, rule, row, Op::Multiply, factor);
    }

    pub fn add<R: Into<Text>>(
        &mut self,
        step: impl Into<Label>,
        rule: impl Into<Label>,
        row: impl FnOnce() -> R,
        amount: Money,
    ) {
        match self.running.checked_add(amount) {
            Some(x) => self.running = self.settle(x),
            None => self.overflow = true,
        }
        self.push(step, rule, row, Op::Add, amount);
    }

    pub fn note<R: Into<Text>>(
        &mut self,
        step: impl Into<Label>,
        rule: impl Into<Label>,
        row: impl FnOnce() -> R,
        value: Decimal,
    ) {
        self.push(step, rule, row, Op::Note, value);
    }

    pub fn round(&mut self, step: &'static str, rule: &'static str, rounding: &Rounding) {
        self.running = rounding.apply(self.running);
        self.push(step, rule, || Text::rounding(*rounding), Op::Round, rounding.unit);
    }

    pub fn minimum(&mut self, step: &'static str, rule: &'static str, minimum: Money) {
        // One comparison decides both the row and the amount (as `max` would: equal stays).
        let applies = self.running < minimum;
        if applies {
            self.running = minimum;
        }
        self.push(step, rule, || if applies { "minimum applies" } else { "above minimum" }, Op::Minimum, minimum);
    }

    /// Lines rated once for every provider alike (the practice's schedule), applied again to
    /// this worksheet: notes noted, factors and charges applied to its own running premium.
    /// `false`, with nothing applied, when a line is of a kind that cannot be applied again
    /// from the line alone (a rounding, whose tie rule is not on the line).
    pub(crate) fn repeat(&mut self, lines: &[Line]) -> bool {
        if lines.iter().any(|l| l.op == Op::Round) {
            return false;
        }
        for l in lines {
            let (step, rule, row) = (l.step.clone(), l.rule.clone(), || l.row.clone());
            match l.op {
                Op::Set => self.set(step, rule, row, l.value),
                Op::Multiply => self.multiply(step, rule, row, l.value),
                Op::Add => self.add(step, rule, row, l.value),
                Op::Note => self.note(step, rule, row, l.value),
                Op::Minimum => {
                    let above = self.running >= l.value;
                    self.running = self.running.max(l.value);
                    let words = if above { "above minimum" } else { "minimum applies" };
                    self.push(step, rule, || words, Op::Minimum, l.value);
                }
                Op::Round => {}
            }
        }
        true
    }

    fn push<R: Into<Text>>(
        &mut self,
        step: impl Into<Label>,
        rule: impl Into<Label>,
        row: impl FnOnce() -> R,
        op: Op,
        value: Decimal,
    ) {
        if self.record {
            self.lines.push(Line {
                step: step.into(),
                rule: rule.into(),
                row: row().into(),
                op,
                value,
                running: self.running,
            });
        }
    }
}

/// Worksheet text (a line's row, a tail note), kept as the values it is written from and
/// written out only when shown or serialized. Rating a practice with full worksheets then
/// formats no decimal it is not asked to show, and what is shown reads exactly as if it had
/// been written at rating time. Equal when the words are equal.
#[derive(Clone)]
pub struct Text(Words);

#[derive(Clone)]
enum Words {
    Owned(String),
    Static(&'static str),
    /// Words written out once for every provider alike (the schedule's rows).
    Shared(Arc<str>),
    /// A modifier's adjustment and why: `board certified: -2.5%`.
    Adjustment {
        why: ShortWhy,
        value: Decimal,
    },
    AdjustmentBoxed(Box<(Why, Decimal)>),
    /// How a modifier group's factor came about.
    Combined(CombineWhy),
    Percent(Percent),
    Rounding(Rounding),
    Limits(Limits),
    Deductible {
        deductible: Deductible,
        credit: Decimal,
    },
    ClaimsMadeYear {
        year: u32,
        mature: bool,
        retro: Date,
    },
    // A boxed str, not a String, keeps a line within 128 bytes: moved by a few stores, not a
    // call to memcpy.
    Share {
        place: Box<str>,
        percent: Decimal,
    },
    Locum {
        locum_days: u32,
        free_days: u32,
        per_day: Money,
    },
    TailFactor {
        year: u32,
        row: u32,
        length: Arc<str>,
    },
    TailBasis {
        basis: Money,
        factor: Decimal,
    },
    FreeTail(Box<FreeTailWords>),
    Surcharge {
        percent: Decimal,
        premium: Money,
    },
    Entity(Box<EntityWords>),
    Expected(Box<ExpectedWords>),
    ActualLoss {
        reported: Date,
        paid: Money,
        limit: Money,
    },
    Credibility(Box<CredibilityWords>),
    Modification(Box<ModificationWords>),
}

/// The reasons for a modifier that fit in a few words of memory, kept inline so the commonest
/// modifier rows need no allocation; the rest are boxed whole.
#[derive(Clone, Copy)]
enum ShortWhy {
    YearsSinceTraining(u32),
    Resident,
    Moonlighting,
    Teaching,
    ClaimsFree { years: u32, at_least: u32 },
    Disciplinary { action: DisciplinaryAction, date: Date },
    RiskManagement { done: Date, expires: Date },
    BoardCertified,
    SocietyMember,
    Loyalty { years: u32, at_least: u32 },
}

impl ShortWhy {
    fn of(why: Why) -> Option<Self> {
        Some(match why {
            Why::YearsSinceTraining(y) => Self::YearsSinceTraining(y),
            Why::Resident => Self::Resident,
            Why::Moonlighting => Self::Moonlighting,
            Why::Teaching => Self::Teaching,
            Why::ClaimsFree { years, at_least } => Self::ClaimsFree { years, at_least },
            Why::Disciplinary { action, date } => Self::Disciplinary { action, date },
            Why::RiskManagement { done, expires } => Self::RiskManagement { done, expires },
            Why::BoardCertified => Self::BoardCertified,
            Why::SocietyMember => Self::SocietyMember,
            Why::Loyalty { years, at_least } => Self::Loyalty { years, at_least },
            _ => return None,
        })
    }

    fn why(self) -> Why {
        match self {
            Self::YearsSinceTraining(y) => Why::YearsSinceTraining(y),
            Self::Resident => Why::Resident,
            Self::Moonlighting => Why::Moonlighting,
            Self::Teaching => Why::Teaching,
            Self::ClaimsFree { years, at_least } => Why::ClaimsFree { years, at_least },
            Self::Disciplinary { action, date } => Why::Disciplinary { action, date },
            Self::RiskManagement { done, expires } => Why::RiskManagement { done, expires },
            Self::BoardCertified => Why::BoardCertified,
            Self::SocietyMember => Why::SocietyMember,
            Self::Loyalty { years, at_least } => Why::Loyalty { years, at_least },
        }
    }
}

#[derive(Clone)]
struct EntityWords {
    name: String,
    limits: &'static str,
    percent: Option<Decimal>,
    cap: Option<Money>,
}

#[derive(Clone)]
struct FreeTailWords {
    /// The events joined by `/`, then the provider's name: one string for both.
    words: String,
    events_end: usize,
    min_years: u32,
    min_age: Option<u32>,
    years: u32,
    age: Option<u32>,
}

#[derive(Clone)]
struct ExpectedWords {
    /// `Dr. A: class 3`.
    who: String,
    per_year: Money,
    weight: Decimal,
    years: u32,
}

#[derive(Clone)]
struct CredibilityWords {
    expected: Money,
    /// Full credibility standard (square root), or K (Bühlmann).
    square_root: bool,
    parameter: Money,
    decimals: u32,
}

#[derive(Clone)]
struct ModificationWords {
    z: Decimal,
    actual: Money,
    expected: Money,
    raw: Decimal,
    capped: Decimal,
}

impl Text {
    pub(crate) fn rounding(r: Rounding) -> Self {
        Self(Words::Rounding(r))
    }

    /// `{why}: {percent}`, a modifier's row.
    pub(crate) fn adjustment(why: Why, value: Decimal) -> Self {
        match ShortWhy::of(why) {
            Some(why) => Self(Words::Adjustment { why, value }),
            None => Self(Words::AdjustmentBoxed(Box::new((why, value)))),
        }
    }

    /// A modifier group's row: how its factor was combined and capped.
    pub(crate) fn combined(why: CombineWhy) -> Self {
        Self(Words::Combined(why))
    }

    /// The same words, written out now so that copies share them: for rows repeated on every
    /// provider.
    pub(crate) fn shared(self) -> Self {
        match self.0 {
            Words::Owned(s) => Self(Words::Shared(Arc::from(s))),
            other => Self(other),
        }
    }

    pub(crate) fn limits(l: Limits) -> Self {
        Self(Words::Limits(l))
    }

    /// `5000 indemnity per_claim: 5% credit`.
    pub(crate) fn deductible(deductible: Deductible, credit: Decimal) -> Self {
        Self(Words::Deductible { deductible, credit })
    }

    /// `year 3 (retro 2023-07-01)`, `year 5 = mature (retro …)`.
    pub(crate) fn claims_made_year(year: u32, mature: bool, retro: Date) -> Self {
        Self(Words::ClaimsMadeYear { year, mature, retro })
    }

    /// `{place} at 60% of practice`.
    pub(crate) fn share(place: String, percent: Decimal) -> Self {
        Self(Words::Share { place: place.into_boxed_str(), percent })
    }

    /// `45 days − 30 free = 15 days × 150.00`.
    pub(crate) fn locum(locum_days: u32, free_days: u32, per_day: Money) -> Self {
        Self(Words::Locum { locum_days, free_days, per_day })
    }

    /// `claims-made year 5 (row 5), length unlimited`.
    pub(crate) fn tail_factor(year: u32, row: u32, length: Arc<str>) -> Self {
        Self(Words::TailFactor { year, row, length })
    }

    /// `tail = basis 12000.00 × factor 2.1`.
    pub(crate) fn tail_basis(basis: Money, factor: Decimal) -> Self {
        Self(Words::TailBasis { basis, factor })
    }

    /// `free tail on death/disability/retirement after 5 years insured, age ≥ 55; Dr. A has 3
    /// years insured, age 46`.
    pub(crate) fn free_tail(
        events: &[String],
        min_years: u32,
        min_age: Option<u32>,
        provider: &str,
        years: u32,
        age: Option<u32>,
    ) -> Self {
        let len = events.iter().map(|e| e.len() + 1).sum::<usize>() + provider.len();
        let mut words = String::with_capacity(len);
        for (i, e) in events.iter().enumerate() {
            if i > 0 {
                words.push('/');
            }
            words.push_str(e);
        }
        let events_end = words.len();
        words.push_str(provider);
        Self(Words::FreeTail(Box::new(FreeTailWords { words, events_end, min_years, min_age, years, age })))
    }

    /// `1.5% of premium 10000.00`.
    pub(crate) fn surcharge(percent: Decimal, premium: Money) -> Self {
        Self(Words::Surcharge { percent, premium })
    }

    /// `Name, P.C. (shared limits): 10% of providers' premium, capped at maximum 2500`; no
    /// percent is a flat charge.
    pub(crate) fn entity(name: String, limits: &'static str, percent: Option<Decimal>, cap: Option<Money>) -> Self {
        Self(Words::Entity(Box::new(EntityWords { name, limits, percent, cap })))
    }

    /// `Dr. A: class 3 4200.00 × 1 × 3 years`.
    pub(crate) fn expected(provider: &str, class: &str, per_year: Money, weight: Decimal, years: u32) -> Self {
        let who = [provider, ": class ", class].concat();
        Self(Words::Expected(Box::new(ExpectedWords { who, per_year, weight, years })))
    }

    /// `reported 2024-03-01: paid 250000.00 limited to 100000.00`.
    pub(crate) fn actual_loss(reported: Date, paid: Money, limit: Money) -> Self {
        Self(Words::ActualLoss { reported, paid, limit })
    }

    /// `Z = min(1, √(E / full))` or `Z = E / (E + K)` with the figures, and the places.
    pub(crate) fn credibility(expected: Money, square_root: bool, parameter: Money, decimals: u32) -> Self {
        Self(Words::Credibility(Box::new(CredibilityWords { expected, square_root, parameter, decimals })))
    }

    /// `1 + Z·(A − E)/E = … = raw`, and the cap when it bites.
    pub(crate) fn modification(z: Decimal, actual: Money, expected: Money, raw: Decimal, capped: Decimal) -> Self {
        Self(Words::Modification(Box::new(ModificationWords { z, actual, expected, raw, capped })))
    }
}

impl From<String> for Text {
    fn from(s: String) -> Self {
        Self(Words::Owned(s))
    }
}

impl From<&'static str> for Text {
    fn from(s: &'static str) -> Self {
        Self(Words::Static(s))
    }
}

impl From<Percent> for Text {
    fn from(p: Percent) -> Self {
        Self(Words::Percent(p))
    }
}

/// A signed fraction shown as a percent: -0.25 → `-25%`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Percent(pub Decimal);

impl fmt::Display for Percent {
    /// Digits written by hand, as the decimal's own `Display` would write them: every modifier
    /// row shows a percent, and a plain one needs none of the padding that `Display` handles.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let p = percent(self.0);
        let scale = p.scale() as usize;
        // Up to 29 digits, a point, a leading zero, a sign and the percent sign.
        let mut buf = [0u8; 40];
        let mut at = buf.len() - 1;
        buf[at] = b'%';
        let mut m = p.mantissa().unsigned_abs();
        let mut written = 0;
        while m > 0 || written <= scale {
            if written == scale && scale > 0 {
                at -= 1;
                buf[at] = b'.';
            }
            at -= 1;
            buf[at] = b'0' + (m % 10) as u8;
            m /= 10;
            written += 1;
        }
        if p.is_sign_negative() && !p.is_zero() {
            at -= 1;
            buf[at] = b'-';
        }
        f.write_str(std::str::from_utf8(&buf[at..]).map_err(|_| fmt::Error)?)
    }
}

/// A fraction in percent: 0.015 → `1.5`. Modifier rows show one each, so the point is moved
/// on the scale where it can be, rather than by a decimal multiplication.
fn percent(x: Decimal) -> Decimal {
    let shifted = x.scale().checked_sub(2).and_then(|s| Decimal::try_from_i128_with_scale(x.mantissa(), s).ok());
    shifted.unwrap_or_else(|| x * Decimal::ONE_HUNDRED).normalize()
}

impl fmt::Display for Text {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.0 {
            Words::Owned(s) => f.write_str(s),
            Words::Static(s) => f.write_str(s),
            Words::Shared(s) => f.write_str(s),
            Words::Adjustment { why, value } => write!(f, "{}: {}", why.why(), Percent(*value)),
            Words::AdjustmentBoxed(b) => write!(f, "{}: {}", b.0, Percent(b.1)),
            Words::Combined(why) => fmt::Display::fmt(why, f),
            Words::Percent(p) => fmt::Display::fmt(p, f),
            Words::Rounding(r) => fmt::Display::fmt(r, f),
            Words::Limits(l) => f.write_str(&l.label()),
            Words::Deductible { deductible, credit } => {
                write!(f, "{}: {}% credit", deductible.label(), percent(*credit))
            }
            Words::ClaimsMadeYear { year, mature, retro } => {
                write!(f, "year {year}{} (retro {retro})", if *mature { " = mature" } else { "" })
            }
            Words::Share { place, percent } => write!(f, "{place} at {}% of practice", percent.normalize()),
            Words::Locum { locum_days, free_days, per_day } => write!(
                f,
                "{locum_days} days − {free_days} free = {} days × {}",
                locum_days - free_days,
                fmt_money(*per_day)
            ),
            Words::TailFactor { year, row, length } => {
                write!(f, "claims-made year {year} (row {row}), length {length}")
            }
            Words::TailBasis { basis, factor } => {
                write!(f, "tail = basis {} × factor {}", fmt_money(*basis), factor.normalize())
            }
            Words::FreeTail(t) => {
                let (events, provider) = t.words.split_at(t.events_end.min(t.words.len()));
                write!(f, "free tail on {events} after {} years insured", t.min_years)?;
                if let Some(a) = t.min_age {
                    write!(f, ", age ≥ {a}")?;
                }
                write!(f, "; {provider} has {} years insured", t.years)?;
                match t.age {
                    Some(a) => write!(f, ", age {a}"),
                    None => Ok(()),
                }
            }
            Words::Surcharge { percent: p, premium } => {
                write!(f, "{}% of premium {}", percent(*p), fmt_money(*premium))
            }
            Words::Entity(e) => {
                write!(f, "{} ({} limits): ", e.name, e.limits)?;
                match e.percent {
                    Some(p) => write!(f, "{}% of providers' premium", percent(p))?,
                    None => f.write_str("flat charge")?,
                }
                match e.cap {
                    Some(max) => write!(f, ", capped at maximum {}", max.normalize()),
                    None => Ok(()),
                }
            }
            Words::Expected(e) => {
                write!(f, "{} {} × {} × {} years", e.who, fmt_money(e.per_year), e.weight.normalize(), e.years)
            }
            Words::ActualLoss { reported, paid, limit } => {
                write!(f, "reported {reported}: paid {} limited to {}", fmt_money(*paid), fmt_money(*limit))
            }
            Words::Credibility(c) => {
                let e = fmt_money(c.expected);
                if c.square_root {
                    write!(f, "Z = min(1, √({e} / {}))", fmt_money(c.parameter))?;
                } else {
                    write!(f, "Z = E / (E + K) = {e} / ({e} + {})", fmt_money(c.parameter))?;
                }
                write!(f, ", rounded to {} places", c.decimals)
            }
            Words::Modification(m) => {
                let e = fmt_money(m.expected);
                write!(
                    f,
                    "1 + Z·(A − E)/E = 1 + {}·({} − {e})/{e} = {}",
                    m.z.normalize(),
                    fmt_money(m.actual),
                    m.raw.normalize()
                )?;
                if m.capped != m.raw {
                    write!(f, ", capped to {}", m.capped.normalize())?;
                }
                Ok(())
            }
        }
    }
}

impl fmt::Debug for Text {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.to_string(), f)
    }
}

impl PartialEq for Text {
    fn eq(&self, other: &Self) -> bool {
        match (&self.0, &other.0) {
            (Words::Owned(a), Words::Owned(b)) => a == b,
            _ => self.to_string() == other.to_string(),
        }
    }
}

impl Serialize for Text {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
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

#[cfg(test)]
mod tests {
    use super::*;

    /// A name and its rule written into one string read back as the two names, however long.
    #[test]
    fn paired_names_read_back_whole() {
        let (step, rule) = Label::pair("Board certification", "modifiers.", "board_certified");
        assert_eq!((step.as_str(), rule.as_str()), ("Board certification", "modifiers.board_certified"));
        let long = "x".repeat(70_000);
        let (step, rule) = Label::pair(&long, "surcharges.", "mcare");
        assert_eq!((step.len(), rule.as_str()), (70_000, "surcharges.mcare"));
        assert_eq!(Label::concat(&["a", "é", "b"]).to_string(), "aéb");
    }

    /// Lines repeated on a worksheet give what writing them there would have given.
    #[test]
    fn repeated_lines_apply_to_their_own_worksheet() {
        let d = |s: &str| s.parse::<Decimal>().unwrap_or_default();
        let mut template = WorksheetBuilder::new(None);
        template.note("Office", "schedule.office", || Percent(d("-0.05")), d("-0.05"));
        template.multiply("Schedule rating", "schedule", || String::from("1 + total -5%"), d("0.95"));
        let lines: Vec<Line> = template.lines.into_iter().map(|l| Line { row: l.row.shared(), ..l }).collect();

        let base = || {
            let mut ws = WorksheetBuilder::new(Some(Rounding::CENTS));
            ws.set("Base rate", "base_rates", || "class 1", d("1234.57"));
            ws
        };
        let (mut repeated, mut direct) = (base(), base());
        direct.note("Office", "schedule.office", || Percent(d("-0.05")), d("-0.05"));
        direct.multiply("Schedule rating", "schedule", || String::from("1 + total -5%"), d("0.95"));
        assert!(repeated.repeat(&lines));
        assert_eq!(repeated.lines, direct.lines);
        assert_eq!(repeated.running, direct.running);

        let mut rounded = WorksheetBuilder::new(None);
        rounded.round("Rounding", "rating.provider", &Rounding::CENTS);
        assert!(!repeated.repeat(&rounded.lines), "a rounding's tie rule is not on its line");
        assert_eq!(repeated.lines.len(), direct.lines.len());
    }

    /// Hand-written percent digits read exactly as the decimal's own formatting.
    #[test]
    fn percents_read_as_the_decimal_shows_them() {
        let mut values = Vec::new();
        for scale in 0..=28 {
            for m in [0i128, 1, -1, 5, -25, 100, 1234, -987_654_321, 79_228_162_514_264_337_593_543_950_335] {
                values.push(Decimal::from_i128_with_scale(m, scale));
            }
        }
        let mut negative_zero = Decimal::new(0, 3);
        negative_zero.set_sign_negative(true);
        values.push(negative_zero);
        for x in values {
            let Some(hundredfold) = x.checked_mul(Decimal::ONE_HUNDRED) else { continue };
            assert_eq!(Percent(x).to_string(), format!("{}%", hundredfold.normalize()), "{x:?}");
        }
    }
}
