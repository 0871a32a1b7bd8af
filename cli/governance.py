"""``atom scan`` and ``atom verify`` (DESIGN 3.7): thin wrappers over the governance library."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import orjson
import typer
from rich.table import Table

from cli.console import OutputFormat, err, fail, out

SEVERITY_STYLE = {"critical": "bold red", "high": "red", "medium": "yellow", "low": "dim"}
DECISION_STYLE = {"approve": "bold green", "review": "bold yellow", "reject": "bold red"}


def _read_text(path: Path, what: str) -> str:
    if not path.is_file():
        fail(f"{what} not found: {path}", 2)
    try:
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        fail(f"{what} {path} is not text; pass the PEM key or the base64 signature file", 2)


def scan(
    path: Annotated[Path, typer.Argument(help="A .wpk, a package directory or a single file.")],
    format: Annotated[
        OutputFormat, typer.Option("--format", help="json (stdout holds only the report) or table.")
    ] = OutputFormat.table,
    key: Annotated[
        Path | None, typer.Option("--key", help="Publisher's PEM public key, to check --signature.")
    ] = None,
    signature: Annotated[
        Path | None,
        typer.Option("--signature", help="File with the base64 signature of the .wpk (DESIGN 3.5)."),
    ] = None,
) -> None:
    """Governance report for a package: findings, policies P-1..P-6, risk score and decision (DESIGN 3.6).

    Exits 0 whatever the decision; the decision is in the report. Exits 2 on unusable input.
    """
    from atom.settings import get_settings
    from governance import scan_path
    from ingest.review import scan_settings

    if not path.exists():
        fail(f"path not found: {path}", 2)
    if (key is None) != (signature is None):
        fail("pass both --key and --signature to check a signature, or neither", 2)
    public_key = _read_text(key, "public key") if key else None
    signature_text = _read_text(signature, "signature") if signature else None
    with err.status(f"Scanning {path}"):
        report = scan_path(
            path,
            signature=signature_text,
            public_key=public_key,
            settings=scan_settings(get_settings(), require_signature=False),
        )
    document = report.to_dict()
    err.print(
        f"{report.target}: [{DECISION_STYLE[report.decision]}]{report.decision}[/] "
        f"(risk {report.risk_score}, {len(report.findings)} findings, "
        f"{report.files_scanned} files, {report.lines_scanned:,} lines, {report.duration_ms:.0f} ms)"
    )
    if format == "json":
        typer.echo(orjson.dumps(document, option=orjson.OPT_INDENT_2).decode())
        return
    table = Table(title=f"{document['target']}: {document['decision']} (risk {document['risk_score']})")
    for column in ("severity", "rule", "category", "file:line", "message"):
        table.add_column(column, overflow="fold")
    for finding in document["findings"]:
        table.add_row(
            f"[{SEVERITY_STYLE[finding['severity']]}]{finding['severity']}[/]",
            finding["rule"],
            finding["category"],
            f"{finding['file']}:{finding['line']}",
            finding["message"],
        )
    out.print(table)
    policies = Table(title="Policies")
    for column in ("policy", "name", "status", "rules"):
        policies.add_column(column)
    for policy in document["policies"]:
        style = {"pass": "green", "warn": "yellow", "fail": "red"}[policy["status"]]
        policies.add_row(
            policy["id"],
            policy["name"],
            f"[{style}]{policy['status']}[/]",
            ", ".join(policy["finding_rules"]),
        )
    out.print(policies)
    signature_info = document["signature"]
    out.print(
        f"signature: {signature_info['status']}"
        + (f" (key {signature_info['key_id']})" if signature_info["key_id"] else "")
    )


def verify(
    file: Annotated[Path, typer.Argument(help="The signed file (a .wpk), byte for byte as signed.")],
    key: Annotated[Path, typer.Option("--key", help="PEM public key (ECDSA P-256 or Ed25519).")],
    signature: Annotated[Path, typer.Option("--signature", help="File holding the base64 signature.")],
) -> None:
    """Check a detached signature (DESIGN 3.5). Exit 0 only when valid; 1 when it does not match; 2 when unusable."""
    from governance.signatures import verify_signature

    if not file.is_file():
        fail(f"file not found: {file}", 2)
    public_key = _read_text(key, "public key")
    signature_text = _read_text(signature, "signature")
    result = verify_signature(file.read_bytes(), signature_text, public_key)
    if result.status == "valid":
        out.print(f"[green]valid[/]: {file} signed by key {result.key_id}")
        return
    if result.status == "invalid":
        fail(f"invalid signature for {file}: {result.reason}", 1)
    fail(f"cannot verify {file}: {result.reason}", 2)
