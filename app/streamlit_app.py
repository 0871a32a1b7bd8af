"""Entry point of the ATOM portal: ``streamlit run app/streamlit_app.py`` (or ``atom portal``).

It only assembles: page config, navigation from app/navigation.py, and the sidebar every page shares.
"""

from __future__ import annotations

import sys
from pathlib import Path

# `streamlit run` puts app/ on sys.path, not the repository root that holds `app` and `atom`.
_ROOT = str(Path(__file__).resolve().parent.parent)
if _ROOT not in sys.path:
    sys.path.insert(0, _ROOT)

import streamlit as st  # noqa: E402

from app.navigation import navigation_pages  # noqa: E402
from app.ui import render_sidebar  # noqa: E402

st.set_page_config(page_title="ATOM Marketplace", page_icon=":material/hub:", layout="wide")
page = st.navigation(navigation_pages())
render_sidebar()
page.run()
