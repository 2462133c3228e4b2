"""The API in a deployment serving several regions: a token or a tracking code of one region
means nothing in the other."""

from __future__ import annotations

from support.env import PASSWORD

from eplanning_core.accounts.models import User
from eplanning_core.api import tokens
from eplanning_core.extensions import db
from eplanning_core.tenancy.context import current_tenant_id, use_tenant

MEDAN, AGAM = "http://eplanning.medan.test", "http://eplanning.agam.test"


def _admin(slug):
    with use_tenant(slug):
        return db.session.scalar(db.select(User).where(User.tenant_id == current_tenant_id(),
                                                       User.username == "admin"))


def test_a_token_of_one_region_is_refused_by_the_other(deployment):  # noqa: F811
    app, _ids = deployment
    with app.app_context():
        with use_tenant("agam"):
            admin = _admin("agam")
            secret = tokens.create_client_token(admin.tenant_id, admin, "klien agam", "read").secret
        db.session.remove()
    client = app.test_client()
    headers = {"Authorization": f"Bearer {secret}"}
    assert client.get(f"{AGAM}/api/v1/wilayah", headers=headers).status_code == 200
    response = client.get(f"{MEDAN}/api/v1/wilayah", headers=headers)
    assert response.status_code == 401 and response.get_json()["rule"] == "token_invalid"


def test_a_user_logs_in_only_to_his_own_region(deployment):  # noqa: F811
    app, _ids = deployment
    client = app.test_client()
    response = client.post(f"{AGAM}/api/v1/auth/token", json={"username": "desa", "password": PASSWORD})
    assert response.status_code == 201
    secret = response.get_json()["token"]
    assert client.get(f"{MEDAN}/api/v1/usulan", headers={"Authorization": f"Bearer {secret}"}).status_code == 401


def test_unknown_hosts_get_a_json_404_on_the_api(deployment):  # noqa: F811
    app, _ids = deployment
    response = app.test_client().get("http://evil.example/api/v1/health")
    assert response.status_code == 404 and response.get_json()["message"]


def test_a_tracking_code_of_one_region_is_not_found_in_the_other(deployment):  # noqa: F811
    from decimal import Decimal

    from eplanning_core.siklus.operations import open_cycle
    from eplanning_core.usulan.models import Usulan

    app, ids = deployment
    with app.app_context():
        with use_tenant("agam"):
            admin = _admin("agam")
            siklus = open_cycle(admin.tenant_id, admin, 2027).obj
            db.session.add(Usulan(
                tenant_id=admin.tenant_id, siklus_id=siklus.id, kode_lacak="AGM-2027-000001", sumber="kelurahan",
                bidang="fisik_prasarana", permasalahan="Irigasi rusak", usulan_kegiatan="Perbaikan irigasi",
                volume=Decimal("1"), satuan="paket", harga_satuan=1_000_000, total=1_000_000,
                tahapan="musrenbang_nagari", status="belum_dibahas", pengusul_nama="Rahmat Hidayat"))
            db.session.commit()
        db.session.remove()
    client = app.test_client()
    found = client.get(f"{AGAM}/api/v1/publik/usulan/AGM-2027-000001")
    assert found.status_code == 200 and found.get_json()["pengusul"] == "R***** H******"
    missing = client.get(f"{MEDAN}/api/v1/publik/usulan/AGM-2027-000001")
    assert missing.status_code == 404 and missing.get_json()["rule"] is None


def test_a_cycle_or_unit_of_the_other_region_answers_as_one_that_exists_nowhere(deployment):  # noqa: F811
    """Named in a query or a body, another region's cycle id or unit code gets exactly the 404
    (status and body) of an id or code that exists nowhere: nothing tells them apart."""
    from eplanning_core.siklus.operations import open_cycle

    app, _ids = deployment
    with app.app_context():
        with use_tenant("agam"):
            agam = _admin("agam")
            foreign_cycle = open_cycle(agam.tenant_id, agam, 2027).obj.id
        with use_tenant("medan"):
            medan = _admin("medan")
            open_cycle(medan.tenant_id, medan, 2027)
            secret = tokens.issue_user_token(medan).secret
        db.session.remove()
    client = app.test_client()
    headers = {"Authorization": f"Bearer {secret}"}
    for make in (lambda ident: client.get(f"{MEDAN}/api/v1/usulan?siklus={ident}", headers=headers),
                 lambda ident: client.post(f"{MEDAN}/api/v1/usulan/kirim", headers=headers,
                                           json={"tahapan": "musrenbang_rkpd", "siklus": ident})):
        foreign, missing = make(foreign_cycle), make(2_000_000_000)
        assert foreign.status_code == missing.status_code == 404
        assert foreign.get_json() == missing.get_json() and list(foreign.get_json()["errors"]) == ["siklus"]
    body = {"tahapan": "musrenbang_rkpd", "bidang": "ekonomi", "permasalahan": "Pasar rusak berat",
            "usulan_kegiatan": "Perbaikan pasar", "volume": "1", "satuan": "paket", "harga_satuan": 1000}
    foreign = client.post(f"{MEDAN}/api/v1/usulan", headers=headers, json=dict(body, lokasi_kode="13.06.01.2001"))
    missing = client.post(f"{MEDAN}/api/v1/usulan", headers=headers, json=dict(body, lokasi_kode="99.99.99.9999"))
    assert foreign.status_code == missing.status_code == 404 and foreign.get_json() == missing.get_json()
