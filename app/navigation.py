"""The portal's pages and who may see them, in one list: add a page (and its roles) here only.

Streamlit has no access control of its own: a page absent from ``st.navigation`` cannot be opened (its
URL falls back to the default page), so building the navigation from the signed-in role *is* the check.
Pages that act (review, billing) check the role again before writing.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import streamlit as st

PAGES_DIR = Path(__file__).resolve().parent / "app_pages"

EVERYONE = frozenset({"admin", "reviewer", "finance", "analyst"})
BUSINESS = frozenset({"admin", "finance", "analyst"})


@dataclass(frozen=True)
class PageSpec:
    file: str  # under app/app_pages/
    title: str
    icon: str
    section: str
    roles: frozenset[str] = EVERYONE
    default: bool = False

    @property
    def slug(self) -> str:
        """The page's URL path (Streamlit derives it from the file name)."""
        return Path(self.file).stem


PAGES: tuple[PageSpec, ...] = (
    PageSpec("overview.py", "Overview", ":material/dashboard:", "Business", default=True),
    PageSpec("revenue.py", "Revenue", ":material/monitoring:", "Business", BUSINESS),
    PageSpec("tenants.py", "Tenants", ":material/groups:", "Business", BUSINESS),
    PageSpec("marketplace.py", "Marketplace", ":material/storefront:", "Business", BUSINESS),
    PageSpec(
        "review.py", "Review console", ":material/fact_check:", "Governance", frozenset({"admin", "reviewer"})
    ),
    PageSpec(
        "governance.py",
        "Governance & pipeline",
        ":material/health_and_safety:",
        "Governance",
        frozenset({"admin", "reviewer", "analyst"}),
    ),
    PageSpec("price_book.py", "Price book & plans", ":material/sell:", "Finance", frozenset({"admin"})),
    PageSpec(
        "billing.py", "Billing desk", ":material/receipt_long:", "Finance", frozenset({"admin", "finance"})
    ),
)


def pages_for(role: str, specs: tuple[PageSpec, ...] = PAGES) -> tuple[PageSpec, ...]:
    return tuple(spec for spec in specs if role in spec.roles)


def navigation_pages(role: str, specs: tuple[PageSpec, ...] = PAGES) -> dict[str, list[st.Page]]:
    """``{section: [st.Page, ...]}`` of the pages ``role`` may see, as ``st.navigation`` takes it."""
    sections: dict[str, list[st.Page]] = {}
    for spec in pages_for(role, specs):
        page = st.Page(PAGES_DIR / spec.file, title=spec.title, icon=spec.icon, default=spec.default)
        sections.setdefault(spec.section, []).append(page)
    return sections
