"""User and PerangkatDaerah models, with the scope rules held by database constraints too."""

from __future__ import annotations

import enum
from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy import false as sa_false
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from ..extensions import db
from ..timeutil import utcnow
from ..wilayah.models import Wilayah


class Role(str, enum.Enum):
    BAPPEDA = "bappeda"          # Bappeda administrator: owns the instance
    OPERATOR = "operator"        # operator of one unit: kecamatan, kelurahan/desa or lingkungan
    OPERATOR_PD = "operator_pd"  # operator of one Perangkat Daerah (agency)
    DPRD = "dprd"                # DPRD council member, working for a dapil
    SETWAN = "setwan"            # DPRD secretariat: checks the members' Pokir
    VIEWER = "viewer"            # read-only (inspectorate, auditors)


ROLE_VALUES = tuple(r.value for r in Role)


class PerangkatDaerah(db.Model):
    """A regional agency (Perangkat Daerah), e.g. 1.03.0.00.0.00.01 Dinas PUPR."""

    __tablename__ = "perangkat_daerah"
    __table_args__ = (UniqueConstraint("tenant_id", "kode"), Index(None, "tenant_id", "nama"))

    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenant.id"))
    kode: Mapped[str] = mapped_column(String(40))
    nama: Mapped[str] = mapped_column(String(200))
    singkatan: Mapped[str | None] = mapped_column(String(40))
    aktif: Mapped[bool] = mapped_column(Boolean, default=True)
    version: Mapped[int] = mapped_column(default=1)


class User(UserMixin, db.Model):
    __tablename__ = "user_account"
    __table_args__ = (
        UniqueConstraint("tenant_id", "username"),
        CheckConstraint("role IN ('bappeda', 'operator', 'operator_pd', 'dprd', 'setwan', 'viewer')",
                        name="role_valid"),
        CheckConstraint("(role = 'operator') = (wilayah_id IS NOT NULL)", name="operator_has_unit"),
        CheckConstraint("(role = 'operator_pd') = (perangkat_daerah_id IS NOT NULL)",
                        name="operator_pd_has_agency"),
        CheckConstraint("(role = 'dprd') = (dapil IS NOT NULL)", name="dprd_has_dapil"),
        Index(None, "tenant_id", "role", "nama"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenant.id"))
    username: Mapped[str] = mapped_column(String(60))
    nama: Mapped[str] = mapped_column(String(120))
    email: Mapped[str | None] = mapped_column(String(200))
    password_hash: Mapped[str] = mapped_column(String(256))
    role: Mapped[str] = mapped_column(String(20))
    wilayah_id: Mapped[int | None] = mapped_column(ForeignKey("wilayah.id"), index=True)
    perangkat_daerah_id: Mapped[int | None] = mapped_column(ForeignKey("perangkat_daerah.id"),
                                                            index=True)
    dapil: Mapped[str | None] = mapped_column(String(20))
    aktif: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_login_at: Mapped[datetime | None]
    version: Mapped[int] = mapped_column(default=1)
    #: A temporary password set by the administrator: the next login changes it first
    #: (accounts/password_reset.py).
    harus_ganti_sandi: Mapped[bool] = mapped_column(Boolean, default=False, server_default=sa_false())

    wilayah: Mapped[Wilayah | None] = relationship()
    perangkat_daerah: Mapped[PerangkatDaerah | None] = relationship()

    def set_password(self, password: str) -> None:
        self.password_hash = generate_password_hash(password)  # scrypt by default

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive users
        return bool(self.aktif)

    def get_id(self) -> str:
        return f"{self.tenant_id}:{self.id}"

    @property
    def is_admin(self) -> bool:
        return self.role == Role.BAPPEDA.value


class LoginSession(db.Model):
    """One login of one person in one browser, held on the server.

    The signed Flask session cookie carries only a random token; its SHA-256 is stored here.
    Logging out, an administrator, a disabled account or a changed password or role sets
    ``ended_at``, and from then on a copied cookie opens nothing. See accounts/sessions.py.
    """

    __tablename__ = "login_session"
    __table_args__ = (Index(None, "tenant_id", "user_id", "ended_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenant.id"))
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    #: Written at most once a minute (sessions.TOUCH_EVERY), not on every request.
    last_seen_at: Mapped[datetime] = mapped_column(default=utcnow)
    #: When the password was last given in this session (login or re-authentication).
    reauth_at: Mapped[datetime] = mapped_column(default=utcnow)
    ended_at: Mapped[datetime | None]
    #: logout, idle, expired, admin, disabled, password, role
    end_reason: Mapped[str | None] = mapped_column(String(20))
    ip: Mapped[str | None] = mapped_column(String(45))
    user_agent: Mapped[str | None] = mapped_column(String(200))
