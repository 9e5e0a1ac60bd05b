//! Exact decimal arithmetic for premiums and factors, and the manual's rounding rules.
//!
//! Amounts are [`Decimal`]s; there is no binary float anywhere on the money path. The only
//! irrational operation rating needs (the square root in square-root credibility) and the only
//! division (the experience modification) are rounded here exactly, by integer comparison,
//! to the number of places the manual declares.

use rust_decimal::{Decimal, RoundingStrategy};
use serde::Serialize;

/// A money amount in dollars.
pub type Money = Decimal;
/// A multiplicative factor (1.00 = no change).
pub type Factor = Decimal;

/// How a manual rounds: to a unit (`1`, `0.01`, `10`) with a tie rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Rounding {
    pub unit: Decimal,
    pub mode: RoundingMode,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RoundingMode {
    /// Ties away from zero: the "$.50 or more rounds up" rule of rate manuals.
    HalfUp,
    /// Ties to even (banker's rounding).
    HalfEven,
    /// Always toward zero (truncate).
    Down,
    /// Always away from zero.
    Up,
}

impl RoundingMode {
    pub fn name(self) -> &'static str {
        match self {
            RoundingMode::HalfUp => "half_up",
            RoundingMode::HalfEven => "half_even",
            RoundingMode::Down => "down",
            RoundingMode::Up => "up",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "half_up" => RoundingMode::HalfUp,
            "half_even" => RoundingMode::HalfEven,
            "down" => RoundingMode::Down,
            "up" => RoundingMode::Up,
            _ => return None,
        })
    }

    fn strategy(self) -> RoundingStrategy {
        match self {
            RoundingMode::HalfUp => RoundingStrategy::MidpointAwayFromZero,
            RoundingMode::HalfEven => RoundingStrategy::MidpointNearestEven,
            RoundingMode::Down => RoundingStrategy::ToZero,
            RoundingMode::Up => RoundingStrategy::AwayFromZero,
        }
    }
}

impl Rounding {
    pub const CENTS: Rounding = Rounding { unit: Decimal::from_parts(1, 0, 0, false, 2), mode: RoundingMode::HalfUp };

    /// Round `x` to a multiple of the unit. The unit is validated positive by the loader.
    pub fn apply(&self, x: Decimal) -> Decimal {
        // The sign and zero tests, not a comparison: this runs after every factor.
        if self.unit.is_sign_negative() || self.unit.is_zero() {
            return x;
        }
        // A unit of 1, 0.1, 0.01, …: rounding to the unit's decimal places is the same
        // arithmetic as divide, round, multiply, and several times cheaper.
        if self.unit.mantissa() == 1 {
            if let Some(r) = self.round_mantissa(x) {
                return r;
            }
            let mut r = x.round_dp_with_strategy(self.unit.scale(), self.mode.strategy());
            if r.is_zero() {
                // Zero times the unit is a plain zero in the general rule.
                return Decimal::ZERO;
            }
            r.rescale(self.unit.scale());
            return r;
        }
        let Some(q) = x.checked_div(self.unit) else {
            return x;
        };
        let q = q.round_dp_with_strategy(0, self.mode.strategy());
        let Some(r) = q.checked_mul(self.unit) else {
            return x;
        };
        // Keep the unit's scale so 1234 rounded to 0.01 shows as 1234.00.
        r.round_dp(self.unit.scale())
    }

    /// Rounding to a power-of-ten unit as integer division of the mantissa: the same result
    /// as `round_dp_with_strategy` then `rescale`, in a few instructions. A book re-rating
    /// rounds every row several times. `None` leaves the case to the general code.
    fn round_mantissa(&self, x: Decimal) -> Option<Decimal> {
        let drop = x.scale().checked_sub(self.unit.scale()).filter(|d| *d > 0)?;
        self.round_scaled(x.mantissa(), drop)
    }

    /// `x × factor` rounded to the unit: exactly `x.checked_mul(factor)` then [`Rounding::apply`],
    /// `None` when the product leaves the decimal range. With a power-of-ten unit the exact
    /// product of the mantissas is rounded by integer division, without forming the product as
    /// a decimal first; every factor step of a manual with step rounding does this.
    pub fn apply_product(&self, x: Decimal, factor: Decimal) -> Option<Decimal> {
        if let Some(r) = self.product_mantissa(x, factor) {
            return Some(r);
        }
        x.checked_mul(factor).map(|p| self.apply(p))
    }

