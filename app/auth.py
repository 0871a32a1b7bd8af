"""Who is signed in, and with which role.

Two ways in, one role table (``portal_users``, created by ``atom users add``):
- local accounts: e-mail and password, checked against the argon2 hash;
- OIDC through ``st.login`` when ``ATOM_OIDC_PROVIDER`` names a provider of ``.streamlit/secrets.toml``:
  the provider vouches for the e-mail, the role comes from its portal account (or
  ``ATOM_OIDC_DEFAULT_ROLE``); an e-mail with neither is refused.

The identity lives in ``st.session_state`` for the browser session (a reload asks again), which is what
Streamlit keeps per tab; OIDC identities survive reloads through Streamlit's own signed cookie.
"""

from __future__ import annotations

from typing import Any

import streamlit as st

from app import operational
from atom.opdb.portal import PORTAL_ROLES, Identity, audit, authenticate, role_of
from atom.settings import get_settings

SESSION_KEY = "atom_identity"


def current_identity() -> Identity | None:
    identity = st.session_state.get(SESSION_KEY)
    if isinstance(identity, Identity):
        return identity
    oidc = _oidc_identity()
    if oidc is not None:
        st.session_state[SESSION_KEY] = oidc
        record(oidc, "portal.sign_in", "portal_user", oidc.email, {"method": "oidc"})
    return oidc


def _oidc_user() -> Any | None:
    if not get_settings().atom_oidc_provider:
        return None
    try:
        user = st.user
        return user if user.is_logged_in else None
    except Exception:
        return None


def _oidc_identity() -> Identity | None:
    user = _oidc_user()
    if user is None or not user.get("email"):
        return None
    email = str(user["email"]).lower()
    with operational.session() as session:
        role = role_of(session, email)
    role = role or get_settings().atom_oidc_default_role
    if role not in PORTAL_ROLES:
        return None
    return Identity(email, role)


def record(
    identity: Identity, action: str, target_type: str, target_id: str, details: dict[str, Any]
) -> None:
    """Write one portal action to the audit log, with the user who took it."""
    with operational.session() as session:
        audit(session, identity.email, action, target_type, target_id, {"role": identity.role, **details})


def sign_out() -> None:
    identity = current_identity()
    if identity is not None:
        record(identity, "portal.sign_out", "portal_user", identity.email, {})
    st.session_state.pop(SESSION_KEY, None)
    if _oidc_user() is not None:
        st.logout()


def sign_in_page() -> None:
    """The only page a signed-out visitor sees."""
    st.title("Sign in to ATOM Marketplace")
    with st.form("sign_in", border=True):
        email = st.text_input("E-mail", key="sign_in_email")
        password = st.text_input("Password", type="password", key="sign_in_password")
        submitted = st.form_submit_button("Sign in", type="primary")
    if submitted:
        with operational.session() as session:
            identity = authenticate(session, email, password)
        if identity is None:
            st.error(
                "Wrong e-mail or password. An admin creates accounts with `atom users add EMAIL --role ...`."
            )
        else:
            st.session_state[SESSION_KEY] = identity
            record(identity, "portal.sign_in", "portal_user", identity.email, {"method": "password"})
            st.rerun()
    provider = get_settings().atom_oidc_provider
    if provider:
        st.divider()
        if _oidc_user() is not None:
            st.error(
                f"{st.user.get('email')} signed in with single sign-on but has no portal role: "
                "ask an admin for `atom users add EMAIL --role ... --no-password`."
            )
        elif st.button("Sign in with single sign-on", key="sign_in_oidc"):
            st.login(None if provider == "default" else provider)
