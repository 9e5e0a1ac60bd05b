"""Reads a medmal rate manual (manual.toml and its CSV tables) into exact Python values.

Shared by the two benchmark peers (peer_pandas.py, peer_polars.py). Every number is a
`decimal.Decimal` read from its source text (TOML floats are parsed as decimals), so nothing
on the money path ever passes through a binary float. The peers turn these decimals into
scaled integers (`scaled`) and do all per-row arithmetic in int64.

Only the manual features the benchmark's manuals (keystone-mutual PA 2026-07 and 2027-01) use
are supported; anything else raises `Unsupported` rather than being rated differently from
medmal. The loader does not validate the manual: `medmal check` does that.
"""

from __future__ import annotations

import csv
import tomllib
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path


class Unsupported(Exception):
    """A manual feature the peers do not implement."""


# ---------------------------------------------------------------------------------------------
# Exact decimals as scaled integers.


def decimals(x: Decimal) -> int:
    """Places after the point needed to write `x` exactly (`0.350` → 2, `7900` → 0)."""
    exp = x.normalize().as_tuple().exponent
    return max(0, -int(exp))


def scaled(x: Decimal, places: int) -> int:
    """`x × 10^places` as an int; raises when that is not a whole number."""
    v = x.scaleb(places)
    if v != v.to_integral_value():
        raise Unsupported(f"{x} has more than {places} decimal places")
    return int(v)


def dec(v) -> Decimal:
    if isinstance(v, Decimal):
        return v
    if isinstance(v, bool):
        raise Unsupported(f"expected a number, got {v!r}")
    if isinstance(v, int):
        return Decimal(v)
    if isinstance(v, str):
        return Decimal(v.replace("_", ""))
    raise Unsupported(f"expected a number, got {v!r}")


def parse_amount(text: str) -> Decimal | None:
    """A positive dollar amount with an optional K/M suffix (`500K`, `1.5M`, `$1,000,000`),
    as medmal's limits parser reads it."""
    t = text.strip()
    if t.startswith("$"):
        t = t[1:].lstrip()
    if not t:
        return None
    mult = Decimal(1)
    if t[-1] in "kK":
        t, mult = t[:-1], Decimal(1000)
    elif t[-1] in "mM":
        t, mult = t[:-1], Decimal(1_000_000)
    cleaned = t.rstrip().replace(",", "").replace("_", "")
    whole, _, frac = cleaned.partition(".")
    if not whole or not whole.isdigit() or (frac and not frac.isdigit()) or cleaned.endswith("."):
        return None
    if not whole.isascii() or not frac.isascii():
        return None
    value = (Decimal(cleaned) * mult).normalize()
    return value if value > 0 else None


def parse_limits(text: str) -> tuple[Decimal, Decimal] | None:
    """`per-claim/aggregate` → (per claim, aggregate) in dollars."""
    if text.count("/") != 1:
        return None
    a, b = text.split("/")
    pa, pb = parse_amount(a), parse_amount(b)
    if pa is None or pb is None:
        return None
    return (pa, pb)


DEDUCTIBLE_TYPES = ("indemnity", "indemnity_expense")
DEDUCTIBLE_BASES = ("per_claim", "aggregate")


def parse_deductible(text: str) -> tuple[Decimal, str, str] | None:
    """`amount type basis` (`5000 indemnity per_claim`) → (amount, type, basis)."""
    parts = text.split()
    if len(parts) != 3:
        return None
    amount = parse_amount(parts[0])
    if amount is None or parts[1] not in DEDUCTIBLE_TYPES or parts[2] not in DEDUCTIBLE_BASES:
        return None
    return (amount, parts[1], parts[2])


# ---------------------------------------------------------------------------------------------
# The manual.


@dataclass
class Modifier:
    id: str
    type: str
    spec: dict


@dataclass
class Group:
    id: str
    combine: str  # "multiply" or "add"
    modifiers: list[str]
    max_credit: Decimal | None
    max_debit: Decimal | None
    factor_decimals: int | None