    /// The fused product for the cases where the decimal product is exact: mantissa within 96
    /// bits and scale within 28 places. Anything else (the decimal would round the product
    /// itself, or the unit is not a power of ten) is left to the general path.
    fn product_mantissa(&self, x: Decimal, factor: Decimal) -> Option<Decimal> {
        if self.unit.mantissa() != 1 {
            return None;
        }
        let target = self.unit.scale();
        let scale = x.scale() + factor.scale();
        if scale > 28 {
            return None;
        }
        // By far the commonest case: a premium and a factor whose product fits 64 bits, with
        // places to drop.
        if scale > target
            && let (Ok(a), Ok(b)) = (i64::try_from(x.mantissa()), i64::try_from(factor.mantissa()))
            && let Some(p) = a.checked_mul(b)
            && let Some(r) = self.round_i64(p, scale - target)
        {
            return Some(r);
        }
        // Mantissas of up to 96 bits: the product of two that fit 64 bits fits 128.
        let p = match (i64::try_from(x.mantissa()), i64::try_from(factor.mantissa())) {
            (Ok(a), Ok(b)) => i128::from(a) * i128::from(b),
            _ => x.mantissa().checked_mul(factor.mantissa())?,
        };
        if p == 0 {
            return Some(Decimal::ZERO);
        }
        if p.unsigned_abs() >> 96 != 0 {
            return None;
        }
        match scale.cmp(&target) {
            std::cmp::Ordering::Greater => self.round_scaled(p, scale - target),
            std::cmp::Ordering::Equal => Decimal::try_from_i128_with_scale(p, scale).ok(),
            // Fewer places than the unit: padded with zeros to the unit's scale, as the general
            // rule's rescale does while the mantissa fits.
            std::cmp::Ordering::Less => {
                let padded = p.checked_mul(10i128.checked_pow(target - scale)?)?;
                if padded.unsigned_abs() >> 96 != 0 {
                    return None;
                }
                Decimal::try_from_i128_with_scale(padded, target).ok()
            }
        }
    }

    /// [`Self::round_scaled`] in 64 bits, whose division is far cheaper; `None` when more
    /// places are to be dropped than a power of ten in 64 bits allows.
    fn round_i64(&self, m: i64, drop: u32) -> Option<Decimal> {
        let d = *POWERS_OF_TEN.get(drop as usize)?;
        let (q, r) = (m / d, (m % d).abs());
        let away = match self.mode {
            RoundingMode::HalfUp => r >= d - r,
            RoundingMode::HalfEven => r > d - r || (r == d - r && q % 2 != 0),
            RoundingMode::Down => false,
            RoundingMode::Up => r != 0,
        };
        let q = if away { q + m.signum() } else { q };
        if q == 0 {
            return Some(Decimal::ZERO);
        }
        Decimal::try_new(q, self.unit.scale()).ok()
    }

    /// The mantissa `m` with `drop` places removed by the rounding mode, at the unit's scale.
    fn round_scaled(&self, m: i128, drop: u32) -> Option<Decimal> {
        let target = self.unit.scale();
        // Premiums' mantissas almost always fit 64 bits, whose division is far cheaper.
        if let Ok(m) = i64::try_from(m)
            && let Some(r) = self.round_i64(m, drop)
        {
            return Some(r);
        }
        let d = 10i128.checked_pow(drop)?;
        let (q, r, divisor) = (m / d, (m % d).abs(), d);
        let away = match self.mode {
            RoundingMode::HalfUp => 2 * r >= divisor,
            RoundingMode::HalfEven => 2 * r > divisor || (2 * r == divisor && q % 2 != 0),
            RoundingMode::Down => false,
            RoundingMode::Up => r != 0,
        };
        let q = if away { q + m.signum() } else { q };
        if q == 0 {
            return Some(Decimal::ZERO);
        }
        Decimal::try_from_i128_with_scale(q, target).ok()
    }

    pub fn describe(&self) -> String {
        self.to_string()
    }
}

impl std::fmt::Display for Rounding {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "round to {} ({})", self.unit.normalize(), self.mode.name())
    }
}

/// 10⁰ … 10¹⁸: every power of ten an `i64` holds, looked up rather than raised per product.
const POWERS_OF_TEN: [i64; 19] = {
    let mut t = [1i64; 19];
    let mut i = 1;
    while i < 19 {
        t[i] = t[i - 1] * 10;
        i += 1;
    }
    t
};

