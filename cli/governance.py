"""``atom scan`` and ``atom verify`` (DESIGN 3.7): thin wrappers over the governance library."""

from __future__ import annotations

import glob
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.markup import escape
from rich.table import Table

from cli.console import OutputFormat, err, fail, out, print_json

if TYPE_CHECKING:
    from atom.settings import Settings
    from governance import Report, Suppression

SEVERITY_STYLE = {"critical": "bold red", "high": "red", "medium": "yellow", "low": "dim"}
DECISION_STYLE = {"approve": "bold green", "review": "bold yellow", "reject": "bold red"}


def _read_text(path: Path, what: str) -> str:
    if not path.is_file():
        fail(f"{what} not found: {path}", 2)
    try:
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        fail(f"{what} {path} is not text; pass the PEM key or the base64 signature file", 2)


def _stored_suppressions(settings: Settings, package: str | None) -> list[Suppression]:
    """The operational DB's suppressions for ``package`` (and every package), when the home has a database.

    ``atom scan`` works without a home (a developer scanning a directory); it never creates one to read.
    """
    from sqlalchemy import inspect
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import SQLAlchemyError

    from atom.opdb import make_engine, session_scope
    from atom.opdb.reviews import active_suppressions
    from ingest.review import as_suppressions

    url = make_url(settings.database_url)
    if url.get_backend_name() == "sqlite" and not (
        url.database and Path(url.database).expanduser().is_file()
    ):
        return []
    engine = make_engine(settings.database_url)
    try:
        if not inspect(engine).has_table("scan_suppressions"):
            return []
        with session_scope(engine) as session:
            return as_suppressions(active_suppressions(session, package))
    except SQLAlchemyError as exc:
        err.print(f"[yellow]warning[/]: stored suppressions not applied ({exc.__class__.__name__})")
        return []
    finally:
        engine.dispose()


def _parse_suppress(spec: str) -> tuple[str, str, int | None]:
    """``RULE:PATH`` or ``RULE:PATH:LINE`` → (rule, path, line)."""
    rule, sep, rest = spec.partition(":")
    if not sep or not rule or not rest:
        fail(f"--suppress {spec!r}: write RULE:PATH (any content) or RULE:PATH:LINE (that line's content)", 2)
    head, sep, tail = rest.rpartition(":")
    if sep and tail.isdigit():
        return rule, head, int(tail)
    return rule, rest, None


def _suppression_for(spec: str, report: Report, *, who: str, why: str) -> Suppression:
    from governance import Suppression

    rule, path, line = _parse_suppress(spec)
    content_hash = "*"
    if line is not None:
        match = next((f for f in report.findings if (f.rule, f.file, f.line) == (rule, path, line)), None)
        if match is None:
            fail(f"--suppress {spec}: this scan has no {rule} finding at {path}:{line}; see the report", 2)
        content_hash = match.content_hash
    # RULE:PATH:LINE names one file: its glob characters are escaped so it matches that file only.
    suppression = Suppression(glob.escape(path) if line is not None else path, rule, content_hash, who, why)
    problems = suppression.problems()
    if problems:
        fail(f"--suppress {spec}: {'; '.join(problems)}", 2)
    return suppression


