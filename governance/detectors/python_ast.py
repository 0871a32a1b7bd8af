"""Python detector entry point: parse a file and run the analysis with the sink families.

The analysis (scopes, constant folding, taint) lives in :mod:`governance.detectors.analysis`,
:mod:`~governance.detectors.folding` and :mod:`~governance.detectors.scope`; what is dangerous lives in one
module per family under :mod:`governance.detectors.plugins`, each named beside its rules in
:mod:`governance.rules`.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable, Iterator

from governance.detectors.analysis import Analyzer
from governance.detectors.scope import FileFacts
from governance.findings import Finding, make_finding

__all__ = ["FileFacts", "analyze_python", "iter_strings", "statement_starts"]


def analyze_python(
    source: str,
    path: str,
    *,
    pii_fields: Iterable[str] = (),
    declared_secrets: Iterable[str] | None = None,
    blob_min_chars: int = 256,
) -> tuple[list[Finding], FileFacts]:
    """Findings and facts for one Python file; a file that does not parse yields ``unparsable-source``."""
    lines = source.splitlines()
    try:
        tree = ast.parse(source, filename=path)
    except (SyntaxError, ValueError, RecursionError) as exc:
        line = getattr(exc, "lineno", None) or 1
        return [
            make_finding("unparsable-source", path, line, source_lines=lines, message=str(exc)[:120])
        ], FileFacts()
    base = path.rsplit("/", 1)[-1]
    analyzer = Analyzer(
        tree,
        path,
        lines,
        pii_fields=pii_fields,
        declared_secrets=declared_secrets,
        blob_min_chars=blob_min_chars,
    )
    try:
        findings, facts = analyzer.run()
    except RecursionError:
        return [
            make_finding("unparsable-source", path, 1, message="nesting too deep to analyse")
        ], FileFacts()
    facts.statement_start = statement_starts(tree)
    if base in ("sitecustomize.py", "usercustomize.py"):
        findings.append(
            make_finding("install-hook", path, 1, source_lines=lines, message=f"{base} runs at start-up")
        )
    return findings, facts


def statement_starts(tree: ast.Module) -> dict[int, int]:
    """Map every continuation line of a multi-line statement (or compound header) to its first line."""
    starts: dict[int, int] = {}
    for node in ast.walk(tree):
        if not isinstance(node, ast.stmt):
            continue
        body = getattr(node, "body", None)
        end = (
            (body[0].lineno - 1)
            if isinstance(body, list) and body and isinstance(body[0], ast.stmt)
            else node.end_lineno
        )
        for number in range(node.lineno + 1, (end or node.lineno) + 1):
            starts[number] = node.lineno
    return starts


def iter_strings(tree: ast.AST) -> Iterator[ast.Constant]:
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            yield node
