"""Playing the demo story through the real operations, stage by stage, on the app clock.

Every proposal is entered with ``usulan.operations.create`` and moved with ``act`` and
``send``, so the engine checks each step as it would a user's. The clock is set to a moment
inside each stage's window as the region configured it (January to July of the planning
year); at the end Bappeda moves every window around today, with a reason, so a
trainer can log in as any role and work at once. Fixed random seed: the same demo each time.
"""

from __future__ import annotations

import io
import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import select

from ..accounts.models import PerangkatDaerah, User
from ..extensions import db
from ..kamus.models import KamusUsulan
from ..money import format_volume
from ..siklus import operations as siklus_ops
from ..usulan.engine_adapter import cycle_for, state_of
from ..siklus.models import Siklus, Tahapan
from ..usulan import operations as ops
from ..usulan.content import CONTENT_FIELDS
from ..usulan.models import Usulan
from ..wilayah.models import Wilayah
from . import texts
from .plan import (CHAIN, KECAMATAN, KECAMATAN_CEILINGS, KELURAHAN, MEETINGS_TO_RECORD, POKIR,
                   POKIR_CHAIN, REMBUK, Item)

PLAN_YEAR = 2027
SEED = 2027
DEMO_REASON = "Demo: all stages open for training"
OPEN_BEFORE, OPEN_AFTER = timedelta(days=30), timedelta(days=180)
CLOCK = "eplanning.clock"


class DemoError(RuntimeError):
    """The story and the engine disagree: a bug in the plan, never a user's mistake."""


def activity_title(kamus_code: str, jalan: str | None, volume) -> str:
    """The proposed activity as citizens word it, with its volume ("... sepanjang 120 m"):
    written from the volume, so rewritten whenever the volume changes."""
    return texts.ITEMS[kamus_code].kegiatan.format(jalan=jalan or "", v=format_volume(Decimal(volume)))


