"""The acceptance scenario: one proposal from a region's first stage to its budget.

A region proves that its configuration works by running this against its own tenant.toml:
the region's units are imported, the cycle RKPD 2027 is opened, the accounts each stage needs
are created, and one proposal is carried through EVERY stage of the region's stage set, the
way the people of each stage do it: meetings recorded (with the signed berita acara where the
send page asks for it), decisions, scores, routing, mapping, sending up, the RKPD set, the
budget outcome. Where the stage set has a Pokir stage a council member's Pokir goes through
Setwan and Bappeda to its next stage too, and on with the proposal.

Nothing here decides a rule: the path comes from the engine's Cycle (order, ``next``, kinds,
levels), every step goes through the real operations, and each one is checked: the proposal
is where the stage set says and its history (Keputusan, AuditEntry) grew.

    report = run_acceptance(app, "langkat", wilayah_csv="wilayah.csv")
    assert report.final_status == "didanai"

The region's database must hold no cycle RKPD 2027 yet (a fresh database, as the pytest
plugin's fixtures give).
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from .. import workflow
from ..accounts.models import Role, User
from ..audit.models import AuditEntry
from ..audit.operations import record
from ..extensions import db
from ..siklus.models import Siklus, Tahapan
from ..usulan.models import Keputusan, Usulan
from ..wilayah.models import Wilayah
from ..workflow.state import BELUM_DIBAHAS, DIDANAI, DITERIMA, DITERIMA_DENGAN_PERUBAHAN
from ..workflow.units import ancestor

YEAR = 2027
#: Password of every account the scenario creates (they are test accounts of a fresh database).
PASSWORD = "skenario-uji-2027"
#: Lowest-level units made up when the region supplies no units.csv.
GENERATED_UNITS = 3
AGENCY = {"kode": "1.03.01", "nama": "Dinas Pekerjaan Umum dan Penataan Ruang", "singkatan": "Dinas PUPR"}
SUB_KEGIATAN = "1.03.10.2.01.0005"  # Pembangunan Jalan (Permendagri 90/2019)
ROAD = {"bidang": "fisik_prasarana", "permasalahan": "Jalan lingkungan rusak dan tergenang saat hujan",
        "usulan_kegiatan": "Rehabilitasi jalan lingkungan dengan rabat beton", "volume": "100",
        "satuan": "m", "harga_satuan": "350000", "jalan": "Jalan Mesjid", "pengusul_nama": "Warga setempat"}
POKIR = {"bidang": "sosial_budaya", "permasalahan": "Gedung posyandu tidak layak pakai (hasil reses)",
         "usulan_kegiatan": "Rehabilitasi gedung posyandu", "volume": "1", "satuan": "unit",
         "harga_satuan": "150000000", "jalan": "Jalan Pendidikan", "pengusul_nama": "Kelompok kader posyandu"}


class ScenarioError(AssertionError):
    """A step of the scenario did not do what the region's stage set says it must."""


@dataclass
class ScenarioReport:
    """What the scenario did: where the proposal (and the Pokir) went and how it ended."""

    slug: str
    region: str
    cycle: str
    #: Stage keys the proposal visited, first to last (the last is the budgeting stage).
    stages: list[str]
    final_status: str
    tracking_code: str
    funded_amount: int | None
    #: Stage keys the Pokir visited; empty when the stage set has no Pokir stage.
    pokir_stages: list[str] = field(default_factory=list)
    pokir_status: str | None = None
    pokir_tracking_code: str | None = None
    #: Units of the region by level (1 kecamatan, 2 village, 3 lowest) after the import.
    units: dict[int, int] = field(default_factory=dict)
    #: Lowest-level units the scenario made up because the region supplied none.
    generated_units: int = 0
    #: Account usernames by what they do ("bappeda", "operator_3", "agency", "dprd", "setwan").
    accounts: dict[str, str] = field(default_factory=dict)
    #: Decisions and moves on the proposal's public timeline, and its history entries.
    decisions: int = 0
    history: int = 0
    steps: int = 0


class _Clock:
    """The app clock the operations read (``app.extensions["eplanning.clock"]``)."""

    def __init__(self):
        self.now = datetime.now(timezone.utc)

    def __call__(self) -> datetime:
        return self.now


@dataclass
class _Journey:
    """One proposal the scenario carries, and the stages it has visited."""

    name: str
    id: int
    path: list[str]


