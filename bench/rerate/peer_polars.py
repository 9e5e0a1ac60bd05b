#!/usr/bin/env python3
"""Benchmark peer: re-rate an in-force book under two manual versions with polars expressions.

Reads the book (Parquet, columns as in docs/book-format.md), rates every row as a one-provider
practice under the FROM and TO manual versions (provider steps only, no experience rating,
appetite per row: the semantics of `medmal rerate`), groups premium before/after by rating
class, and optionally writes the per-row premiums for comparison with medmal.

Exact to the cent without floats: money is Int64 cents; every factor is an Int64 scaled by
10^k (k = the decimal places the manual writes it with); after each multiply the running
premium is rounded back to cents half up with integer arithmetic, as medmal's step rounding
does. Everything per row is a polars expression evaluated by the lazy engine; the distinct
values of dimension columns (role, specialty, county, limits, deductible) are resolved once
against the manual and mapped onto the rows with `replace_strict`.

    peer_polars.py BOOK.parquet --manuals manuals --carrier keystone-mutual --state PA \
        --from 2026-07 --to 2027-01 [--out rows.csv]
"""

from __future__ import annotations

import argparse
import sys
import time
from decimal import Decimal
from pathlib import Path

import polars as pl

sys.path.insert(0, str(Path(__file__).resolve().parent))
from plan import (  # noqa: E402
    SURGERY_LEVELS,
    Unsupported,
    dec,
    decimals,
    find_manual,
    leave_adjustment,
    modifier_decimals,
    modifier_max_factor,
    parse_deductible,
    parse_limits,
    scaled,
)

I64 = pl.Int64
HOURS_SCALE = 4  # hours_per_week as an integer × 10^4
COLUMNS = (
    "state", "effective_date", "role", "specialty_code", "surgery", "shared_limits", "county", "form",
    "retro_date", "limits", "deductible", "hours_per_week", "years_since_training", "board_certified",
    "society_member", "teaching", "resident", "risk_management_date", "years_insured", "locum_days",
    "leave_months", "claims", "disciplinary", "schedule",
)

# ---------------------------------------------------------------------------------------------
# Integer expressions.


def lit(v: int) -> pl.Expr:
    return pl.lit(v, dtype=I64)


