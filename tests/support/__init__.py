"""What the core's tests share, built on the pytest plugin the core ships to regions
(eplanning_core.testing.plugin): tests import these modules; no test module imports another.

- :mod:`.env`: where things are (ROOT, TENANTS_DIR, DATA), the PostgreSQL server, CI, PASSWORD.
- :mod:`.apps`: ``make_app``, emptying the tables, the test clock.
- :mod:`.web`: browsers (one app context per request), CSRF tokens, logging in, posting forms.
- :mod:`.passwords`: cheap password hashing for modules that hash in nearly every test.
- :mod:`.builders`: regions and their accounts (the ``region`` fixture, the isolation world,
  the two-region deployment).
- :mod:`.acting`: proposals made and moved through the real operations, or inserted in bulk.
"""
