"""The proposal form as a Kepala Lingkungan fills it in."""

from __future__ import annotations

from .web import post_form


ROAD = {"bidang": "fisik_prasarana", "permasalahan": "Jalan berlubang dan tergenang saat hujan",
        "usulan_kegiatan": "Pengaspalan Jalan Sutomo Gang Damai", "volume": "150", "satuan": "m",
        "harga_satuan": "450.000", "jalan": "Gang Damai", "pengusul_nama": "Siti Aminah",
        "pengusul_telepon": "0812-6000-1234", "pengusul_nik": "1271010101010001"}


def new_proposal(client, region, **overrides):
    data = dict(ROAD, tahapan="rembuk_warga", lokasi_wilayah_id=str(region["units"]["12.71.01.1001.01"].id),
                **overrides)
    return post_form(client, "/usulan/baru", data)
