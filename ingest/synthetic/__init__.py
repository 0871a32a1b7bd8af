"""The synthetic demo marketplace: operational DB rows, a price book and usage in the landing zone.

Deterministic by seed: ``generate(settings, scale, seed, today)`` twice gives byte-identical files.
Shapes and shares are recorded in docs/decisions/0003-generator-shape.md.
"""

from ingest.synthetic.generate import GenerationSummary, generate, usage_days
from ingest.synthetic.scales import SCALES, UnknownScaleError

__all__ = ["SCALES", "GenerationSummary", "UnknownScaleError", "generate", "usage_days"]
