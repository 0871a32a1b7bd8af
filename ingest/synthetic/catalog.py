"""Publishers, packages and their versions: the supply side of the marketplace."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

import numpy as np

from ingest.synthetic.names import ACTION_CATEGORY, ACTIONS, INTEGRATIONS, PUBLISHER_NAMES
from ingest.synthetic.rng import stream
from ingest.synthetic.scales import Scale

AI_CATEGORY = "ai"


@dataclass(frozen=True)
class Catalog:
    publishers: list[dict[str, Any]]
    packages: list[dict[str, Any]]  # ordered by popularity, most used first
    versions: list[dict[str, Any]]
    popularity: np.ndarray  # share of installs per package, same order as ``packages``

    @property
    def package_ids(self) -> list[str]:
        return [p["id"] for p in self.packages]

    def ai_package_indexes(self) -> np.ndarray:
        return np.array([i for i, p in enumerate(self.packages) if p["category"] == AI_CATEGORY])


def _slug(text: str, sep: str) -> str:
    return sep.join("".join(c if c.isalnum() else " " for c in text.lower()).split())


def _at(day: date, rng: np.random.Generator) -> datetime:
    return datetime.combine(day, datetime.min.time()) + timedelta(seconds=int(rng.integers(0, 86_400)))


def _versions(rng: np.random.Generator, count: int) -> list[str]:
    major, minor, patch = (0, 9, 0) if rng.random() < 0.3 else (1, 0, 0)
    out = [f"{major}.{minor}.{patch}"]
    for _ in range(count - 1):
        bump = rng.random()
        if bump < 0.6:
            patch += 1
        elif bump < 0.9:
            minor, patch = minor + 1, 0
        else:
            major, minor, patch = major + 1, 0, 0
        out.append(f"{major}.{minor}.{patch}")
    return out


def build_catalog(scale: Scale, seed: int, today: date, usage_start: date) -> Catalog:
    rng = stream(seed, "catalog")
    names = [PUBLISHER_NAMES[i] for i in rng.permutation(len(PUBLISHER_NAMES))[: scale.publishers]]
    publishers = [
        {
            "id": f"pub_{_slug(name, '_')}",
            "name": name,
            "created_at": _at(today - timedelta(days=int(rng.integers(700, 1400))), rng),
        }
        for name in names
    ]

    combos = [(a, i) for i in INTEGRATIONS for a in ACTIONS]
    chosen = [combos[k] for k in rng.permutation(len(combos))[: scale.packages]]
    # Zipf-like popularity (exponent 1.1): the top few packages take most installs, as in any app store.
    popularity = 1.0 / np.arange(1, len(chosen) + 1) ** 1.1
    popularity /= popularity.sum()
    # A heavy-tailed split of packages over publishers: a few prolific partners, many with one or two.
    publisher_weights = rng.pareto(1.5, len(publishers)) + 1
    owners = rng.choice(len(publishers), size=len(chosen), p=publisher_weights / publisher_weights.sum())
    owners[: len(publishers)] = np.arange(min(len(publishers), len(chosen)))  # every publisher has a package

    packages: list[dict[str, Any]] = []
    versions: list[dict[str, Any]] = []
    for (action, integration), owner in zip(chosen, owners, strict=True):
        publisher = publishers[int(owner)]
        name = f"{integration}-{action}"
        package_id = f"pkg_{_slug(name, '_')}"
        earliest = max(publisher["created_at"].date() + timedelta(days=1), today - timedelta(days=900))
        latest = usage_start - timedelta(days=30)
        created_day = earliest + timedelta(days=int(rng.integers(0, max(1, (latest - earliest).days))))
        packages.append(
            {
                "id": package_id,
                "name": name,
                "publisher_id": publisher["id"],
                "category": ACTION_CATEGORY[action],
                "description": f"{action.capitalize()} with {integration.capitalize()} from a workflow",
                "created_at": _at(created_day, rng),
            }
        )
        numbers = _versions(rng, int(rng.integers(1, 6)))
        span = max(1, (today - created_day).days - 1)
        offsets = np.sort(rng.choice(span, size=len(numbers), replace=len(numbers) > span))
        offsets[0] = 0
        for k, (number, offset) in enumerate(zip(numbers, offsets, strict=True)):
            is_latest = k == len(numbers) - 1
            digest = hashlib.sha256(f"{seed}:{package_id}:{number}".encode()).hexdigest()
            versions.append(
                {
                    "package_id": package_id,
                    "version": number,
                    # A yanked latest version would leave the catalogue without an installable one.
                    "status": "yanked" if (not is_latest and rng.random() < 0.1) else "approved",
                    "published_at": packages[-1]["created_at"]
                    if k == 0
                    else _at(created_day + timedelta(days=int(offset)), rng),
                    # Versions from before the artifact store kept no digest.
                    "sha256": None if rng.random() < 0.1 else digest,
                }
            )
    return Catalog(publishers=publishers, packages=packages, versions=versions, popularity=popularity)
