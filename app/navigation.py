"""The portal's pages, in one list: add a page (or, later, the roles that may see it) here only."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import streamlit as st

PAGES_DIR = Path(__file__).resolve().parent / "app_pages"


@dataclass(frozen=True)
class PageSpec:
    file: str  # under app/app_pages/
    title: str
    icon: str
    section: str
    default: bool = False


PAGES: tuple[PageSpec, ...] = (
    PageSpec("overview.py", "Overview", ":material/dashboard:", "Business", default=True),
)


def navigation_pages(specs: tuple[PageSpec, ...] = PAGES) -> dict[str, list[st.Page]]:
    """``{section: [st.Page, ...]}`` in the order of ``specs``, as ``st.navigation`` takes it."""
    sections: dict[str, list[st.Page]] = {}
    for spec in specs:
        page = st.Page(PAGES_DIR / spec.file, title=spec.title, icon=spec.icon, default=spec.default)
        sections.setdefault(spec.section, []).append(page)
    return sections
