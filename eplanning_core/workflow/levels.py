"""The level that decides at a stage, as a small value: parsed once from the configuration,
asked by name (``is_unit``, ``depth``, ``is_agency`` ...) instead of ``isinstance`` checks.

Levels: 3 (lingkungan/dusun/jorong), 2 (kelurahan/desa/nagari), 1 (kecamatan) are units,
held per unit of that depth; ``"pd"`` (an agency's forum) and ``"bappeda"`` hold per agency;
``"dprd"`` holds per council member.
"""

from __future__ import annotations

from dataclasses import dataclass

#: Every level a stage may be decided at, as written in ``tenant.toml``.
LEVEL_KEYS = (1, 2, 3, "pd", "dprd", "bappeda")


@dataclass(frozen=True, eq=False)
class Level:
    """One level. It equals (and hashes as) its key, as a StrEnum member equals its string,
    so tables keyed by the configured value (``SOURCES``, limits per level) still find it;
    code asks ``is_unit``/``depth``/``is_agency`` instead of testing the key's type."""

    key: int | str

    def __post_init__(self):
        if isinstance(self.key, bool) or self.key not in LEVEL_KEYS:
            raise ValueError(f"unknown level {self.key!r}; known: {LEVEL_KEYS}")

    @classmethod
    def of(cls, value) -> "Level":
        """``value`` as a Level (a Level is returned as it is); ValueError when unknown."""
        return value if isinstance(value, Level) else cls(value)

    @property
    def is_unit(self) -> bool:
        """Decided by the operator of a unit (kecamatan, kelurahan/desa, lingkungan)."""
        return isinstance(self.key, int)

    @property
    def depth(self) -> int | None:
        """The unit depth (1 kecamatan ... 3 lingkungan); None for agencies and the council."""
        return self.key if isinstance(self.key, int) else None

    @property
    def is_agency(self) -> bool:
        """Proposals are held per agency (PD): the agencies' forum and Bappeda's stages."""
        return self.key in ("pd", "bappeda")

    @property
    def is_pd(self) -> bool:
        return self.key == "pd"

    @property
    def is_member(self) -> bool:
        """Proposals are held per DPRD member (Pokir)."""
        return self.key == "dprd"

    @property
    def is_bappeda(self) -> bool:
        return self.key == "bappeda"

    def __eq__(self, other) -> bool:
        if isinstance(other, Level):
            return self.key == other.key
        if isinstance(other, bool):
            return False
        return self.key == other

    def __hash__(self) -> int:
        return hash(self.key)

    def __str__(self) -> str:
        return str(self.key)

    def __repr__(self) -> str:
        return repr(self.key)
