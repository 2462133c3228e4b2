"""Role scope: an operator reads and changes only its own unit; ids of others leak nothing."""

import pytest
from conftest import post_form

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
