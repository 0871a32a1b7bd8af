"""The portal's page times as Prometheus metrics (issue 13 item 8).

Every page run is timed by the entry point (``with timed_page(page.title): page.run()``) into the
histogram ``atom_portal_page_seconds{page, outcome}``. The Streamlit server is one process, so the
histogram lives in it and a small HTTP server in a background thread serves ``/metrics`` on
``ATOM_PORTAL_METRICS_PORT`` (``atom portal --metrics-port``, 9465 by default there); unset, pages are
timed all the same and nothing listens.

``outcome`` is ``ok``, ``stopped`` (the page ended early on purpose: no snapshot yet, no permission) or
``error``. A rerun that Streamlit interrupts (the user clicked on while the page ran) is not a page time
and is not recorded.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

from prometheus_client import REGISTRY, Histogram, start_http_server
from streamlit.runtime.scriptrunner_utils.exceptions import RerunException, StopException

from atom.settings import get_settings

log = logging.getLogger("atom.portal.metrics")

# Most pages answer from the snapshot in well under a second; charts over a large one take a few.
BUCKETS = (0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, float("inf"))

_lock = threading.Lock()
_started: dict[str, object] = {}

# One histogram per process: Streamlit re-executes the entry script on every run, not this module.
PAGE_SECONDS = Histogram(
    "atom_portal_page_seconds",
    "Time to run one portal page, by page and outcome.",
    ["page", "outcome"],
    buckets=BUCKETS,
    registry=REGISTRY,
)


def serve_metrics_once() -> int | None:
    """Start the metrics server of this process if a port is set and it is not running yet."""
    port = get_settings().atom_portal_metrics_port
    if port is None:
        return None
    with _lock:
        if "server" not in _started:
            try:
                _started["server"] = start_http_server(
                    port, addr="0.0.0.0" if _all_interfaces() else "127.0.0.1"
                )
                log.info("portal metrics on port %s", port)
            except OSError as exc:  # taken: say so once, keep serving pages
                _started["server"] = exc
                log.warning("portal metrics not served on port %s: %s", port, exc)
    return port


def _all_interfaces() -> bool:
    """In a container the portal binds every interface (deploy/); the metrics follow its address."""
    import streamlit as st

    address = st.get_option("server.address")
    return address in ("0.0.0.0", "::")


@contextmanager
def timed_page(page: str) -> Iterator[None]:
    serve_metrics_once()
    started = time.perf_counter()
    outcome = "ok"
    try:
        yield
    except RerunException:
        outcome = ""
        raise
    except StopException:
        outcome = "stopped"
        raise
    except BaseException:
        outcome = "error"
        raise
    finally:
        if outcome:
            PAGE_SECONDS.labels(page, outcome).observe(time.perf_counter() - started)
