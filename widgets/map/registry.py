"""Which renderer draws which layer model: one table, filled by ``@renders`` where each renderer is defined,
looked up along the model's class hierarchy (napari's model → visual map).

The renderers are the ``*_item`` modules of this package; they are imported on the first lookup, so a new
one is found by its file name alone and nothing here lists them.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable

from sitroom.layers.base import Layer

RENDERERS: dict[type[Layer], type] = {}
_discovered = False


def renders(layer_type: type[Layer]) -> Callable[[type], type]:
    """Class decorator: this LayerItem subclass draws ``layer_type`` (and its subclasses)."""

    def register(item_type: type) -> type:
        if RENDERERS.get(layer_type, item_type) is not item_type:
            raise KeyError(f"{layer_type.__name__} already has a renderer: {RENDERERS[layer_type].__name__}")
        RENDERERS[layer_type] = item_type
        return item_type

    return register


def _discover() -> None:
    global _discovered
    if not _discovered:
        import sitroom.widgets.map

        for module in pkgutil.iter_modules(sitroom.widgets.map.__path__):
            if module.name.endswith("_item"):
                importlib.import_module(f"sitroom.widgets.map.{module.name}")
        _discovered = True


def renderer_for(layer: Layer):
    _discover()
    for cls in type(layer).__mro__:
        if cls in RENDERERS:
            return RENDERERS[cls](layer)
    raise KeyError(f"no renderer registered for {type(layer).__name__} (a widgets/map/*_item.py with "
                   f"@renders({type(layer).__name__}))")
