"""Surveillance: screen capture and keyboard hooks. Screen captures label their value ``screen``."""

from __future__ import annotations

from typing import TYPE_CHECKING

from governance.detectors import patterns as P
from governance.detectors.plugins import CallSite, Plugin

if TYPE_CHECKING:
    from governance.detectors.analysis import Analyzer


def called(name: str, prefixes: tuple[str, ...]) -> bool:
    """``name`` is one of the calls, or a function of one of the modules (not a method of their results)."""
    for prefix in prefixes:
        if name == prefix:
            return True
        if (
            name.startswith(prefix)
            and (prefix.endswith(".") or name[len(prefix)] == ".")
            and "()" not in name[len(prefix) :]
        ):
            return True
    return False


def _call(an: Analyzer, site: CallSite) -> None:
    name = site.name
    if name is None:
        return
    if called(name, P.SCREENSHOT_CALLS):
        an.report("screenshot", f"{name} captures the screen")
        site.result = site.result | {"screen"}
    elif called(name, P.KEYLOGGER_CALLS):
        an.report("keylogger", f"{name} listens to the keyboard")


PLUGIN = Plugin("surveillance", call=_call)
