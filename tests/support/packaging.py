"""Building from the source tree: commands that must succeed, and a clean copy of the tree."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from .env import ROOT


IGNORED = shutil.ignore_patterns(".git", ".venv", "build", "dist", "instance", "*.egg-info",
                                 "__pycache__", ".pytest_cache", ".hypothesis", "test-artifacts")


def run_ok(args, cwd, env, timeout=300) -> subprocess.CompletedProcess:
    result = subprocess.run([str(a) for a in args], cwd=cwd, env=env, capture_output=True,
                            text=True, timeout=timeout, stdin=subprocess.DEVNULL)
    assert result.returncode == 0, (f"{' '.join(map(str, args))} exited {result.returncode}\n"
                                    f"--- stdout\n{result.stdout}\n--- stderr\n{result.stderr}")
    return result


def source_copy(target: Path) -> Path:
    """What a clone holds (plus work not yet committed), without build leftovers of the tree."""
    listing = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
                             cwd=ROOT, capture_output=True)
    if listing.returncode != 0:  # not a git checkout: copy the tree
        shutil.copytree(ROOT, target, ignore=IGNORED)
        return target
    for name in filter(None, listing.stdout.decode().split("\0")):
        source = ROOT / name
        if source.is_file():
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target / name)
    return target
