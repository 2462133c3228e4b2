"""The core's wheel and sdist, built once per test session from what a clone holds.

``python -m build`` makes the sdist and then the wheel FROM that sdist, so a file missing
from the sdist is missing from the wheel too, and the tests of either catch it. Kept in the
session's temporary folder: every test module that needs them shares one build.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from .packaging import source_copy


def build_core(tmp_path_factory) -> dict[str, Path]:
    """{"wheel": .whl, "sdist": .tar.gz} of this tree, built on the session's first call."""
    base = tmp_path_factory.getbasetemp() / "core-dist"
    dist = base / "dist"
    if not (base / "done").exists():
        shutil.rmtree(base, ignore_errors=True)
        source = source_copy(base / "src")
        result = subprocess.run([sys.executable, "-m", "build", "--outdir", str(dist), str(source)],
                                cwd=base, env=os.environ.copy(), capture_output=True, text=True,
                                timeout=600, stdin=subprocess.DEVNULL)
        assert result.returncode == 0, f"python -m build failed:\n{result.stdout}\n{result.stderr}"
        (base / "done").write_text("ok")
    (wheel,) = dist.glob("eplanning_core-*.whl")
    (sdist,) = dist.glob("eplanning_core-*.tar.gz")
    return {"wheel": wheel, "sdist": sdist}
