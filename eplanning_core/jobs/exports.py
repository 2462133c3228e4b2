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
