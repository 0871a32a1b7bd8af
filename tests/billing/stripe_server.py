"""A small Stripe stand-in on 127.0.0.1 that checks what the official client sends.

It answers the endpoints billing uses, insists on a bearer key, form-encoded bodies and an
Idempotency-Key on every POST, and behaves like Stripe's v1 idempotency: the first answer for a key is
saved and replayed for every retry; a retry with different parameters is a 400 ``idempotency_error``.
``drop_replies`` makes it process a request and then hang up without answering, as a lost reply does.
"""

from __future__ import annotations

import re
import threading
from collections import Counter
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl

import orjson

ROUTES = [
    (re.compile(r"^/v1/customers$"), "customer", "cus"),
    (re.compile(r"^/v1/invoices$"), "invoice", "in"),
    (re.compile(r"^/v1/invoiceitems$"), "invoiceitem", "ii"),
    (re.compile(r"^/v1/invoices/(?P<id>[^/]+)/finalize$"), "invoice_finalize", "in"),
    (re.compile(r"^/v1/transfers$"), "transfer", "tr"),
]


@dataclass
class Recorded:
    path: str
    key: str
    params: dict[str, str]
    replayed: bool


@dataclass
class StripeStandIn:
    api_key: str
    requests: list[Recorded] = field(default_factory=list)
    created: Counter[str] = field(default_factory=Counter)
    problems: list[str] = field(default_factory=list)
    drop_replies: dict[str, int] = field(default_factory=dict)  # path prefix -> replies still to drop
    _saved: dict[str, tuple[str, dict[str, str], int, bytes]] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def handle(self, method: str, path: str, headers: Any, body: bytes) -> tuple[int, bytes] | None:
        with self._lock:
            if method != "POST":
                return self._error(405, f"{method} {path}: only POST is used by billing")
            if headers.get("Authorization") != f"Bearer {self.api_key}":
                return self._error(401, "missing or wrong bearer key")
            if not (headers.get("Content-Type") or "").startswith("application/x-www-form-urlencoded"):
                return self._error(400, f"body of {path} is not form-encoded")
            key = headers.get("Idempotency-Key")
            if not key:
                return self._error(400, f"{path} sent without an Idempotency-Key")
            params = dict(parse_qsl(body.decode(), keep_blank_values=True))
            if key in self._saved:
                saved_path, saved_params, status, answer = self._saved[key]
                if (saved_path, saved_params) != (path, params):
                    return self._error(400, f"idempotency_error: key {key} reused with other parameters")
                self.requests.append(Recorded(path, key, params, replayed=True))
                return status, answer
            for pattern, kind, prefix in ROUTES:  # noqa: B007 (the match's kind and prefix are used below)
                match = pattern.match(path)
                if match:
                    break
            else:
                return self._error(404, f"no route {path}")
            if kind == "invoice_finalize":
                object_id, kind = match.group("id"), "invoice"
                self.created["invoice_finalize"] += 1
            else:
                self.created[kind] += 1
                object_id = f"{prefix}_test_{self.created[kind]:06d}"
            answer = orjson.dumps({"id": object_id, "object": kind, "livemode": False})
            self._saved[key] = (path, params, 200, answer)
            self.requests.append(Recorded(path, key, params, replayed=False))
            for prefix_path, remaining in self.drop_replies.items():
                if remaining > 0 and path.startswith(prefix_path):
                    self.drop_replies[prefix_path] = remaining - 1
                    return None  # processed, but the reply is lost
            return 200, answer

    def _error(self, status: int, message: str) -> tuple[int, bytes]:
        self.problems.append(message)
        return status, orjson.dumps({"error": {"type": "invalid_request_error", "message": message}})


def serve(stand_in: StripeStandIn) -> tuple[ThreadingHTTPServer, str]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            answer = stand_in.handle("POST", self.path, self.headers, body)
            if answer is None:
                self.close_connection = True
                self.connection.close()
                return
            status, payload = answer
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}"
