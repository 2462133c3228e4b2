"""Names, not codes (issue 14, point 4): a unit always with its parent, a score as the number
it is, a catalogue item only of the chosen bidang, a title that follows its volume, and a
wrong unit code answered with the code it was."""

from __future__ import annotations

import re
from decimal import Decimal

from sqlalchemy import event, select, update
from support.acting import create_proposal
from support.builders import add_accounts
from support.forms import new_proposal
from support.web import post_form

from eplanning_core.extensions import db
from eplanning_core.kamus.models import KamusUsulan
from eplanning_core.scores import format_score
from eplanning_core.tenancy.context import current_tenant_id
from eplanning_core.usulan.models import Usulan
from eplanning_core.wilayah.labels import compose, labels_for_codes, unit_label

PASAR_BARU_I, PUSAT_PASAR_I = "12.71.01.1001.01", "12.71.01.1002.01"


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def _second_lingkungan(region, password_hash):
    """An operator of Lingkungan I of Pusat Pasar: the same name as ling1's unit."""
    users = add_accounts(current_tenant_id(), password_hash, {"ling9": dict(role="operator", unit=PUSAT_PASAR_I)},
                         region["units"], region["agencies"])
    db.session.commit()
    return users["ling9"]


def _two_lingkungan_i(siklus, region, password_hash):
    from eplanning_core.usulan import operations as ops

    first = create_proposal(siklus, region, usulan_kegiatan="Rabat beton Gang Damai")
    values = dict(bidang="fisik_prasarana", permasalahan="Parit tersumbat di Gang Mawar",
                  usulan_kegiatan="Drainase Gang Mawar", volume="40", satuan="m", harga_satuan="850.000",
                  lokasi_wilayah_id=region["units"][PUSAT_PASAR_I].id)
    outcome = ops.create(siklus, "rembuk_warga", _second_lingkungan(region, password_hash), values)
    assert outcome.ok, outcome.errors
    return first, outcome.usulan


# ---- the label -------------------------------------------------------------------------------

def test_a_unit_is_named_with_its_parent(app, region):
    units = region["units"]
    assert unit_label(units[PASAR_BARU_I]) == "Lingkungan I, Pasar Baru"
    assert unit_label(units[PUSAT_PASAR_I]) == "Lingkungan I, Pusat Pasar"
    assert unit_label(units["12.71.01.1001"]) == "Kelurahan Pasar Baru, Medan Kota"
    assert unit_label(units["12.71.01.1001"], compact=True) == "Pasar Baru, Medan Kota"
    assert unit_label(units["12.71.01"]) == "Kecamatan Medan Kota"
    assert unit_label(units["12.71.01"], compact=True) == "Medan Kota"
    assert unit_label(None) == "—"
    assert compose("Lingkungan I", 3, "Pasar Baru", compact=True) == "Lingkungan I, Pasar Baru"
    assert labels_for_codes(current_tenant_id(), [PASAR_BARU_I, PUSAT_PASAR_I, "99.99"]) == {
        PASAR_BARU_I: "Lingkungan I, Pasar Baru", PUSAT_PASAR_I: "Lingkungan I, Pusat Pasar"}


def test_parents_are_read_in_one_query_for_every_unit_the_page_holds(app, region):
    db.session.expunge_all()
    from eplanning_core.wilayah.models import Wilayah

    units = db.session.scalars(select(Wilayah).where(Wilayah.tingkat == 3)).all()
    statements = []
    listener = lambda *args: statements.append(args[2])  # noqa: E731
    event.listen(db.engine, "before_cursor_execute", listener)
    try:
        labels = [unit_label(u, compact=True) for u in units]
    finally:
        event.remove(db.engine, "before_cursor_execute", listener)
    assert sorted(labels) == ["Lingkungan I, Pasar Baru", "Lingkungan I, Pusat Pasar",
                              "Lingkungan I, Tanjung Rejo", "Lingkungan II, Pasar Baru"]
    assert len([s for s in statements if "wilayah" in s.lower()]) <= 1


def test_two_lingkungan_i_are_told_apart_in_the_list_the_detail_and_the_export(
        as_user, region, siklus, password_hash):
    first, second = _two_lingkungan_i(siklus, region, password_hash)
    client = as_user("admin")
    page = _text(client.get("/usulan/").get_data(as_text=True))
    assert "Lingkungan I, Pasar Baru" in page and "Lingkungan I, Pusat Pasar" in page
    detail = _text(client.get(f"/usulan/{second.id}").get_data(as_text=True))
    assert "Lingkungan I, Pusat Pasar" in detail
    from eplanning_core.usulan.engine_adapter import cycle_for
    from eplanning_core.usulan.export import _rows
    from eplanning_core.usulan.scope import scoped_usulan

    with client.application.test_request_context("/usulan/"):
        rows = list(_rows(siklus, cycle_for(siklus), scoped_usulan(region["users"]["admin"], siklus.id)))
    cells = {row[0]: row for row in rows}
    assert "Lingkungan I, Pasar Baru" in cells[first.kode_lacak]
    assert "Lingkungan I, Pusat Pasar" in cells[second.kode_lacak]


def test_admin_users_list_names_the_unit_with_its_parent(as_user, region):
    page = _text(as_user("admin").get("/admin/pengguna").get_data(as_text=True))
    assert "Lingkungan I, Pasar Baru" in page


# ---- numbers as what they are ----------------------------------------------------------------

