"""Privacy: personal-data fields written to logs or standard output (a hash of them is a pseudonym and
fine). Also records ``print`` calls for the observability policy."""

from __future__ import annotations

from typing import TYPE_CHECKING

from governance.detectors import patterns as P
from governance.detectors.plugins import CallSite, Plugin
from governance.detectors.scope import Taint

if TYPE_CHECKING:
    from governance.detectors.analysis import Analyzer


def _log_sink(an: Analyzer, taint: Taint) -> None:
    pii = sorted(label[4:] for label in taint if label.startswith("pii:"))
    if pii:
        an.report("pii-in-logs", ", ".join(pii))


def _call(an: Analyzer, site: CallSite) -> None:
    name = site.name
    args_taint = frozenset().union(*site.args, *site.kwargs.values())
    if name is None or name.startswith("open()"):
        if site.method in P.LOG_METHODS and "log" in site.receiver_name.lower():
            _log_sink(an, args_taint)
        return
    if name in ("print", "sys.stdout.write", "sys.stderr.write"):
        if name == "print" and an.reporting:
            an.facts.print_lines.append(an.line)
        _log_sink(an, site.every)
    elif name.startswith(("logging.", "structlog.", "loguru.")) and site.last in P.LOG_METHODS:
        _log_sink(an, site.every)
    if name.startswith(("hashlib.", "hmac.")):
        site.result = frozenset(t for t in site.result if not t.startswith("pii:"))


PLUGIN = Plugin("privacy", call=_call)
