"""The rows a request names by id, code or key, resolved in the caller's region, or a 404.

A reference to something that does not exist (a cycle id, a stage key the cycle does not
have, a catalogue item, a unit code, an agency code) is "not found" for the client: the answer
is 404 with the API's JSON error naming the field, so a client can tell it from a malformed
request (422) and the OpenAPI document need not pretend to know each region's rows. Every
lookup is inside the current region, so another region's row answers exactly as a row that
exists nowhere (same status, same body).
"""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import select

from .. import workflow
from ..extensions import db
from ..kamus.models import KamusUsulan
from ..siklus.models import Siklus
from ..tenancy.context import current_tenant_id, tenant_select
from ..usulan.explain import explain
from ..usulan.inputs import check_references
from ..wilayah.models import Wilayah
from .access import cycle_or_none
from .errors import ApiError, refused


def not_found(field: str, message: str, *, rule: str | None = None) -> ApiError:
    """404 naming ``field``: the message is the field's own, so it reads on its own too."""
    return ApiError(404, message, errors={field: [message]}, rule=rule)


def cycle(siklus_id: int | None, field: str = "siklus") -> Siklus | None:
    """The cycle asked for (404 when the region has none of that id), else the running one
    (None when the region has no cycle at all)."""
    siklus = cycle_or_none(siklus_id)
    if siklus is None and siklus_id is not None:
        raise not_found(field, _("Not a planning cycle of this region."))
    return siklus


def stage(cycle_def: workflow.Cycle, key: str, field: str = "tahapan") -> workflow.StageDef:
    """The stage ``key`` of the cycle (stages are each region's configuration), else 404."""
    found = cycle_def.stage(key)
    if found is None:
        message = explain(workflow.Refusal("unknown_stage", {"stage": key}), cycle_def, None)
        raise not_found(field, message, rule="unknown_stage")
    return found


def kamus_item(kamus_id: int | None, field: str = "kamus_id") -> int | None:
    """The id of an item of the region's catalogue (None when none is named), else 404."""
    if kamus_id is None:
        return None
    found = db.session.scalar(select(KamusUsulan.id).where(
        KamusUsulan.tenant_id == current_tenant_id(), KamusUsulan.id == kamus_id))
    if found is None:
        raise not_found(field, _("Not an item of the catalogue."))
    return found


def unit(kode: str, field: str = "lokasi_kode") -> Wilayah:
    """The region's unit with this code, else 404."""
    found = db.session.scalar(tenant_select(Wilayah).where(Wilayah.kode == kode.strip()))
    if found is None:
        raise not_found(field, _("Choose a unit of this region."))
    return found


def decision_inputs(inputs: dict) -> None:
    """A decision's agency_id and sub_kegiatan name an active agency of the region and a sub
    kegiatan of its nomenclature (usulan/inputs.py, as on the screens), else 404."""
    _clean, errors = check_references(current_tenant_id(), inputs)
    if errors:
        first = next(iter(errors.values()))
        raise ApiError(404, first, errors={field: [message] for field, message in errors.items()})


def unknown_stage(refusal: workflow.Refusal, cycle_def, field: str = "tahapan") -> ApiError:
    """The engine's unknown_stage refusal as the same 404 (RULE_STATUS says 404 for it)."""
    message = explain(refusal, cycle_def, None)
    return refused("unknown_stage", message, errors={field: [message]})
