"""Entry point of the ATOM portal: ``streamlit run app/streamlit_app.py`` (or ``atom portal``).

It only assembles: page config, sign-in, the navigation the signed-in role may see (app/navigation.py),
and the sidebar every page shares.
"""

from __future__ import annotations

import sys
from pathlib import Path

# `streamlit run` puts app/ on sys.path, not the repository root that holds `app` and `atom`.
_ROOT = str(Path(__file__).resolve().parent.parent)
if _ROOT not in sys.path:
    sys.path.insert(0, _ROOT)

import streamlit as st  # noqa: E402

from app.auth import current_identity, sign_in_page  # noqa: E402
from app.navigation import navigation_pages  # noqa: E402
from app.ui import render_sidebar  # noqa: E402

st.set_page_config(page_title="ATOM Marketplace", page_icon=":material/hub:", layout="wide")
identity = current_identity()
if identity is None:
    st.navigation([st.Page(sign_in_page, title="Sign in", icon=":material/login:")], position="hidden").run()
else:
    page = st.navigation(navigation_pages(identity.role))
    render_sidebar(identity)
    page.run()
