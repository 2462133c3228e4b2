"""A region's stages from tenant.toml, dated for one planning cycle.

tenant.toml describes the stages once, for every year: dates are month-day in the planning
year N (``opens = "01-15"``, ``closes = "01-31"``, optionally with a time: ``"02-22T16:00"``).
For the cycle "RKPD 2027" (planned in 2026) they become 2026-01-15 and so on. A region
without ``[[stages]]`` runs the default Permendagri 86/2017 set of the engine.
"""

from __future__ import annotations

import re
from datetime import date, datetime

from ..workflow import StageConfigError, default_stage_config, stages_from_config

DATE_KEYS = ("opens", "closes", "entry_closes")
MONTH_DAY = re.compile(r"^(\d{2})-(\d{2})(?:T(\d{2}):(\d{2}))?$")
#: The year used to check a region's stages when its file is loaded.
CHECK_YEAR = 2027


class StageDateError(ValueError):
    pass


def _dated(value, year: int):
    if not isinstance(value, str):
        raise StageDateError(
            f"write month-day in quotes, e.g. \"01-15\" (the year comes from the cycle), got {value!r}")
    match = MONTH_DAY.match(value.strip())
    if not match:
        raise StageDateError(f"\"{value}\" is not month-day like \"01-15\" or \"02-22T16:00\"")
    month, day, hour, minute = match.groups()
    try:
        if hour is None:
            return date(year, int(month), int(day))
        return datetime(year, int(month), int(day), int(hour), int(minute))
    except ValueError as exc:
        raise StageDateError(f"\"{value}\": {exc}") from None


def stage_config_for_year(raw_stages: list[dict] | None, plan_year: int) -> list[dict]:
    """The stage dicts of one cycle (budget year ``plan_year``), dates filled in for year N."""
    if raw_stages is None:
        return default_stage_config(plan_year)
    out = []
    for raw in raw_stages:
        stage = dict(raw)
        for key in DATE_KEYS:
            if key in stage:
                stage[key] = _dated(stage[key], plan_year - 1)
        out.append(stage)
    return out


def check_stages(raw_stages: list[dict] | None, timezone: str) -> list[tuple[str, str]]:
    """Problems of a region's [[stages]] as (key, reason) pairs; empty when they are usable."""
    if raw_stages is None:
        return []
    problems = []
    for index, raw in enumerate(raw_stages, 1):
        for key in DATE_KEYS:
            if isinstance(raw, dict) and key in raw:
                try:
                    _dated(raw[key], CHECK_YEAR - 1)
                except StageDateError as exc:
                    problems.append((f"stages[{index}].{key}", str(exc)))
    if problems:
        return problems
    try:
        stages_from_config(stage_config_for_year(raw_stages, CHECK_YEAR), timezone)
    except StageConfigError as exc:
        for p in exc.problems:
            where = "stages" if p.index is None else f"stages[{p.index}]"
            if p.field:
                where += f".{p.field}"
            label = f" (key \"{p.key}\")" if p.key else ""
            problems.append((where, p.message + label))
    return problems
