"""Refusals and holders as a person reads them: stage names, the unit, agency or member
holding a batch, and the engine's (or the meeting's) refusal in the user's language.

Shared by every screen and the API, so that none of them imports another's view.
"""

from __future__ import annotations

from flask_login import current_user

from .. import workflow
from ..accounts.models import PerangkatDaerah, User
from ..extensions import db
from ..ids import parse_id
from ..tenancy.context import current_tenant_id, tenant_config, tenant_select
from ..wilayah.models import Wilayah
from .messages import refusal_message

SUMBER_NAMES = {"lingkungan": "Rembuk Warga", "kelurahan": "Musrenbang kelurahan/desa",
                "kecamatan": "Musrenbang kecamatan", "pd": "Perangkat Daerah", "pokir": "Pokir DPRD",
                "bappeda": "Bappeda"}


def stage_names(cycle: workflow.Cycle) -> dict[str, str]:
    return {s.key: s.name for s in cycle.stages}


def holder_name(cycle: workflow.Cycle, stage_key: str):
    """A function naming the holders of a stage: unit names, agency names, member names."""
    level = cycle.stage(stage_key).level if cycle.stage(stage_key) else None

    def name(holder) -> str:
        if holder is None:
            return "—"
        if level is not None and level.is_unit:
            own = getattr(current_user, "wilayah", None)  # an operator's own unit: already loaded
            unit = own if own is not None and own.kode == str(holder) else db.session.scalar(
                tenant_select(Wilayah).where(Wilayah.kode == str(holder)))
            from ..wilayah.labels import unit_label  # "Lingkungan I, Pasar Baru"

            return unit_label(unit) if unit else str(holder)
        model = PerangkatDaerah if level is not None and level.is_agency else User
        row = db.session.get(model, parse_id(holder)) if parse_id(holder) else None
        return row.nama if row is not None and row.tenant_id == current_tenant_id() else str(holder)
    return name


def explain(refusal, cycle, stage_key=None) -> str:
    """The refusal as one sentence naming stages and holders as the user knows them."""
    return refusal_message(refusal, stage_names=stage_names(cycle),
                           holder_name=holder_name(cycle, refusal.params.get("stage", stage_key) or stage_key)
                           if (refusal.params.get("stage", stage_key) in stage_names(cycle)) else None)