def run_acceptance(app, slug: str, wilayah_csv=None, units_csv=None) -> ScenarioReport:
    """Run the acceptance scenario for region ``slug`` served by ``app``; see the module doc.

    ``wilayah_csv``: a Kemendagri-format file (the national list will do: only the region's
    rows are taken); default the region folder's wilayah.csv, else a minimal hierarchy made
    from the dapil's kecamatan. ``units_csv``: the lowest level; default the folder's
    units.csv, else a few units made up under the scenario's village.
    """
    previous = app.extensions.get("eplanning.clock")
    clock = _Clock()
    app.extensions["eplanning.clock"] = clock
    try:
        with app.app_context():
            from ..tenancy.context import all_tenants, use_tenant

            if slug not in all_tenants():
                raise ScenarioError(f"region '{slug}' is not served by this app: set TENANT "
                                    "(or TENANT_HOSTS) to it")
            with use_tenant(slug) as config:
                return _Scenario(app, config, clock, wilayah_csv, units_csv).run()
    finally:
        if previous is None:
            app.extensions.pop("eplanning.clock", None)
        else:
            app.extensions["eplanning.clock"] = previous


def _expect(condition, message: str) -> None:
    if not condition:
        raise ScenarioError(message)


def _fast_hash() -> str:
    """One cheap hash for every scenario account: scrypt per account would dominate the run."""
    global _HASH
    if _HASH is None:
        from werkzeug.security import generate_password_hash

        _HASH = generate_password_hash(PASSWORD, method="pbkdf2:sha256:1000")
    return _HASH


_HASH: str | None = None


