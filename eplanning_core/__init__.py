"""e-Perencanaan core: the installable library every region runs.

It carries citizens' proposals (usulan) from the neighbourhood meeting through the
village and sub-district Musrenbang (development-planning meetings) up to the regional
plan and budget. A region is configuration (tenants/<slug>/tenant.toml) on top of it.
"""

__version__ = "0.4.0"


def create_app(test_config=None):
    """Build the Flask application; see :mod:`eplanning_core.app`."""
    from .app import create_app as _create_app

    return _create_app(test_config)
