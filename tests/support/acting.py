"""Proposals made and moved through the real operations, as the portal's tests do: one road
proposal of Lingkungan I with a citizen's personal data, and an action by its version."""

from __future__ import annotations

from eplanning_core.usulan import operations as ops


NIK, PHONE, NAME = "1271010101010001", "0812-3456-7890", "Siti Aminah"


ROAD = {"bidang": "fisik_prasarana", "permasalahan": "Jalan berlubang dan tergenang saat hujan",
        "usulan_kegiatan": "Pengaspalan Jalan Sutomo Gang Damai", "volume": "150", "satuan": "m",
        "harga_satuan": "Rp 450.000", "jalan": "Gang Damai", "pengusul_nama": NAME,
        "pengusul_nik": NIK, "pengusul_telepon": PHONE, "lat": "3.5912", "lng": "98.6722"}


def create_proposal(siklus, region, **overrides):
    values = dict(ROAD, lokasi_wilayah_id=region["units"]["12.71.01.1001.01"].id, **overrides)
    outcome = ops.create(siklus, "rembuk_warga", region["users"]["ling1"], values)
    assert outcome.ok, (outcome.errors, outcome.refusal)
    return outcome.usulan


def act_on(usulan, user, action, **kw):
    outcome = ops.act(usulan, user, action, expected_version=usulan.version, stage_key=usulan.tahapan, **kw)
    assert outcome.ok, (outcome.refusal, outcome.errors)
    return outcome.usulan
