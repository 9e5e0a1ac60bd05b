#!/usr/bin/env python3
"""Benchmark peer: re-rate an in-force book under two manual versions with vectorised pandas.

Reads the book (Parquet, columns as in docs/book-format.md), rates every row as a one-provider
practice under the FROM and TO manual versions (provider steps only, no experience rating,
appetite per row: the semantics of `medmal rerate`), groups premium before/after by rating
class, and optionally writes the per-row premiums for comparison with medmal.

Exact to the cent without floats: money is int64 cents; every factor is an int64 scaled by
10^k (k = the decimal places the manual writes it with); after each multiply the running
premium is rounded back to cents half up with integer arithmetic, as medmal's step rounding
does. No per-row Python loop: the hot path is numpy/pandas column operations. Distinct values of
dimension columns (role, specialty, county, limits, deductible, schedule) are resolved once
against the manual, then mapped onto the rows by their codes.

    peer_pandas.py BOOK.parquet --manuals manuals --carrier keystone-mutual --state PA \
        --from 2026-07 --to 2027-01 [--out rows.csv]
"""

from __future__ import annotations

import argparse
import sys
import time
from decimal import Decimal
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

sys.path.insert(0, str(Path(__file__).resolve().parent))
from plan import (  # noqa: E402
    DISCIPLINARY_ACTIONS,
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

I64 = np.int64
HOURS_SCALE = 4  # hours_per_week as an integer × 10^4
STATUS_NAMES = np.array(["", "quoted", "referred", "declined"], dtype=object)

# ---------------------------------------------------------------------------------------------
# Integer helpers (all inputs non-negative unless stated).


def mul_round(cents: np.ndarray, factor: np.ndarray | int, k: int) -> np.ndarray:
    """cents × (factor / 10^k), rounded half up to the cent."""
    if k == 0:
        return cents * factor
    p = 10**k
    return (cents * factor + p // 2) // p


def half_up_rescale(x: np.ndarray, from_k: int, to_k: int) -> np.ndarray:
    """A signed scaled integer from 10^from_k to 10^to_k places, ties away from zero."""
    if from_k <= to_k:
        return x * 10 ** (to_k - from_k)
    p = 10 ** (from_k - to_k)
    a = np.abs(x)
    r = (a + p // 2) // p
    return np.where(x < 0, -r, r)


def round_to_unit(cents: np.ndarray, unit_cents: int) -> np.ndarray:
    return (cents + unit_cents // 2) // unit_cents * unit_cents


def date_keys(days: np.ndarray) -> np.ndarray:
    """datetime64[D] → yyyymmdd integers (which compare like the dates), by the civil-from-days
    integer algorithm (proleptic Gregorian)."""
    z = days.astype(I64) + 719468
    era = z // 146097
    doe = z - era * 146097
    yoe = (doe - doe // 1460 + doe // 36524 - doe // 146096) // 365
    doy = doe - (365 * yoe + yoe // 4 - yoe // 100)
    mp = (5 * doy + 2) // 153
    d = doy - (153 * mp + 2) // 5 + 1
    m = np.where(mp < 10, mp + 3, mp - 9)
    y = yoe + era * 400 + (m <= 2)
    return y * 10000 + m * 100 + d


_DIM = np.array([0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31], dtype=I64)


def _clamped(y: np.ndarray, m: np.ndarray, d: np.ndarray) -> np.ndarray:
    leap = (y % 4 == 0) & ((y % 100 != 0) | (y % 400 == 0))
    dim = _DIM[m] + ((m == 2) & leap)
    return y * 10000 + m * 100 + np.minimum(d, dim)


def minus_years(key: np.ndarray, n: int) -> np.ndarray:
    """The date n years earlier (29 February → 28 February)."""
    return _clamped(key // 10000 - n, key // 100 % 100, key % 100)


def plus_months(key: np.ndarray, n: int) -> np.ndarray:
    """The date n months later, the day clamped to the month's last."""
    k = key // 100 % 100 - 1 + n
    return _clamped(key // 10000 + k // 12, k % 12 + 1, key % 100)


def whole_years(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Completed years from a to b (b ≥ a)."""
    return b // 10000 - a // 10000 - ((b % 10000) < (a % 10000))


def text_scaled(s: pd.Series, k: int) -> np.ndarray:
    """Decimal strings (`-0.05`, `250000`, `24999.99`) → int64 × 10^k, exactly: the digits
    without the point as an integer, times 10^(k − places after the point)."""
    point = s.str.find(".").to_numpy(dtype=I64)
    length = s.str.len().to_numpy(dtype=I64)
    places = np.where(point >= 0, length - point - 1, 0)
    if (places > k).any():
        raise Unsupported(f"a value with more than {k} decimal places")
    digits = s.str.replace(".", "", regex=False).astype("int64[pyarrow]").to_numpy(dtype=I64)
    return digits * (10 ** (k - places))


# ---------------------------------------------------------------------------------------------
# The book.


def decimal_scaled(col: pa.ChunkedArray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """A Decimal128 column as int64 × 10^k and a validity mask, from the raw 128-bit values."""
    vals, valid = [], []
    for ch in col.chunks:
        s = ch.type.scale
        raw = np.frombuffer(ch.buffers()[1], dtype=I64).reshape(-1, 2)[ch.offset : ch.offset + len(ch)]
        lo, hi = raw[:, 0], raw[:, 1]
        if not np.all((hi == 0) & (lo >= 0) | (hi == -1) & (lo < 0)):
            raise Unsupported("a decimal value beyond int64")
        if s > k:
            p = 10 ** (s - k)
            if np.any(lo % p != 0):
                raise Unsupported(f"a decimal value with more than {k} places")
            v = lo // p
        else:
            v = lo * 10 ** (k - s)
        vals.append(v)
        valid.append(ch.is_valid().to_numpy(zero_copy_only=False))
    if not vals:
        return np.zeros(0, dtype=I64), np.zeros(0, dtype=bool)
    return np.concatenate(vals), np.concatenate(valid)


class Book:
    """The book's columns as numpy arrays and factorized dimension columns."""

    # Columns the rating needs; low-cardinality text columns are read as categoricals.
    COLUMNS = (
        "state", "effective_date", "role", "specialty_code", "surgery", "shared_limits", "county", "form",
        "retro_date", "limits", "deductible", "hours_per_week", "years_since_training", "board_certified",
        "society_member", "teaching", "resident", "risk_management_date", "years_insured", "locum_days",
        "leave_months", "claims", "disciplinary", "schedule",
    )
    CATEGORICAL = ("state", "role", "specialty_code", "surgery", "county", "form", "limits", "deductible",
                   "resident", "schedule")

    def __init__(self, path: str):
        present = set(pq.read_schema(path).names)
        cols = [c for c in self.COLUMNS if c in present]
        table = pq.read_table(path, columns=cols, read_dictionary=[c for c in self.CATEGORICAL if c in present])
        n = table.num_rows
        self.n = n
        if "hours_per_week" in present:
            self.hours, self.hours_known = decimal_scaled(table.column("hours_per_week"), HOURS_SCALE)
            table = table.drop_columns(["hours_per_week"])
        else:
            self.hours, self.hours_known = np.zeros(n, I64), np.zeros(n, bool)
        df = table.to_pandas(
            date_as_object=False,
            types_mapper={
                pa.string(): pd.ArrowDtype(pa.string()),
                pa.bool_(): pd.BooleanDtype(),
                pa.int32(): pd.Int64Dtype(),
                pa.int64(): pd.Int64Dtype(),
            }.get,
        )

        def col(name, default=None):
            if name in df:
                return df[name]
            return pd.Series([default] * n, dtype=object)

        def flag(name, default):
            return col(name).fillna(default).to_numpy(dtype=bool)

        def integer(name, null):
            return col(name).fillna(null).to_numpy(dtype=I64)

        def dates(name):
            s = col(name)
            known = s.notna().to_numpy()
            d = s.to_numpy(dtype="datetime64[D]")
            d = np.where(known, d, np.datetime64("1970-01-01"))
            return date_keys(d), known

        self.eff, _ = dates("effective_date")
        self.retro, self.retro_known = dates("retro_date")
        self.rm, self.rm_known = dates("risk_management_date")

        def factor(name):
            """(codes, distinct values); code −1 is a null."""
            s = col(name)
            if isinstance(s.dtype, pd.CategoricalDtype):
                return s.cat.codes.to_numpy(dtype=I64), list(s.cat.categories)
            codes, uniques = pd.factorize(s, use_na_sentinel=True)
            return codes.astype(I64), list(uniques)

        def coded(name, values):
            """Index of each row's value in `values` plus one; 0 for null or another value."""
            codes, uniques = factor(name)
            table = np.array([values.index(u) + 1 if u in values else 0 for u in uniques] + [0], dtype=I64)
            return table[np.where(codes < 0, len(uniques), codes)]

        self.state = factor("state")
        self.role = factor("role")
        self.specialty = factor("specialty_code")
        self.county = factor("county")
        self.limits = factor("limits")
        self.deductible = factor("deductible")
        self.schedule = factor("schedule")
        self.surgery = np.maximum(coded("surgery", SURGERY_LEVELS) - 1, 0)  # null: none
        self.occurrence = coded("form", ("occurrence",)) == 1
        self.resident = coded("resident", ("resident", "moonlighting"))
        self.shared = flag("shared_limits", True)
        self.board = flag("board_certified", False)
        self.society = flag("society_member", False)
        self.teaching = flag("teaching", False)
        self.yst = integer("years_since_training", -1)
        self.years_insured = integer("years_insured", 0)
        self.locum = integer("locum_days", 0)
        self.leave = integer("leave_months", 0)

        # Claims: one entry per claim, with the row it belongs to.
        cl = col("claims")
        has = (cl.str.len() > 0).fillna(False)
        self.has_claims = has.to_numpy(bool)
        items = cl[has].str.split(";").explode()
        self.claim_row = items.index.to_numpy(dtype=I64)
        self.claim_key = items.str.slice(0, 10).str.replace("-", "", regex=False).astype("int64[pyarrow]").to_numpy(dtype=I64)
        self.claim_paid = text_scaled(items.str.slice(11), 2)  # cents

        dl = col("disciplinary")
        hasd = (dl.str.len() > 0).fillna(False)
        ev = dl[hasd].str.split(";").explode()
        self.disc_row = ev.index.to_numpy(dtype=I64)
        self.disc_key = ev.str.slice(-10).str.replace("-", "", regex=False).astype("int64[pyarrow]").to_numpy(dtype=I64)
        act = ev.str.slice(0, -11)
        self.disc_action = np.full(len(ev), -1, dtype=I64)
        for i, a in enumerate(DISCIPLINARY_ACTIONS):
            self.disc_action[(act == a).to_numpy(bool)] = i

        # Claim look-back windows, cached by length.
        self._window: dict[int, np.ndarray] = {}
        self._dwindow: dict[int, np.ndarray] = {}

    def claims_in(self, years: int) -> np.ndarray:
        """Per claim: reported within `years` years before the row's effective date."""
        if years not in self._window:
            eff = self.eff[self.claim_row]
            start = minus_years(eff, years)
            self._window[years] = (self.claim_key >= start) & (self.claim_key < eff)
        return self._window[years]

    def actions_in(self, years: int) -> np.ndarray:
        if years not in self._dwindow:
            eff = self.eff[self.disc_row]
            self._dwindow[years] = (self.disc_key >= minus_years(eff, years)) & (self.disc_key < eff)
        return self._dwindow[years]

    def per_row_count(self, mask: np.ndarray) -> np.ndarray:
        return np.bincount(self.claim_row[mask], minlength=self.n).astype(I64)

    def per_row_paid(self, mask: np.ndarray) -> np.ndarray:
        out = np.zeros(self.n, dtype=I64)
        np.add.at(out, self.claim_row[mask], self.claim_paid[mask])
        return out


# ---------------------------------------------------------------------------------------------
# One manual version over the whole book.


def lookup(table: dict, codes: np.ndarray, default):
    """Map factor codes (−1 = null) through a per-unique list."""
    arr = np.array(list(table) + [default], dtype=I64)
    return arr[np.where(codes < 0, len(table), codes)]


class Rated:
    def __init__(self, premium, status, cls):
        self.premium = premium  # int64 cents, −1 when the row cannot be rated
        self.status = status  # 0 not rated, 1 quoted, 2 referred, 3 declined
        self.cls = cls  # class index, −1 for a flat fee


def modifier_adjustment(m, b: Book, k: int):
    """(applies, adjustment × 10^k) for every row."""
    s, t, n = m.spec, m.type, b.n

    def const(v):
        return np.full(n, scaled(dec(v), k), dtype=I64)

    if t == "part_time":
        bands = sorted(s["bands"], key=lambda x: dec(x["max_hours"]))
        conds = [b.hours <= scaled(dec(x["max_hours"]), HOURS_SCALE) for x in bands]
        adj = np.select(conds, [scaled(dec(x["adjustment"]), k) for x in bands], 0).astype(I64)
        return b.hours_known & np.logical_or.reduce(conds), adj
    if t == "new_to_practice":
        table = {int(r["years"]): scaled(dec(r["adjustment"]), k) for r in s["years"]}
        top = max(table) + 1
        vals = np.zeros(top + 1, dtype=I64)
        has = np.zeros(top + 1, dtype=bool)
        for y, a in table.items():
            vals[y], has[y] = a, True
        idx = np.where((b.yst >= 0) & (b.yst < top), b.yst, top)
        return has[idx], vals[idx]
    if t == "resident":
        vals = np.array([0, scaled(dec(s["resident"]), k), scaled(dec(s["moonlighting"]), k)], dtype=I64)
        return b.resident > 0, vals[b.resident]
    if t == "teaching":
        return b.teaching, const(s["adjustment"])
    if t == "board_certified":
        return b.board, const(s["adjustment"])
    if t == "society_member":
        return b.society, const(s["adjustment"])
    if t == "leave_of_absence":
        mx = int(s["max_months"])
        vals = np.array([scaled(leave_adjustment(dec(s["adjustment"]), i), k) for i in range(mx + 1)], dtype=I64)
        return b.leave > 0, vals[np.minimum(b.leave, mx)]
    if t in ("claims_free", "loyalty"):
        if t == "loyalty":
            years, known = b.years_insured, np.ones(n, dtype=bool)
        else:
            years, known = claims_free_years(b)
        rows = sorted(((int(r["years"]), scaled(dec(r["adjustment"]), k)) for r in s["years"]), reverse=True)
        conds = [years >= y for y, _ in rows]
        adj = np.select(conds, [a for _, a in rows], 0).astype(I64)
        return known & np.logical_or.reduce(conds), adj
    if t == "claims_surcharge":
        inw = b.claims_in(int(s["lookback_years"])) & (b.claim_paid >= scaled(dec(s.get("min_paid", 0)), 2))
        count, paid = b.per_row_count(inw), b.per_row_paid(inw)
        found = np.zeros(n, dtype=bool)
        best = np.zeros(n, dtype=I64)
        for r in s["rows"]:
            a = scaled(dec(r["adjustment"]), k)
            ok = (count >= int(r["claims"])) & (paid >= scaled(dec(r.get("paid", 0)), 2))
            take = ok & (~found | (a > best))
            best = np.where(take, a, best)
            found |= ok
        return found & b.has_claims, best
    if t == "disciplinary":
        inw = b.actions_in(int(s["lookback_years"]))
        table = np.full(len(DISCIPLINARY_ACTIONS) + 1, 0, dtype=I64)
        listed = np.zeros(len(DISCIPLINARY_ACTIONS) + 1, dtype=bool)
        for a, v in s["actions"].items():
            i = DISCIPLINARY_ACTIONS.index(a)
            table[i], listed[i] = scaled(dec(v), k), True
        ev = inw & listed[b.disc_action]
        best = np.full(n, np.iinfo(I64).min, dtype=I64)
        np.maximum.at(best, b.disc_row[ev], table[b.disc_action[ev]])
        applies = best != np.iinfo(I64).min
        return applies, np.where(applies, best, 0)
    if t == "risk_management":
        ok = b.rm_known & (b.rm <= b.eff) & (b.eff < plus_months(b.rm, int(s["valid_months"])))
        return ok, const(s["adjustment"])
    raise Unsupported(f"modifier type {t}")


def claims_free_years(b: Book):
    """Years claims-free: since the last claim reported before the effective date, capped by
    years since training; (years, known)."""
    before = b.claim_key < b.eff[b.claim_row]
    last = np.zeros(b.n, dtype=I64)
    np.maximum.at(last, b.claim_row[before], b.claim_key[before])
    has = last > 0
    since = np.where(has, whole_years(np.where(has, last, b.eff), b.eff), 0)
    t = b.yst
    known_t = t >= 0
    years = np.where(has & known_t, np.minimum(since, t), np.where(has, since, t))
    return years, has | known_t


def group_factor(g, manual, b: Book):
    """(applies, factor × 10^fd, fd) of one modifier group."""
    mods = [manual.modifiers[mid] for mid in g.modifiers if mid in manual.modifiers]
    count = np.zeros(b.n, dtype=I64)
    if g.combine == "multiply":
        places = sum(modifier_decimals(m) for m in mods)
        bound = Decimal(10) ** places
        for m in mods:
            bound *= modifier_max_factor(m)
        if bound >= Decimal(2) ** 62:
            raise Unsupported(f"group {g.id}: product too large for int64")
        f = np.ones(b.n, dtype=I64)
        k = 0
        for m in mods:
            d = modifier_decimals(m)
            app, adj = modifier_adjustment(m, b, d)
            f = f * np.where(app, 10**d + adj, 10**d)
            k += d
            count += app
    elif g.combine == "add":
        k = max((modifier_decimals(m) for m in mods), default=0)
        total = np.zeros(b.n, dtype=I64)
        for m in mods:
            app, adj = modifier_adjustment(m, b, k)
            total += np.where(app, adj, 0)
            count += app
        f = 10**k + total
    else:
        raise Unsupported(f"combine {g.combine}")
    if g.max_credit is not None:
        kk = max(k, decimals(g.max_credit))
        f, k = half_up_rescale(f, k, kk), kk
        lo = scaled(1 - g.max_credit, k)
        f = np.where(f < lo, lo, f)
    if g.max_debit is not None:
        kk = max(k, decimals(g.max_debit))
        f, k = half_up_rescale(f, k, kk), kk
        hi = scaled(1 + g.max_debit, k)
        f = np.where(f > hi, hi, f)
    if g.factor_decimals is not None:
        f, k = half_up_rescale(f, k, g.factor_decimals), g.factor_decimals
    elif k > 8:
        raise Unsupported(f"group {g.id} without factor_decimals")
    return count > 0, np.maximum(f, 0), k


def rate_version(manual, b: Book) -> Rated:
    n = b.n
    if manual.step_rounding is None or manual.step_rounding[0] != Decimal("0.01"):
        raise Unsupported("the peers rate manuals with step rounding to the cent only")
    if manual.base_form != "claims_made":
        raise Unsupported("base form other than claims-made")
    classes = {c: i for i, c in enumerate(manual.classes)}
    terrs = {t: i for i, t in enumerate(manual.territories)}
    nT = len(terrs)

    state_ok = lookup([u.upper() == manual.state for u in b.state[1]], b.state[0], 0).astype(bool)

    # Role: 0 physician, 1 own class, 2 percent of class, 3 flat, −1 unknown.
    pct_k = max([decimals(r[x]) for r in manual.midlevels.values() if r["method"] == "percent_of_class"
                 for x in ("shared", "separate") if r[x] is not None] or [0])
    kinds, rcls, pshared, psep, fshared, fsep = [], [], [], [], [], []
    for u in b.role[1]:
        rule = manual.midlevels.get(u.upper()) if u != "physician" else None
        kind, c, a, bb, fa, fb = -1, -1, -1, -1, -1, -1
        if u == "physician":
            kind = 0
        elif rule is not None:
            c = classes.get(rule["class"], -1) if rule["class"] else -1
            if rule["method"] == "own_class":
                kind = 1 if c >= 0 else -1
            elif rule["method"] == "percent_of_class":
                kind = 2 if c >= 0 else -1
                a = scaled(rule["shared"], pct_k) if rule["shared"] is not None else -1
                bb = scaled(rule["separate"], pct_k) if rule["separate"] is not None else -1
            elif rule["method"] == "flat":
                kind = 3
                fa = scaled(rule["shared"], 2) if rule["shared"] is not None else -1
                fb = scaled(rule["separate"], 2) if rule["separate"] is not None else -1
        kinds.append(kind), rcls.append(c), pshared.append(a), psep.append(bb), fshared.append(fa), fsep.append(fb)
    rc = b.role[0]
    kind = lookup(kinds, rc, -1)
    pct = np.where(b.shared, lookup(pshared, rc, -1), lookup(psep, rc, -1))
    flat = np.where(b.shared, lookup(fshared, rc, -1), lookup(fsep, rc, -1))

    spec = np.array(
        [[classes.get(manual.class_of(code, lv) or "", -1) for lv in SURGERY_LEVELS] for code in b.specialty[1]]
        + [[-1, -1, -1]],
        dtype=I64,
    )
    sc = np.where(b.specialty[0] < 0, len(b.specialty[1]), b.specialty[0])
    phys_cls = spec[sc, b.surgery]
    cls = np.select([kind == 0, (kind == 1) | (kind == 2)], [phys_cls, lookup(rcls, rc, -1)], -1)
    is_flat = kind == 3
    ok = state_ok & (kind >= 0) & ~((kind == 0) & (cls < 0)) & ~((kind == 2) & (pct < 0)) & ~(is_flat & (flat < 0))

    terr = lookup([terrs.get(manual.territory_of(u), -1) if manual.territory_of(u) else -1 for u in b.county[1]],
                  b.county[0], -1)
    ok &= terr >= 0

    cm = ~b.occurrence
    ok &= ~(cm & ~b.retro_known) & ~(cm & b.retro_known & (b.retro > b.eff))

    rated = ~is_flat  # rows that go through every provider step
    safe_cls = np.where(cls >= 0, cls, 0)
    safe_terr = np.where(terr >= 0, terr, 0)
    base = np.array([scaled(manual.base[(c, t)], 2) if (c, t) in manual.base else -1
                     for c in manual.classes for t in manual.territories], dtype=I64)
    run = base[safe_cls * nT + safe_terr]
    ok &= ~(rated & (run < 0))
    run = np.where(run < 0, 0, run)
    run = np.where(kind == 2, mul_round(run, np.maximum(pct, 0), pct_k), run)

    # Claims-made step or occurrence factor.
    steps = manual.cm_steps
    form_k = max([decimals(x) for x in steps] + ([decimals(manual.occurrence_factor)] if manual.occurrence_factor else []))
    step_tab = np.array([scaled(x, form_k) for x in steps], dtype=I64)
    year = whole_years(np.where(b.retro_known, b.retro, b.eff), b.eff) + 1
    cm_f = step_tab[np.clip(np.minimum(year, len(steps)) - 1, 0, len(steps) - 1)]
    if manual.occurrence_factor is None:
        ok &= ~(rated & b.occurrence)
        occ = 10**form_k
    else:
        occ = scaled(manual.occurrence_factor, form_k)
    form_f = np.where(b.occurrence, occ, cm_f)

    lim_k = max(decimals(f) for f in manual.limits.values())
    lim = lookup([scaled(manual.limits[p], lim_k) if (p := parse_limits(u)) in manual.limits else -1
                  for u in b.limits[1]], b.limits[0], -1)
    ok &= ~(rated & (lim < 0))

    ded_k = max([decimals(1 - c) for c in manual.deductibles.values()] or [0])
    dvals = []
    for u in b.deductible[1]:
        key = parse_deductible(u) if u else None
        if not u:
            dvals.append(10**ded_k)
        elif key is not None and key in manual.deductibles:
            dvals.append(scaled(1 - manual.deductibles[key], ded_k))
        else:
            dvals.append(-1)
    ded = lookup(dvals, b.deductible[0], 10**ded_k)
    ok &= ~(rated & (ded < 0))

    sch_k, svals = schedule_factors(manual, b.schedule[1])
    sch = lookup(svals, b.schedule[0], 10**sch_k)
    ok &= ~(rated & (sch < 0))

    flat_run = np.maximum(flat, 0)
    for step, arg in manual.provider_steps:
        if step == "base_rate":
            pass
        elif step == "policy_form":
            run = mul_round(run, form_f, form_k)
        elif step == "limits":
            run = mul_round(run, np.maximum(lim, 0), lim_k)
        elif step == "deductible":
            run = mul_round(run, np.maximum(ded, 0), ded_k)
        elif step == "group":
            g = manual.groups[arg]
            app, f, k = group_factor(g, manual, b)
            run = np.where(app, mul_round(run, f, k), run)
        elif step == "schedule":
            run = mul_round(run, np.maximum(sch, 0), sch_k)
        elif step == "experience":
            pass  # a book carries no group loss experience
        elif step == "locum":
            if manual.locum is not None:
                free, per_day = manual.locum
                run = run + np.maximum(b.locum - free, 0) * scaled(per_day, 2)
        elif step == "round":
            u = scaled(arg[0], 2)
            run = round_to_unit(run, u)
            flat_run = round_to_unit(flat_run, u)
        elif step == "minimum":
            m = scaled(arg, 2)
            run = np.maximum(run, m)
            flat_run = np.maximum(flat_run, m)
        else:
            raise Unsupported(f"provider step {step}")
    premium = np.where(is_flat, flat_run, run)
    premium = np.where(ok, premium, -1)

    status = appetite(manual, b, np.where(is_flat, -1, cls), kind)
    status = np.where(ok, status, 0)
    return Rated(premium, status, np.where(ok & ~is_flat, cls, -1))


def schedule_factors(manual, uniques):
    """(k, factor × 10^k per distinct schedule text); 10^k for none, −1 when invalid."""
    plan = manual.schedule
    k = 4
    if plan is not None:
        k = max(k, decimals(plan["max_credit"]), decimals(plan["max_debit"]),
                *(decimals(x) for r in plan["items"].values() for x in r))
    if not uniques:
        return k, []
    u = pd.Series(uniques, dtype=pd.ArrowDtype(pa.string()))
    sel = u.str.split(";").explode()
    sel = sel[sel.notna() & (sel.str.strip() != "")]
    owner = sel.index.to_numpy(dtype=I64)
    pair = sel.str.split(":")
    item = pair.list[0].str.strip()
    adj = text_scaled(pair.list[1].str.strip(), k)
    has_sel = np.bincount(owner, minlength=len(uniques)) > 0
    if plan is None:
        return k, np.where(has_sel, -1, 10**k)
    ids = list(plan["items"])
    lo = np.array([-scaled(plan["items"][i][0], k) for i in ids] + [0], dtype=I64)
    hi = np.array([scaled(plan["items"][i][1], k) for i in ids] + [-1], dtype=I64)
    which = pd.Index(ids).get_indexer(item.astype(object)).astype(I64)
    which = np.where(which < 0, len(ids), which)
    bad = (adj < lo[which]) | (adj > hi[which])
    invalid = np.bincount(owner[bad], minlength=len(uniques)) > 0
    total = np.zeros(len(uniques), dtype=I64)
    np.add.at(total, owner, adj)
    total = np.clip(total, -scaled(plan["max_credit"], k), scaled(plan["max_debit"], k))
    return k, np.where(invalid, -1, np.where(has_sel, 10**k + total, 10**k))


def appetite(manual, b: Book, cls: np.ndarray, kind: np.ndarray) -> np.ndarray:
    decline = np.zeros(b.n, dtype=bool)
    refer = np.zeros(b.n, dtype=bool)
    classes = {c: i for i, c in enumerate(manual.classes)}
    for rule in manual.eligibility:
        c = rule["condition"]
        if c == "claims":
            inw = b.claims_in(int(rule.get("within_years", 5))) & (
                b.claim_paid >= scaled(dec(rule.get("min_paid", 0)), 2)
            )
            fires = b.per_row_count(inw) >= int(rule["at_least"])
        elif c == "paid_total":
            inw = b.claims_in(int(rule.get("within_years", 5)))
            fires = b.per_row_paid(inw) >= scaled(dec(rule["amount"]), 2)
        elif c == "disciplinary":
            listed = np.zeros(len(DISCIPLINARY_ACTIONS) + 1, dtype=bool)
            for a in rule["any"]:
                listed[DISCIPLINARY_ACTIONS.index(a)] = True
            ev = b.actions_in(int(rule.get("within_years", 5))) & listed[b.disc_action]
            fires = np.bincount(b.disc_row[ev], minlength=b.n) > 0
        elif c == "class":
            ids = [classes[x] for x in rule["any"] if x in classes]
            fires = np.isin(cls, ids) & (cls >= 0)
        elif c == "specialty":
            codes = [i for i, u in enumerate(b.specialty[1]) if u in rule["any"]]
            fires = (kind == 0) & np.isin(b.specialty[0], codes)
        elif c == "surgery":
            levels = [SURGERY_LEVELS.index(x) for x in rule["any"]]
            fires = (kind == 0) & np.isin(b.surgery, levels)
        elif c == "locum_days":
            fires = b.locum > int(rule["over"])
        elif c == "providers":
            fires = np.full(b.n, 1 > int(rule["over"]))
        elif c in ("service", "telehealth_out_of_state"):
            continue  # practice-wide facts the book does not carry
        else:
            raise Unsupported(f"eligibility condition {c}")
        if rule["action"] == "decline":
            decline |= fires
        else:
            refer |= fires
    return np.where(decline, 3, np.where(refer, 2, 1)).astype(np.int8)


# ---------------------------------------------------------------------------------------------


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
    book = Book(args.book)
    t1 = time.perf_counter()
    a = rate_version(before_m, book)
    b = rate_version(after_m, book)
    t2 = time.perf_counter()
    both = (a.premium >= 0) & (b.premium >= 0)
    labels = np.array(after_m.classes + ["flat"], dtype=object)
    df = pd.DataFrame({
        "class": labels[np.where(b.cls >= 0, b.cls, len(after_m.classes))][both],
        "before": a.premium[both],
        "after": b.premium[both],
    })
    by_class = df.groupby("class", sort=True).agg(rows=("before", "size"), before=("before", "sum"), after=("after", "sum"))
    t3 = time.perf_counter()

    total_b, total_a = int(by_class["before"].sum()), int(by_class["after"].sum())
    print(f"pandas peer: {book.n} rows, {int(both.sum())} rated under both versions, "
          f"{int((a.premium < 0).sum())} not rated under {args.v_from}, {int((b.premium < 0).sum())} under {args.v_to}")
    print(f"{'class':>6} {'rows':>9} {'before':>18} {'after':>18} {'change':>8}")
    for cls_id, r in by_class.iterrows():
        ch = (int(r['after']) - int(r['before'])) * 10000 // max(int(r['before']), 1)
        print(f"{cls_id:>6} {int(r['rows']):>9} {cents(int(r['before'])):>18} {cents(int(r['after'])):>18} "
              f"{ch / 100:>7.2f}%")
    print(f"{'total':>6} {int(both.sum()):>9} {cents(total_b):>18} {cents(total_a):>18}")
    print(f"timing: read {t1 - t0:.3f} s, rate both versions {t2 - t1:.3f} s, group-by {t3 - t2:.3f} s")
    print(f"PEER_SECONDS {t3 - t0:.4f}")

    if args.out:
        out = pd.DataFrame({
            "row": np.arange(1, book.n + 1),
            "before": pd.array(np.where(a.premium >= 0, a.premium, 0), dtype="Int64"),
            "after": pd.array(np.where(b.premium >= 0, b.premium, 0), dtype="Int64"),
            "status_before": STATUS_NAMES[a.status],
            "status_after": STATUS_NAMES[b.status],
        })
        out.loc[a.premium < 0, "before"] = pd.NA
        out.loc[b.premium < 0, "after"] = pd.NA
        out.to_csv(args.out, index=False)
    return 0


def cents(c: int) -> str:
    return f"{c // 100:,}.{c % 100:02d}"


if __name__ == "__main__":
    sys.exit(main())
