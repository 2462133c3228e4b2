"""Stage definitions from plain dicts, as a region writes them in ``[[stages]]`` of tenant.toml.

Every mistake is collected and reported together, each naming the stage's position, its
key and the field, in words a regional IT officer can act on. See ``STAGE_FIELDS`` for the
accepted keys and :mod:`.defaults` for a complete example.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any, Iterable, Mapping
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from .cycle import Cycle
from .kinds import KINDS, LEVELS
from .levels import Level
from .stages import Criterion, Limit, StageDef
from .state import BELUM_DIBAHAS

KEY = re.compile(r"^[a-z][a-z0-9_]{1,39}$")
CRITERION_KEY = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
STAGE_FIELDS = ("key", "name", "kind", "level", "opens", "closes", "entry_closes", "creators",
                "decisions", "quota", "ceiling", "criteria", "survey", "next")
CRITERION_FIELDS = ("key", "name", "weight", "max")
#: How far up the cycle each level sits: proposals only move up.
_LEVEL_ORDER = {3: 0, 2: 1, 1: 2, "dprd": 3, "pd": 4, "bappeda": 5}


@dataclass(frozen=True)
class StageProblem:
    index: int | None   # 1-based position in [[stages]]; None for the list as a whole
    key: str | None
    field: str | None
    message: str

    def __str__(self) -> str:
        where = "[[stages]]"
        if self.index is not None:
            where += f" #{self.index}" + (f" (key \"{self.key}\")" if self.key else "")
        return f"{where}: {self.field + ': ' if self.field else ''}{self.message}"


class StageConfigError(ValueError):
    """The stage list cannot be used; ``problems`` lists every mistake found."""

    def __init__(self, problems: list[StageProblem]):
        self.problems = problems
        super().__init__(f"The stages of the planning cycle have {len(problems)} problem(s):\n  - "
                         + "\n  - ".join(str(p) for p in problems))


class _Collector:
    def __init__(self):
        self.problems: list[StageProblem] = []

    def add(self, index, key, field, message):
        self.problems.append(StageProblem(index, key, field, message))


def _is_int(value) -> bool:
    return type(value) is int


def _moment(value, tz: ZoneInfo, closing: bool) -> datetime:
    """A date or local date-time from TOML (or ISO text); a date closing means end of day."""
    if isinstance(value, str):
        text = value.strip()
        try:
            value = date.fromisoformat(text) if len(text) == 10 else datetime.fromisoformat(text)
        except ValueError:
            raise ValueError(f"{value!r} is not a date (2026-01-15) or local date-time "
                             "(2026-01-15T08:00:00)") from None
    if isinstance(value, datetime):
        if value.tzinfo is not None:
            value = value.astimezone(tz).replace(tzinfo=None)
        return value
    if isinstance(value, date):
        day = value + timedelta(days=1) if closing else value
        return datetime.combine(day, time())
    raise ValueError(f"{value!r} is not a date (2026-01-15) or local date-time "
                     "(2026-01-15T08:00:00)")


def _limit(value, what: str) -> Limit:
    def amount(v, where):
        if not _is_int(v) or v < 0:
            unit = " of rupiah" if what == "ceiling" else ""
            raise ValueError(f"{where} must be a whole number{unit} of at least 0, got {v!r}")
        return v

    if isinstance(value, Mapping):
        unknown = set(value) - {"default", "overrides"}
        if unknown:
            raise ValueError(f"unknown key(s) {', '.join(sorted(map(str, unknown)))}; "
                             "use default = ... and overrides = { \"<code>\" = ... }")
        default = value.get("default")
        overrides = value.get("overrides", {})
        if not isinstance(overrides, Mapping):
            raise ValueError("overrides must be a table of code = number")
        return Limit(None if default is None else amount(default, "default"),
                     {str(k): amount(v, f"overrides[{k}]") for k, v in overrides.items()})
    return Limit(amount(value, "the value"))


def _weight(value) -> Decimal:
    if isinstance(value, bool):
        raise ValueError
    if isinstance(value, float):
        value = str(value)
    weight = Decimal(value)
    if not weight.is_finite() or weight <= 0:
        raise ValueError
    return weight


def _criteria(items, add) -> tuple[Criterion, ...]:
    if not isinstance(items, list) or not items:
        add("must be a non-empty list of { key, name, weight, max } tables")
        return ()
    result, seen = [], set()
    for n, item in enumerate(items, 1):
        if not isinstance(item, Mapping):
            add(f"entry {n} must be a table {{ key, name, weight, max }}")
            continue
        unknown = sorted(set(item) - set(CRITERION_FIELDS))
        if unknown:
            add(f"entry {n} has unknown key(s) {', '.join(unknown)}; "
                f"allowed: {', '.join(CRITERION_FIELDS)}")
        ckey = item.get("key")
        if not isinstance(ckey, str) or not CRITERION_KEY.match(ckey):
            add(f"entry {n}: key must be lowercase letters, digits or _ (got {ckey!r})")
            continue
        if ckey in seen:
            add(f"criterion \"{ckey}\" is listed twice")
        seen.add(ckey)
        name = item.get("name", ckey)
        try:
            weight = _weight(item.get("weight"))
        except (ValueError, InvalidOperation, TypeError):
            add(f"weight of \"{ckey}\" must be a positive number, got {item.get('weight')!r}")
            continue
        top = item.get("max", 5)
        if not _is_int(top) or top < 1:
            add(f"max of \"{ckey}\" must be a whole number of at least 1, got {top!r}")
            continue
        result.append(Criterion(ckey, str(name), weight, top))
    return tuple(result)


def _names(value, allowed: tuple[str, ...], what: str, kind: str, add) -> tuple[str, ...] | None:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        add(f"must be a list of names, e.g. [\"{allowed[0] if allowed else 'x'}\"]")
        return None
    wrong = [v for v in value if v not in allowed]
    if wrong:
        add(f"{', '.join(repr(w) for w in wrong)} {'is' if len(wrong) == 1 else 'are'} not "
            f"{what} at a '{kind}' stage (possible: {', '.join(allowed) or 'none'})")
        return None
    if len(set(value)) != len(value):
        add("lists a name twice")
        return None
    return tuple(value)


def _window(raw: Mapping[str, Any], tz: ZoneInfo, add):
    """opens, closes and entry_closes as naive local date-times (None where unusable)."""
    times = {}
    for field in ("opens", "closes", "entry_closes"):
        if field not in raw:
            if field != "entry_closes":
                add(field, "is missing; give a date (2026-01-15) or a local date-time")
            continue
        try:
            times[field] = _moment(raw[field], tz, closing=field != "opens")
        except ValueError as exc:
            add(field, str(exc))
    opens, closes, entry = (times.get(f) for f in ("opens", "closes", "entry_closes"))
    if opens and closes and closes <= opens:
        add("closes", f"the window closes ({closes:%Y-%m-%d %H:%M}) before it opens "
                      f"({opens:%Y-%m-%d %H:%M})")
    if entry and opens and closes and not opens < entry <= closes:
        add("entry_closes", "must fall inside the window (after opens, not after closes)")
    return opens, closes, entry


def _stage(index: int, raw: Mapping[str, Any], tz: ZoneInfo, out: _Collector) -> dict | None:
    """Check one stage's own fields; returns the StageDef arguments (``next`` unresolved)."""
    key = raw.get("key") if isinstance(raw.get("key"), str) else None

    def add(field, message):
        out.add(index, key, field, message)

    unknown = sorted(set(raw) - set(STAGE_FIELDS))
    if unknown:
        add(None, f"unknown key(s) {', '.join(unknown)}; allowed: {', '.join(STAGE_FIELDS)}")
    if key is None or not KEY.match(key):
        add("key", f"must be lowercase letters, digits or _ starting with a letter, "
                   f"at most 40 (got {raw.get('key')!r})")
    name = raw.get("name")
    if not isinstance(name, str) or not name.strip():
        add("name", "must be a non-empty text, e.g. \"Musrenbang Kelurahan\"")
    kind_key = raw.get("kind")
    if kind_key not in KINDS:
        add("kind", f"unknown kind {kind_key!r}; known kinds: {', '.join(KINDS)}")
        return None
    kind = KINDS[kind_key]
    level = raw.get("level", kind.level.key)
    if level not in LEVELS or isinstance(level, bool):
        add("level", f"must be one of 3 (lingkungan/dusun/jorong), 2 (kelurahan/desa/nagari), "
                     f"1 (kecamatan), \"pd\", \"dprd\" or \"bappeda\" (got {level!r})")
        level = kind.level
    elif level != kind.level.key:
        add("level", f"a '{kind_key}' stage is decided at level {kind.level!r}, not {level!r}")
    level = Level.of(level)  # parsed once: every later check asks the value

    opens, closes, entry = _window(raw, tz, add)
    creators = kind.default_creators
    if "creators" in raw:
        creators = _names(raw["creators"], kind.creators, "allowed to enter proposals",
                          kind_key, lambda m: add("creators", m))
        creators = creators if creators is not None else ()
    if entry is not None and not creators:
        add("entry_closes", "only applies where someone may enter proposals (creators)")
    decisions = kind.decisions
    if "decisions" in raw:
        decisions = _names(raw["decisions"], kind.decisions, "a decision available",
                           kind_key, lambda m: add("decisions", m))
        decisions = decisions if decisions is not None else kind.decisions
    if kind.sends and BELUM_DIBAHAS not in kind.forwards and not set(decisions) & kind.forwards:
        add("decisions", f"no decision lets a proposal go up; include one of "
                         f"{', '.join(sorted(kind.forwards))}")

    limits = {}
    for field in ("quota", "ceiling"):
        if field not in raw:
            continue
        if not kind.limits:
            add(field, f"does not apply at a '{kind_key}' stage")
            continue
        try:
            limits[field] = _limit(raw[field], field)
        except ValueError as exc:
            add(field, str(exc))
    criteria = ()
    if "criteria" in raw:
        if not kind.scores:
            add("criteria", f"scoring does not apply at a '{kind_key}' stage")
        else:
            criteria = _criteria(raw["criteria"], lambda m: add("criteria", m))
    survey = raw.get("survey", kind.survey)
    if not isinstance(survey, bool):
        add("survey", f"must be true or false, got {survey!r}")
        survey = False
    elif survey and not kind.survey:
        add("survey", f"a site survey does not apply at a '{kind_key}' stage")
    if "next" in raw and not isinstance(raw["next"], str):
        add("next", f"must be the key of a later stage, got {raw['next']!r}")
    return dict(key=key, name=name.strip() if isinstance(name, str) else "", kind=kind_key, level=level, opens=opens,
                closes=closes, entry_closes=entry, creators=creators, decisions=decisions,
                quota=limits.get("quota"), ceiling=limits.get("ceiling"), criteria=criteria,
                survey=survey, next=raw.get("next"))


