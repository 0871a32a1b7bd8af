"""API obfuscation: a dangerous function reached through a computed name.

The analysis resolves ``getattr(module, "sy" + "stem")``, ``__import__``/``importlib.import_module`` of built
strings, ``globals()[...]``, ``vars(builtins)[...]``, ``__builtins__.__dict__[...]``, ``sys.modules[...]``,
``operator.methodcaller``/``attrgetter``, ``eval`` of an attribute chain, and names decoded from hex, ``chr``
sequences, rot13 or reversed strings; this family reports when the name reached is an exec, process,
import or network function. A built name is high severity; a literal one (``getattr(os, "system")``,
``__import__("os").system``) is medium, since honest code has no reason for it either but it hides
nothing from a reader; ``getattr(os, "startfile", None)`` with a default probes for a feature and is not
reported. Namespace lookups (``globals()["exec"]``, ``sys.modules["os"]``) count as built.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from governance.detectors import patterns as P
from governance.detectors.plugins import CallSite, Plugin

if TYPE_CHECKING:
    from governance.detectors.analysis import Analyzer


def is_network(name: str) -> bool:
    last = name.rsplit(".", 1)[-1]
    return last in P.NETWORK_VERBS and name.startswith(P.NETWORK_MODULES)


def _call(an: Analyzer, site: CallSite) -> None:
    name = site.name
    if name == "eval" and site.first is not None and not site.indirection:
        # eval("os.sys" + "tem") evaluates to the function itself, to be called later.
        reached, level = an.resolve(site.node)
        if reached and level >= 2 and (reached in P.DANGEROUS or is_network(reached)):
            an.report("api-obfuscation", f"eval of a built attribute chain returns {reached}")
        return
    if name in ("map", "filter", "itertools.starmap") and site.first is not None:
        # map(getattr(os, "sy" + "stem"), commands)
        reached, level = an.resolve(site.first)
        if reached and level >= 2 and (reached in P.DANGEROUS or is_network(reached)):
            an.report("api-obfuscation", f"{reached} is mapped over data through a name built at run time")
        return
    if not site.indirection or name is None or name == "open":
        return
    if name in P.DANGEROUS or is_network(name):
        if site.indirection >= 2:
            an.report("api-obfuscation", f"{name} is called through a name built at run time")
        else:
            an.report("api-obfuscation", f"{name} is called through a literal name", severity="medium",
                      confidence="medium")  # fmt: skip


PLUGIN = Plugin("api_obfuscation", call=_call)