class _Scenario:
    def __init__(self, app, config, clock: _Clock, wilayah_csv, units_csv):
        self.app, self.config, self.clock = app, config, clock
        self.wilayah_csv = Path(wilayah_csv) if wilayah_csv else None
        self.units_csv = Path(units_csv) if units_csv else None
        self.users: dict[str, User] = {}
        self.operators: dict[str, User] = {}   # unit code -> its operator
        self.generated = 0
        self.steps = 0

    # ---- the whole run ----------------------------------------------------------------------

    def run(self) -> ScenarioReport:
        from ..usulan.engine_adapter import cycle_for
        from ..tenancy.context import current_tenant_id

        self.tid = current_tenant_id()
        self.admin = self._user("bappeda", "bappeda", "Kepala Bidang Perencanaan Bappeda",
                                Role.BAPPEDA.value, actor=None)
        self.siklus = self._open_cycle()
        self.cycle = cycle_for(self.siklus)
        self.windows = {t.kunci: t for t in db.session.scalars(
            select(Tahapan).where(Tahapan.siklus_id == self.siklus.id))}
        self._import_units()
        self.location = self._pick_location()
        self._accounts()

        first = self.cycle.stages[0]
        pokir_stage = next((s for s in self.cycle.stages if s.kind == "pokir" and s is not first), None)
        journeys: list[_Journey] = []
        for stage in self.cycle.stages:
            self._at(stage, entry=stage is first or stage is pokir_stage)
            if stage is first:
                journeys.append(self._create(stage, "usulan"))
            elif stage is pokir_stage:
                journeys.append(self._create(stage, "pokir"))
            here = [j for j in journeys if self._row(j).tahapan == stage.key]
            if not here:
                continue
            for journey in here:
                self._decide(stage, journey)
            if stage.kind == "penetapan_rkpd":
                self._tetapkan(stage, here)
            elif self.cycle.next_stage(stage.key) is not None:
                holders: dict[str, list[_Journey]] = {}
                for journey in here:
                    holder = self.cycle.holder_of(self._state(journey), stage)
                    holders.setdefault(str(holder), []).append(journey)
                for group in holders.values():
                    self._send(stage, group)
        return self._report(journeys)

    def _report(self, journeys: list[_Journey]) -> ScenarioReport:
        main = journeys[0]
        row = self._row(main)
        pokir = next((j for j in journeys if j.name == "pokir"), None)
        pokir_row = self._row(pokir) if pokir else None
        last = self.cycle.stages[-1]
        _expect(row.tahapan == last.key, f"the proposal ended at '{row.tahapan}', not at the last "
                f"stage '{last.key}'")
        decisions, history = self._counts(main.id)
        units = dict(db.session.execute(select(Wilayah.tingkat, func.count()).where(
            Wilayah.tenant_id == self.tid).group_by(Wilayah.tingkat)).all())
        return ScenarioReport(
            slug=self.config.slug, region=self.config.name, cycle=self.siklus.nama,
            stages=list(main.path), final_status=row.status, tracking_code=row.kode_lacak,
            funded_amount=row.anggaran_jumlah, pokir_stages=list(pokir.path) if pokir else [],
            pokir_status=pokir_row.status if pokir_row else None,
            pokir_tracking_code=pokir_row.kode_lacak if pokir_row else None,
            units={int(k): v for k, v in units.items()}, generated_units=self.generated,
            accounts={k: u.username for k, u in self.users.items()},
            decisions=decisions, history=history, steps=self.steps)

    # ---- set-up: cycle, units, accounts ---------------------------------------------------------

    def _open_cycle(self) -> Siklus:
        from ..siklus.operations import open_cycle

        result = open_cycle(self.tid, self.admin, YEAR)
        _expect(result.ok, f"opening RKPD {YEAR} failed ({result.errors}); the scenario needs a "
                "region without that cycle (a fresh database)")
        return result.obj

    def _import_units(self) -> None:
        from ..wilayah.importer import (WilayahImportError, empty_file_problem, import_units, parse_kemendagri,
                                        parse_lowest)

        config, problems, parsed = self.config, [], []
        source = self.wilayah_csv or (config.folder / "wilayah.csv")
        if source.is_file():
            rows = parse_kemendagri(source.read_bytes(), config.code, source.name, problems)
            if not rows and not problems:
                problems.append(empty_file_problem(source.name, config.code))
            parsed.append((source.name, rows))
        elif self.wilayah_csv is not None:
            raise ScenarioError(f"{self.wilayah_csv}: file not found")
        else:
            parsed.append(("(generated)", parse_kemendagri(self._made_up_villages(), config.code,
                                                           "(generated)", problems)))
        lowest = self.units_csv or (config.folder / "units.csv")
        if lowest.is_file():
            parsed.append((lowest.name, parse_lowest(lowest.read_bytes(), config.code, lowest.name,
                                                     problems)))
        elif self.units_csv is not None:
            raise ScenarioError(f"{self.units_csv}: file not found")
        elif not problems:
            village = self._scenario_village([r.kode for r in parsed[0][1] if r.tingkat == 2])
            if village is not None:
                name = config.levels[2]
                text = "kode,nama\n" + "".join(f"{village}.{n:02d},{name} {n}\n"
                                               for n in range(1, GENERATED_UNITS + 1))
                parsed.append(("(generated units)", parse_lowest(text, config.code, "(generated units)",
                                                                 problems)))
                self.generated = GENERATED_UNITS
        try:
            import_units(self.tid, parsed, problems)
        except WilayahImportError as exc:
            raise ScenarioError(f"the region's units do not import:\n{exc}") from None

    def _made_up_villages(self) -> str:
        """No unit list at all: one kecamatan per dapil kecamatan code, one village each."""
        config = self.config
        codes = sorted({k for d in config.dapil for k in d.kecamatan}) or [f"{config.code}.01"]
        village = "1001" if config.kind == "kota" else "2001"
        lines = ["kode,nama"]
        for code in codes:
            lines += [f"{code},{config.levels[0]} {code}", f"{code}.{village},{config.levels[1]} {code}"]
        return "\n".join(lines) + "\n"

    def _dapil_kecamatan(self) -> tuple[str, ...]:
        return self.config.dapil[0].kecamatan if self.config.dapil else ()

    def _scenario_village(self, villages: list[str]) -> str | None:
        """The first village of the first dapil's kecamatan (else the first village at all)."""
        villages = sorted(villages)
        for kecamatan in self._dapil_kecamatan():
            inside = [v for v in villages if v.startswith(kecamatan + ".")]
            if inside:
                return inside[0]
        return villages[0] if villages else None

    def _pick_location(self) -> str:
        """Where the proposal is: a unit at the deepest level the stage set works at."""
        levels = [s.level.depth for s in self.cycle.stages if s.level.is_unit]
        depth = max(levels) if levels else 2
        codes = list(db.session.scalars(select(Wilayah.kode).where(
            Wilayah.tenant_id == self.tid, Wilayah.tingkat == depth).order_by(Wilayah.kode)))
        _expect(codes, f"the region has no unit at level {depth} ({self.config.level_name(depth)}), "
                "where its first stages work")
        for kecamatan in self._dapil_kecamatan():
            inside = [c for c in codes if c.startswith(kecamatan + ".")]
            if inside:
                return inside[0]
        return codes[0]

    def _user(self, key: str, username: str, nama: str, role: str, *, actor, **scope) -> User:
        user = User(tenant_id=self.tid, username=username, nama=nama, role=role, aktif=True,
                    password_hash=_fast_hash(), **scope)
        db.session.add(user)
        db.session.flush()
        record(tenant_id=self.tid, actor=actor, action="user.create", obj=user,
               changes={"username": [None, username], "role": [None, role]})
        db.session.commit()
        self.users[key] = user
        return user

    def _accounts(self) -> None:
        """An operator at every unit level the stage set uses, an agency, the council."""
        from ..accounts.operations import save_perangkat_daerah

        for level in sorted({s.level.depth for s in self.cycle.stages if s.level.is_unit}):
            code = ancestor(self.location, level)
            unit = db.session.scalar(select(Wilayah).where(Wilayah.tenant_id == self.tid,
                                                           Wilayah.kode == code))
            name = self.config.level_name(level)
            self.operators[code] = self._user(f"operator_{level}", f"op.{code}",
                                              f"Operator {name} {unit.nama}", Role.OPERATOR.value,
                                              actor=self.admin, wilayah_id=unit.id)
        outcome = save_perangkat_daerah(self.tid, self.admin, dict(AGENCY, aktif=True))
        _expect(outcome.ok, f"creating the agency failed: {outcome.errors}")
        self.agency = outcome.obj
        self._user("agency", "opd.pupr", "Operator Dinas PUPR", Role.OPERATOR_PD.value,
                   actor=self.admin, perangkat_daerah_id=self.agency.id)
        if self.config.dapil:
            dapil = self.config.dapil[0]
            self._user("dprd", f"dprd.{dapil.code.lower()}", f"Anggota DPRD {dapil.name}",
                       Role.DPRD.value, actor=self.admin, dapil=dapil.code)
        self._user("setwan", "setwan", "Sekretariat DPRD", Role.SETWAN.value, actor=self.admin)

    # ---- time --------------------------------------------------------------------------------

    def _at(self, stage: workflow.StageDef, *, entry: bool = False) -> datetime:
        """Set the clock inside the stage's window (its entry window when proposals are entered)."""
        row = self.windows[stage.key]
        end = row.pemasukan_ditutup if entry and row.pemasukan_ditutup else row.ditutup
        local = (row.dibuka + (end - row.dibuka) / 2).replace(second=0, microsecond=0)
        self.local_now = local
        self.clock.now = local.replace(tzinfo=ZoneInfo(self.config.timezone)).astimezone(timezone.utc)
        return self.clock.now

    # ---- reading back --------------------------------------------------------------------------

    def _row(self, journey: _Journey) -> Usulan:
        row = db.session.get(Usulan, journey.id, populate_existing=True)
        _expect(row is not None, f"the {journey.name} #{journey.id} disappeared")
        return row

    def _state(self, journey: _Journey) -> workflow.ProposalState:
        from ..usulan.engine_adapter import state_of

        return state_of(self._row(journey))

    def _counts(self, usulan_id: int) -> tuple[int, int]:
        decisions = db.session.scalar(select(func.count()).select_from(Keputusan).where(
            Keputusan.usulan_id == usulan_id))
        history = db.session.scalar(select(func.count()).select_from(AuditEntry).where(
            AuditEntry.tenant_id == self.tid, AuditEntry.object_type == "usulan",
            AuditEntry.object_id == usulan_id))
        return decisions, history

    # ---- the steps ---------------------------------------------------------------------------

    def _create(self, stage: workflow.StageDef, name: str) -> _Journey:
        from ..usulan import operations as ops

        user, location = self._creator(stage, name)
        unit = db.session.scalar(select(Wilayah).where(Wilayah.tenant_id == self.tid,
                                                       Wilayah.kode == location))
        values = dict(POKIR if name == "pokir" else ROAD, lokasi_wilayah_id=unit.id)
        outcome = ops.create(self.siklus, stage.key, user, values)
        _expect(outcome.ok, f"{user.username} could not enter the {name} at '{stage.key}' "
                f"({stage.kind}): {outcome.refusal or outcome.errors}")
        self.steps += 1
        row = outcome.usulan
        prefix, year, number = (row.kode_lacak.rsplit("-", 2) + ["", ""])[:3]
        _expect((prefix, year) == (self.config.tracking_prefix, str(YEAR))
                and len(number) == 6 and number.isdigit(),
                f"tracking code {row.kode_lacak} is not {self.config.tracking_prefix}-{YEAR}-"
                "and a six-digit number of this region's own count")
        _expect((row.tahapan, row.status) == (stage.key, BELUM_DIBAHAS),
                f"the new {name} is at {row.tahapan}/{row.status}, not {stage.key}/{BELUM_DIBAHAS}")
        _expect(self._counts(row.id) == (1, 1), f"the new {name} has no 'buat' history entry")
        return _Journey(name, row.id, [stage.key])

    def _creator(self, stage: workflow.StageDef, name: str) -> tuple[User, str]:
        creators = stage.creators
        if name == "pokir" or (creators and "operator" not in creators and "dprd" in creators):
            _expect("dprd" in self.users, f"stage '{stage.key}' takes Pokir, but tenant.toml lists "
                    "no [[dapil]] for a council member")
            return self.users["dprd"], self._pokir_location()
        if "operator" in creators and stage.level.is_unit:
            return self.operators[ancestor(self.location, stage.level.depth)], self.location
        if "operator_pd" in creators:
            return self.users["agency"], self.location
        raise ScenarioError(f"nobody the scenario knows may enter proposals at '{stage.key}' "
                            f"(creators: {list(creators)})")

    def _pokir_location(self) -> str:
        """A village (else the kecamatan) in the member's dapil: where the recess went."""
        kecamatan = self._dapil_kecamatan()
        for level in (2, 1):
            code = ancestor(self.location, level)
            if code and ancestor(code, 1) in kecamatan:
                return code
        first = kecamatan[0]
        village = db.session.scalar(select(Wilayah.kode).where(
            Wilayah.tenant_id == self.tid, Wilayah.tingkat == 2,
            Wilayah.kode.startswith(first + ".", autoescape=True)).order_by(Wilayah.kode).limit(1))
        return village or first

    def _act(self, journey: _Journey, user: User, action: str, *, reason=None, **inputs) -> Usulan:
        """One engine action through usulan.operations.act, checked before and after."""
        from ..usulan.engine_adapter import actor_for
        from ..usulan import operations as ops
        from ..usulan.transitions import TIMELINE_EVENTS

        row = self._row(journey)
        offered = {a.name for a in workflow.allowed(self.cycle, self._state(journey), actor_for(user),
                                                    self.clock.now)}
        _expect(action in offered, f"'{action}' is not offered to {user.username} on the {journey.name} "
                f"at '{row.tahapan}' ({self.local_now:%Y-%m-%d %H:%M}); offered: {sorted(offered)}")
        before = self._counts(row.id)
        outcome = ops.act(row, user, action, expected_version=row.version, stage_key=row.tahapan,
                          reason=reason, inputs=inputs)
        _expect(outcome.ok, f"{user.username} could not '{action}' the {journey.name} at "
                f"'{row.tahapan}': {outcome.refusal or outcome.errors or 'stale'}")
        self.steps += 1
        after = self._counts(row.id)
        timeline = 1 if action in TIMELINE_EVENTS else 0
        _expect(after == (before[0] + timeline, before[1] + 1),
                f"'{action}' on the {journey.name} left its history at {after} (was {before})")
        return self._row(journey)

    def _accept(self, stage: workflow.StageDef, journey: _Journey, user: User) -> None:
        """The decision that lets the proposal go up; an agency's includes the mapping."""
        decision = DITERIMA if DITERIMA in stage.decisions else DITERIMA_DENGAN_PERUBAHAN
        _expect(decision in stage.decisions, f"'{stage.key}' offers no decision that sends a proposal on")
        row = self._row(journey)
        inputs = {}
        if stage.spec.needs_mapping and (row.sub_kegiatan_kode is None or row.pagu is None):
            inputs = {"sub_kegiatan": SUB_KEGIATAN, "pagu": row.total, "target": f"{row.volume} {row.satuan}"}
        reason = "Disesuaikan dengan hasil verifikasi" if decision == DITERIMA_DENGAN_PERUBAHAN else None
        row = self._act(journey, user, decision, reason=reason, **inputs)
        _expect(row.status == decision, f"the {journey.name} is {row.status} after '{decision}'")

    def _decide(self, stage: workflow.StageDef, journey: _Journey) -> None:
        """What the people of this kind of stage do with a proposal before sending it up."""
        kind, row = stage.kind, self._row(journey)
        nxt = self.cycle.next_stage(stage.key)
        if kind == "rembuk_warga":
            if stage.survey:
                row = self._act(journey, self._unit_operator(stage, journey), "survei_selesai")
                _expect(row.survei_selesai, "the survey is not marked done")
        elif kind == "musrenbang_desa":
            operator = self._unit_operator(stage, journey)
            self._act(journey, operator, "prioritas", priority=1)
            self._accept(stage, journey, operator)
        elif kind == "musrenbang_kecamatan":
            operator = self._unit_operator(stage, journey)
            criteria = self.cycle.criteria_for(stage.key)
            if criteria:
                row = self._act(journey, operator, "skor", points={c.key: c.max for c in criteria})
                _expect(row.skor is not None and row.skor > 0, "the score was not recorded")
            if nxt is not None and nxt.level.is_agency and row.perangkat_daerah_id is None:
                self._act(journey, operator, "rute", agency_id=self.agency.id)
            self._accept(stage, journey, operator)
        elif kind == "pokir":
            setwan = self.users["setwan"]
            self._act(journey, setwan, "periksa")
            if row.perangkat_daerah_id is None:
                self._act(journey, setwan, "rute", agency_id=self.agency.id)
            self._accept(stage, journey, self.admin)  # Bappeda validates
        elif kind == "forum_pd":
            self._accept(stage, journey, self.users["agency"])
        elif kind == "musrenbang_rkpd":
            self._accept(stage, journey, self.admin)
        elif kind == "penganggaran":
            if DIDANAI in stage.decisions:
                row = self._act(journey, self.admin, DIDANAI, amount=row.pagu or row.total)
                _expect(row.status == DIDANAI and row.anggaran_jumlah == (row.pagu or row.total),
                        "the funded amount was not recorded")
            else:
                self._act(journey, self.admin, stage.decisions[0])

    def _unit_operator(self, stage: workflow.StageDef, journey: _Journey) -> User:
        code = self.cycle.holder_of(self._state(journey), stage)
        _expect(code in self.operators, f"no operator for unit {code} at '{stage.key}'")
        return self.operators[code]

    def _sender(self, stage: workflow.StageDef, journey: _Journey) -> User:
        if stage.level.is_unit:
            return self._unit_operator(stage, journey)
        return {"pd": self.users["agency"], "dprd": self.users.get("setwan"),
                "bappeda": self.admin}[stage.level.key]

    # ---- meetings ------------------------------------------------------------------------------

    def _record_meeting(self, stage: workflow.StageDef, holder: str, operator: User) -> None:
        """The unit's meeting, as its operator records it before sending (rapat.operations)."""
        from werkzeug.datastructures import FileStorage

        from ..rapat import operations as rapat_ops
        from ..uploads import store_upload

        if rapat_ops.meeting_stage(self.cycle, stage.key) is None:
            return
        unit = db.session.scalar(select(Wilayah).where(Wilayah.tenant_id == self.tid, Wilayah.kode == holder))
        opens = self.windows[stage.key].dibuka
        start = max(opens, self.local_now - timedelta(hours=2))
        delegates = {"musrenbang_desa": ["Ketua LPM", "Tokoh perempuan", "Tokoh pemuda"],
                     "musrenbang_kecamatan": ["Camat", "Kepala seksi pembangunan"]}.get(stage.kind, [])
        values = {"tempat": f"Kantor {unit.nama}", "alamat": "Jalan Mesjid No. 1",
                  "mulai": start.strftime("%Y-%m-%d %H:%M"), "jumlah_hadir": "42",
                  "notulen": f"{stage.name} {self.siklus.nama}: usulan dibahas dan disepakati.",
                  "delegasi": delegates}
        before = self._audit_count()
        result = rapat_ops.save(self.siklus, stage.key, unit, operator, 0, values)
        _expect(result.ok, f"{operator.username} could not record the meeting of {holder} at "
                f"'{stage.key}': {result.message or result.errors}")
        self.steps += 1
        if stage.spec.meeting.berita_acara:
            stored = store_upload(FileStorage(io.BytesIO(self._berita_acara(stage, unit, result.rapat)),
                                              filename="berita-acara-ttd.pdf", content_type="application/pdf"),
                                  tenant_id=self.tid, allowed=rapat_ops.FILE_KINDS["berita_acara"])
            rapat_ops.attach(result.rapat, operator, "berita_acara", stored)
            self.steps += 1
        _expect(self._audit_count() > before, "recording the meeting left no history entry")
        blockers = rapat_ops.send_blockers(self.siklus, stage.key, holder)
        _expect(not blockers, f"the send page would still refuse {holder} at '{stage.key}': {blockers}")

    def _berita_acara(self, stage, unit, rapat) -> bytes:
        """The berita acara the core prints (signed on paper, then scanned and uploaded)."""
        from ..rapat.documents import berita_acara

        return berita_acara(self.siklus, stage, unit, rapat)

    def _audit_count(self) -> int:
        return db.session.scalar(select(func.count()).select_from(AuditEntry).where(
            AuditEntry.tenant_id == self.tid))

    # ---- sending up ----------------------------------------------------------------------------

    def _send(self, stage: workflow.StageDef, journeys: list[_Journey]) -> None:
        """The holder's batch goes up through usulan.operations.send, as the send page does."""
        from ..usulan import operations as ops

        holder = self.cycle.holder_of(self._state(journeys[0]), stage)
        user = self._sender(stage, journeys[0])
        if stage.spec.needs_meeting:
            self._record_meeting(stage, str(holder), user)
        nxt = self.cycle.next_stage(stage.key)
        before = {j.id: self._counts(j.id) for j in journeys}
        check = ops.send(self.siklus, stage.key, holder, user, to_stage=nxt.key, dry_run=True)
        _expect(check.ok, f"{user.username} may not send from '{stage.key}': {check.refusal}")
        outcome = ops.send(self.siklus, stage.key, holder, user, to_stage=nxt.key)
        _expect(outcome.ok, f"{user.username} could not send from '{stage.key}': {outcome.refusal}")
        self.steps += 1
        _expect(len(outcome.batch.forwarded) == len(journeys),
                f"the send from '{stage.key}' moved {len(outcome.batch.forwarded)} proposals, "
                f"expected {len(journeys)}")
        self._moved(stage, nxt, journeys, before)

    def _tetapkan(self, stage: workflow.StageDef, journeys: list[_Journey]) -> None:
        """Bappeda sets the RKPD (siklus.rkpd.tetapkan): every batch goes on, the cycle locks."""
        from ..siklus.rkpd import tetapkan

        nxt = self.cycle.next_stage(stage.key)
        if nxt is None:
            return
        before = {j.id: self._counts(j.id) for j in journeys}
        result = tetapkan(self.siklus, self.admin)
        _expect(result.ok, f"setting the RKPD failed: {result.refusals or result}")
        self.steps += 1
        db.session.refresh(self.siklus)
        _expect(self.siklus.status == "rkpd_ditetapkan", "the cycle is not marked as RKPD set")
        self._moved(stage, nxt, journeys, before)

    def _moved(self, stage, nxt, journeys, before) -> None:
        for journey in journeys:
            row = self._row(journey)
            _expect((row.tahapan, row.status, row.terkunci) == (nxt.key, BELUM_DIBAHAS, True),
                    f"after the send from '{stage.key}' the {journey.name} is at "
                    f"{row.tahapan}/{row.status}, not {nxt.key}/{BELUM_DIBAHAS}")
            decisions, history = self._counts(journey.id)
            _expect((decisions, history) == (before[journey.id][0] + 1, before[journey.id][1] + 1),
                    f"the send from '{stage.key}' left no history on the {journey.name}")
            last = db.session.scalar(select(Keputusan.keputusan).where(
                Keputusan.usulan_id == journey.id).order_by(Keputusan.id.desc()).limit(1))
            _expect(last == stage.spec.send_event, f"the last decision is '{last}', not "
                    f"'{stage.spec.send_event}'")
            journey.path.append(nxt.key)


__all__ = ["PASSWORD", "ScenarioError", "ScenarioReport", "YEAR", "run_acceptance"]
