"""Steganography: stego libraries, and bits read out of image pixels in a file that masks low bits."""

from __future__ import annotations

from typing import TYPE_CHECKING

from governance.detectors import patterns as P
from governance.detectors.plugins import CallSite, Plugin
from governance.detectors.plugins.surveillance import called

if TYPE_CHECKING:
    from governance.detectors.analysis import Analyzer


def _call(an: Analyzer, site: CallSite) -> None:
    name = site.name
    if name is None:
        return
    last = site.last
    if name.endswith("().getdata") or name.endswith(".getpixel") or last in ("getpixel", "getdata"):
        if an.image_bit_ops and name.startswith(("PIL.", "Image.", "PIL")):
            an.report("steganography", "bits are read out of image pixels")
    elif called(name, P.STEGO_CALLS):
        an.report("steganography", name)


PLUGIN = Plugin("steganography", call=_call)
