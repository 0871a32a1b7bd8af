"""Independent random streams per part of the generator, so changing one part leaves the others' draws alone."""

from __future__ import annotations

import zlib
from datetime import date

import numpy as np


def stream(seed: int, name: str, day: date | None = None) -> np.random.Generator:
    key = [seed, zlib.crc32(name.encode())]
    if day is not None:
        key.append(day.toordinal())
    return np.random.default_rng(key)
