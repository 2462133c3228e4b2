"""Where a job's files live: JOBS_DIR/<region>/<job id>/, shared by web servers and workers.

A result is written under a temporary name and renamed into place only when complete
(``os.replace`` is atomic on one file system), so a download never sees a half-written file
and a run that dies leaves only a ``.part`` file, removed by the next run or by expiry.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from flask import current_app

PART = ".part-"
INPUT = "input"


def root() -> Path:
    configured = current_app.config.get("JOBS_DIR")
    return Path(configured) if configured else Path(current_app.instance_path) / "jobs"


def job_dir(slug: str, tugas_id: int) -> Path:
    return root() / slug / str(int(tugas_id))


def relative(path: Path) -> str:
    return str(path.relative_to(root()))


def absolute(relative_path: str) -> Path:
    """The stored relative path, refused if it leads outside JOBS_DIR."""
    base = root().resolve()
    path = (base / relative_path).resolve()
    if base not in path.parents:
        raise ValueError(f"job file outside JOBS_DIR: {relative_path}")
    return path


def save_input(slug: str, tugas_id: int, name: str, data: bytes) -> str:
    """An uploaded file for an import job, kept until the job ends."""
    folder = job_dir(slug, tugas_id) / INPUT
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_bytes(data)
    return relative(path)


def part_path(slug: str, tugas_id: int, attempt: int, name: str) -> Path:
    folder = job_dir(slug, tugas_id)
    folder.mkdir(parents=True, exist_ok=True)
    return folder / f"{PART}{attempt}-{name}"


def publish(part: Path, name: str) -> Path:
    """Move a complete result into place under its own name."""
    final = part.parent / name
    os.replace(part, final)
    return final


def remove_parts(slug: str, tugas_id: int) -> None:
    """Temporary files of earlier runs (a worker that died mid-write)."""
    folder = job_dir(slug, tugas_id)
    if folder.is_dir():
        for path in folder.glob(f"{PART}*"):
            path.unlink(missing_ok=True)


def remove_input(slug: str, tugas_id: int) -> None:
    shutil.rmtree(job_dir(slug, tugas_id) / INPUT, ignore_errors=True)


def remove_all(slug: str, tugas_id: int) -> None:
    shutil.rmtree(job_dir(slug, tugas_id), ignore_errors=True)