/// Round to `dp` decimal places with the given mode.
pub fn round_dp(x: Decimal, dp: u32, mode: RoundingMode) -> Decimal {
    x.round_dp_with_strategy(dp, mode.strategy())
}

/// `p / q` rounded half-up to `dp` places, exactly: the quotient's integer part is fixed by
/// the remainder, so no intermediate 28-digit rounding can move a tie. `None` when `q` is 0
/// or the result would overflow.
pub fn div_round_half_up(p: Decimal, q: Decimal, dp: u32) -> Option<Decimal> {
    if q.is_zero() {
        return None;
    }
    let (p, q) = if q < Decimal::ZERO { (-p, -q) } else { (p, q) };
    let scale = Decimal::from_i128_with_scale(10i128.checked_pow(dp)?, 0);
    let num = p.checked_mul(scale)?;
    let mut n = num.checked_div(q)?.floor();
    // Correct the floor against the exact remainder.
    let mut rem = num.checked_sub(n.checked_mul(q)?)?;
    while rem < Decimal::ZERO {
        n -= Decimal::ONE;
        rem += q;
    }
    while rem >= q {
        n += Decimal::ONE;
        rem -= q;
    }
    // Half-up on the magnitude: a tie of a negative quotient goes away from zero too.
    let twice = rem * Decimal::TWO;
    let up = if n >= Decimal::ZERO { twice >= q } else { twice > q };
    if up {
        n += Decimal::ONE;
    }
    Some(n / scale)
}

/// √x rounded half-up to `dp` places, exactly (integer square root and a midpoint test).
/// `None` for negative `x` or out-of-range inputs.
pub fn sqrt_round_half_up(x: Decimal, dp: u32) -> Option<Decimal> {
    sqrt_ratio_round_half_up(x, Decimal::ONE, dp)
}

/// √(num/den) rounded half-up to `dp` places, exactly: no 28-digit quotient is ever formed,
/// so credibility Z = √(E/E_full) rounds the same by hand and by machine.
pub fn sqrt_ratio_round_half_up(num: Decimal, den: Decimal, dp: u32) -> Option<Decimal> {
    if num < Decimal::ZERO || den <= Decimal::ZERO || dp > 9 {
        return None;
    }
    // y = num·10^(2dp)/den; √(num/den) = √y / 10^dp; n = ⌊√⌊y⌋⌋ = ⌊√y⌋.
    let scaled = num.checked_mul(Decimal::from_i128_with_scale(10i128.checked_pow(2 * dp)?, 0))?;
    let mut y_floor = scaled.checked_div(den)?.floor();
    while y_floor.checked_mul(den)? > scaled {
        y_floor -= Decimal::ONE;
    }
    while (y_floor + Decimal::ONE).checked_mul(den)? <= scaled {
        y_floor += Decimal::ONE;
    }
    let y_int = u128::try_from(y_floor.mantissa()).ok()? / 10u128.pow(y_floor.scale());
    let n = isqrt(y_int);
    // Round up when (n + 1/2)² ≤ y, i.e. (2n+1)²·den ≤ 4·num·10^(2dp).
    let two_n1 = Decimal::from_i128_with_scale(i128::try_from(2 * n + 1).ok()?, 0);
    let up = two_n1.checked_mul(two_n1)?.checked_mul(den)? <= scaled.checked_mul(Decimal::from(4))?;
    let n = if up { n + 1 } else { n };
    Some(Decimal::from_i128_with_scale(i128::try_from(n).ok()?, dp))
}

fn isqrt(v: u128) -> u128 {
    if v < 2 {
        return v;
    }
    // Newton's method from an upper bound; converges monotonically downward.
    let mut x = 1u128 << (128 - v.leading_zeros()).div_ceil(2);
    loop {
        let y = (x + v / x) / 2;
        if y >= x {
            return x;
        }
        x = y;
    }
}

/// Sum that stops at the decimal maximum instead of panicking; used for the practice's own
/// amounts (claims paid), which are bounded when read but summed in any number.
pub fn saturating_sum(items: impl IntoIterator<Item = Decimal>) -> Decimal {
    items.into_iter().fold(Decimal::ZERO, |s, x| s.checked_add(x).unwrap_or(Decimal::MAX))
}

