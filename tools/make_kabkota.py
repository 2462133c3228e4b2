"""Write eplanning_core/data/kabkota.csv, the national list of kabupaten and kota, from the
Kemendagri wilayah list (../shared/data/wilayah.csv: kode,nama,tingkat).

Only the province and kabupaten/kota rows are read; the lower levels (kecamatan, desa,
kelurahan) are a region's own to import. The core ships the result so that the region
template bakes any kabupaten/kota from its code alone (name, kind, province, time zone).

Run again when Kemendagri publishes a new list:

    python tools/make_kabkota.py [../shared/data/wilayah.csv] [eplanning_core/data/kabkota.csv]
"""

from __future__ import annotations

import csv
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SOURCE = ROOT.parent / "shared" / "data" / "wilayah.csv"
TARGET = ROOT / "eplanning_core" / "data" / "kabkota.csv"
HEADER = ["kode", "nama", "jenis", "kode_provinsi", "provinsi", "zona_waktu"]

#: Provinces outside WIB (UU/Keppres 41/1987 on the three time zones). West and Central
#: Kalimantan are WIB under their own IANA zone, Asia/Pontianak.
ZONES = {**dict.fromkeys(("61", "62"), "Asia/Pontianak"),
         **dict.fromkeys(("51", "52", "53", "63", "64", "65", "71", "72", "73", "74", "75", "76"),
                         "Asia/Makassar"),
         **dict.fromkeys(("81", "82", "91", "92", "93", "94", "95", "96"), "Asia/Jayapura")}


def zone(province_code: str) -> str:
    return ZONES.get(province_code, "Asia/Jakarta")


def kind(name: str) -> str:
    """Kemendagri names every region "Kabupaten ..." or "Kota ..." (Jakarta's "... Administrasi ...")."""
    first = name.split()[0].lower()
    if first not in ("kabupaten", "kota"):
        raise ValueError(f"'{name}' is neither a kabupaten nor a kota")
    return first


def rows(source: Path) -> list[list[str]]:
    with source.open(encoding="utf-8-sig", newline="") as handle:
        table = [(r["kode"].strip(), r["nama"].strip(), r["tingkat"].strip()) for r in csv.DictReader(handle)]
    provinces = {kode: nama for kode, nama, tingkat in table if tingkat == "provinsi"}
    out = []
    for kode, nama, tingkat in table:
        if tingkat != "kabupaten_kota":
            continue
        province = kode.split(".")[0]
        if province not in provinces:
            raise ValueError(f"{kode} {nama}: no province row {province}")
        out.append([kode, nama, kind(nama), province, provinces[province], zone(province)])
    return sorted(out)


def main(argv: list[str]) -> int:
    source = Path(argv[0]) if argv else SOURCE
    target = Path(argv[1]) if len(argv) > 1 else TARGET
    found = rows(source)
    target.parent.mkdir(parents=True, exist_ok=True)
    with target.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(HEADER)
        writer.writerows(found)
    print(f"{target}: {len(found)} kabupaten/kota of {len({r[3] for r in found})} provinces")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