def _store_suppressions(
    settings: Settings, suppressions: list[Suppression], package: str | None
) -> list[int]:
    from atom.opdb import make_engine, migrate, session_scope
    from atom.opdb.reviews import add_suppression

    settings.ensure_dirs()
    migrate(settings.database_url)
    engine = make_engine(settings.database_url)
    try:
        with session_scope(engine) as session:
            rows = [
                add_suppression(
                    session,
                    rule=s.rule,
                    path_pattern=s.path_pattern,
                    content_hash=s.content_hash,
                    reason=s.why,
                    created_by=s.who,
                    package_name=package,
                    source="atom scan --suppress",
                )
                for s in suppressions
            ]
            return [row.id for row in rows]
    finally:
        engine.dispose()


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
    suppress: Annotated[
        list[str] | None,
        typer.Option(
            "--suppress",
            help="Store a reviewed suppression in the operational DB, then scan with it: RULE:PATH:LINE "
            "suppresses that finding of this scan wherever its line's text stays the same (the content "
            "hash); RULE:PATH suppresses the rule in files matching the PATH glob whatever their content. "
            "Repeatable; needs --reason and --by. Every later scan (submissions too) applies it.",
        ),
    ] = None,
    reason: Annotated[
        str | None,
        typer.Option("--reason", help="Why the suppressed findings are acceptable (a sentence; audited)."),
    ] = None,
    by: Annotated[
        str | None, typer.Option("--by", help="Who reviewed them (an e-mail); recorded and audited.")
    ] = None,
    package: Annotated[
        str | None,
        typer.Option(
            "--package",
            help="The package a --suppress applies to (default: the scanned manifest's name); '*' for every "
            "package.",
        ),
    ] = None,
) -> None:
    """Governance report for a package: findings, policies P-1..P-6, risk score and decision (DESIGN 3.6).

    Suppressions stored in the home's operational DB apply: their findings are listed under
    "suppressed" (who and why), not counted. Exits 0 whatever the decision; the decision is in the
    report. Exits 2 on unusable input.
    """
    from atom.settings import get_settings
    from governance import scan_path
    from ingest.review import scan_settings

    if not path.exists():
        fail(f"path not found: {path}", 2)
    if (key is None) != (signature is None):
        fail("pass both --key and --signature to check a signature, or neither", 2)
    if suppress and (not reason or not by):
        fail("--suppress needs --reason (why the finding is acceptable) and --by (who reviewed it)", 2)
    public_key = _read_text(key, "public key") if key else None
    signature_text = _read_text(signature, "signature") if signature else None
    settings = get_settings()

    def run(suppressions: list[Suppression]) -> Report:
        with err.status(f"Scanning {path}"):
            return scan_path(
                path,
                signature=signature_text,
                public_key=public_key,
                settings=scan_settings(settings, require_signature=False),
                suppressions=suppressions,
            )

    first = run([])
    name = str((first.manifest or {}).get("name") or "") or None
    scope = None if package == "*" else (package or name)
    if suppress:
        assert reason is not None and by is not None
        if scope is None and package != "*":
            fail("no wpk.toml names the package: pass --package NAME, or --package '*' for every package", 2)
        new = [_suppression_for(spec, first, who=by, why=reason) for spec in suppress]
        ids = _store_suppressions(settings, new, scope)
        for row_id, s in zip(ids, new, strict=True):
            err.print(
                f"stored suppression {row_id}: {escape(s.rule)} in {escape(s.path_pattern)} "
                f"({'that line' if s.content_hash != '*' else 'any content'}) for {escape(scope or 'every package')}"
            )
    stored = _stored_suppressions(settings, scope)
    report = run(stored) if stored else first
    if stored:
        err.print(
            f"applied {len(stored)} stored suppression(s); {len(report.suppressed)} finding(s) suppressed"
        )
    document = report.to_dict()
    err.print(
        f"{report.target}: [{DECISION_STYLE[report.decision]}]{report.decision}[/] "
        f"(risk {report.risk_score}, {len(report.findings)} findings, "
        f"{report.files_scanned} files, {report.lines_scanned:,} lines, {report.duration_ms:.0f} ms)"
    )
    if format == "json":
        print_json(document)
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
    if document["suppressed"]:
        suppressed = Table(title="Suppressed (reviewed exceptions, not counted)")
        for column in ("rule", "file:line", "suppressed by", "reason"):
            suppressed.add_column(column, overflow="fold")
        for entry in document["suppressed"]:
            suppressed.add_row(
                entry["rule"], f"{entry['file']}:{entry['line']}", entry["suppressed_by"], entry["reason"]
            )
        out.print(suppressed)
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
