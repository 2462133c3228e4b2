"""docs/workflow.md cannot silently fall behind the stage engine and Medan's configuration."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

from eplanning_core import workflow
from eplanning_core.tenancy.loader import TenantConfigError, load_tenant

ROOT = Path(__file__).resolve().parent.parent
DOC = (ROOT / "docs" / "workflow.md").read_text(encoding="utf-8")
MEDAN = ROOT / "tenants" / "medan"


def _medan_copy(tmp_path: Path, stages: str) -> Path:
    """A copy of tenants/medan whose [[stages]] (and the comment above them) are ``stages``."""
    folder = tmp_path / "medan"
    shutil.copytree(MEDAN, folder)
    text = (MEDAN / "tenant.toml").read_text(encoding="utf-8")
    head = text[:text.index("# The planning cycle")]
    (folder / "tenant.toml").write_text(head + stages, encoding="utf-8")
    return folder


def _example() -> str:
    blocks = [b for b in re.findall(r"```toml\n(.*?)```", DOC, re.S) if "[[stages]]" in b]
    assert len(blocks) == 1, "docs/workflow.md should hold one complete [[stages]] example"
    return blocks[0]


def test_the_complete_example_loads_and_is_medans_cycle(tmp_path):
    loaded = load_tenant(_medan_copy(tmp_path, _example()))  # raises with the reasons
    assert loaded.stages == load_tenant(MEDAN).stages, "the example is no longer Medan's cycle"
    assert {s["kind"] for s in loaded.stages} == set(workflow.KINDS)


def test_every_stage_kind_and_refusal_rule_is_named():
    missing = [k for k in workflow.KINDS if f"`{k}`" not in DOC]
    assert not missing, f"docs/workflow.md does not describe the stage kinds {missing}"
    missing = [r for r in workflow.RULES if f"`{r}`" not in DOC]
    assert not missing, f"docs/workflow.md does not describe the refusal rules {missing}"
    actions = {m.action for m in workflow.MOVES}
    missing = [a for a in actions if f"`{a}`" not in DOC]
    assert not missing, f"docs/workflow.md does not describe the actions {missing}"


def test_documented_errors_of_dropping_the_kecamatan_stage_are_real(tmp_path):
    text = (MEDAN / "tenant.toml").read_text(encoding="utf-8")
    stages = text[text.index("# The planning cycle"):]
    start = stages.index('[[stages]]\nkey = "musrenbang_kecamatan"')
    dropped = stages[:start] + stages[stages.index('[[stages]]\nkey = "pokir"'):]
    documented = re.findall(r"```\n(Invalid region configuration\n.*?)```", DOC, re.S)
    assert len(documented) == 2, "docs/workflow.md lost its two error examples"
    for variant, expected in ((dropped, documented[0]),
                              (dropped.replace('next = "musrenbang_kecamatan"\n', ""), documented[1])):
        folder = _medan_copy(tmp_path / str(len(variant)), variant)
        try:
            load_tenant(folder)
        except TenantConfigError as exc:
            real = str(exc).replace(str(folder / "tenant.toml"), "/srv/tenants/medan/tenant.toml")
        else:
            raise AssertionError("Medan without its kecamatan stage loads")
        assert real.strip() == expected.strip()
