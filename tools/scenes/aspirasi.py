"""Citizens in the loop (issue 16): the e-Aspirasi form on the public portal (no account), on a
phone and on a laptop, the citizen's tracking page, the lingkungan operator's inbox and one
aspiration with its three ways forward, and following a proposal by email. The form scene
sends one aspiration to the demo (Lingkungan I, Pasar Baru), which the later scenes show."""

from . import Scene

KELURAHAN = "12.71.01.1001"  # Pasar Baru, Medan Kota


def _fill(page) -> None:
    page.select_option("#wilayah_id", label="Lingkungan I")
    page.fill("#jalan", "Gang Damai, depan masjid")
    page.fill("#permasalahan", "Saluran di Gang Damai tersumbat; setiap hujan deras air masuk ke rumah warga.")
    page.fill("#usulan_kegiatan", "Normalisasi dan penutupan saluran drainase Gang Damai sepanjang 120 meter.")
    page.fill("#nama", "Budi Santoso")
    page.fill("#kontak", "0812 3456 7890")


def _send(page) -> None:
    _fill(page)
    page.click("#aspirasi-form button[type=submit]")
    page.wait_for_selector("#aspirasi-kode")


def _errors(page) -> None:
    page.fill("#permasalahan", "rusak")
    page.fill("#kontak", "bukan kontak")
    page.click("#aspirasi-form button[type=submit]")
    page.wait_for_selector("#aspirasi-message")


def _open_first(page) -> None:
    page.click("#aspirasi-list a >> nth=0")
    page.wait_for_selector("#form-usulkan")


SCENES = [
    Scene("aspirasi-form-phone", None, "phone", f"/publik/aspirasi?induk={KELURAHAN}", _fill),
    Scene("aspirasi-form-errors-phone", None, "phone", f"/publik/aspirasi?induk={KELURAHAN}", _errors),
    Scene("aspirasi-form", None, "laptop", f"/publik/aspirasi?induk={KELURAHAN}", _fill),
    Scene("aspirasi-choose-kelurahan-phone", None, "phone", "/publik/aspirasi"),
    Scene("aspirasi-tracking-phone", None, "phone", f"/publik/aspirasi?induk={KELURAHAN}", _send),
    Scene("aspirasi-inbox", "lingkungan", "laptop", "/aspirasi/"),
    Scene("aspirasi-detail", "lingkungan", "laptop", "/aspirasi/", _open_first),
    Scene("aspirasi-detail-phone", "lingkungan", "phone", "/aspirasi/", _open_first),
    Scene("aspirasi-follow-phone", None, "phone", "/publik/usulan/MDN-2027-000001/ikuti"),
]