def _link(parsed: list[tuple[int, dict]], out: _Collector) -> None:
    """Resolve and check every ``next``: a later stage that receives, one level further up."""
    position = {args["key"]: n for n, (_, args) in enumerate(parsed)}
    for n, (index, args) in enumerate(parsed):
        kind = KINDS[args["kind"]]

        def add(message, field="next"):
            out.add(index, args["key"], field, message)

        target = args["next"]
        if not kind.sends:
            if target is not None:
                add(f"a '{args['kind']}' stage sends nothing on; remove next")
            continue
        if target is None:
            later = [a for _, a in parsed[n + 1:] if KINDS[a["kind"]].receives]
            if not later:
                continue  # the last stage the region runs here: its proposals stay
            args["next"] = target = later[0]["key"]
        if target not in position:
            add(f"unknown stage \"{target}\"; known: {', '.join(position)}")
            continue
        other = parsed[position[target]][1]
        if position[target] <= n:
            add(f"stage \"{target}\" comes before this one; proposals only move forward")
        elif not KINDS[other["kind"]].receives:
            add(f"stage \"{target}\" ({other['kind']}) takes no proposals from other stages")
        else:
            here, there = _LEVEL_ORDER[args["level"].key], _LEVEL_ORDER[other["level"].key]
            if there < here or (there == here and args["level"].is_unit):
                add(f"stage \"{target}\" is decided at level {other['level']!r}, which is not "
                    f"above this stage's level {args['level']!r}")
            elif other["level"].is_agency and not args["level"].is_agency \
                    and not kind.routes:
                add(f"stage \"{target}\" works per agency (PD), but a '{args['kind']}' stage "
                    "cannot route proposals to an agency")
    receiving = {a["next"] for _, a in parsed if a["next"]}
    for index, args in parsed:
        if args["key"] not in receiving and not args["creators"]:
            out.add(index, args["key"], None, "no proposal can reach this stage: no stage sends "
                    "to it and nobody may enter proposals here (creators)")


