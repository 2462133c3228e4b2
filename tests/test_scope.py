"""Role scope: an operator reads and changes only its own unit; ids of others leak nothing."""

import pytest
from support.web import post_form

from eplanning_core.extensions import db
from eplanning_core.wilayah.models import Wilayah


def test_kelurahan_operator_cannot_read_another_kelurahan(as_user, region):
    other = region["units"]["12.71.01.1002"]
    client = as_user("kel1")
    assert client.get(f"/wilayah/{other.id}").status_code == 404
    assert client.get(f"/wilayah/{other.id}/profil").status_code == 404


def test_kelurahan_operator_cannot_change_another_kelurahan(as_user, region):
    other = region["units"]["12.71.01.1002"]
    client = as_user("kel1")
    response = post_form(client, f"/wilayah/{other.id}/profil",
                         {"nama_kepala": "Diubah Orang Lain", "version": "1"}, token_from="/wilayah/")
    assert response.status_code == 404
    db.session.expire_all()
    assert db.session.get(Wilayah, other.id).nama_kepala is None


def test_kelurahan_operator_keeps_its_own_profile(as_user, region):
    own = region["units"]["12.71.01.1001"]
    client = as_user("kel1")
    response = post_form(client, f"/wilayah/{own.id}/profil",
                         {"nama_kepala": "Budi Santoso", "alamat_kantor": "Jl. Sutomo 1",
                          "telepon_kantor": "061-123456", "version": "1"})
    assert response.status_code == 302
    page = client.get(f"/wilayah/{own.id}").get_data(as_text=True)
    assert "Budi Santoso" in page


def test_unit_list_shows_only_the_operators_subtree(as_user, region):
    page = as_user("kel1").get("/wilayah/").get_data(as_text=True)
    assert "Pasar Baru" in page and "Lingkungan II" in page
    assert "Pusat Pasar" not in page and "Tanjung Rejo" not in page and "Medan Sunggal" not in page


def test_kecamatan_operator_reads_its_villages_but_edits_only_its_own_profile(as_user, region):
    client = as_user("kec1")
    village = region["units"]["12.71.01.1002"]
    assert client.get(f"/wilayah/{village.id}").status_code == 200
    assert client.get(f"/wilayah/{village.id}/profil").status_code == 403
    assert client.get(f"/wilayah/{region['units']['12.71.02'].id}").status_code == 404


def test_dprd_member_sees_the_kecamatan_of_its_dapil_only(as_user, region):
    client = as_user("dprd1")  # dapil Medan 1 holds 12.71.01 Medan Kota, not 12.71.02
    assert client.get(f"/wilayah/{region['units']['12.71.01.1001'].id}").status_code == 200
    assert client.get(f"/wilayah/{region['units']['12.71.02.1001'].id}").status_code == 404


@pytest.mark.parametrize("username", ["kel1", "kec1", "ling1", "pu", "dprd1", "viewer"])
def test_only_bappeda_reaches_administration(as_user, region, username):
    client = as_user(username)
    assert client.get("/admin/pengguna").status_code == 403
    assert client.get("/admin/perangkat-daerah").status_code == 403


def test_stale_profile_form_is_refused_not_overwritten(as_user, region):
    own = region["units"]["12.71.01.1001"]
    client = as_user("kel1")
    first = post_form(client, f"/wilayah/{own.id}/profil", {"nama_kepala": "Pertama", "version": "1"})
    assert first.status_code == 302
    second = post_form(client, f"/wilayah/{own.id}/profil", {"nama_kepala": "Kedua", "version": "1"})
    assert "Perubahan Anda tidak disimpan" in second.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Wilayah, own.id).nama_kepala == "Pertama"


# ---- the DPRD member's scope (issue 13, point 9) ---------------------------------------------
# docs/security.md: "Anggota DPRD sees their own Pokir". Before, the member read every proposal
# located in the kecamatan of their dapil, with the proposer's name, phone number and NIK.

def _proposals(siklus, region, clock):
    from eplanning_core.accounts.models import User
    from eplanning_core.usulan import operations as ops

    place = {"bidang": "fisik_prasarana", "permasalahan": "Jalan gelap", "volume": "1", "satuan": "paket",
             "harga_satuan": "30000000", "pengusul_nama": "Siti Aminah", "pengusul_telepon": "0812-6000-1234"}
    musrenbang = ops.create(siklus, "rembuk_warga", region["users"]["ling1"], dict(
        place, usulan_kegiatan="Lampu jalan Gang Damai",
        lokasi_wilayah_id=region["units"]["12.71.01.1001.01"].id)).usulan  # in dapil Medan 1
    dprd1 = region["users"]["dprd1"]
    colleague = User(tenant_id=dprd1.tenant_id, username="dprd2", nama="Uji dprd2", role="dprd", dapil="MDN-1",
                     password_hash=dprd1.password_hash, aktif=True)
    db.session.add(colleague)
    db.session.commit()
    clock.set_local("2026-02-20T09:00")  # the Pokir window
    own = ops.create(siklus, "pokir", dprd1, dict(place, usulan_kegiatan="Lampu jalan Pasar Baru",
                                                  lokasi_wilayah_id=region["units"]["12.71.01.1001"].id))
    others = ops.create(siklus, "pokir", colleague, dict(place, usulan_kegiatan="Drainase Pasar Baru",
                                                         lokasi_wilayah_id=region["units"]["12.71.01.1001"].id))
    assert own.ok and others.ok, (own.refusal, others.refusal)
    return musrenbang, own.usulan, others.usulan


def test_a_dprd_member_reads_only_their_own_pokir(as_user, region, siklus, clock):
    musrenbang, own, others = _proposals(siklus, region, clock)
    client = as_user("dprd1")
    # The attacker's request: a proposal of the dapil's kecamatan, by id, on the screen and the API.
    assert client.get(f"/usulan/{musrenbang.id}").status_code == 404
    assert client.get(f"/usulan/{others.id}").status_code == 404  # a colleague's draft Pokir
    page = client.get(f"/usulan/{own.id}").get_data(as_text=True)
    assert "Lampu jalan Pasar Baru" in page
    listing = client.get("/usulan/").get_data(as_text=True)
    assert "Lampu jalan Pasar Baru" in listing
    assert "Gang Damai" not in listing and "Drainase Pasar Baru" not in listing
    assert "0812-6000-1234" not in listing


def test_a_dprd_member_cannot_read_musrenbang_proposals_through_the_api(client, region, siklus, clock):
    from eplanning_core.api import tokens

    musrenbang, own, _others = _proposals(siklus, region, clock)
    secret = tokens.issue_user_token(region["users"]["dprd1"]).secret
    api = client
    headers = {"Authorization": f"Bearer {secret}"}
    assert api.get(f"/api/v1/usulan/{musrenbang.id}", headers=headers).status_code == 404
    assert api.get(f"/api/v1/usulan/{own.id}", headers=headers).status_code == 200
    listed = api.get("/api/v1/usulan", headers=headers).get_json()
    assert [item["id"] for item in listed["items"]] == [own.id]


def test_the_dapils_musrenbang_proposals_stay_on_the_public_portal_masked(client, region, siklus, clock):
    musrenbang, _own, _others = _proposals(siklus, region, clock)
    page = client.get(f"/publik/lacak?kode={musrenbang.kode_lacak}").get_data(as_text=True)
    assert "Lampu jalan Gang Damai" in page
    assert "Siti Aminah" not in page and "0812-6000-1234" not in page
