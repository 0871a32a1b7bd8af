"""Archive file names are the publisher's to choose, so the review console shows them as code, never as
markdown (issue 11, item 6): a member named like a link or in bold appears literally."""

from __future__ import annotations

import html
import json
from typing import Any

import pytest
from markdown_it import MarkdownIt

from app.formatting import code_span, literal
from atom.artifacts import store_artifact
from atom.opdb import make_engine, session_scope
from atom.opdb.registry import Submission
from atom.settings import get_settings
from tests.app.conftest import PortalHome
from tests.app.opdb_seed import package_files, risky_report, run_as, wpk


@pytest.fixture
def portal_home(opdb_url: str | None, portal_home: PortalHome) -> PortalHome:
    """The portal's operational-DB work, on SQLite and on PostgreSQL (tests/pg.py): the database is
    chosen before the home is seeded."""
    return portal_home


LINK = "steps/[click](https:evil.example).py"
BOLD = "steps/**bold**.py"
FENCE = "steps/`x`[y](https:evil.example)``.py"  # backticks that would close a naive code span
NEWLINE = "steps/a\n\n[z](https:evil.example).py"  # a blank line would end a code span's paragraph
NAMES = (LINK, BOLD, FENCE, NEWLINE)

markdown = MarkdownIt("commonmark")


def _hostile_submission() -> None:
    """sub_2 (in review) now ships files with hostile names, each flagged by the scanner."""
    files = package_files("1.1.0", "print('hi')\n") | {name: "import os\nos.system('x')\n" for name in NAMES}
    digest, path = store_artifact(get_settings().artifacts_dir, wpk(files))
    report: dict[str, Any] = risky_report("1.1.0")
    report["findings"] = [
        {
            **report["findings"][0],
            "file": name,
            "line": 2,
            "message": f"os.system() in {name}",
            "recommendation": f"Remove {name}",
        }
        for name in NAMES
    ]
    engine = make_engine(get_settings().database_url)
    with session_scope(engine) as session:
        submission = session.get(Submission, "sub_2")
        assert submission is not None
        submission.sha256, submission.artifact_path = digest, str(path)
        submission.report_json = json.dumps(report)
    engine.dispose()


def _rendered(source: str) -> str:
    return markdown.renderInline(source)


@pytest.mark.parametrize("name", NAMES)
def test_code_span_shows_any_name_literally_and_literal_escapes_every_markdown_construct(name: str) -> None:
    shown = name.replace("\n", "\\n")
    assert _rendered(code_span(name)) == f"<code>{html.escape(shown, quote=True)}</code>"
    assert _rendered(literal(f"see {name}")) == html.escape(f"see {shown}", quote=True)


def test_archive_names_in_the_review_console_are_code_never_links_or_emphasis(
    portal_world: PortalHome,
) -> None:
    _hostile_submission()

    at = run_as("reviewer", "review.py")

    assert not at.exception, [e.message for e in at.exception]
    sources = [
        *(m.value for m in at.markdown),
        *(c.value for c in at.caption),
        *(e.label for e in at.expander),
    ]
    about_names = [s for s in sources if "click" in s or "bold" in s or "evil" in s]
    assert len(about_names) >= 2 * len(NAMES), "each name shows in its finding and in the diff"
    for source in about_names:
        rendered = _rendered(source)
        assert "<a " not in rendered and "<em>" not in rendered, source
        assert "<strong>bold</strong>" not in rendered, source
    findings = " ".join(_rendered(m.value) for m in at.markdown)
    for name in NAMES:
        assert f"<code>{html.escape(name.replace(chr(10), chr(92) + 'n'), quote=True)}:2</code>" in findings
    expanders = [_rendered(e.label) for e in at.expander]
    assert f"added: <code>{html.escape(BOLD, quote=True)}</code>" in expanders
