"""Writes this core's version and schema head into the replication guides (both languages).

The guides quote the version (``eplanning-core 0.4.0``, the wheel's file name, the health
answer, version ranges) and the schema head (``schema head `0009_...```, ``database already at
...``). They are generated from the code, not typed: run ``python tools/guide_facts.py`` after a
version bump or a new migration; tests/test_replication_guide.py fails until the guides match.
"""

from __future__ import annotations

import re
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
GUIDES = (ROOT / "docs" / "replication-guide.md", ROOT / "docs" / "replication-guide.en.md")
V = r"\d+\.\d+\.\d+"
R = r"\d{4}_[a-z][a-z0-9_]*"


def version() -> str:
    text = (ROOT / "eplanning_core" / "__init__.py").read_text(encoding="utf-8")
    return re.search(r'__version__\s*=\s*"([^"]+)"', text)[1]


def schema_head() -> str:
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    config = Config()
    config.set_main_option("script_location", str(ROOT / "migrations"))
    (head,) = ScriptDirectory.from_config(config).get_heads()
    return head


def previous_head(current: str) -> str:
    """The schema head of the latest release before ``current`` (RELEASES.toml), for the
    sample output of an upgrade that migrates."""
    releases = tomllib.loads((ROOT / "RELEASES.toml").read_text(encoding="utf-8"))["release"]
    older = [r for r in releases if r["version"] != current]
    return older[-1]["schema_head"]


def update(text: str, ver: str, head: str, before: str) -> str:
    """``text`` with every quoted version and schema head set to ``ver`` and ``head``."""
    rules = [
        (rf"(eplanning-core ){V}", rf"\g<1>{ver}"),
        (rf"(eplanning_core-){V}", rf"\g<1>{ver}"),
        (rf'(__version__ = "){V}', rf"\g<1>{ver}"),
        (rf'("version":"){V}', rf"\g<1>{ver}"),
        (rf"(git tag -a v){V}", rf"\g<1>{ver}"),
        (rf"(eplanning-core(?:\[postgres\])?>=){V}", rf"\g<1>{ver}"),
        (rf"(schema head\s+`){R}", rf"\g<1>{head}"),
        (rf"(schema terakhir\s+`){R}", rf"\g<1>{head}"),
        (rf"(already at ){R}", rf"\g<1>{head}"),
        (rf"(schema at ){R}", rf"\g<1>{head}"),
        (rf"(upgraded from ){R}( to ){R}", rf"\g<1>{before}\g<2>{head}"),
        (rf"(# ){R}( \(head\))", rf"\g<1>{head}\g<2>"),
    ]
    for pattern, replacement in rules:
        text = re.sub(pattern, replacement, text)
    return text


def main() -> int:
    ver, head = version(), schema_head()
    before = previous_head(ver)
    for guide in GUIDES:
        old = guide.read_text(encoding="utf-8")
        new = update(old, ver, head, before)
        if new != old:
            guide.write_text(new, encoding="utf-8")
            print(f"{guide.relative_to(ROOT)}: eplanning-core {ver}, schema head {head}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