@dataclass
class Manual:
    path: Path
    carrier: str
    state: str
    version: str
    base_form: str
    mirror: bool
    step_rounding: tuple[Decimal, str] | None
    classes: list[str]
    territories: list[str]
    base: dict[tuple[str, str], Decimal]
    specialties: dict[str, dict[str, str]]
    midlevels: dict[str, dict]  # upper-case role -> rule
    counties: dict[str, str]  # lower-case county -> territory
    default_territory: str | None
    cm_steps: list[Decimal] | None
    cm_mature_factor: Decimal | None
    occurrence_factor: Decimal | None
    limits: dict[tuple[Decimal, Decimal], Decimal]
    deductibles: dict[tuple[Decimal, str, str], Decimal]
    modifiers: dict[str, Modifier]
    groups: dict[str, Group]
    schedule: dict | None  # {max_credit, max_debit, items: {id: (max_credit, max_debit)}}
    locum: tuple[int, Decimal] | None  # (free_days, per_day)
    eligibility: list[dict]
    provider_steps: list = field(default_factory=list)

    def label(self) -> str:
        return f"{self.carrier}/{self.state}/{self.version}"

    def class_of(self, code: str, level: str) -> str | None:
        """Rating class of a physician specialty at a surgery level (with the D.O. mirror)."""
        m = self.specialties.get(code)
        if m is None and self.mirror and code.startswith("84"):
            m = self.specialties.get("80" + code[2:])
        if m is None:
            return None
        return m.get(level) or m.get("any")

    def territory_of(self, county: str) -> str | None:
        return self.counties.get(county.lower(), self.default_territory)


def _csv_rows(path: Path):
    with path.open(newline="", encoding="utf-8") as f:
        lines = [ln for ln in f if ln.strip() and not ln.lstrip().startswith("#")]
    return [[c.strip() for c in row] for row in csv.reader(lines)]


def _rounding(v) -> tuple[Decimal, str]:
    unit = dec(v["unit"])
    mode = v.get("mode", "half_up")
    if mode != "half_up":
        raise Unsupported(f"rounding mode {mode}")
    return (unit, mode)


def load_manual(path: str | Path) -> Manual:
    """Read `manual.toml` (a file, or the directory holding it) with its CSV tables."""
    path = Path(path)
    if path.is_dir():
        path = path / "manual.toml"
    root = path.parent
    doc = tomllib.loads(path.read_text(encoding="utf-8"), parse_float=Decimal)
    meta = doc["manual"]

    classes = [c["id"] for c in doc["classes"]]

    base: dict[tuple[str, str], Decimal] = {}
    territories: list[str] = []
    br = doc["base_rates"]
    if isinstance(br, str):
        rows = _csv_rows(root / br)
        territories = rows[0][1:]
        for row in rows[1:]:
            for t, cell in zip(territories, row[1:]):
                if cell:
                    base[(row[0], t)] = dec(cell)
    else:
        for c, cells in br.items():
            for t, v in cells.items():
                base[(c, t)] = dec(v)
                if t not in territories:
                    territories.append(t)

    terr = doc["territories"]
    for t in terr.get("names", {}):
        if t not in territories:
            territories.append(t)
    counties: dict[str, str] = {}
    cm = terr.get("counties", {})
    if isinstance(cm, str):
        rows = _csv_rows(root / cm)
        for county, t in rows[1:]:
            counties[county.lower()] = t
    else:
        for county, t in cm.items():
            counties[county.lower()] = t

    specialties = {}
    for s in doc.get("specialties", []):
        specialties[s["code"]] = {k: s[k] for k in ("none", "minor", "major", "any") if k in s}

    midlevels = {}
    for m in doc.get("midlevels", []):
        rule = {"method": m["method"], "class": m.get("class")}
        for k in ("shared", "separate"):
            rule[k] = dec(m[k]) if k in m else None
        midlevels[m["role"].upper()] = rule

    cm_steps = [dec(x) for x in doc["claims_made"]["steps"]] if "claims_made" in doc else None
    cm_mature = dec(doc["claims_made"]["mature_factor"]) if "mature_factor" in doc.get("claims_made", {}) else None
    occ = dec(doc["occurrence"]["factor"]) if "occurrence" in doc else None

    limits = {}
    for opt in doc["limits"]:
        lv = opt["limits"]
        key = parse_limits(lv) if isinstance(lv, str) else (dec(lv["per_claim"]), dec(lv["aggregate"]))
        limits[key] = dec(opt["factor"])

    deductibles = {}
    for opt in doc.get("deductibles", []):
        deductibles[(dec(opt["amount"]).normalize(), opt["type"], opt["basis"])] = dec(opt["credit"])

    modifiers = {}
    for mid, spec in doc.get("modifiers", {}).items():
        modifiers[mid] = Modifier(mid, spec["type"], spec)

    groups = {}
    for g in doc.get("modifier_groups", []):
        groups[g["id"]] = Group(
            g["id"],
            g["combine"],
            list(g["modifiers"]),
            dec(g["max_credit"]) if "max_credit" in g else None,
            dec(g["max_debit"]) if "max_debit" in g else None,
            g.get("factor_decimals"),
        )

    schedule = None
    if "schedule" in doc:
        s = doc["schedule"]
        schedule = {
            "max_credit": dec(s["max_credit"]),
            "max_debit": dec(s["max_debit"]),
            "items": {i["id"]: (dec(i["max_credit"]), dec(i["max_debit"])) for i in s.get("items", [])},
        }

    locum = None
    if "locum" in doc:
        locum = (int(doc["locum"]["free_days"]), dec(doc["locum"]["per_day"]))

    steps = []
    for st in doc["rating"]["provider"]:
        if isinstance(st, str):
            if st.startswith("modifiers:"):
                steps.append(("group", st.split(":", 1)[1]))
            else:
                steps.append((st, None))
        elif "round" in st:
            steps.append(("round", _rounding(st["round"])))
        elif "minimum" in st:
            steps.append(("minimum", dec(st["minimum"])))
        else:
            raise Unsupported(f"provider step {st}")

    sr = meta.get("step_rounding")
    return Manual(
        path=path,
        carrier=meta["carrier"],
        state=meta["state"].upper(),
        version=str(meta["version"]),
        base_form=meta["base_form"],
        mirror=meta.get("osteopathic_mirror", True),
        step_rounding=_rounding(sr) if sr is not None else None,
        classes=classes,
        territories=territories,
        base=base,
        specialties=specialties,
        midlevels=midlevels,
        counties=counties,
        default_territory=terr.get("default"),
        cm_steps=cm_steps,
        cm_mature_factor=cm_mature,
        occurrence_factor=occ,
        limits=limits,
        deductibles=deductibles,
        modifiers=modifiers,
        groups=groups,
        schedule=schedule,
        locum=locum,
        eligibility=list(doc.get("eligibility", [])),
        provider_steps=steps,
    )