/// Show a money amount with at least two decimal places (`8500` → `8500.00`).
pub fn fmt_money(x: Decimal) -> String {
    let n = x.normalize();
    if n.scale() < 2 {
        let mut r = n;
        r.rescale(2);
        r.to_string()
    } else {
        n.to_string()
    }
}

/// Dollars with thousands separators and cents: `12345.6` → `12,345.60`.
pub fn fmt_dollars(x: Decimal) -> String {
    let s = fmt_money(x.round_dp(2));
    let (int, frac) = s.split_once('.').unwrap_or((&s, "00"));
    let (sign, digits) = int.strip_prefix('-').map_or(("", int), |d| ("-", d));
    let mut out = String::new();
    for (i, ch) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(ch);
    }
    format!("{sign}{out}.{frac}")
}

/// Serialize money as a decimal string with cents (`"12345.00"`), as every JSON output does.
pub mod serde_money {
    use rust_decimal::Decimal;
    use serde::Serializer;

    pub fn serialize<S: Serializer>(x: &Decimal, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&super::fmt_money(*x))
    }
}

/// Serialize an optional decimal (a factor, a percent) as its normalized string, or null.
pub mod serde_opt_dec {
    use rust_decimal::Decimal;
    use serde::Serializer;

    pub fn serialize<S: Serializer>(x: &Option<Decimal>, s: S) -> Result<S::Ok, S::Error> {
        match x {
            Some(x) => s.serialize_str(&x.normalize().to_string()),
            None => s.serialize_none(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    fn d(s: &str) -> Decimal {
        Decimal::from_str(s).unwrap_or_default()
    }

    #[test]
    fn half_up_rounds_fifty_cents_up() {
        let r = Rounding { unit: d("1"), mode: RoundingMode::HalfUp };
        assert_eq!(r.apply(d("4485.50")), d("4486"));
        assert_eq!(r.apply(d("4485.49")), d("4485"));
        let c = Rounding::CENTS;
        assert_eq!(c.apply(d("6459.375")).to_string(), "6459.38");
        assert_eq!(c.apply(d("1234")).to_string(), "1234.00");
    }

    /// The power-of-ten shortcut must agree with divide, round, multiply, to the scale.
    #[test]
    fn power_of_ten_units_agree_with_the_general_rule() {
        let general = |r: &Rounding, x: Decimal| {
            let q = x.checked_div(r.unit)?.round_dp_with_strategy(0, r.mode.strategy());
            Some(q.checked_mul(r.unit)?.round_dp(r.unit.scale()))
        };
        let modes = [RoundingMode::HalfUp, RoundingMode::HalfEven, RoundingMode::Down, RoundingMode::Up];
        for unit in ["1", "0.1", "0.01", "0.001"] {
            for mode in modes {
                let r = Rounding { unit: d(unit), mode };
                let mut xs: Vec<Decimal> = [
                    "0",
                    "4485.5",
                    "4485.49",
                    "-2.5",
                    "-0.005",
                    "6459.375",
                    "1234",
                    "0.0049999",
                    "99999.995",
                    "0.00",
                    "-0.0000",
                    "12.3450",
                    "12.3350",
                    "-12.3450",
                    "-12.3350",
                    "0.5",
                    "1.5",
                    "-1.5",
                    "79228162514264337593543950335",
                    "7922816251426433759354395033.5",
                    "-7.922816251426433759354395033",
                    "0.0000000000000000000000000005",
                ]
                .iter()
                .map(|x| d(x))
                .collect();
                // Products of amounts and factors, as the engine forms them.
                for a in ["1234.56", "750", "0.01", "98765.43"] {
                    for f in ["0.875", "1.125", "0.333", "0.95", "-0.1234"] {
                        xs.push(d(a) * d(f));
                    }
                }
                for x in xs {
                    // Beyond the decimal range the general rule cannot be formed to compare.
                    let Some(b) = general(&r, x) else { continue };
                    let a = r.apply(x);
                    assert_eq!((a, a.scale()), (b, b.scale()), "{x} to {unit} {mode:?}");
                }
            }
        }
    }

    /// The fused product agrees with multiplying then rounding, value and scale, for every
    /// mode, power-of-ten units and others, over mantissas of every width and every scale,
    /// drawn from a fixed seed so a failure reproduces.
    #[test]
    fn fused_product_rounding_agrees_with_multiply_then_round() {
        let mut state = 0x9E37_79B9_7F4A_7C15u64;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        let draw = |next: &mut dyn FnMut() -> u64| {
            let bits = next() % 97;
            let wide = (u128::from(next()) << 64 | u128::from(next())) & ((1u128 << 96) - 1);
            let m = if bits == 0 { 0 } else { wide >> (96 - bits) };
            let scale = u32::try_from(next() % 29).unwrap_or(0);
            let small = u32::try_from(next() % 5).unwrap_or(0);
            // Amounts and factors as manuals write them half the time, anything the type holds
            // the rest.
            let (m, scale) = if next().is_multiple_of(2) { (m % 100_000_000, small) } else { (m, scale) };
            let x = Decimal::from_i128_with_scale(i128::try_from(m).unwrap_or(0), scale);
            if next().is_multiple_of(4) { -x } else { x }
        };
        let modes = [RoundingMode::HalfUp, RoundingMode::HalfEven, RoundingMode::Down, RoundingMode::Up];
        let units = ["1", "0.1", "0.01", "0.001", "0.0000001", "10", "0.05", "1.00", "100"];
        let mut fused = 0;
        for i in 0..200_000u32 {
            let r = Rounding { unit: d(units[i as usize % units.len()]), mode: modes[(i as usize / units.len()) % 4] };
            let (x, f) = (draw(&mut next), draw(&mut next));
            let general = x.checked_mul(f).map(|p| r.apply(p));
            let a = r.apply_product(x, f);
            assert_eq!(a.map(|a| (a, a.scale())), general.map(|b| (b, b.scale())), "{x} × {f} to {:?}", r);
            fused += usize::from(r.product_mantissa(x, f).is_some());
        }
        assert!(fused > 50_000, "only {fused} products took the fused path");
    }

    #[test]
    fn rounding_to_tens_and_modes() {
        let r = Rounding { unit: d("10"), mode: RoundingMode::HalfEven };
        assert_eq!(r.apply(d("25")), d("20"));
        assert_eq!(r.apply(d("35")), d("40"));
        let down = Rounding { unit: d("1"), mode: RoundingMode::Down };
        assert_eq!(down.apply(d("9.99")), d("9"));
        let up = Rounding { unit: d("1"), mode: RoundingMode::Up };
        assert_eq!(up.apply(d("9.01")), d("10"));
    }

    #[test]
    fn exact_division_rounds_ties_up() {
        assert_eq!(div_round_half_up(d("1"), d("8"), 2), Some(d("0.13"))); // 0.125
        assert_eq!(div_round_half_up(d("1"), d("3"), 3), Some(d("0.333")));
        assert_eq!(div_round_half_up(d("-1"), d("8"), 2), Some(d("-0.13")));
        assert_eq!(div_round_half_up(d("2"), d("3"), 3), Some(d("0.667")));
        assert_eq!(div_round_half_up(d("1"), d("0"), 3), None);
    }

    #[test]
    fn exact_square_root() {
        assert_eq!(sqrt_round_half_up(d("0.25"), 2), Some(d("0.50")));
        assert_eq!(sqrt_round_half_up(d("2"), 3), Some(d("1.414")));
        assert_eq!(sqrt_round_half_up(d("0.4"), 3), Some(d("0.632"))); // 0.63245…
        // √0.01225 = 0.110679…; √0.0121 = 0.11 exactly
        assert_eq!(sqrt_round_half_up(d("0.0121"), 2), Some(d("0.11")));
        // midpoint: √0.015625 = 0.125 → half up to 0.13
        assert_eq!(sqrt_round_half_up(d("0.015625"), 2), Some(d("0.13")));
        assert_eq!(sqrt_round_half_up(d("-1"), 2), None);
        // √(160000/500000) = √0.32 = 0.565685… ; √(1/3) = 0.57735…
        assert_eq!(sqrt_ratio_round_half_up(d("160000"), d("500000"), 3), Some(d("0.566")));
        assert_eq!(sqrt_ratio_round_half_up(d("1"), d("3"), 4), Some(d("0.5774")));
    }

    #[test]
    fn money_formatting() {
        assert_eq!(fmt_money(d("8500")), "8500.00");
        assert_eq!(fmt_money(d("8612.5000")), "8612.50");
        assert_eq!(fmt_money(d("0.8750")), "0.875");
    }
}
