"""The demo instance for trainers and newcomers: the region's units, agencies, catalogue, an
account for every role and, for Kota Medan, a planning cycle with work waiting at every stage.

``seed.py`` builds it (idempotent), ``plan.py`` holds the story as data, ``scenario.py`` plays
it through the real operations, ``texts.py`` says what the proposals say, ``cli.py`` is
``eplanning demo``.
"""