def _millions(rupiah: int) -> int:
    """An agency's pagu: whole millions of rupiah, rounded half up, at least one million."""
    return max(1_000_000, (rupiah + 500_000) // 1_000_000 * 1_000_000)


@dataclass
class Track:
    """One proposal of the story: where it is in its chain of stages."""

    usulan_id: int
    item: Item
    chain: tuple[str, ...]
    step: int = 0

    @property
    def kind(self) -> str:
        return self.chain[self.step]

    @property
    def token(self) -> str:
        return self.item.fate[self.step]

    @property
    def goes_on(self) -> bool:
        return len(self.item.fate) > self.step + 1


class Story:
    """The proposals of the plan, entered and moved stage by stage by the accounts whose work
    it is (Bappeda for the agencies the demo has no operator for)."""

    def __init__(self, siklus: Siklus, users: dict[str, User]):
        self.siklus = siklus
        self.users = users
        self.admin = users["admin"]
        self.rng = random.Random(SEED)
        self.tz = ZoneInfo(current_app.extensions["eplanning.tenant"].timezone)
        self.tahapan = {t.jenis: t for t in db.session.scalars(
            select(Tahapan).where(Tahapan.siklus_id == siklus.id))}
        tenant_id = siklus.tenant_id
        self.kamus = {k.kode: k for k in db.session.scalars(
            select(KamusUsulan).where(KamusUsulan.tenant_id == tenant_id))}
        self.kamus_code = {k.id: code for code, k in self.kamus.items()}
        self.agencies = {p.kode: p.id for p in db.session.scalars(
            select(PerangkatDaerah).where(PerangkatDaerah.tenant_id == tenant_id))}
        self.by_unit = {u.wilayah.kode: u for u in users.values() if u.wilayah is not None}
        self.by_agency = {u.perangkat_daerah_id: u for u in users.values()
                          if u.perangkat_daerah_id is not None}
        self.tracks: list[Track] = []
        self.priority: dict[tuple[str, str], int] = {}
        self.proposers = 0
        self.moment: datetime | None = None  # the story's local time (set by ``at``)

    # ---- the clock and the stages ------------------------------------------------------------

    def key(self, kind: str) -> str:
        return self.tahapan[kind].kunci

    def at(self, kind: str) -> None:
        """Set the app clock inside the stage's configured window (its entry week if any)."""
        row = self.tahapan[kind]
        end = row.pemasukan_ditutup or row.ditutup
        moment = row.dibuka + min(timedelta(days=5), (end - row.dibuka) / 2) + timedelta(hours=9)
        aware = moment.replace(tzinfo=self.tz)
        self.moment = moment
        current_app.extensions[CLOCK] = lambda: aware

    # ---- the operations, refusing loudly ----------------------------------------------------

    def _check(self, outcome, what: str):
        if not outcome.ok:
            why = str(outcome.refusal) if outcome.refusal else (outcome.errors or "stale version")
            raise DemoError(f"demo story: {what} refused: {why}")
        return outcome

    def act(self, usulan: Usulan, user: User, action: str, reason: str | None = None,
            content: dict | None = None, **inputs) -> None:
        self._check(ops.act(usulan, user, action, expected_version=usulan.version,
                            stage_key=usulan.tahapan, reason=reason, inputs=inputs or None,
                            content=content), f"{action} on {usulan.kode_lacak}")

    def holder(self, usulan: Usulan):
        return cycle_for(self.siklus).holder_of(state_of(usulan))

    def decider(self, kind: str, usulan: Usulan) -> User:
        """Who decides: the unit's or agency's own operator where the demo has one."""
        holder = self.holder(usulan)
        if kind in CHAIN[:3]:
            return self.by_unit.get(holder, self.admin)
        if kind == "forum_pd":
            return self.by_agency.get(holder, self.admin)
        return self.admin

    # ---- entering proposals -----------------------------------------------------------------

    def content(self, item: Item, unit: Wilayah) -> dict:
        text = texts.ITEMS[item.kamus]
        kamus = self.kamus[item.kamus]
        low, high, step = text.volumes
        volume = self.rng.randrange(low, high + 1, step)
        kecamatan = unit.kode[:8]
        (lat, lng), streets = texts.STREETS[kecamatan]
        jalan = self.rng.choice(streets)
        if self.rng.random() < 0.6:
            jalan = f"{jalan} {self.rng.choice(texts.GANG)}"
        self.proposers += 1
        n = self.proposers
        values = {
            "bidang": kamus.bidang, "kamus_id": kamus.id, "satuan": kamus.satuan,
            "harga_satuan": kamus.harga_satuan, "volume": Decimal(volume),
            "permasalahan": text.permasalahan.format(jalan=jalan, v=volume),
            "usulan_kegiatan": activity_title(item.kamus, jalan, volume),
            "lokasi_wilayah_id": unit.id, "jalan": jalan,
            "lokasi_detail": self.rng.choice(texts.PLACES),
            "pengusul_nama": texts.PROPOSERS[n % len(texts.PROPOSERS)],
            # obviously fake: a birth date of 99-99-99, and a phone number of zeros
            "pengusul_nik": f"{kecamatan.replace('.', '')}999999{n:04d}",
            "pengusul_telepon": f"0812-0000-{n:04d}",
        }
        if self.rng.random() < 0.7:
            values["lat"] = f"{lat + self.rng.uniform(-0.006, 0.006):.6f}"
            values["lng"] = f"{lng + self.rng.uniform(-0.006, 0.006):.6f}"
        return values

    def create(self, kind: str, user: User, unit: Wilayah, item: Item, chain) -> None:
        outcome = self._check(ops.create(self.siklus, self.key(kind), user,
                                         self.content(item, unit)),
                              f"entering {item.kamus} at {unit.kode}")
        self.tracks.append(Track(outcome.usulan.id, item, chain))

    def enter(self, kind: str, units: dict[str, Wilayah]) -> None:
        plans = {"rembuk_warga": REMBUK, "musrenbang_desa": KELURAHAN,
                 "musrenbang_kecamatan": KECAMATAN}
        for code, items in plans.get(kind, {}).items():
            for item in items:
                self.create(kind, self.by_unit[code], units[code], item, CHAIN[CHAIN.index(kind):])
        if kind == "pokir":
            for username, code, item in POKIR:
                self.create(kind, self.users[username], units[code], item, POKIR_CHAIN)

    # ---- deciding ---------------------------------------------------------------------------

    def _changed_content(self, usulan: Usulan, **changes) -> dict:
        values = {name: getattr(usulan, name) for name in CONTENT_FIELDS}
        values.update(changes)
        if "volume" in changes and usulan.kamus_id in self.kamus_code:
            # the title names the volume ("... sepanjang 120 m"): it follows the new volume
            # (issue 14: a title that still said the old volume after the forum cut it)
            values["usulan_kegiatan"] = activity_title(self.kamus_of(usulan), usulan.jalan,
                                                       values["volume"])
        return values

    def kamus_of(self, usulan: Usulan) -> str:
        return self.kamus_code[usulan.kamus_id]

    def change(self, usulan: Usulan, user: User) -> str:
        """Accepted with changes: the forum cuts the volume (or the price of a single unit)
        and minutes why; returns the reason."""
        step = texts.ITEMS[self.kamus_of(usulan)].volumes[2]
        volume = int(usulan.volume)
        new = max(step, (volume * 7 // 10) // step * step)
        if new < volume:
            reason = texts.CHANGE_VOLUME.format(old=format_volume(usulan.volume),
                                                new=format_volume(Decimal(new)), satuan=usulan.satuan)
            content = self._changed_content(usulan, volume=Decimal(new))
        else:
            reason = texts.CHANGE_PRICE
            content = self._changed_content(
                usulan, harga_satuan=usulan.harga_satuan * 9 // 10 // 1000 * 1000)
        self.act(usulan, user, "ubah", reason=reason, content=content)
        return reason

    def points(self, low: int, high: int) -> dict[str, int]:
        criteria = cycle_for(self.siklus).criteria_for(self.key("musrenbang_kecamatan"))
        return {c.key: self.rng.randint(low, min(high, c.max)) for c in criteria}

    def reason(self, kind: str) -> str:
        return self.rng.choice(texts.REJECT[kind])

    def mapping(self, usulan: Usulan, share: int = 100) -> dict:
        kamus = self.kamus[self.kamus_of(usulan)]
        if not kamus.sub_kegiatan_kode:
            raise DemoError(f"demo story: {kamus.kode} suggests no sub kegiatan to map to")
        pagu = _millions(usulan.total * share // 100)
        return {"sub_kegiatan": kamus.sub_kegiatan_kode, "pagu": pagu,
                "target": f"{format_volume(usulan.volume)} {usulan.satuan}"}

    def decide(self, track: Track) -> None:
        usulan = db.session.get(Usulan, track.usulan_id)
        kind, token = track.kind, track.token
        user = self.decider(kind, usulan)
        handler = getattr(self, f"on_{kind}")
        handler(usulan, user, token, track)

    def on_rembuk_warga(self, usulan, user, token, track):
        if token == "S":
            self.act(usulan, user, "ubah", reason=texts.SURVEY_CORRECTION,
                     content=self._changed_content(usulan, volume=usulan.volume + texts.ITEMS[
                         track.item.kamus].volumes[2]))
        if token in "sS":
            self.act(usulan, user, "survei_selesai")
        elif token == "x":
            self.act(usulan, user, "ditolak", reason=self.reason("rembuk_warga"))

    def _prioritise(self, usulan, user, kind):
        key = (kind, str(self.holder(usulan)))
        self.priority[key] = self.priority.get(key, 0) + 1
        self.act(usulan, user, "prioritas", priority=self.priority[key])

    def on_musrenbang_desa(self, usulan, user, token, track):
        if token in "tu":  # the order first: operations.act would clear a decision's reason
            self._prioritise(usulan, user, "musrenbang_desa")
        if token == "t":
            self.act(usulan, user, "diterima")
        elif token == "u":
            self.act(usulan, user, "diterima_dengan_perubahan", reason=self.change(usulan, user))
        elif token == "x":
            self.act(usulan, user, "ditolak", reason=self.reason("musrenbang_kelurahan"))
        elif token == "d":
            self.act(usulan, user, "dana_desa", reason=texts.DANA_KELURAHAN)

    def on_musrenbang_kecamatan(self, usulan, user, token, track):
        if token == "-":
            return
        low, high = (1, 2) if token == "x" else (2, 5) if token in "kr" else (3, 5)
        self.act(usulan, user, "skor", points=self.points(low, high))
        if token in "tur":
            agency = track.item.route or self.kamus[track.item.kamus].perangkat_daerah.kode
            self.act(usulan, user, "rute", agency_id=self.agencies[agency])
        if token == "t":
            self.act(usulan, user, "diterima")
        elif token == "u":
            self.act(usulan, user, "diterima_dengan_perubahan", reason=self.change(usulan, user))
        elif token == "x":
            self.act(usulan, user, "ditolak", reason=self.reason("musrenbang_kecamatan"))

    def on_pokir(self, usulan, user, token, track):
        setwan = self.users["setwan"]
        if token in "pt":
            self.act(usulan, setwan, "periksa")
        if token == "t":
            agency = self.kamus[track.item.kamus].perangkat_daerah.kode
            self.act(usulan, setwan, "rute", agency_id=self.agencies[agency])
            self.act(usulan, self.admin, "diterima")
        elif token == "x":
            self.act(usulan, setwan, "ditolak", reason=self.reason("pokir"))

    def on_forum_pd(self, usulan, user, token, track):
        if token == "t":
            self.act(usulan, user, "diterima", **self.mapping(usulan))
        elif token == "u":
            self.act(usulan, user, "diterima_dengan_perubahan", reason=texts.CHANGE_PAGU["forum_pd"],
                     **self.mapping(usulan, share=85))
        elif token == "x":
            self.act(usulan, user, "ditolak", reason=self.reason("forum_pd"))
        elif token == "k":
            points = dict(usulan.skor_rincian or self.points(2, 4))
            points["keterdesakan"] = 5
            self.act(usulan, user, "skor", reason=texts.SCORE_REVISION, points=points)
        elif token == "a":
            target = db.session.scalar(select(PerangkatDaerah).where(
                PerangkatDaerah.tenant_id == usulan.tenant_id,
                PerangkatDaerah.kode == track.item.handover))
            reason = texts.HANDOVER.format(what=usulan.usulan_kegiatan.rstrip("."),
                                           agency=target.singkatan or target.nama)
            self.act(usulan, user, "alihkan", reason=reason, agency_id=target.id)

    def on_musrenbang_rkpd(self, usulan, user, token, track):
        if token == "t":
            self.act(usulan, user, "diterima")
        elif token == "u":
            pagu = _millions(usulan.pagu * 9 // 10)
            self.act(usulan, user, "diterima_dengan_perubahan",
                     reason=texts.CHANGE_PAGU["musrenbang_rkpd"], pagu=pagu)
        elif token == "x":
            self.act(usulan, user, "ditolak", reason=self.reason("musrenbang_rkpd"))

    def on_penetapan_rkpd(self, usulan, user, token, track):
        pass  # nothing to decide: the plan is set by sending it on

    def on_penganggaran(self, usulan, user, token, track):
        if token == "f":
            self.act(usulan, user, "didanai", amount=usulan.pagu)
        elif token == "n":
            self.act(usulan, user, "tidak_didanai", reason=texts.NOT_FUNDED)

    # ---- sending on -------------------------------------------------------------------------

    def sender(self, kind: str, usulan: Usulan) -> User:
        return self.users["setwan"] if kind == "pokir" else self.decider(kind, usulan)

    def send_on(self, kind: str) -> None:
        here = [t for t in self.tracks if t.kind == kind]
        rows = {t.usulan_id: db.session.get(Usulan, t.usulan_id) for t in here}
        holders: dict[str, list[Track]] = {}
        for track in here:
            holders.setdefault(str(self.holder(rows[track.usulan_id])), []).append(track)
        for holder, tracks in holders.items():
            if not any(t.goes_on for t in tracks):
                continue
            user = self.sender(kind, rows[tracks[0].usulan_id])
            self.sign_berita_acara(kind, holder)
            self._check(ops.send(self.siklus, self.key(kind), holder, user),
                        f"sending {kind} of {holder}")
            for track in tracks:
                moved = db.session.get(Usulan, track.usulan_id).tahapan != self.key(kind)
                if moved != track.goes_on:
                    raise DemoError(f"demo story: {track.item} {'moved' if moved else 'stayed'} "
                                    f"at {kind}, against the plan")
                track.step += moved

    # ---- the whole story --------------------------------------------------------------------

    def run(self, units: dict[str, Wilayah]) -> None:
        self.set_ceilings(units)
        for kind in ("rembuk_warga", "musrenbang_desa", "musrenbang_kecamatan", "pokir",
                     "forum_pd", "musrenbang_rkpd", "penetapan_rkpd", "penganggaran"):
            if kind not in self.tahapan:
                raise DemoError(f"demo story: the region has no stage of kind {kind}")
            self.at(kind)
            self.enter(kind, units)
            for track in [t for t in self.tracks if t.kind == kind]:
                self.decide(track)
            self.record_meetings(kind, units)
            self.send_on(kind)

    def record_meetings(self, kind: str, units: dict[str, Wilayah]) -> None:
        """Each unit holding proposals at a meeting stage records its meeting (rapat), an hour
        after it began, through the meetings' own operation (a unit that sends also uploads
        its signed berita acara: ``sign_berita_acara``)."""
        try:
            from ..rapat import operations as rapat_ops
        except ImportError:  # a core without the meetings module
            return
        if kind not in texts.MINUTES:
            return
        held: dict[str, int] = {}
        for track in self.tracks:
            if track.kind == kind:
                code = str(self.holder(db.session.get(Usulan, track.usulan_id)))
                held[code] = held.get(code, 0) + 1
        low, high = texts.ATTENDANCE[kind]
        for code, count in sorted(held.items()):
            if code in MEETINGS_TO_RECORD:
                continue
            unit = units[code]
            name = self.unit_name(unit, units)
            start = self.moment - timedelta(hours=1)
            hadir = self.rng.randint(low, high)
            streets = texts.STREETS[code[:8]][1]
            values = {
                "tempat": self.rng.choice(texts.MEETING_PLACES[kind]).format(unit=name, nama=unit.nama),
                "alamat": f"{self.rng.choice(streets)}, {name}",
                "mulai": start.strftime("%Y-%m-%dT%H:%M"), "jumlah_hadir": str(hadir),
                "notulen": texts.MINUTES[kind].format(unit=name, jam=start.strftime("%H.%M"),
                                                      hadir=hadir, n=count),
                "delegasi": self.rng.sample(texts.PROPOSERS, 3) if kind != "rembuk_warga" else [],
            }
            result = rapat_ops.save(self.siklus, self.key(kind), unit, self.by_unit[code], 0, values)
            if not result.ok:
                raise DemoError(f"demo story: the meeting of {code} at {kind} refused: "
                                f"{result.message or result.errors}")

    def sign_berita_acara(self, kind: str, code: str) -> None:
        """A unit about to send from a Musrenbang uploads its signed berita acara, as sending
        requires (``StageKind.meeting``); the core's printed one stands in for the scan."""
        from werkzeug.datastructures import FileStorage

        from .. import workflow
        from ..rapat import operations as rapat_ops
        from ..rapat.documents import berita_acara
        from ..uploads import store_upload

        rule = workflow.KINDS[kind].meeting
        unit = self.by_unit[code].wilayah if code in self.by_unit else None
        if rule is None or not rule.berita_acara or unit is None:
            return
        rapat = rapat_ops.get_rapat(self.siklus, self.key(kind), unit)
        if rapat is None or rapat_ops.count_files(rapat, "berita_acara"):
            return
        stage = cycle_for(self.siklus).stage(self.key(kind))
        scan = FileStorage(io.BytesIO(berita_acara(self.siklus, stage, unit, rapat)),
                           filename=f"berita-acara-{code}.pdf", content_type="application/pdf")
        stored = store_upload(scan, tenant_id=self.siklus.tenant_id,
                              allowed=rapat_ops.FILE_KINDS["berita_acara"])
        rapat_ops.attach(rapat, self.by_unit[code], "berita_acara", stored)

    @staticmethod
    def unit_name(unit: Wilayah, units: dict[str, Wilayah]) -> str:
        """'Kelurahan Pasar Baru', or 'Lingkungan I Pasar Baru' for a neighbourhood."""
        config = current_app.extensions["eplanning.tenant"]
        if unit.tingkat == 3:
            return f"{unit.nama} {units[unit.kode.rsplit('.', 1)[0]].nama}"
        return config.unit_label(unit.tingkat, unit.nama)

    def set_ceilings(self, units: dict[str, Wilayah]) -> None:
        rows = [{"wilayah_id": units[code].id, "jumlah": amount}
                for code, amount in KECAMATAN_CEILINGS.items()]
        self._check(siklus_ops.set_limits(self.siklus, self.key("musrenbang_kecamatan"),
                                          self.admin, rows), "setting the kecamatan ceilings")


# ---- entry points -----------------------------------------------------------------------------

def units_of(tenant_id: int) -> dict[str, Wilayah]:
    """The story's units by code (and the kelurahan/kecamatan above them), in one query."""
    codes = set(REMBUK) | set(KELURAHAN) | set(KECAMATAN) | set(KECAMATAN_CEILINGS)
    codes |= {code for _user, code, _item in POKIR}
    codes |= {".".join(code.split(".")[:n]) for code in set(codes) for n in (3, 4)}
    return {w.kode: w for w in db.session.scalars(select(Wilayah).where(
        Wilayah.tenant_id == tenant_id, Wilayah.kode.in_(sorted(codes))))}


def open_windows(siklus: Siklus, admin: User, now_local: datetime, *, every: bool) -> int:
    """Bappeda opens the stages from 30 days ago to 180 days ahead (local midnights), each with
    the demo's reason: ``every`` stage, or only those not open now. Returns how many moved."""
    start = datetime.combine((now_local - OPEN_BEFORE).date(), datetime.min.time())
    end = datetime.combine((now_local + OPEN_AFTER).date(), datetime.min.time())
    naive_now = now_local.replace(tzinfo=None)
    moved = 0
    for tahapan in db.session.scalars(select(Tahapan).where(Tahapan.siklus_id == siklus.id)
                                      .order_by(Tahapan.urutan)).all():
        entry_open = tahapan.pemasukan_ditutup is None or naive_now < tahapan.pemasukan_ditutup
        if not every and tahapan.dibuka <= naive_now < tahapan.ditutup and entry_open:
            continue
        result = siklus_ops.reschedule(
            siklus, tahapan, admin, dibuka=start, ditutup=end,
            pemasukan_ditutup=end if tahapan.pemasukan_ditutup is not None else None,
            alasan=DEMO_REASON, expected_version=tahapan.version)
        if not result.ok:
            raise DemoError(f"demo story: opening {tahapan.kunci} refused: {result.errors}")
        moved += 1
    return moved


def play(tenant_id: int, users: dict[str, User]) -> Siklus:
    """Open the cycle, play the story on the app clock, then open every window around now."""
    from ..usulan.engine_adapter import local_now

    saved = current_app.extensions.get(CLOCK)
    try:
        result = siklus_ops.open_cycle(tenant_id, users["admin"], PLAN_YEAR)
        if not result.ok:
            raise DemoError(f"demo story: opening RKPD {PLAN_YEAR} refused: {result.errors}")
        siklus = result.obj
        Story(siklus, users).run(units_of(tenant_id))
    finally:
        if saved is None:
            current_app.extensions.pop(CLOCK, None)
        else:
            current_app.extensions[CLOCK] = saved
    open_windows(siklus, users["admin"], local_now(), every=True)
    from ..realisasi.demo import record_execution  # what the agencies report (realisasi/)

    record_execution(siklus, users)
    return siklus


def finished(siklus: Siklus) -> bool:
    """Whether the story ran to its end: Bappeda's demo reschedule is in the history."""
    from ..audit.models import AuditEntry

    return db.session.scalar(select(AuditEntry.id).where(
        AuditEntry.tenant_id == siklus.tenant_id, AuditEntry.action == "tahapan.jadwal",
        AuditEntry.reason == DEMO_REASON).limit(1)) is not None
