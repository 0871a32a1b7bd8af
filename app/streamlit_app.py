"""Entry point of the ATOM portal: ``streamlit run app/streamlit_app.py`` (or ``atom portal``).

It only assembles: page config, sign-in, the navigation the signed-in role may see (app/navigation.py),
and the sidebar every page shares.
"""

from __future__ import annotations

# `streamlit run` puts app/ on sys.path; `app` itself is importable because the project is installed
# (`make env`: pip install -e .), so no sys.path edits here.
import streamlit as st

from app.auth import current_identity, sign_in_page
from app.navigation import navigation_pages
from app.page_metrics import timed_page
from app.ui import render_sidebar

st.set_page_config(page_title="ATOM Marketplace", page_icon=":material/hub:", layout="wide")
identity = current_identity()
if identity is None:
    st.navigation([st.Page(sign_in_page, title="Sign in", icon=":material/login:")], position="hidden").run()
else:
    page = st.navigation(navigation_pages(identity.role))
    render_sidebar(identity)
    with timed_page(page.title):  # atom_portal_page_seconds (app/page_metrics.py)
        page.run()
