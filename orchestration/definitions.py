"""Dagster's entry point: merges the ``defs`` of every module in ``orchestration.defs``.

A domain grows by adding a module there; nothing in this file lists them.
"""

from __future__ import annotations

import importlib
import pkgutil

import dagster as dg

from orchestration import defs as defs_package
from orchestration.resources import default_resources


def load_domain_definitions() -> list[dg.Definitions]:
    modules = [
        importlib.import_module(f"{defs_package.__name__}.{info.name}")
        for info in pkgutil.iter_modules(defs_package.__path__)
    ]
    return [module.defs for module in modules if isinstance(getattr(module, "defs", None), dg.Definitions)]


defs = dg.Definitions.merge(*load_domain_definitions(), dg.Definitions(resources=default_resources()))