def stages_from_config(items: Iterable[Mapping[str, Any]], timezone: str | ZoneInfo
                       ) -> tuple[StageDef, ...]:
    """Validated stage definitions, in order; raises StageConfigError listing every mistake."""
    out = _Collector()
    try:
        tz = timezone if isinstance(timezone, ZoneInfo) else ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError, TypeError):
        raise StageConfigError([StageProblem(None, None, "timezone",
                                             f"unknown time zone {timezone!r}; "
                                             "use e.g. Asia/Jakarta (WIB)")]) from None
    if isinstance(items, (str, bytes, Mapping)) or not isinstance(items, Iterable):
        raise StageConfigError([StageProblem(None, None, None,
                                             "must be a list of [[stages]] tables")])
    items = list(items)
    if not items:
        raise StageConfigError([StageProblem(None, None, None, "the list of stages is empty")])
    parsed, seen = [], {}
    for index, raw in enumerate(items, 1):
        if not isinstance(raw, Mapping):
            out.add(index, None, None, "must be a table of key = value lines")
            continue
        args = _stage(index, raw, tz, out)
        if args is None or args["key"] is None:
            continue
        if args["key"] in seen:
            out.add(index, args["key"], "key", f"already used by stage #{seen[args['key']]}")
            continue
        seen[args["key"]] = index
        parsed.append((index, args))
    if not out.problems:
        _link(parsed, out)
    if parsed and not any(args["creators"] for _, args in parsed):
        out.add(None, None, "creators", "no stage lets anyone enter proposals")
    if out.problems:
        raise StageConfigError(out.problems)
    return tuple(StageDef(**args) for _, args in parsed)


def cycle_from_config(year: int, items: Iterable[Mapping[str, Any]], timezone: str,
                      extensions=()) -> Cycle:
    return Cycle(year, stages_from_config(items, timezone), ZoneInfo(timezone), tuple(extensions))
