"""GET /api/v1/publik/usulan/{kode}: the public tracking view of one proposal (no token).

The same view as the portal's tracking page (portal/queries.py): who decided is a unit or an
agency, never a person; the proposer's name is masked; phone and NIK are not even loaded.
"""

from __future__ import annotations

from flask.views import MethodView
from flask_babel import gettext as _
from flask_smorest import Blueprint

from ..extensions import db
from ..portal import queries
from ..portal.views import MAX_AGE
from ..portal.labels import BIDANG_LABELS
from ..portal.privacy import mask_name
from ..usulan.engine_adapter import cycle_for
from ..siklus.models import Siklus
from ..usulan.messages import status_name
from .errors import ApiError
from ..realisasi.public import execution
from .schemas import ErrorSchema, PublicUsulanSchema

blp = Blueprint("api_publik", __name__, url_prefix="/publik",
                description="The public view of a proposal (no token needed)")


def _step(s) -> dict:
    """One step of the journey: a decision, a change (with what changed) or a correction."""
    return {"tahapan_nama": s.stage, "keputusan": s.event, "label": s.label, "alasan": s.reason,
            "oleh": s.by, "waktu": s.at, "koreksi": s.correction, "dibuka_kembali": s.reopened,
            "perubahan": [{"nama": name, "sebelum": old, "sesudah": new} for name, old, new in s.changes]}


@blp.route("/usulan/<kode>")
class PublicUsulan(MethodView):
    @blp.response(200, PublicUsulanSchema)
    @blp.alt_response(404, schema=ErrorSchema, description="No proposal of this region has this code")
    def get(self, kode):
        """A proposal by its tracking code, with the timeline of decisions."""
        code = queries.normalise_code(kode)
        usulan, sub_kegiatan = queries.find_by_code(code) if code else (None, None)
        if usulan is None:
            raise ApiError(404, _("No proposal has the tracking code %(code)s.", code=kode[:40]))
        siklus = db.session.get(Siklus, usulan.siklus_id)
        cycle = cycle_for(siklus)
        stage = cycle.stage(usulan.tahapan)
        steps = queries.timeline(usulan, cycle)
        return {
            "kode_lacak": usulan.kode_lacak, "tahun": siklus.tahun,
            "usulan_kegiatan": usulan.usulan_kegiatan, "permasalahan": usulan.permasalahan,
            "bidang": usulan.bidang, "bidang_nama": str(BIDANG_LABELS.get(usulan.bidang, usulan.bidang)),
            "sumber": usulan.sumber,
            "lokasi": [u.nama for u in queries.location_path(usulan.lokasi_kode)],
            "jalan": usulan.jalan, "volume": usulan.volume, "satuan": usulan.satuan, "total": usulan.total,
            "tahapan": usulan.tahapan, "tahapan_nama": stage.name if stage else usulan.tahapan,
            "status": usulan.status, "status_nama": status_name(usulan.status), "alasan": usulan.alasan,
            "perangkat_daerah": usulan.perangkat_daerah.nama if usulan.perangkat_daerah else None,
            "sub_kegiatan_kode": usulan.sub_kegiatan_kode, "sub_kegiatan_nama": sub_kegiatan,
            "pagu": usulan.pagu, "harga_satuan": usulan.harga_satuan,
            "anggaran_jumlah": usulan.anggaran_jumlah, "pengusul": mask_name(usulan.pengusul_nama),
            "timeline": [_step(s) for s in steps],
            "koreksi": [_step(s) for s in steps if s.correction],
            "realisasi": execution(usulan),  # the journey ends with the execution (realisasi/public.py)
        }, 200, {"Cache-Control": f"public, max-age={MAX_AGE}", "Vary": "Accept-Language"}