def find_manual(manuals_dir: str | Path, carrier: str, state: str, version: str) -> Manual:
    return load_manual(Path(manuals_dir) / carrier / state / version / "manual.toml")


# ---------------------------------------------------------------------------------------------
# Modifier tables as the peers use them: every adjustment a modifier can give, so a group's
# scale (decimal places) is known before any row is looked at.


def modifier_decimals(m: Modifier) -> int:
    """Decimal places of the adjustments a modifier can give."""
    s = m.spec
    t = m.type
    if t == "part_time":
        vals = [b["adjustment"] for b in s["bands"]]
    elif t in ("new_to_practice", "claims_free", "loyalty"):
        vals = [r["adjustment"] for r in s["years"]]
    elif t == "resident":
        vals = [s["resident"], s["moonlighting"]]
    elif t in ("teaching", "risk_management", "board_certified", "society_member"):
        vals = [s["adjustment"]]
    elif t == "leave_of_absence":
        return 4  # the prorated adjustment is rounded to 4 places
    elif t == "claims_surcharge":
        vals = [r["adjustment"] for r in s["rows"]]
    elif t == "disciplinary":
        vals = list(s["actions"].values())
    else:
        raise Unsupported(f"modifier type {t}")
    return max(decimals(dec(v)) for v in vals)


def modifier_max_factor(m: Modifier) -> Decimal:
    """The largest 1 + adjustment a modifier can give (for overflow checks)."""
    s = m.spec
    t = m.type
    if t == "part_time":
        vals = [b["adjustment"] for b in s["bands"]]
    elif t in ("new_to_practice", "claims_free", "loyalty"):
        vals = [r["adjustment"] for r in s["years"]]
    elif t == "resident":
        vals = [s["resident"], s["moonlighting"]]
    elif t == "leave_of_absence":
        vals = [0]
    elif t == "claims_surcharge":
        vals = [r["adjustment"] for r in s["rows"]]
    elif t == "disciplinary":
        vals = list(s["actions"].values())
    else:
        vals = [s["adjustment"]]
    return 1 + max(Decimal(0), max(dec(v) for v in vals))


def leave_adjustment(adjustment: Decimal, months: int) -> Decimal:
    """adjustment × months / 12, rounded half up (away from zero) to 4 places."""
    from decimal import ROUND_HALF_UP

    return (adjustment * months / 12).quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP)


SURGERY_LEVELS = ("none", "minor", "major")
DISCIPLINARY_ACTIONS = (
    "license_revoked",
    "license_suspended",
    "license_probation",
    "privileges_revoked",
    "privileges_restricted",
)
