"""The proposal screens, as the people of each stage see and use them."""

import re

from support.forms import new_proposal
from support.web import csrf_token, post_form

from eplanning_core.extensions import db
from eplanning_core.usulan.models import Usulan


def test_kepala_lingkungan_enters_a_proposal_and_sees_it_in_the_list(as_user, region, siklus):
    client = as_user("ling1")
    response = new_proposal(client, region)
    assert response.status_code == 302
    usulan = db.session.scalar(db.select(Usulan))
    assert usulan.total == 67_500_000 and usulan.kode_lacak.startswith("MDN-2027-")
    page = client.get("/usulan/").get_data(as_text=True)
    assert usulan.kode_lacak in page and "Rp 67.500.000" in page


def test_bad_input_is_shown_per_field_and_nothing_is_saved(as_user, region, siklus):
    client = as_user("ling1")
    response = new_proposal(client, region, volume="-3", harga_satuan="dua juta", bidang="", pengusul_nik="123")
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Angka di atas 0" in page or "A number above 0" in page
    assert db.session.scalar(db.select(db.func.count()).select_from(Usulan)) == 0


def test_a_kelurahan_operator_cannot_open_another_kelurahans_proposal(as_user, region, siklus, client):
    as_user("ling1")
    new_proposal(client, region)
    usulan = db.session.scalar(db.select(Usulan))
    token = csrf_token(client, "/usulan/")
    client.post("/keluar", data={"csrf_token": token})
    as_user("kel2")
    assert client.get(f"/usulan/{usulan.id}").status_code == 404
    assert usulan.kode_lacak not in client.get("/usulan/").get_data(as_text=True)


def test_detail_offers_only_the_actions_the_engine_allows(as_user, region, siklus):
    client = as_user("ling1")
    new_proposal(client, region)
    usulan = db.session.scalar(db.select(Usulan))
    page = client.get(f"/usulan/{usulan.id}").get_data(as_text=True)
    actions = set(re.findall(r'data-action="([a-z_]+)"', page))
    assert actions == {"ditolak", "survei_selesai"}
    assert "1271010101010001" in page  # the lingkungan's own operator sees the NIK


def test_reject_without_reason_from_the_page_is_refused(as_user, region, siklus):
    client = as_user("ling1")
    new_proposal(client, region)
    usulan = db.session.scalar(db.select(Usulan))
    response = post_form(client, f"/usulan/{usulan.id}/aksi",
                         {"aksi": "ditolak", "tahapan": "rembuk_warga", "version": usulan.version, "alasan": ""},
                         token_from=f"/usulan/{usulan.id}")
    assert response.status_code == 303
    page = client.get(f"/usulan/{usulan.id}").get_data(as_text=True)
    assert "alasan" in page.lower() or "reason" in page.lower()
    db.session.expire_all()
    assert db.session.get(Usulan, usulan.id).status == "belum_dibahas"


def test_send_page_refuses_an_unsurveyed_batch_then_sends(as_user, region, siklus):
    client = as_user("ling1")
    new_proposal(client, region)
    page = client.get("/usulan/kirim").get_data(as_text=True)
    assert "Send now" not in page and "Kirim sekarang" not in page
    usulan = db.session.scalar(db.select(Usulan))
    post_form(client, f"/usulan/{usulan.id}/aksi", {"aksi": "survei_selesai", "tahapan": "rembuk_warga",
                                                   "version": usulan.version}, token_from=f"/usulan/{usulan.id}")
    from eplanning_core.rapat.operations import save

    assert "Rembuk" in client.get("/usulan/kirim").get_data(as_text=True)  # blocked: no meeting yet
    save(siklus, "rembuk_warga", region["units"]["12.71.01.1001.01"], region["users"]["ling1"], 0,
         {"tempat": "Balai warga", "mulai": "2026-01-20T08:00"})
    page = client.get("/usulan/kirim").get_data(as_text=True)
    assert 'name="holder" value="12.71.01.1001.01"' in page
    response = post_form(client, "/usulan/kirim", {"tahapan": "rembuk_warga", "holder": "12.71.01.1001.01"})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Usulan, usulan.id).tahapan == "musrenbang_kelurahan"


def test_list_exports_to_excel_and_pdf(as_user, region, siklus):
    client = as_user("ling1")
    new_proposal(client, region)
    xlsx = client.get("/usulan/?format=xlsx")
    assert xlsx.status_code == 200 and xlsx.data[:2] == b"PK"
    pdf = client.get("/usulan/?format=pdf")
    assert pdf.status_code == 200 and pdf.data[:5] == b"%PDF-"
