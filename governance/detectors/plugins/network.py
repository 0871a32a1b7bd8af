"""Network: connections (a capability), raw public IPs, and what reaches the network: the environment,
credential files, host and user names, the clipboard or the screen (``exfiltrate-sensitive-data``), secrets
the manifest does not declare, personal data. Responses are labelled ``downloaded`` for the families that
judge what is done with them.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from governance.detectors import patterns as P
from governance.detectors.plugins import CallSite, Plugin
from governance.detectors.plugins.api_obfuscation import is_network
from governance.detectors.scope import EMPTY, Taint

if TYPE_CHECKING:
    from governance.detectors.analysis import Analyzer

SECRET_KEY_RE = re.compile(r"(TOKEN|SECRET|PASSW|API_?KEY|ACCESS_KEY|PRIVATE|CREDENTIAL|AUTH)")
SENSITIVE = frozenset({"env-bulk", "credfile", "sysinfo", "clipboard", "screen"})
# A received buffer is downloaded data too (socket.recv in a loop is the raw-socket stager).
RECEIVERS = frozenset({"recv", "recvfrom", "recv_into", "getresponse"})


def _call(an: Analyzer, site: CallSite) -> None:
    name = site.name
    if name is None:
        return
    if name in P.SYSINFO_SOURCES:
        site.result = site.result | {"sysinfo"}
        return
    if name == "shutil.copyfileobj" and len(site.node.args) >= 2 and site.args[0] & {"downloaded"}:
        target = site.node.args[1]
        target_name = getattr(target, "id", None)
        if target_name in an.scope.handles:
            an.mark_downloaded_path(an.scope.handles[target_name])
        if target_name:
            an.scope.taint[target_name] = an.scope.taint.get(target_name, frozenset()) | {"downloaded-file"}
        return
    if name == "wget.download":
        # the 'wget' package: downloads to a file and returns its name
        an.report("network-access", "wget.download")
        if len(site.node.args) >= 2:
            an.mark_downloaded_path(site.node.args[1])
        site.result = frozenset({"downloaded-file"})
        return
    if is_network(name):
        _network(an, site, name)
        # What comes back is the server's data, not the arguments: only "downloaded" flows on.
        site.result = frozenset({"downloaded"})
    elif site.last in RECEIVERS and name.startswith(P.NETWORK_MODULES):
        an.report("network-access", f"{name} receives data")
        site.result = frozenset({"downloaded"})


def _network(an: Analyzer, site: CallSite, name: str) -> None:
    node = site.node
    host = None
    url = node.args[0] if node.args else site.keyword("url", "host")
    const = an.cs(url)
    if const is not None:
        host = P.url_host(const.value) or (const.value.lower() if "/" not in const.value else None)
    elif url is not None and hasattr(url, "elts") and url.elts:  # type: ignore[attr-defined]
        first = an.cs(url.elts[0])  # type: ignore[attr-defined]
        host = first.value.lower() if first else None
    if host and P.is_public_ip(host):
        an.report("raw-ip-url", f"{name} contacts {host}", host=host)
    if name.endswith("urlretrieve") and len(node.args) >= 2:
        an.mark_downloaded_path(node.args[1])
    an.report(
        "network-access",
        f"{name}" + (f" to {host}" if host else ""),
        host=host,
        resolved_host=host is not None,
    )
    pii = sorted(label[4:] for label in site.every if label.startswith("pii:"))
    if pii:
        an.report("pii-sent-out", f"{', '.join(pii)} via {name}", host=host, fields=pii)
    an.url_taint = (
        (site.args[0] if site.args else EMPTY)
        | site.kwargs.get("url", EMPTY)
        | site.kwargs.get("host", EMPTY)
    )
    an.sink("network", site.every, name=name)
    an.url_taint = EMPTY


def _sink(an: Analyzer, kind: str, taint: Taint, name: str, suffix: str) -> None:
    if kind != "network":
        return
    sensitive = sorted(taint & SENSITIVE)
    if sensitive:
        an.report(
            "exfiltrate-sensitive-data", f"{', '.join(sensitive)} reaches {name or 'the network'}{suffix}"
        )
    for label in taint:
        if label.startswith("env:"):
            key = label[4:]
            undeclared = (
                label in an.url_taint if an.declared_secrets is None else key not in an.declared_secrets
            )
            if undeclared and SECRET_KEY_RE.search(key.upper()):
                an.report("exfiltrate-undeclared-secret", f"{key} reaches {name or 'the network'}{suffix}")


PLUGIN = Plugin("network", call=_call, sink=_sink)
