"""Sizes of the demo marketplace. Event counts are targets for clean events; the Poisson draws and the
injected resends move the written total by a few percent."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Scale:
    name: str
    publishers: int
    packages: int
    tenants: int
    events: int


SCALES: dict[str, Scale] = {
    "small": Scale("small", publishers=12, packages=60, tenants=60, events=50_000),
    "default": Scale("default", publishers=30, packages=120, tenants=400, events=2_000_000),
    "large": Scale("large", publishers=40, packages=150, tenants=5_000, events=50_000_000),
}


class UnknownScaleError(ValueError):
    pass


def get_scale(name: str) -> Scale:
    try:
        return SCALES[name]
    except KeyError:
        valid = ", ".join(SCALES)
        raise UnknownScaleError(f"unknown scale {name!r}; use one of: {valid}") from None
