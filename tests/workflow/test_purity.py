"""The engine stays plain Python: no web framework, no database, no clock, no floats."""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from pathlib import Path

import eplanning_core.workflow as workflow

PACKAGE = Path(workflow.__file__).parent
SOURCES = sorted(PACKAGE.glob("*.py"))
FORBIDDEN_IMPORT = re.compile(r"^\s*(from|import) (flask|flask_\w+|sqlalchemy|marshmallow)\b",
                              re.MULTILINE)


def test_no_framework_or_database_imports():
    offenders = [p.name for p in SOURCES if FORBIDDEN_IMPORT.search(p.read_text())]
    assert SOURCES and offenders == []


def test_importing_the_engine_loads_no_framework():
    code = ("import sys, eplanning_core.workflow; "
            "print(sorted(m for m in sys.modules if m.split('.')[0] in "
            "('flask', 'sqlalchemy', 'marshmallow', 'werkzeug')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_the_engine_never_reads_the_clock():
    clock = re.compile(r"\b(datetime\.now|datetime\.utcnow|date\.today|time\.time|utcnow)\(")
    assert [p.name for p in SOURCES if clock.search(p.read_text())] == []


def test_no_float_arithmetic_in_the_engine():
    """Money is int rupiah and weights are Decimal: no float literal or float() call."""
    hits = []
    for path in SOURCES:
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Constant) and isinstance(node.value, float):
                hits.append((path.name, node.lineno))
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "float":
                hits.append((path.name, node.lineno))
    assert hits == []
