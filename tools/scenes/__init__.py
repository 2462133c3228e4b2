"""Screenshot scenes for docs/screens/, one module per area, run by tools/screens.py.

Each module defines ``SCENES``, a list of :class:`Scene`. tools/screens.py logs in as the
scene's demo account (None: anonymous), opens ``path``, runs ``act(page)`` when given and
saves ``docs/screens/<name>.png`` at the scene's viewport, failing when the page scrolls
sideways.
"""

from __future__ import annotations

import importlib
import pkgutil
from dataclasses import dataclass
from typing import Callable, Optional

VIEWPORTS = {"laptop": {"width": 1366, "height": 768}, "phone": {"width": 390, "height": 844}}


@dataclass(frozen=True)
class Scene:
    name: str
    user: Optional[str]
    viewport: str
    path: str
    act: Optional[Callable] = None
    full_page: bool = True


def all_scenes() -> list[Scene]:
    """Every area module's SCENES, in module name order."""
    scenes: list[Scene] = []
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        module = importlib.import_module(f"{__name__}.{info.name}")
        scenes.extend(getattr(module, "SCENES", []))
    return scenes
