"""Testing helpers the core ships for every region's project, as CKAN and Indico ship theirs.

- :mod:`.plugin`: a pytest plugin (entry point ``pytest11 = eplanning``), loaded automatically
  wherever eplanning-core is installed: fixtures ``eplanning_tenants_dir``,
  ``eplanning_database_url`` and ``eplanning_app``; options ``--eplanning-tenants`` and
  ``--eplanning-db``; ``build_app`` and ``migrate`` for a project's own fixtures.
- :mod:`.databases`: PostgreSQL test databases probed, created (named per pytest-xdist
  worker), emptied and dropped.
- :mod:`.scenario`: the acceptance scenario, ``run_acceptance(app, slug)``: one proposal
  through every stage of the region's own cycle to the budget, with the real operations.
"""

__all__ = ["ScenarioError", "ScenarioReport", "run_acceptance"]


def __getattr__(name):
    """Lazy: pytest loads the plugin in every run; the app's modules load when a test asks."""
    if name in __all__:
        from . import scenario

        return getattr(scenario, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