def test_a_score_is_a_number_never_money():
    assert format_score(Decimal("500.000")) == "500"
    assert format_score(Decimal("87.250")) == "87,25"
    assert format_score(Decimal("1500")) == "1.500"
    assert format_score(None) == "—"


def test_the_detail_shows_a_score_of_500_as_500(as_user, region, siklus):
    usulan = create_proposal(siklus, region)
    db.session.execute(update(Usulan).where(Usulan.id == usulan.id).values(skor=Decimal("500.000")))
    db.session.commit()
    page = _text(as_user("admin").get(f"/usulan/{usulan.id}").get_data(as_text=True))
    assert re.search(r"(Score|Skor) 500 ", page), page[:3000]
    assert not re.search(r"(Score|Skor) 500\.000", page)
    assert "150 m × Rp 450.000" in page  # the volume with its unit


# ---- the catalogue item belongs to the chosen bidang -----------------------------------------

def _item(region, kode, bidang, nama, harga):
    item = KamusUsulan(tenant_id=current_tenant_id(), kode=kode, nama=nama, bidang=bidang, satuan="paket",
                       harga_satuan=harga, perangkat_daerah_id=region["agencies"]["dinkes"].id)
    db.session.add(item)
    db.session.commit()
    return item


def test_a_catalogue_item_of_another_bidang_is_refused_with_a_clear_message(as_user, region, siklus):
    road = _item(region, "FP-9", "fisik_prasarana", "Jembatan beton", 75_000_000)
    client = as_user("ling1")
    response = new_proposal(client, region, bidang="sosial_budaya", kamus_id=str(road.id),
                            usulan_kegiatan="Posbindu lansia", satuan="", harga_satuan="")
    page = _text(response.get_data(as_text=True))
    assert response.status_code == 422
    assert ("Jembatan beton is an item of bidang Fisik prasarana, not Sosial budaya" in page
            or "Jembatan beton adalah item bidang Fisik prasarana, bukan Sosial budaya" in page), page[:4000]
    assert db.session.scalar(select(db.func.count()).select_from(Usulan)) == 0
    posbindu = _item(region, "SB-9", "sosial_budaya", "Posbindu lansia", 2_500_000)
    response = new_proposal(client, region, bidang="sosial_budaya", kamus_id=str(posbindu.id),
                            usulan_kegiatan="Posbindu lansia", satuan="", harga_satuan="", volume="2")
    assert response.status_code == 302
    assert db.session.scalar(select(Usulan.total)) == 5_000_000


# ---- a wrong code names the code -------------------------------------------------------------

def test_the_user_form_names_a_wrong_unit_code(as_user, region):
    client = as_user("admin")
    response = post_form(client, "/admin/pengguna/baru", {
        "username": "baru", "nama": "Operator Baru", "role": "operator", "wilayah_kode": "12.71.09.9999",
        "perangkat_daerah_id": "", "dapil": "", "aktif": "y", "password": "Kata-sandi-panjang-2027", "password2": "Kata-sandi-panjang-2027"})
    page = _text(response.get_data(as_text=True))
    assert response.status_code == 422
    assert "12.71.09.9999" in page and ("No unit with code" in page or "Tidak ada wilayah dengan kode" in page)
    form = client.get("/admin/pengguna/baru").get_data(as_text=True)
    assert 'data-picker="wilayah"' in form


def test_a_filter_names_a_wrong_unit_code_and_labels_a_right_one(as_user, region, siklus):
    client = as_user("admin")
    page = _text(client.get("/rapat/?wilayah=12.71.77").get_data(as_text=True))
    assert "12.71.77" in page and ("No unit with code" in page or "Tidak ada wilayah dengan kode" in page)
    html = client.get("/rapat/?wilayah=12.71.01.1001").get_data(as_text=True)
    assert 'data-picker-label="Kelurahan Pasar Baru, Medan Kota"' in html


# ---- the demo's title follows its volume -----------------------------------------------------

def test_the_demo_title_is_rewritten_when_the_volume_changes():
    from eplanning_core.demo.scenario import activity_title

    before = activity_title("FP-JL-02", "Gang Damai", Decimal(150))
    after = activity_title("FP-JL-02", "Gang Damai", Decimal(100))
    assert "150 m" in before and "100 m" in after and "150" not in after


def test_a_sub_kegiatan_is_shown_with_its_name(app, region):
    from eplanning_core.kamus.models import Nomenklatur
    from eplanning_core.lookup.names import nomenclature_names

    db.session.add(Nomenklatur(tenant_id=current_tenant_id(), tingkat="sub_kegiatan", kode="1.03.10.2.01.0005",
                               nama="Pembangunan Jalan"))
    db.session.commit()
    assert nomenclature_names(["1.03.10.2.01.05", "1.03.10.2.01.0005", None, "9.99"]) == {
        "1.03.10.2.01.05": "Pembangunan Jalan", "1.03.10.2.01.0005": "Pembangunan Jalan"}
    assert nomenclature_names([]) == {}


def test_the_meetings_export_names_each_lingkungan_with_its_kelurahan(as_user, region, siklus):
    import io

    from openpyxl import load_workbook

    response = as_user("admin").get("/rapat/?tahapan=rembuk_warga&format=xlsx")
    assert response.status_code == 200 and response.data[:2] == b"PK"
    names = {row[1] for row in load_workbook(io.BytesIO(response.data)).active.iter_rows(values_only=True)}
    assert {"Lingkungan I, Pasar Baru", "Lingkungan I, Pusat Pasar", "Lingkungan II, Pasar Baru"} <= names
