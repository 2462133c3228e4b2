"""Baking a region's own project from the cookiecutter-region template.

The template lives at the repository root (``cookiecutter-region/``, so that
``cookiecutter cookiecutter-region`` works in a clone) and is shipped inside the wheel as
``eplanning_core/regiontemplate/template/`` (setup.cfg maps that package onto the folder),
so that an installed core can bake: :func:`template_dir` finds whichever is there.
"""

from __future__ import annotations

from pathlib import Path

HERE = Path(__file__).resolve().parent


class TemplateNotFound(RuntimeError):
    pass


def template_dir() -> Path:
    """The cookiecutter-region folder: inside the installed package, else the repository's."""
    for candidate in (HERE / "template", HERE.parents[1] / "cookiecutter-region"):
        if (candidate / "cookiecutter.json").is_file():
            return candidate
    raise TemplateNotFound("the cookiecutter-region template is not installed with this "
                           f"eplanning-core (looked in {HERE / 'template'})")