def mul_round(cents: pl.Expr, factor: pl.Expr | int, k: int) -> pl.Expr:
    """cents × (factor / 10^k), rounded half up to the cent (both non-negative)."""
    if k == 0:
        return cents * factor
    p = 10**k
    return (cents * factor + p // 2) // p


def half_up_rescale(x: pl.Expr, from_k: int, to_k: int) -> pl.Expr:
    """A signed scaled integer from 10^from_k to 10^to_k places, ties away from zero."""
    if from_k <= to_k:
        return x * 10 ** (to_k - from_k)
    p = 10 ** (from_k - to_k)
    return pl.when(x < 0).then(-((-x + p // 2) // p)).otherwise((x + p // 2) // p)


def date_key(e: pl.Expr) -> pl.Expr:
    """A date as yyyymmdd (compares like the date)."""
    return e.dt.year().cast(I64) * 10000 + e.dt.month().cast(I64) * 100 + e.dt.day().cast(I64)


def clamped(y: pl.Expr, m: pl.Expr, d: pl.Expr) -> pl.Expr:
    leap = (y % 4 == 0) & ((y % 100 != 0) | (y % 400 == 0))
    dim = (
        pl.when(m == 2).then(pl.when(leap).then(29).otherwise(28))
        .when(m.is_in([4, 6, 9, 11])).then(30)
        .otherwise(31)
    )
    return y * 10000 + m * 100 + pl.min_horizontal(d, dim)


def minus_years(key: pl.Expr, n: int) -> pl.Expr:
    """The date n years earlier (29 February → 28 February)."""
    return clamped(key // 10000 - n, key // 100 % 100, key % 100)


def plus_months(key: pl.Expr, n: int) -> pl.Expr:
    k = key // 100 % 100 - 1 + n
    return clamped(key // 10000 + k // 12, k % 12 + 1, key % 100)


def whole_years(a: pl.Expr, b: pl.Expr) -> pl.Expr:
    """Completed years from a to b (b ≥ a)."""
    return b // 10000 - a // 10000 - ((b % 10000) < (a % 10000)).cast(I64)


def text_scaled(s: pl.Expr, k: int) -> pl.Expr:
    """Decimal text (`-0.05`, `250000`, `24999.99`) → Int64 × 10^k exactly: the digits without
    the point, times 10^(k − places after the point)."""
    point = s.str.find(".", literal=True)
    places = pl.when(point.is_null()).then(0).otherwise(s.str.len_bytes().cast(I64) - point.cast(I64) - 1)
    digits = s.str.replace(".", "", literal=True).cast(I64)
    return digits * lit(10).pow(lit(k) - places)


# ---------------------------------------------------------------------------------------------
# The book.


DIMENSIONS = ("state", "role", "specialty_code", "county", "limits", "deductible", "schedule")


def read_book(path: str):
    """(rows, claims, disciplinary actions, distinct values of each dimension column)."""
    schema = pl.read_parquet_schema(path)
    cols = [c for c in COLUMNS if c in schema]
    lf = pl.scan_parquet(path).select(cols)
    n_default = {
        "shared_limits": True, "board_certified": False, "society_member": False, "teaching": False,
        "years_insured": 0, "locum_days": 0, "leave_months": 0,
    }
    missing = [pl.lit(v).alias(c) for c, v in n_default.items() if c not in schema]
    missing += [pl.lit(None, dtype=pl.String).alias(c) for c in COLUMNS if c not in schema and c not in n_default]
    if missing:
        lf = lf.with_columns(missing)
    if "hours_per_week" in schema:
        dt = schema["hours_per_week"]
        if isinstance(dt, pl.Decimal):
            if dt.scale > HOURS_SCALE:
                raise Unsupported("hours_per_week with more than 4 decimal places")
            hours = (pl.col("hours_per_week") * 10**HOURS_SCALE).cast(I64)
        else:
            hours = text_scaled(pl.col("hours_per_week").cast(pl.String), HOURS_SCALE)
    else:
        hours = pl.lit(None, dtype=I64)
    # Text columns with few distinct values are categorical (the dictionary-encoded columns of a
    # Parquet book already are): a row holds a code, each distinct text is resolved once.
    coded = DIMENSIONS + ("surgery", "form", "resident")
    lf = lf.with_columns(pl.col(c).cast(pl.Categorical) for c in coded)
    raw = lf.collect()
    dims = {}
    for c in coded:
        u = raw.get_column(c).drop_nulls().unique()
        dims[c] = dict(zip(u.to_physical().cast(I64).to_list(), u.cast(pl.String).to_list()))
    codes = [pl.col(c).to_physical().cast(I64).alias(c) for c in coded]

    def code_of(c: str, table: dict, default: int) -> pl.Expr:
        """A coded column mapped through {text: value}; null and other texts give `default`."""
        t = {k: table.get(u, default) for k, u in dims[c].items()}
        code = pl.col(c).to_physical().cast(I64)
        return code.replace_strict(t, default=default, return_dtype=I64).fill_null(default) if t else lit(default)
    df = raw.lazy().with_row_index("row").with_columns(
        pl.col("row").cast(I64),
        *codes[: len(DIMENSIONS)],
        date_key(pl.col("effective_date")).alias("eff"),
        date_key(pl.col("retro_date")).alias("retro"),
        date_key(pl.col("risk_management_date")).alias("rm"),
        hours.alias("hours"),
        code_of("surgery", {"minor": 1, "major": 2}, 0).alias("surgery"),
        (code_of("form", {"occurrence": 1}, 0) == 1).alias("occurrence"),
        code_of("resident", {"resident": 1, "moonlighting": 2}, 0).alias("resident"),
        pl.col("shared_limits").fill_null(True),
        pl.col("board_certified").fill_null(False),
        pl.col("society_member").fill_null(False),
        pl.col("teaching").fill_null(False),
        pl.col("years_since_training").cast(I64),
        pl.col("years_insured").cast(I64).fill_null(0),
        pl.col("locum_days").cast(I64).fill_null(0),
        pl.col("leave_months").cast(I64).fill_null(0),
        (pl.col("claims").str.len_bytes() > 0).fill_null(False).alias("has_claims"),
    ).drop("effective_date", "retro_date", "risk_management_date", "hours_per_week", "form").collect()

    claims = (
        df.lazy()
        .filter(pl.col("has_claims"))
        .select("row", "eff", pl.col("claims").str.split(";").alias("c"))
        .explode("c")
        .select(
            "row",
            "eff",
            pl.col("c").str.slice(0, 10).str.replace_all("-", "", literal=True).cast(I64).alias("key"),
            text_scaled(pl.col("c").str.slice(11), 2).alias("paid"),
        )
        .collect()
    )
    disc = (
        df.lazy()
        .filter(pl.col("disciplinary").str.len_bytes() > 0)
        .select("row", "eff", pl.col("disciplinary").str.split(";").alias("d"))
        .explode("d")
        .select(
            "row",
            "eff",
            pl.col("d").str.slice(-10).str.replace_all("-", "", literal=True).cast(I64).alias("key"),
            pl.col("d").str.head(-11).alias("action"),
        )
        .collect()
    )
    return df.drop("claims", "disciplinary"), claims, disc, dims


# ---------------------------------------------------------------------------------------------
# One manual version.


def in_window(years: int) -> pl.Expr:
    """Reported within `years` years before the row's effective date."""
    return (pl.col("key") >= minus_years(pl.col("eff"), years)) & (pl.col("key") < pl.col("eff"))


NONE = pl.lit(None, dtype=I64)
STAGES = 4


class Version:
    """A manual's rating plan as polars expressions over the book frame.

    Expressions are laid out in stages (one `with_columns` each) so that every intermediate
    value is a column computed once: stage 0 resolves the row's facts against the manual,
    stage 1 the modifier adjustments, stage 2 the group factors, stage 3 the premium."""

    def __init__(self, manual, dims: dict, tag: str):
        self.m = manual
        self.dims = dims
        self.tag = tag
        self.stages: list[list[pl.Expr]] = [[] for _ in range(STAGES)]
        self.claim_aggs: dict[str, pl.Expr] = {}
        self.claim_cols: dict[str, pl.Expr] = {}
        self.disc_aggs: dict[str, pl.Expr] = {}
        self.disc_cols: dict[str, pl.Expr] = {}

    def put(self, stage: int, name: str, expr: pl.Expr) -> pl.Expr:
        """Compute `expr` as a column in `stage`; later stages read the column."""
        full = f"{self.tag}_{name}"
        self.stages[stage].append(expr.alias(full))
        return pl.col(full)

    # Aggregates over a row's claims and disciplinary actions, joined onto the rows by name.
    def claim_agg(self, name: str, expr: pl.Expr) -> pl.Expr:
        full = f"{self.tag}_{name}"
        self.claim_aggs[full] = expr.alias(full)
        return pl.col(full)

    def disc_col(self, name: str, expr: pl.Expr) -> pl.Expr:
        full = f"{self.tag}_{name}"
        self.disc_cols[full] = expr.alias(full)
        return pl.col(full)

    def disc_agg(self, name: str, expr: pl.Expr) -> pl.Expr:
        full = f"{self.tag}_{name}"
        self.disc_aggs[full] = expr.alias(full)
        return pl.col(full)

    def claim_col(self, name: str, expr: pl.Expr) -> pl.Expr:
        """A column of the claims frame, computed before the claims are grouped by row."""
        full = f"{self.tag}_{name}"
        self.claim_cols[full] = expr.alias(full)
        return pl.col(full)

    def count_paid(self, years: int, min_paid: int):
        sel = self.claim_col(f"in_{years}_{min_paid}", in_window(years) & (pl.col("paid") >= min_paid))
        c = self.claim_agg(f"n_{years}_{min_paid}", sel.sum().cast(I64))
        p = self.claim_agg(f"p_{years}_{min_paid}", (pl.col("paid") * sel).sum().cast(I64))
        return c.fill_null(0), p.fill_null(0)

    def mapped(self, column: str, fn, default) -> pl.Expr:
        """Resolve each distinct value of a dimension column once against the manual; map the
        rows' codes onto the results (null stays null)."""
        table = {k: fn(u) for k, u in self.dims[column].items()}
        if not table:
            return NONE
        # (replace_strict would send a null to the default, so nulls are kept apart.)
        mapped = pl.col(column).replace_strict(table, default=default, return_dtype=I64)
        return pl.when(pl.col(column).is_null()).then(NONE).otherwise(mapped)

    def modifier(self, mod, k: int) -> pl.Expr:
        """Adjustment × 10^k, null when the modifier does not apply."""
        s, t = mod.spec, mod.type

        def a(v):
            return lit(scaled(dec(v), k))

        if t == "part_time":
            bands = sorted(s["bands"], key=lambda x: dec(x["max_hours"]))
            e = pl.when(pl.col("hours").is_null()).then(NONE)
            for bnd in bands:
                e = e.when(pl.col("hours") <= scaled(dec(bnd["max_hours"]), HOURS_SCALE)).then(a(bnd["adjustment"]))
            return e.otherwise(NONE)
        if t == "new_to_practice":
            table = {int(r["years"]): scaled(dec(r["adjustment"]), k) for r in s["years"]}
            return pl.col("years_since_training").replace_strict(table, default=None, return_dtype=I64)
        if t == "resident":
            return (pl.when(pl.col("resident") == 1).then(a(s["resident"]))
                    .when(pl.col("resident") == 2).then(a(s["moonlighting"])).otherwise(NONE))
        if t in ("teaching", "board_certified", "society_member"):
            return pl.when(pl.col(t)).then(a(s["adjustment"])).otherwise(NONE)
        if t == "leave_of_absence":
            mx = int(s["max_months"])
            table = {i: scaled(leave_adjustment(dec(s["adjustment"]), i), k) for i in range(1, mx + 1)}
            return (pl.when(pl.col("leave_months") > 0)
                    .then(pl.min_horizontal(pl.col("leave_months"), mx).replace_strict(table, default=0,
                                                                                       return_dtype=I64))
                    .otherwise(NONE))
        if t in ("claims_free", "loyalty"):
            if t == "loyalty":
                years = pl.col("years_insured")
            else:
                last = self.claim_agg("last", pl.when(pl.col("key") < pl.col("eff")).then(pl.col("key")).max())
                since = whole_years(last, pl.col("eff"))
                t_ = pl.col("years_since_training")
                years = self.put(0, f"cfy_{mod.id}", pl.when(last.is_not_null() & t_.is_not_null())
                                 .then(pl.min_horizontal(since, t_)).when(last.is_not_null()).then(since)
                                 .otherwise(t_))
            rows = sorted(((int(r["years"]), r["adjustment"]) for r in s["years"]), reverse=True)
            e = pl.when(years.is_null()).then(NONE)
            for y, adj in rows:
                e = e.when(years >= y).then(a(adj))
            return e.otherwise(NONE)
        if t == "claims_surcharge":
            count, paid = self.count_paid(int(s["lookback_years"]), scaled(dec(s.get("min_paid", 0)), 2))
            rows = sorted(s["rows"], key=lambda r: dec(r["adjustment"]), reverse=True)  # the highest that holds
            e = pl.when(~pl.col("has_claims")).then(NONE)
            for r in rows:
                e = e.when((count >= int(r["claims"])) & (paid >= scaled(dec(r.get("paid", 0)), 2))).then(
                    a(r["adjustment"]))
            return e.otherwise(NONE)
        if t == "disciplinary":
            table = {act: scaled(dec(v), k) for act, v in s["actions"].items()}
            adj = self.disc_col(f"disc_{mod.id}", pl.when(in_window(int(s["lookback_years"])))
                                .then(pl.col("action").replace_strict(table, default=None, return_dtype=I64)))
            return self.disc_agg(f"disc_{mod.id}_max", adj.max())
        if t == "risk_management":
            rm = pl.col("rm")
            ok = rm.is_not_null() & (rm <= pl.col("eff")) & (pl.col("eff") < plus_months(rm, int(s["valid_months"])))
            return pl.when(ok).then(a(s["adjustment"])).otherwise(NONE)
        raise Unsupported(f"modifier type {t}")

    def group(self, g) -> tuple[pl.Expr, pl.Expr, int]:
        """(applies, factor × 10^k, k) of a modifier group, as stage-2 columns."""
        m = self.m
        mods = [m.modifiers[mid] for mid in g.modifiers if mid in m.modifiers]
        adjs = []
        if g.combine == "multiply":
            bound = Decimal(10) ** sum(modifier_decimals(x) for x in mods)
            for x in mods:
                bound *= modifier_max_factor(x)
            if bound >= Decimal(2) ** 62:
                raise Unsupported(f"group {g.id}: product too large for Int64")
            f, k = lit(1), 0
            for x in mods:
                d = modifier_decimals(x)
                adj = self.put(1, f"mod_{x.id}", self.modifier(x, d))
                adjs.append(adj)
                f = f * (adj + 10**d).fill_null(10**d)
                k += d
        elif g.combine == "add":
            k = max((modifier_decimals(x) for x in mods), default=0)
            f = lit(10**k)
            for x in mods:
                adj = self.put(1, f"mod_{x.id}", self.modifier(x, k))
                adjs.append(adj)
                f = f + adj.fill_null(0)
        else:
            raise Unsupported(f"combine {g.combine}")
        if g.max_credit is not None:
            kk = max(k, decimals(g.max_credit))
            f, k = f * 10 ** (kk - k), kk
            f = pl.max_horizontal(f, scaled(1 - g.max_credit, k))
        if g.max_debit is not None:
            kk = max(k, decimals(g.max_debit))
            f, k = f * 10 ** (kk - k), kk
            f = pl.min_horizontal(f, scaled(1 + g.max_debit, k))
        # A negative factor becomes 0 whether it is rounded first or not, so the floor at zero
        # comes first and the half-up rounding below sees a non-negative number.
        f = pl.max_horizontal(f, 0)
        if g.factor_decimals is not None:
            if k > g.factor_decimals:
                p = 10 ** (k - g.factor_decimals)
                f = (f + p // 2) // p
            else:
                f = f * 10 ** (g.factor_decimals - k)
            k = g.factor_decimals
        elif k > 8:
            raise Unsupported(f"group {g.id} without factor_decimals")
        applies = pl.any_horizontal([x.is_not_null() for x in adjs]) if adjs else pl.lit(False)
        # No modifier of the group applies: no multiply (× 1 would not change the cents).
        return self.put(2, f"group_{g.id}", pl.when(applies).then(f).otherwise(lit(10**k))), k

    def schedule_table(self) -> tuple[dict, int]:
        """(code → factor × 10^k, k) over the distinct schedule texts; −1 when invalid."""
        plan = self.m.schedule
        k = 4
        if plan is not None:
            k = max(k, decimals(plan["max_credit"]), decimals(plan["max_debit"]),
                    *(decimals(x) for r in plan["items"].values() for x in r))
        sd = self.dims["schedule"]
        u = pl.DataFrame({"code": list(sd), "schedule": list(sd.values())}, schema={"code": I64, "schedule": pl.String})
        sel = (
            u.lazy()
            .with_columns(pl.col("schedule").str.split(";").alias("s"))
            .explode("s")
            .filter(pl.col("s").str.strip_chars() != "")
            .with_columns(pl.col("s").str.split_exact(":", 1).alias("p"))
            .select(
                "code",
                pl.col("p").struct.field("field_0").str.strip_chars().alias("item"),
                text_scaled(pl.col("p").struct.field("field_1").str.strip_chars(), k).alias("adj"),
            )
        )
        if plan is None:
            per = sel.group_by("code").agg(pl.lit(-1, dtype=I64).first().alias("f"))
        else:
            ids = list(plan["items"])
            lo = {i: -scaled(plan["items"][i][0], k) for i in ids}
            hi = {i: scaled(plan["items"][i][1], k) for i in ids}
            bad = (pl.col("item").replace_strict(lo, default=None, return_dtype=I64).is_null()
                   | (pl.col("adj") < pl.col("item").replace_strict(lo, default=0, return_dtype=I64))
                   | (pl.col("adj") > pl.col("item").replace_strict(hi, default=0, return_dtype=I64)))
            total = pl.col("adj").sum().clip(-scaled(plan["max_credit"], k), scaled(plan["max_debit"], k))
            per = sel.group_by("code").agg(pl.when(bad.any()).then(lit(-1)).otherwise(total + 10**k).alias("f"))
        table = {int(c): int(f) for c, f in per.collect().iter_rows()}
        # A text with no selections (empty) has no schedule factor.
        return {c: table.get(c, 10**k) for c in sd}, k

    def plan(self):
        """Lay out the stages; returns the names of the premium, status and class columns.
        The premium is −1 when the row cannot be rated."""
        m = self.m
        if m.step_rounding is None or m.step_rounding[0] != Decimal("0.01"):
            raise Unsupported("the peers rate manuals with step rounding to the cent only")
        if m.base_form != "claims_made":
            raise Unsupported("base form other than claims-made")
        classes = {c: i for i, c in enumerate(m.classes)}
        terrs = {t: i for i, t in enumerate(m.territories)}
        nT = len(terrs)
        pct_k = max([decimals(r[x]) for r in m.midlevels.values() if r["method"] == "percent_of_class"
                     for x in ("shared", "separate") if r[x] is not None] or [0])

        def role_info(u, what):
            if u == "physician":
                return 0 if what == "kind" else -1
            rule = m.midlevels.get(u.upper())
            if rule is None:
                return -1
            c = classes.get(rule["class"], -1) if rule["class"] else -1
            meth = rule["method"]
            if what == "kind":
                return {"own_class": 1, "percent_of_class": 2, "flat": 3}[meth] if (meth == "flat" or c >= 0) else -1
            if what == "class":
                return c
            places = pct_k if meth == "percent_of_class" else 2
            if meth not in ("percent_of_class", "flat") or rule[what] is None:
                return -1
            return scaled(rule[what], places)

        # Stage 0: the row's facts resolved against the manual.
        state_ok = self.put(0, "state_ok", self.mapped("state", lambda u: int(u.upper() == m.state), 0)
                            .fill_null(0) == 1)
        kind = self.put(0, "kind", self.mapped("role", lambda u: role_info(u, "kind"), -1).fill_null(-1))
        amount = self.put(0, "amount", pl.when(pl.col("shared_limits"))
                          .then(self.mapped("role", lambda u: role_info(u, "shared"), -1))
                          .otherwise(self.mapped("role", lambda u: role_info(u, "separate"), -1)).fill_null(-1))

        def spec_class(level):
            return self.mapped("specialty_code",
                               lambda u: classes.get(m.class_of(u, SURGERY_LEVELS[level]) or "", -1), -1)

        role_cls = self.mapped("role", lambda u: role_info(u, "class"), -1)
        phys_cls = (pl.when(pl.col("surgery") == 0).then(spec_class(0))
                    .when(pl.col("surgery") == 1).then(spec_class(1)).otherwise(spec_class(2)))
        cls = self.put(0, "cls", pl.when(pl.col("role").is_null()).then(-1)
                       .when(self.mapped("role", lambda u: int(u == "physician"), 0) == 1)
                       .then(phys_cls.fill_null(-1)).otherwise(role_cls.fill_null(-1)))
        terr = self.put(0, "terr", self.mapped("county", lambda u: terrs.get(m.territory_of(u) or "", -1), -1)
                        .fill_null(-1))

        steps = m.cm_steps
        form_k = max([decimals(x) for x in steps] + ([decimals(m.occurrence_factor)] if m.occurrence_factor else []))
        year = whole_years(pl.col("retro"), pl.col("eff")) + 1
        cm_f = (pl.min_horizontal(year, len(steps)) - 1).replace_strict(
            {i: scaled(x, form_k) for i, x in enumerate(steps)}, default=-1, return_dtype=I64)
        occ = scaled(m.occurrence_factor, form_k) if m.occurrence_factor is not None else -1
        form_f = self.put(0, "form_f", pl.when(pl.col("occurrence")).then(lit(occ)).otherwise(cm_f.fill_null(-1)))
        retro_bad = self.put(0, "retro_bad", ~pl.col("occurrence")
                             & (pl.col("retro").is_null() | (pl.col("retro") > pl.col("eff"))).fill_null(True))

        lim_k = max(decimals(f) for f in m.limits.values())
        lim = self.put(0, "lim", self.mapped(
            "limits", lambda u: scaled(m.limits[p], lim_k) if (p := parse_limits(u)) in m.limits else -1, -1)
            .fill_null(-1))

        ded_k = max([decimals(1 - c) for c in m.deductibles.values()] or [0])

        def ded_of(u):
            if not u:
                return 10**ded_k
            key = parse_deductible(u)
            return scaled(1 - m.deductibles[key], ded_k) if key in m.deductibles else -1

        ded = self.put(0, "ded", self.mapped("deductible", ded_of, -1).fill_null(10**ded_k))
        sch_table, sch_k = self.schedule_table()
        sch = self.put(0, "sch", pl.col("schedule").replace_strict(sch_table, default=10**sch_k, return_dtype=I64)
                       .fill_null(10**sch_k))

        base_tab = {ci * nT + ti: scaled(m.base[(c, t)], 2)
                    for ci, c in enumerate(m.classes) for ti, t in enumerate(m.territories) if (c, t) in m.base}
        base = self.put(1, "base", (cls * nT + terr).replace_strict(base_tab, default=-1, return_dtype=I64))
        is_flat = kind == 3
        ok = self.put(2, "ok", state_ok & (kind >= 0) & ~((kind == 0) & (cls < 0)) & ~((kind == 2) & (amount < 0))
                      & ~(is_flat & (amount < 0)) & (terr >= 0) & ~retro_bad
                      & ~(~is_flat & ((base < 0) | (lim < 0) | (ded < 0) | (sch < 0) | (form_f < 0))))

        # Stage 3: the running premium, step by step in the manual's order.
        run = mul_round(base, pl.when(kind == 2).then(amount).otherwise(lit(10**pct_k)), pct_k)
        flat_run = amount
        for step, arg in m.provider_steps:
            if step == "base_rate":
                pass
            elif step == "policy_form":
                run = mul_round(run, form_f, form_k)
            elif step == "limits":
                run = mul_round(run, lim, lim_k)
            elif step == "deductible":
                run = mul_round(run, ded, ded_k)
            elif step == "group":
                f, k = self.group(m.groups[arg])
                run = mul_round(run, f, k)
            elif step == "schedule":
                run = mul_round(run, sch, sch_k)
            elif step == "experience":
                pass  # a book carries no group loss experience
            elif step == "locum":
                if m.locum is not None:
                    free, per_day = m.locum
                    run = run + pl.max_horizontal(pl.col("locum_days") - free, 0) * scaled(per_day, 2)
            elif step == "round":
                u = scaled(arg[0], 2)
                run = (run + u // 2) // u * u
                flat_run = (flat_run + u // 2) // u * u
            elif step == "minimum":
                mm = scaled(arg, 2)
                run = pl.max_horizontal(run, mm)
                flat_run = pl.max_horizontal(flat_run, mm)
            else:
                raise Unsupported(f"provider step {step}")
        premium = self.put(3, "premium", pl.when(~ok).then(lit(-1)).when(is_flat).then(flat_run).otherwise(run))
        status = self.put(3, "status", pl.when(~ok).then(0)
                          .otherwise(self.appetite(pl.when(is_flat).then(-1).otherwise(cls), kind)).cast(pl.Int8))
        klass = self.put(3, "class", pl.when(ok & ~is_flat).then(cls).otherwise(-1))
        return premium, status, klass

    def appetite(self, cls: pl.Expr, kind: pl.Expr) -> pl.Expr:
        m = self.m
        classes = {c: i for i, c in enumerate(m.classes)}
        decline, refer = [], []
        for i, rule in enumerate(m.eligibility):
            c = rule["condition"]
            if c == "claims":
                count, _ = self.count_paid(int(rule.get("within_years", 5)), scaled(dec(rule.get("min_paid", 0)), 2))
                fires = count >= int(rule["at_least"])
            elif c == "paid_total":
                _, paid = self.count_paid(int(rule.get("within_years", 5)), -1)
                fires = paid >= scaled(dec(rule["amount"]), 2)
            elif c == "disciplinary":
                hit = self.disc_col(f"elig_{i}", pl.col("action").is_in(list(rule["any"]))
                                    & in_window(int(rule.get("within_years", 5))))
                fires = self.disc_agg(f"elig_{i}_any", hit.any()).fill_null(False)
            elif c == "class":
                fires = cls.is_in([classes[x] for x in rule["any"] if x in classes])
            elif c == "specialty":
                codes = [j for j, u in self.dims["specialty_code"].items() if u in rule["any"]]
                fires = (kind == 0) & pl.col("specialty_code").is_in(codes)
            elif c == "surgery":
                fires = (kind == 0) & pl.col("surgery").is_in([SURGERY_LEVELS.index(x) for x in rule["any"]])
            elif c == "locum_days":
                fires = pl.col("locum_days") > int(rule["over"])
            elif c == "providers":
                fires = pl.lit(1 > int(rule["over"]))
            elif c in ("service", "telehealth_out_of_state"):
                continue  # practice-wide facts the book does not carry
            else:
                raise Unsupported(f"eligibility condition {c}")
            (decline if rule["action"] == "decline" else refer).append(fires)
        d = pl.any_horizontal(decline) if decline else pl.lit(False)
        r = pl.any_horizontal(refer) if refer else pl.lit(False)
        return pl.when(d).then(3).when(r).then(2).otherwise(1)


def rate(manuals, df: pl.DataFrame, claims: pl.DataFrame, disc: pl.DataFrame, dims: dict) -> pl.DataFrame:
    """Premium, status and class of every row under each manual, in one lazy query."""
    versions, outs = [], []
    claim_cols, claim_aggs, disc_cols, disc_aggs = {}, {}, {}, {}
    for tag, m in manuals:
        v = Version(m, dims, tag)
        outs += [e.meta.output_name() for e in v.plan()]
        claim_cols.update(v.claim_cols)
        claim_aggs.update(v.claim_aggs)
        disc_cols.update(v.disc_cols)
        disc_aggs.update(v.disc_aggs)
        versions.append(v)
    lf = df.lazy()
    if claim_aggs:
        per_row = claims.lazy().with_columns(list(claim_cols.values())).group_by("row").agg(list(claim_aggs.values()))
        lf = lf.join(per_row, on="row", how="left")
    if disc_aggs:
        per_row = disc.lazy().with_columns(list(disc_cols.values())).group_by("row").agg(list(disc_aggs.values()))
        lf = lf.join(per_row, on="row", how="left")
    for i in range(STAGES):
        lf = lf.with_columns([e for v in versions for e in v.stages[i]])
    return lf.select("row", *outs).sort("row").collect()


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("book")
    ap.add_argument("--manuals", default="manuals")
    ap.add_argument("--carrier", default="keystone-mutual")
    ap.add_argument("--state", default="PA")
    ap.add_argument("--from", dest="v_from", required=True)
    ap.add_argument("--to", dest="v_to", required=True)
    ap.add_argument("--out", help="write row,before,after,status_before,status_after (cents) here")
    args = ap.parse_args()

    before_m = find_manual(args.manuals, args.carrier, args.state, args.v_from)
    after_m = find_manual(args.manuals, args.carrier, args.state, args.v_to)

    t0 = time.perf_counter()
    df, claims, disc, dims = read_book(args.book)
    t1 = time.perf_counter()
    res = rate([("b", before_m), ("a", after_m)], df, claims, disc, dims)
    t2 = time.perf_counter()
    labels = after_m.classes
    by_class = (
        res.lazy()
        .filter((pl.col("b_premium") >= 0) & (pl.col("a_premium") >= 0))
        .group_by(pl.col("a_class").replace_strict(dict(enumerate(labels)), default="flat", return_dtype=pl.String)
                  .alias("class"))
        .agg(pl.len().alias("rows"), pl.col("b_premium").sum().alias("before"), pl.col("a_premium").sum().alias("after"))
        .sort("class")
        .collect()
    )
    t3 = time.perf_counter()

    n = res.height
    both = int(by_class["rows"].sum())
    print(f"polars peer: {n} rows, {both} rated under both versions, "
          f"{int((res['b_premium'] < 0).sum())} not rated under {args.v_from}, "
          f"{int((res['a_premium'] < 0).sum())} under {args.v_to}")
    print(f"{'class':>6} {'rows':>9} {'before':>18} {'after':>18} {'change':>8}")
    for r in by_class.iter_rows(named=True):
        ch = (r["after"] - r["before"]) * 10000 // max(r["before"], 1)
        print(f"{r['class']:>6} {r['rows']:>9} {cents(r['before']):>18} {cents(r['after']):>18} {ch / 100:>7.2f}%")
    print(f"{'total':>6} {both:>9} {cents(int(by_class['before'].sum())):>18} {cents(int(by_class['after'].sum())):>18}")
    print(f"timing: read {t1 - t0:.3f} s, rate both versions {t2 - t1:.3f} s, group-by {t3 - t2:.3f} s")
    print(f"PEER_SECONDS {t3 - t0:.4f}")

    if args.out:
        names = ["", "quoted", "referred", "declined"]
        res.select(
            (pl.col("row") + 1).alias("row"),
            pl.when(pl.col("b_premium") >= 0).then(pl.col("b_premium")).alias("before"),
            pl.when(pl.col("a_premium") >= 0).then(pl.col("a_premium")).alias("after"),
            pl.col("b_status").replace_strict(dict(enumerate(names)), return_dtype=pl.String).alias("status_before"),
            pl.col("a_status").replace_strict(dict(enumerate(names)), return_dtype=pl.String).alias("status_after"),
        ).write_csv(args.out)
    return 0


def cents(c: int) -> str:
    return f"{c // 100:,}.{c % 100:02d}"


if __name__ == "__main__":
    sys.exit(main())
