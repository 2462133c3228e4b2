"""A region's template overrides: its own pages first, the core's behind them.

A region puts files in its templates folder (setting TEMPLATE_OVERRIDES). A file with a
core template's name replaces it; to change only part of a page it extends the core's own
version, reachable as ``core/<name>``::

    {% extends "core/base.html" %}
    {% block content %}...{% endblock %}

After a core upgrade, :func:`check_overrides` reports every override whose parent template
or blocks no longer exist in the core, instead of letting them be silently ignored.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from jinja2 import ChoiceLoader, FileSystemLoader, PrefixLoader, TemplateNotFound, nodes
from jinja2.exceptions import TemplateSyntaxError

CORE_PREFIX = "core"


def install(app) -> None:
    """Put the region's overrides in front of the core's templates (when configured)."""
    core = app.jinja_loader
    folder = app.config.get("TEMPLATE_OVERRIDES")
    loaders = [FileSystemLoader(str(folder))] if folder else []
    app.jinja_loader = ChoiceLoader(loaders + [PrefixLoader({CORE_PREFIX: core}), core])
    app.jinja_env.loader = app.jinja_loader


@dataclass(frozen=True)
class OverrideProblem:
    template: str
    message: str

    def __str__(self) -> str:
        return f"{self.template}: {self.message}"


def _blocks_and_parent(env, source: str):
    tree = env.parse(source)
    parent = next((n.template.value for n in tree.find_all(nodes.Extends)
                   if isinstance(n.template, nodes.Const)), None)
    return {b.name for b in tree.find_all(nodes.Block)}, parent


def _core_blocks(env, core_loader, name: str, seen=()) -> set[str] | None:
    """Every block a core template offers, its ancestors' included; None if it is gone."""
    try:
        source, _, _ = core_loader.get_source(env, name)
    except TemplateNotFound:
        return None
    blocks, parent = _blocks_and_parent(env, source)
    if parent and parent not in seen:
        inherited = _core_blocks(env, core_loader, parent.removeprefix(CORE_PREFIX + "/"), seen + (name,))
        blocks |= inherited or set()
    return blocks


def check_overrides(app) -> list[OverrideProblem]:
    """Overrides that no longer fit the installed core: missing parents and missing blocks."""
    folder = app.config.get("TEMPLATE_OVERRIDES")
    if not folder:
        return []
    folder = Path(folder)
    if not folder.is_dir():
        return [OverrideProblem(str(folder), "the TEMPLATE_OVERRIDES folder does not exist")]
    env = app.jinja_env
    core_loader = FileSystemLoader(str(Path(app.root_path) / app.template_folder))
    problems: list[OverrideProblem] = []
    for path in sorted(folder.rglob("*.html")):
        name = path.relative_to(folder).as_posix()
        try:
            blocks, parent = _blocks_and_parent(env, path.read_text(encoding="utf-8"))
        except TemplateSyntaxError as exc:
            problems.append(OverrideProblem(name, f"template syntax error line {exc.lineno}: {exc.message}"))
            continue
        if parent is None:
            if _core_blocks(env, core_loader, name) is None and not name.startswith("_"):
                problems.append(OverrideProblem(
                    name, "replaces a core page that no longer exists; nothing shows it now"))
            continue
        if not parent.startswith(CORE_PREFIX + "/"):
            continue  # extends another override of the region: checked as its own file
        offered = _core_blocks(env, core_loader, parent.removeprefix(CORE_PREFIX + "/"))
        if offered is None:
            problems.append(OverrideProblem(name, f"extends {parent}, which the core no longer has"))
            continue
        for block in sorted(blocks - offered):
            problems.append(OverrideProblem(
                name, f"block '{block}' is not in {parent} any more: its content is not shown"))
    return problems
