"""Browser tests: Debian's chromium, driven by Playwright, through the real UI of the demo.

A package, so that its conftest is imported as ``e2e.conftest`` and never shadows the
suite's own ``conftest`` module, which other test modules import by name.
"""
