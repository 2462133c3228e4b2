"""Export jobs: the locked RKPD (JSON, CSV, Excel) written to a file with progress."""

from __future__ import annotations

from flask_babel import gettext as _

from .runner import JobFailed, Result, Run

FORMAT_NAMES = {"xlsx": "Excel", "csv": "CSV", "json": "JSON"}


def describe_rkpd(params: dict) -> str:
    return f"RKPD {int(params['tahun'])} · {FORMAT_NAMES.get(params['fmt'], params['fmt'])}"


def rkpd_export(job: Run) -> Result:
    """The same file as the direct download (budgeting/export.py), written line by line."""
    from ..budgeting import export

    fmt = job.params.get("fmt")
    siklus = export.cycle_by_year(int(job.params.get("tahun") or 0))
    if siklus is None or fmt not in export.FORMATS:
        raise JobFailed(_("This cycle or format does not exist (any more)."))
    job.progress(0, None, force=True)
    try:
        plan = export.rkpd(siklus)
    except export.RkpdNotLocked as refused:
        raise JobFailed(refused.message) from None
    total = len(plan.lines)
    counted = export.Rkpd(plan.siklus, job.counted(plan.lines))
    mimetype, write = export.FORMATS[fmt]
    data = write(counted)
    name = export.filename(siklus, fmt)
    part = job.output(name)
    part.write_bytes(data)
    job.progress(total, total, force=True)
    return Result(part=part, name=name, mimetype=mimetype, done=total)


def describe_rkpd_pdf(params: dict) -> str:
    agency = params.get("pd_nama") or _("all agencies")
    return f"RKPD {int(params['tahun'])} · PDF · {agency}"


def rkpd_pdf(job: Run) -> Result:
    """The printed RKPD (budgeting/export.py: report_pdf) of one agency or of the region:
    the set plan, or the draft before Penetapan."""
    from ..accounts.models import PerangkatDaerah
    from ..budgeting import export
    from ..exports.excel import safe_filename
    from ..extensions import db
    from ..tenancy.context import tenant_select

    siklus = export.cycle_by_year(int(job.params.get("tahun") or 0))
    agency_id = job.params.get("pd")
    agency = None
    if agency_id is not None:
        agency = db.session.scalar(tenant_select(PerangkatDaerah).where(PerangkatDaerah.id == int(agency_id)))
    if siklus is None or (agency_id is not None and agency is None):
        raise JobFailed(_("This cycle or agency does not exist (any more)."))
    job.progress(0, None, force=True)
    data, total = export.report_pdf(siklus, agency.id if agency else None, progress=job.counted)
    name = safe_filename(export.report_filename(siklus, agency), ".pdf")
    part = job.output(name)
    part.write_bytes(data)
    job.progress(total, total, force=True)
    return Result(part=part, name=name, mimetype="application/pdf", done=total)
