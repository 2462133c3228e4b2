"""Import jobs: the uploaded file is checked line by line (progress), then written in one
transaction by the importer; any problem leaves the database as it was."""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import ngettext

from ..extensions import db
from .runner import JobFailed, Result, Run


def describe_anggaran(params: dict) -> str:
    final = " · final" if params.get("final") else ""
    return f"APBD {int(params['tahun'])} · {params.get('name', '')}{final}"


def done_message(result) -> str:
    parts = [ngettext("%(num)d line", "%(num)d lines", result.lines),
             ngettext("%(num)d new", "%(num)d new", result.created),
             ngettext("%(num)d changed", "%(num)d changed", result.updated),
             ngettext("%(num)d unchanged", "%(num)d unchanged", result.unchanged)]
    text = _("APBD imported: %(parts)s.", parts=", ".join(parts))
    text += " " + _("Planned items funded: %(funded)s, not funded: %(not_funded)s.",
                    funded=result.funded, not_funded=result.not_funded)
    if result.unlinked:
        text += " " + ngettext("%(num)d line names a tracking code this cycle does not know (see the reconciliation).",
                               "%(num)d lines name a tracking code this cycle does not know (see the reconciliation).",
                               result.unlinked)
    return text


def import_summary(report) -> str:
    parts = [ngettext("%(num)d new", "%(num)d new", report.created),
             ngettext("%(num)d changed", "%(num)d changed", report.updated),
             ngettext("%(num)d unchanged", "%(num)d unchanged", report.unchanged)]
    if report.skipped:
        parts.append(ngettext("%(num)d row for provinces skipped", "%(num)d rows for provinces skipped",
                              report.skipped))
    return ", ".join(parts)


def problems_report(result) -> dict:
    """An import's problems as the job page lists them (line, kind, message)."""
    return {"problems": [{"line": p.line, "where": str(p.where), "kind": p.kind, "message": str(p.message)}
                         for p in result.problems[:500]],
            "more": max(0, len(result.problems) - 500)}


def anggaran_import(job: Run) -> Result:
    from ..accounts.models import User
    from ..budgeting import export, importer

    siklus = export.cycle_by_year(int(job.params.get("tahun") or 0))
    if siklus is None:
        raise JobFailed(_("This cycle or format does not exist (any more)."))
    user = db.session.get(User, job.user_id) if job.user_id else None
    job.progress(0, None, force=True)
    result = importer.import_file(siklus, user, job.input_bytes(), job.params["name"],
                                  final=bool(job.params.get("final")), progress=job.counted)
    if result.problems:
        count = len(result.problems)
        raise JobFailed(ngettext("The file has %(num)d problem; nothing was imported. Correct it and upload it again.",
                                 "The file has %(num)d problems; nothing was imported. Correct it and upload it again.",
                                 count), report=problems_report(result))
    if result.already is not None:
        from flask_babel import format_datetime

        return Result(report={"message": _("This file was already imported on %(when)s; nothing changed.",
                                           when=format_datetime(result.already.created_at, "d MMM yyyy HH:mm"))})
    return Result(report={"message": done_message(result), "lines": result.lines,
                          "link": f"/anggaran/{siklus.tahun}"}, done=result.lines)


def describe_kamus(params: dict) -> str:
    return params.get("name", "")


def _catalogue_import(job: Run, run_import, done_text: str, link: str) -> Result:
    from ..accounts.models import User

    user = db.session.get(User, job.user_id) if job.user_id else None
    job.progress(0, None, force=True)
    report = run_import(job.tenant_id, user, job.input_bytes(), job.params["name"], progress=job.counted)
    if not report.ok:
        raise JobFailed(ngettext("The file has %(num)d problem; nothing was imported. Correct it and upload it again.",
                                 "The file has %(num)d problems; nothing was imported. Correct it and upload it again.",
                                 len(report.problems)), report=problems_report(report))
    warnings = problems_report(type("W", (), {"problems": report.warnings})())["problems"]
    return Result(report={"message": done_text + " " + import_summary(report), "link": link,
                          "warnings": warnings}, done=report.created + report.updated + report.unchanged)


def kamus_import(job: Run) -> Result:
    from ..kamus import operations

    return _catalogue_import(job, operations.import_kamus, _("Catalogue imported:"), "/kamus/")


def nomenklatur_import(job: Run) -> Result:
    from functools import partial

    from ..kamus import operations

    run_import = partial(operations.import_nomenklatur,
                         allow_missing_parents=bool(job.params.get("allow_missing_parents")))
    return _catalogue_import(job, run_import, _("Nomenklatur imported:"), "/kamus/nomenklatur")


def describe_realisasi(params: dict) -> str:
    return params.get("name", "")


def realisasi_import(job: Run) -> Result:
    """An agency's execution report (realisasi/importer.py): all or nothing, idempotent."""
    from ..accounts.models import User
    from ..realisasi import importer

    user = db.session.get(User, job.user_id) if job.user_id else None
    if user is None:
        raise JobFailed(_("The account that started this import no longer exists."))
    job.progress(0, None, force=True)
    result = importer.import_file(job.tenant_id, user, job.input_bytes(), job.params["name"], progress=job.counted)
    if result.problems:
        raise JobFailed(ngettext("The file has %(num)d problem; nothing was imported. Correct it and upload it again.",
                                 "The file has %(num)d problems; nothing was imported. Correct it and upload it again.",
                                 len(result.problems)), report=problems_report(result))
    if result.already is not None:
        from flask_babel import format_datetime

        return Result(report={"message": _("This file was already imported on %(when)s; nothing changed.",
                                           when=format_datetime(result.already.created_at, "d MMM yyyy HH:mm")),
                              "link": "/realisasi/"})
    return Result(report={"message": _("Execution report imported:") + " " + import_summary(result),
                          "lines": result.lines, "link": "/realisasi/"}, done=result.lines)
