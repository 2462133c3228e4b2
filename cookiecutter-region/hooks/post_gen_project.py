"""Finish the project: the region's own logo and its extract of the wilayah CSV.

Runs in the new project's folder after every file was written.
"""

import csv
import json
import shutil
import sys
from pathlib import Path

ANSWERS = json.loads({{ cookiecutter | jsonify | tojson }})
sys.path.insert(0, {{ rules_dir | tojson }})

from region_rules import logo_file, region_rows  # noqa: E402

region = Path("tenants") / ANSWERS["tenant_slug"]

logo = ANSWERS.get("__logo_path")
if logo:
    target = region / logo_file(logo)
    if target.name != "logo.svg":
        (region / "logo.svg").unlink()
    shutil.copyfile(logo, target)

wilayah = ANSWERS.get("__wilayah_path")
if wilayah:
    # Only the region's kecamatan and villages: what `eplanning wilayah import` would take.
    rows = region_rows(wilayah, ANSWERS["region_code"])
    with (region / "wilayah.csv").open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(["kode", "nama", "tingkat"])
        for kode, nama in rows:
            writer.writerow([kode, nama, "kecamatan" if kode.count(".") == 2 else "desa_kelurahan"])

print(f"Proyek {ANSWERS['project_slug']} siap / ready: baca README.md, lalu `make demo`.")
