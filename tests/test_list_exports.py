"""Excel exports of the unit, user and agency lists: the filtered rows, in scope, no secrets."""

import io
import zipfile

from openpyxl import load_workbook
from support.env import DATA
from support.web import csrf_token, login


def _rows(response):
    assert response.status_code == 200 and response.data[:2] == b"PK"
    assert "attachment" in response.headers["Content-Disposition"]
    return list(load_workbook(io.BytesIO(response.data), read_only=True).active.iter_rows(values_only=True))


def test_units_export_keeps_the_filter_and_the_operators_scope(as_user, client):
    as_user("admin")
    rows = _rows(client.get("/wilayah/?tingkat=2&format=xlsx"))
    assert sorted(r[0] for r in rows[1:]) == ["12.71.01.1001", "12.71.01.1002", "12.71.02.1001"]
    assert [r[0] for r in _rows(client.get("/wilayah/?q=Sunggal&format=xlsx"))[1:]] == ["12.71.02"]
    page = client.get("/wilayah/?tingkat=2").get_data(as_text=True)
    assert "format=xlsx" in page
    client.post("/keluar", data={"csrf_token": csrf_token(client, "/")})
    login(client, "kec2")
    assert sorted(r[0] for r in _rows(client.get("/wilayah/?format=xlsx"))[1:]) == [
        "12.71.02", "12.71.02.1001", "12.71.02.1001.01"]


def test_users_export_is_filtered_and_holds_no_password_hash(as_user, client, region):
    as_user("admin")
    response = client.get("/admin/pengguna?role=operator&format=xlsx")
    rows = _rows(response)
    assert sorted(r[0] for r in rows[1:]) == ["kec1", "kec2", "kel1", "kel2", "ling1"]
    stored_hash = region["users"]["kec1"].password_hash
    with zipfile.ZipFile(io.BytesIO(response.data)) as book:
        xml = b"".join(book.read(name) for name in book.namelist())
    assert stored_hash.encode() not in xml and b"scrypt:" not in xml and b"pbkdf2:" not in xml
    assert [r[0] for r in _rows(client.get("/admin/pengguna?q=dprd&format=xlsx"))[1:]] == ["dprd1"]
    assert "format=xlsx" in client.get("/admin/pengguna").get_data(as_text=True)


def test_agencies_export_is_filtered_and_for_bappeda_only(as_user, client):
    as_user("admin")
    rows = _rows(client.get("/admin/perangkat-daerah?q=Kesehatan&format=xlsx"))
    assert rows[1:] == [("1.02.01", "Dinas Kesehatan", "Dinkes", rows[1][3])]
    assert len(_rows(client.get("/admin/perangkat-daerah?format=xlsx"))) == 3
    assert "format=xlsx" in client.get("/admin/perangkat-daerah").get_data(as_text=True)
    client.post("/keluar", data={"csrf_token": csrf_token(client, "/")})
    login(client, "pu")
    assert client.get("/admin/perangkat-daerah?format=xlsx").status_code == 403
    assert client.get("/admin/pengguna?format=xlsx").status_code == 403


def test_catalogue_and_nomenclature_export_their_filtered_rows(as_user, region):
    import io

    from openpyxl import load_workbook

    from eplanning_core.kamus.operations import import_kamus, import_nomenklatur
    from eplanning_core.tenancy.context import current_tenant_id

    tid = current_tenant_id()
    admin = region["users"]["admin"]
    assert import_nomenklatur(tid, admin, (DATA / "nomenklatur-mini.csv").read_bytes(), "n.csv").ok
    assert import_kamus(tid, admin, (DATA / "kamus-mini.csv").read_bytes(), "k.csv").ok
    client = as_user("admin")
    sheet = load_workbook(io.BytesIO(client.get("/kamus/?format=xlsx&bidang=fisik_prasarana").data)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:5] == ("kode", "nama", "bidang", "satuan", "harga_satuan")
    # the bidang by its label (the catalogue import reads the label back), never the key
    assert len(rows) > 1 and {r[2] for r in rows[1:]} == {"Fisik prasarana"}
    assert all(isinstance(r[4], int) for r in rows[1:])
    sheet = load_workbook(io.BytesIO(client.get("/kamus/nomenklatur?format=xlsx&tingkat=program").data)).active
    levels = {r[0] for r in list(sheet.iter_rows(values_only=True))[1:]}
    assert levels == {"program"}
