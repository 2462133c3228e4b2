"""Public tracking codes (kode lacak), numbered per region and year: MDN-2027-000001.

A code is what a citizen types on the portal to follow a proposal. It must not tell one
region how many proposals another has: the number is counted per region and planning year,
never shared (a single counter once gave Agam's first proposal the number 142, Medan's volume).

The counter is one row per (region, year), moved by one atomic statement in the creating
transaction (INSERT ... ON CONFLICT DO UPDATE ... RETURNING): two creates at the same
instant wait for each other's row lock on PostgreSQL (SQLite has one writer at a time), so
they get distinct numbers, and a rolled-back create gives its number back.
"""

from __future__ import annotations

from sqlalchemy import ForeignKey, func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db


class TrackingCounter(db.Model):
    """The last tracking number handed out for one region and planning year."""

    __tablename__ = "tracking_counter"

    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenant.id"), primary_key=True)
    tahun: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    terakhir: Mapped[int] = mapped_column(default=0)


def format_code(prefix: str, tahun: int, number: int) -> str:
    return f"{prefix}-{tahun}-{number:06d}"


def next_code(tenant_id: int, tahun: int, prefix: str) -> str:
    """The next free tracking code of this region and year, inside the caller's transaction."""
    return format_code(prefix, tahun, _next_number(tenant_id, tahun, prefix))


def _next_number(tenant_id: int, tahun: int, prefix: str) -> int:
    table = TrackingCounter.__table__
    moved = db.session.execute(
        table.update().where(table.c.tenant_id == tenant_id, table.c.tahun == tahun)
        .values(terakhir=table.c.terakhir + 1).returning(table.c.terakhir)).scalar()
    if moved is not None:
        return moved
    # First code of this region and year: start after any code already there (entered before
    # the counter existed, or imported); a concurrent first insert is caught by ON CONFLICT.
    start = highest_existing(tenant_id, tahun, prefix) + 1
    dialect = postgresql if db.session.get_bind().dialect.name == "postgresql" else sqlite
    insert = dialect.insert(table).values(tenant_id=tenant_id, tahun=tahun, terakhir=start)
    insert = insert.on_conflict_do_update(index_elements=[table.c.tenant_id, table.c.tahun],
                                          set_={"terakhir": table.c.terakhir + 1})
    return db.session.execute(insert.returning(table.c.terakhir)).scalar_one()


def highest_existing(tenant_id: int, tahun: int, prefix: str) -> int:
    """The largest number among this region's codes ``PREFIX-YEAR-n`` (0 if none)."""
    from .models import Usulan

    start = f"{prefix}-{tahun}-"
    code = db.session.scalar(
        select(Usulan.kode_lacak).where(Usulan.tenant_id == tenant_id,
                                        Usulan.kode_lacak.startswith(start, autoescape=True))
        .order_by(func.length(Usulan.kode_lacak).desc(), Usulan.kode_lacak.desc()).limit(1))
    tail = (code or "")[len(start):]
    return int(tail) if tail.isdigit() else 0
