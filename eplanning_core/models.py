"""Imports every model so that the metadata (and Alembic) sees the whole schema."""

from .accounts.models import PerangkatDaerah, User  # noqa: F401
from .audit.models import AuditChainHead, AuditCheckpoint, AuditEntry  # noqa: F401
from .tenancy.models import Tenant  # noqa: F401
from .wilayah.models import Wilayah  # noqa: F401
from .kamus.models import KamusUsulan, Nomenklatur  # noqa: F401
from .siklus.models import Pagu, Perpanjangan, Siklus, Tahapan  # noqa: F401
from .usulan.models import Keputusan, Lampiran, Pengiriman, Usulan  # noqa: F401
from .rapat.models import Rapat  # noqa: F401
from .api.models import ApiToken  # noqa: F401
from .budgeting.models import AnggaranBaris, AnggaranImpor  # noqa: F401
from .usulan.tracking import TrackingCounter  # noqa: F401
from .notifications.models import Notifikasi  # noqa: F401
from .jobs.models import Tugas  # noqa: F401
from .aspirasi.models import Aspirasi, AspirasiFoto, Pengikut  # noqa: F401
from .realisasi.models import (IndikatorKeluaran, Realisasi, RealisasiFoto, RealisasiImpor,  # noqa: F401
                               RealisasiTahap, SumberDana)
