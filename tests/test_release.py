"""Releases: the list in RELEASES.toml agrees with git and with the schema history, and a
release's wheel and sdist are what a package index accepts and what an install needs."""

from __future__ import annotations

import subprocess
import sys
import tarfile
import tomllib
import zipfile
from pathlib import Path

import pytest
from alembic.config import Config
from alembic.script import ScriptDirectory
from support.core_dist import build_core
from packaging.version import Version

import eplanning_core
from eplanning_core.app import MIGRATIONS_DIR

ROOT = Path(__file__).resolve().parent.parent
RELEASES = tomllib.loads((ROOT / "RELEASES.toml").read_text(encoding="utf-8"))["release"]


def _git(*args) -> subprocess.CompletedProcess:
    return subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True)


def _script() -> ScriptDirectory:
    config = Config()
    config.set_main_option("script_location", MIGRATIONS_DIR)
    return ScriptDirectory.from_config(config)


def test_releases_are_listed_oldest_first_with_every_field():
    versions = [Version(r["version"]) for r in RELEASES]
    assert versions == sorted(versions) and len(set(versions)) == len(versions)
    for release in RELEASES:
        assert release["tag"] == f"v{release['version']}"
        assert len(release["commit"]) == 40 and release["schema_head"] and release["date"]
    assert Version(eplanning_core.__version__) >= versions[-1], "the core is older than its last release"


def test_the_list_matches_the_tags_when_the_clone_has_them():
    listing = _git("tag", "--list", "v*")
    if listing.returncode != 0:
        pytest.skip("not a git checkout")
    tags = set(listing.stdout.split())
    if not tags:
        pytest.skip("this clone has no release tags (they do not always travel); RELEASES.toml is used")
    listed = {r["tag"]: r for r in RELEASES}
    assert tags - set(listed) == set(), "tagged but missing from RELEASES.toml"
    for tag in sorted(tags):
        commit = _git("rev-parse", f"{tag}^{{commit}}").stdout.strip()
        assert commit == listed[tag]["commit"], f"{tag} is {commit}, RELEASES.toml says {listed[tag]['commit']}"


def test_every_release_schema_head_is_in_todays_history_in_order():
    """Each release's schema is an ancestor of today's head: its databases upgrade."""
    script = _script()
    chain = [s.revision for s in script.walk_revisions()][::-1]  # oldest first, ends at head
    positions = [chain.index(r["schema_head"]) if r["schema_head"] in chain else None for r in RELEASES]
    assert None not in positions, f"a release's schema head is not in today's migrations: {positions}"
    assert positions == sorted(positions)
    assert script.get_current_head() == chain[-1]


def test_each_release_shipped_exactly_todays_migrations_up_to_its_head():
    """A migration of a released version is never edited or removed afterwards."""
    script = _script()
    for release in RELEASES:
        if _git("cat-file", "-e", f"{release['commit']}^{{commit}}").returncode != 0:
            continue  # a shallow clone: the schema test of test_upgrade.py still runs
        shipped = {Path(p).name for p in _git("ls-tree", "--name-only", release["commit"],
                                              "migrations/versions/").stdout.split()}
        shipped = {p.removesuffix(".py") for p in shipped if p[0].isdigit() and p.endswith(".py")}
        expected = {s.revision for s in script.iterate_revisions(release["schema_head"], "base")}
        assert shipped == expected, f"{release['version']}: shipped {sorted(shipped)}"
        for revision in expected:
            then = _git("show", f"{release['commit']}:migrations/versions/{revision}.py").stdout
            now = (Path(MIGRATIONS_DIR) / "versions" / f"{revision}.py").read_text(encoding="utf-8")
            assert then == now, f"{revision}.py changed since {release['version']}"


@pytest.fixture(scope="module")
def dist(tmp_path_factory):
    return build_core(tmp_path_factory)


@pytest.mark.slow
def test_wheel_and_sdist_pass_twine_check(dist):
    result = subprocess.run([sys.executable, "-m", "twine", "check", "--strict",
                             str(dist["wheel"]), str(dist["sdist"])], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.count("PASSED") == 2, result.stdout
    assert dist["wheel"].name == f"eplanning_core-{eplanning_core.__version__}-py3-none-any.whl"


@pytest.mark.slow
def test_sdist_holds_what_an_install_from_source_needs(dist):
    with tarfile.open(dist["sdist"]) as archive:
        top = f"eplanning_core-{eplanning_core.__version__}/"
        names = {n.removeprefix(top) for n in archive.getnames()}
    revisions = {f"migrations/versions/{p.name}" for p in (ROOT / "migrations" / "versions").glob("[0-9]*.py")}
    wanted = revisions | {
        "migrations/env.py", "migrations/alembic.ini", "setup.cfg", "pyproject.toml", "README.md",
        "CHANGELOG.md", "RELEASES.toml", "eplanning_core/templates/base.html",
        "eplanning_core/translations/id/LC_MESSAGES/messages.po",
        "eplanning_core/translations/id/LC_MESSAGES/messages.mo",
        "cookiecutter-region/cookiecutter.json", "cookiecutter-region/{{cookiecutter.project_slug}}/Makefile",
        "tenants/medan/tenant.toml", "tenants/agam/tenant.toml"}
    assert sorted(wanted - names) == []
    assert not [n for n in names if "__pycache__" in n or n.endswith(".pyc")]
    # The wheel was built from this sdist: what it needs at run time came through.
    wheel = set(zipfile.ZipFile(dist["wheel"]).namelist())
    assert {"eplanning_core/migrations/versions/" + Path(r).name for r in revisions} <= wheel
    assert {"eplanning_core/translations/id/LC_MESSAGES/messages.mo",
            "eplanning_core/regiontemplate/template/cookiecutter.json"} <= wheel
