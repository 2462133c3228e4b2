"""The pickers' look-ups (/cari/...): names found by what a person types, narrowed by parent,
level and bidang; only the region's rows, units only those the user may read; anonymous
refused with a JSON 401; small answers."""

from __future__ import annotations

import pytest

from eplanning_core.accounts.models import PerangkatDaerah
from eplanning_core.tenancy.models import Tenant
from eplanning_core.extensions import db
from eplanning_core.kamus.models import KamusUsulan, Nomenklatur
from eplanning_core.tenancy.context import current_tenant_id
from eplanning_core.wilayah.models import Wilayah


@pytest.fixture
def other_region(region, owner_session):
    """Kabupaten Agam in the same database, with names that match Medan's searches."""
    agam = Tenant(slug="agam", kode="13.06", nama="Kabupaten Agam")
    owner_session.add(agam)
    owner_session.flush()
    kec = Wilayah(tenant_id=agam.id, kode="13.06.01", nama="Pasar Baru Agam", tingkat=1)
    owner_session.add(kec)
    owner_session.flush()
    owner_session.add_all([
        Wilayah(tenant_id=agam.id, kode="13.06.01.2001", nama="Lingkungan Agam", tingkat=2, parent_id=kec.id),
        PerangkatDaerah(tenant_id=agam.id, kode="1.02.01", nama="Dinas Kesehatan Agam"),
        KamusUsulan(tenant_id=agam.id, kode="AG-1", nama="Posyandu Agam", bidang="sosial_budaya",
                    satuan="paket", harga_satuan=1),
        Nomenklatur(tenant_id=agam.id, tingkat="sub_kegiatan", kode="1.02.02.2.01.0099", nama="Posyandu Agam")])
    owner_session.commit()
    return agam


@pytest.fixture
def references(region):
    tid = current_tenant_id()
    db.session.add_all([
        KamusUsulan(tenant_id=tid, kode="SB-1", nama="Posbindu lansia", bidang="sosial_budaya", satuan="paket",
                    harga_satuan=2_500_000),
        KamusUsulan(tenant_id=tid, kode="FP-1", nama="Posbindu gedung (rehabilitasi)", bidang="fisik_prasarana",
                    satuan="paket", harga_satuan=75_000_000),
        Nomenklatur(tenant_id=tid, tingkat="kegiatan", kode="1.03.10.2.01", nama="Penyelenggaraan Jalan"),
        Nomenklatur(tenant_id=tid, tingkat="sub_kegiatan", kode="1.03.10.2.01.0005", nama="Pembangunan Jalan"),
        Nomenklatur(tenant_id=tid, tingkat="sub_kegiatan", kode="1.02.02.2.01.0014", nama="Pengelolaan posyandu"),
    ])
    db.session.commit()


def _items(client, url):
    response = client.get(url)
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.is_json
    return response.get_json()["items"]


def test_anonymous_gets_a_json_401(client, region):
    for what in ("wilayah", "pd", "katalog", "subkegiatan"):
        response = client.get(f"/cari/{what}?q=a")
        assert response.status_code == 401 and response.is_json, what


def test_units_by_name_with_their_parent_narrowed_by_parent_and_level(as_user, region, other_region):
    client = as_user("admin")
    found = _items(client, "/cari/wilayah?q=lingkungan+i")
    labels = [i["label"] for i in found]
    assert "Lingkungan I, Pasar Baru" in labels and "Lingkungan I, Pusat Pasar" in labels
    assert not any("Agam" in label for label in labels)
    # a parent's name narrows too ("Lingkungan I, Pusat" as one types it)
    assert [i["label"] for i in _items(client, "/cari/wilayah?q=Lingkungan+I,+Pusat")] == ["Lingkungan I, Pusat Pasar"]
    below = _items(client, "/cari/wilayah?parent=12.71.01.1001&tingkat=3")
    assert [i["kode"] for i in below] == ["12.71.01.1001.01", "12.71.01.1001.02"]
    by_id = _items(client, f"/cari/wilayah?parent={region['units']['12.71.01.1001'].id}&q=II")
    assert [i["label"] for i in by_id] == ["Lingkungan II, Pasar Baru"]
    pasted = _items(client, "/cari/wilayah?q=12.71.01.1002")
    assert pasted[0]["kode"] == "12.71.01.1002" and pasted[0]["id"] == region["units"]["12.71.01.1002"].id
    assert _items(client, "/cari/wilayah?q=Agam") == []
    assert _items(client, "/cari/wilayah?parent=13.06.01") == []
    assert _items(client, "/cari/wilayah?q=13.06") == []


def test_an_operator_finds_only_the_units_it_may_read(as_user, region):
    client = as_user("kel1")
    codes = {i["kode"] for i in _items(client, "/cari/wilayah?q=Lingkungan")}
    assert codes == {"12.71.01.1001.01", "12.71.01.1001.02"}
    assert _items(client, "/cari/wilayah?q=Tanjung") == []


def test_agencies_catalogue_narrowed_by_bidang_and_sub_kegiatan_by_code_or_name(as_user, region, references,
                                                                                other_region):
    client = as_user("ling1")
    assert [i["label"] for i in _items(client, "/cari/pd?q=kesehatan")] == ["Dinas Kesehatan"]
    both = [i["kode"] for i in _items(client, "/cari/katalog?q=posbindu")]
    assert sorted(both) == ["FP-1", "SB-1"]
    social = _items(client, "/cari/katalog?q=posbindu&bidang=sosial_budaya")
    assert [i["kode"] for i in social] == ["SB-1"] and social[0]["bidang"] == "sosial_budaya"
    assert "Rp 2.500.000" in social[0]["hint"]
    assert _items(client, "/cari/katalog?q=Agam") == []
    subs = _items(client, "/cari/subkegiatan?q=jalan")
    assert [(i["kode"], i["label"]) for i in subs] == [("1.03.10.2.01.0005", "1.03.10.2.01.0005 Pembangunan Jalan")]
    assert [i["kode"] for i in _items(client, "/cari/subkegiatan?q=1.03.10.2.01.05")] == ["1.03.10.2.01.0005"]
    assert [i["kode"] for i in _items(client, "/cari/subkegiatan?q=posyandu")] == ["1.02.02.2.01.0014"]


def test_answers_are_small_and_hostile_text_is_harmless(as_user, region):
    tid = current_tenant_id()
    parent = region["units"]["12.71.02.1001"]
    db.session.add_all(Wilayah(tenant_id=tid, kode=f"12.71.02.1001.{n:02d}", nama=f"Lingkungan X{n}", tingkat=3,
                               parent_id=parent.id) for n in range(10, 60))
    db.session.commit()
    client = as_user("admin")
    assert len(_items(client, "/cari/wilayah?q=Lingkungan")) == 20
    for text in ("%", "_", "'; drop table wilayah; --", "a" * 500, "\u202e"):
        assert isinstance(_items(client, f"/cari/wilayah?q={text}"), list)
    assert client.get("/cari/wilayah?q=%00").status_code == 400  # the one rule for control characters
    assert _items(client, "/cari/wilayah?parent=99999999999999999999999") == []
    assert _items(client, "/cari/wilayah?tingkat=abc&q=Medan")[0]["kode"] == "12.71.01"
