"""The registry of collections, keyed by collection id.

Every module of this package but base.py is a kind of collection: it defines its provider
(ogc/providers/base.py) and a module-level `PROVIDERS` list, and `RANK` (where its collections come
in /collections). Adding a kind is adding a module here: the views, tiles, caches, downloads and
pages find it through the registry and never ask what kind a collection is.
"""

import importlib
import pkgutil

from .base import Provider

REGISTRY: dict[str, Provider] = {}


def register(provider: Provider) -> None:
    REGISTRY[provider.id] = provider


def unregister(collection_id: str) -> None:
    REGISTRY.pop(collection_id, None)


def get(collection_id: str) -> Provider | None:
    return REGISTRY.get(collection_id)


def _discover() -> None:
    modules = [
        importlib.import_module(f"{__name__}.{info.name}")
        for info in pkgutil.iter_modules(__path__)
        if info.name != "base"
    ]
    for module in sorted(modules, key=lambda module: module.RANK):
        for provider in module.PROVIDERS:
            register(provider)


_discover()
