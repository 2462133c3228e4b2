"""A region's template overrides: its own pages first, the core's behind them.

A region puts files in its templates folder (setting TEMPLATE_OVERRIDES). A file with a
core template's name replaces it; to change only part of a page it extends the core's own
version, reachable as ``core/<name>``::

    {% extends "core/base.html" %}
    {% block content %}...{% endblock %}

In a deployment of several regions, a region's own ``tenants/<slug>/templates/`` folder
comes first for that region's pages (the loader asks which region the request is for), then
the deployment-wide TEMPLATE_OVERRIDES, then the core. Compiled templates are cached per
region that has its own folder, so one region's page is never served to another.

After a core upgrade, :func:`check_overrides` reports every override whose parent template
or blocks no longer exist in the core, instead of letting them be silently ignored.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from flask import g, has_app_context
from jinja2 import BaseLoader, ChoiceLoader, FileSystemLoader, PrefixLoader, TemplateNotFound, nodes
from jinja2.exceptions import TemplateSyntaxError
from jinja2.utils import LRUCache

CORE_PREFIX = "core"
#: A region's own templates, inside its folder: tenants/<slug>/templates/.
REGION_TEMPLATES = "templates"


def install(app) -> None:
    """Put the overrides in front of the core's templates: the region's, then the deployment's."""
    core = app.jinja_loader
    folder = app.config.get("TEMPLATE_OVERRIDES")
    loaders = [FileSystemLoader(str(folder))] if folder else []
    shared = ChoiceLoader(loaders + [PrefixLoader({CORE_PREFIX: core}), core])
    regions = region_template_folders(app)
    if regions:
        app.jinja_loader = RegionLoader({slug: FileSystemLoader(str(path)) for slug, path in regions.items()},
                                        shared)
        size = app.jinja_env.cache.capacity if isinstance(app.jinja_env.cache, LRUCache) else 400
        app.jinja_env.cache = RegionCache(size * (len(regions) + 1), set(regions))
    else:
        app.jinja_loader = shared
    app.jinja_env.loader = app.jinja_loader


def region_template_folders(app) -> dict[str, Path]:
    """{slug: tenants/<slug>/templates} for every region of the deployment that has one."""
    tenants = app.extensions.get("eplanning.tenants") or {}
    return {slug: config.folder / REGION_TEMPLATES for slug, config in tenants.items()
            if (config.folder / REGION_TEMPLATES).is_dir()}


def _region() -> str | None:
    """The region of this request or command (None outside an application)."""
    if not has_app_context():
        return None
    slug = g.get("tenant_slug")
    if slug is not None:
        return slug
    from flask import current_app

    default = current_app.extensions.get("eplanning.tenant")
    return default.slug if default is not None else None


class RegionLoader(BaseLoader):
    """The current region's own folder first, then the deployment's overrides and the core."""

    def __init__(self, regions: dict[str, FileSystemLoader], shared: BaseLoader):
        self.regions = regions
        self.shared = shared

    def get_source(self, environment, template):
        own = self.regions.get(_region())
        if own is not None:
            try:
                return own.get_source(environment, template)
            except TemplateNotFound:
                pass
        return self.shared.get_source(environment, template)

    def list_templates(self):
        names = set(self.shared.list_templates())
        for loader in self.regions.values():
            names.update(loader.list_templates())
        return sorted(names)


class RegionCache(LRUCache):
    """Jinja's template cache, keyed by region too for the regions with their own templates
    (Jinja keys it by loader and name only, and the loader is one for every region)."""

    def __init__(self, capacity: int, regions: set[str]):
        super().__init__(capacity)
        self.regions = regions

    def _key(self, key):
        slug = _region()
        return (slug, key) if slug in self.regions else (None, key)

    def __getitem__(self, key):
        return super().__getitem__(self._key(key))

    def __setitem__(self, key, value):
        super().__setitem__(self._key(key), value)

    def __contains__(self, key):
        return super().__contains__(self._key(key))

    def __delitem__(self, key):
        super().__delitem__(self._key(key))

    def get(self, key, default=None):
        try:
            return self[key]
        except KeyError:
            return default

    def copy(self):
        made = RegionCache(self.capacity, self.regions)
        made._mapping.update(self._mapping)
        made._queue.extend(self._queue)
        return made


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
    """Overrides that no longer fit the installed core: missing parents and missing blocks, in
    the deployment's TEMPLATE_OVERRIDES and in every region's tenants/<slug>/templates/."""
    problems: list[OverrideProblem] = []
    folder = app.config.get("TEMPLATE_OVERRIDES")
    if folder:
        folder = Path(folder)
        if not folder.is_dir():
            problems.append(OverrideProblem(str(folder), "the TEMPLATE_OVERRIDES folder does not exist"))
        else:
            problems += _check_folder(app, folder, "")
    for slug, own in sorted(region_template_folders(app).items()):
        problems += _check_folder(app, own, f"{slug}: ")
    return problems


def _check_folder(app, folder: Path, label: str) -> list[OverrideProblem]:
    env = app.jinja_env
    core_loader = FileSystemLoader(str(Path(app.root_path) / app.template_folder))
    problems: list[OverrideProblem] = []
    for path in sorted(folder.rglob("*.html")):
        name = label + path.relative_to(folder).as_posix()
        try:
            blocks, parent = _blocks_and_parent(env, path.read_text(encoding="utf-8"))
        except TemplateSyntaxError as exc:
            problems.append(OverrideProblem(name, f"template syntax error line {exc.lineno}: {exc.message}"))
            continue
        if parent is None:
            relative = path.relative_to(folder).as_posix()
            if _core_blocks(env, core_loader, relative) is None and not relative.startswith("_"):
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
