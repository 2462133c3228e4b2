"""A proposal's body as the API takes it."""

from __future__ import annotations


NIK, PHONE = "1271010101010001", "0812-6000-1234"


ROAD = {"bidang": "fisik_prasarana", "permasalahan": "Jalan berlubang dan tergenang saat hujan",
        "usulan_kegiatan": "Pengaspalan Jalan Sutomo Gang Damai", "volume": "150", "satuan": "m",
        "harga_satuan": 450_000, "jalan": "Gang Damai", "pengusul_nama": "Siti Aminah",
        "pengusul_telepon": PHONE, "pengusul_nik": NIK}


LING1, LING2 = "12.71.01.1001.01", "12.71.01.1001.02"


def api_body(**overrides):
    body = dict(ROAD, tahapan="rembuk_warga", lokasi_kode=LING1)
    body.update(overrides)
    return {k: v for k, v in body.items() if v is not None}
