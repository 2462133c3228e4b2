"""Who acts: a role plus the unit, agency or dapil the role is limited to.

Roles: ``bappeda`` (the regional planning agency; acts on everything), ``operator`` (of one
unit: kecamatan, kelurahan/desa or lingkungan), ``operator_pd`` (of one Perangkat Daerah,
PD: a regional agency such as Dinas PUPR), ``dprd`` (a council member entering Pokir, the
council's proposals, for the kecamatan of the member's dapil, the electoral district),
``setwan`` (the council secretariat, which checks Pokir) and ``viewer`` (read-only).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Hashable

from .units import unit_level

BAPPEDA, OPERATOR, OPERATOR_PD, DPRD, SETWAN, VIEWER = (
    "bappeda", "operator", "operator_pd", "dprd", "setwan", "viewer")
ROLES = (BAPPEDA, OPERATOR, OPERATOR_PD, DPRD, SETWAN, VIEWER)


@dataclass(frozen=True)
class Actor:
    """The user acting, as the accounts layer knows them. Invalid combinations raise."""

    user_id: Hashable
    role: str
    unit_code: str | None = None
    agency_id: Hashable | None = None
    dapil: tuple[str, ...] = ()  # kecamatan codes of a DPRD member's dapil

    def __post_init__(self):
        if self.role not in ROLES:
            raise ValueError(f"unknown role {self.role!r}; known: {', '.join(ROLES)}")
        if (self.role == OPERATOR) != (self.unit_code is not None):
            raise ValueError("an operator, and only an operator, has a unit_code")
        if self.unit_code is not None:
            unit_level(self.unit_code)  # raises on a malformed code
        if (self.role == OPERATOR_PD) != (self.agency_id is not None):
            raise ValueError("an operator_pd, and only an operator_pd, has an agency_id")
        object.__setattr__(self, "dapil", tuple(self.dapil))

    @property
    def unit_level(self) -> int | None:
        return unit_level(self.unit_code) if self.unit_code else None

    def describe(self) -> str:
        """Short scope description used in refusal params."""
        if self.role == OPERATOR:
            return f"operator of {self.unit_code}"
        if self.role == OPERATOR_PD:
            return f"operator of agency {self.agency_id}"
        if self.role == DPRD:
            return f"DPRD member {self.user_id}"
        return self.role
