"""Imports every model so that the metadata (and Alembic) sees the whole schema."""

from .accounts.models import PerangkatDaerah, User  # noqa: F401
from .audit.models import AuditEntry  # noqa: F401
from .tenancy.models import Tenant  # noqa: F401
from .wilayah.models import Wilayah  # noqa: F401
