"""Who is signed in, and with which role: asked of the operational DB at every page run.

Two ways in, one role table (``portal_users``, managed with ``atom users add|role|disable``):
- local accounts: e-mail and password, checked against the argon2 hash, throttled per account and per
  client address (``atom.opdb.portal.password_sign_in``);
- OIDC through ``st.login`` when ``ATOM_OIDC_PROVIDER`` names a provider of ``.streamlit/secrets.toml``:
  the provider vouches for the e-mail, the role comes from its portal account (or
  ``ATOM_OIDC_DEFAULT_ROLE`` for an e-mail with no account); a disabled account or an e-mail with neither
  is refused.

``st.session_state`` remembers *who* signed in with a password in this browser tab (a reload asks again),
never *what they may do*: the role and the disabled flag are read from ``portal_users`` at every page run,
so ``atom users role`` and ``atom users disable`` take effect at the next click of every open session
(issue 11, finding 4). OIDC identities come from Streamlit's own signed cookie, checked the same way.
"""

from __future__ import annotations

import ipaddress
import math
from datetime import datetime
from typing import Any

import streamlit as st

from app import operational
from app.formatting import literal
from atom.opdb.portal import Identity, audit, live_identity, password_sign_in, utcnow
from atom.settings import get_settings

SESSION_KEY = "atom_identity"  # the e-mail signed in with a password in this browser session
OIDC_SEEN_KEY = "atom_oidc_signed_in"  # the OIDC e-mail whose sign-in this session has audited
ENDED_KEY = "atom_session_ended"  # why the last identity of this session was signed out


def current_identity() -> Identity | None:
    """The signed-in user with the role their account has now; None when signed out, disabled or
    without a role (an ended session is forgotten and audited once)."""
    email = st.session_state.get(SESSION_KEY)
    if isinstance(email, Identity):  # the form before 0601 kept the whole identity; only the e-mail counts
        email = email.email
    if isinstance(email, str):
        with operational.session() as session:
            identity = live_identity(session, email)
            if identity is None:
                audit(session, email, "portal.session_ended", "portal_user", email, {"reason": "no_role"})
        if identity is None:
            st.session_state.pop(SESSION_KEY, None)
            st.session_state[ENDED_KEY] = "Your account was disabled or removed: you have been signed out."
        return identity
    return _oidc_identity()


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
    if user is None or not user.get("email") or user.get("email_verified") is False:
        return None
    email = str(user["email"]).lower()
    with operational.session() as session:
        identity = live_identity(session, email, default_role=get_settings().atom_oidc_default_role)
    if identity is not None and st.session_state.get(OIDC_SEEN_KEY) != identity.email:
        st.session_state[OIDC_SEEN_KEY] = identity.email
        record(identity, "portal.sign_in", "portal_user", identity.email, {"method": "oidc"})
    return identity


def client_address() -> str | None:
    """The browser's address as the portal's server sees it (None on loopback, as Streamlit reports it).

    Behind a reverse proxy this is the proxy's address; Streamlit does not read X-Forwarded-For, which a
    client could forge, so the per-address limit then counts everyone behind the proxy together.
    """
    try:
        value = st.context.ip_address
    except Exception:  # no browser connection (AppTest, bare mode)
        return None
    return throttle_address(value) if isinstance(value, str) else None


def throttle_address(value: str) -> str | None:
    """The key an address is throttled under: an IPv4 address as is (IPv4-mapped IPv6 too), an IPv6
    address by its /64, the block one subscriber usually holds, so rotating addresses within it gains
    an attacker nothing."""
    try:
        address = ipaddress.ip_address(value.split("%", 1)[0])
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return str(address.ipv4_mapped)
        return str(ipaddress.IPv6Network(f"{address}/64", strict=False))
    return str(address)


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
    st.session_state.pop(OIDC_SEEN_KEY, None)
    if _oidc_user() is not None:
        st.logout()


def wait_phrase(retry_at: datetime, now: datetime) -> str:
    """``try again in 8 seconds (after 21:45:03 UTC)``: when the next attempt may be made."""
    seconds = max(1, math.ceil((retry_at - now).total_seconds()))
    amount = f"{seconds} second{'s' if seconds != 1 else ''}"
    if seconds >= 120:
        amount = f"{math.ceil(seconds / 60)} minutes"
    return f"try again in {amount} (after {retry_at:%H:%M:%S} UTC)"


def sign_in_page() -> None:
    """The only page a signed-out visitor sees."""
    st.title("Sign in to ATOM Marketplace")
    ended = st.session_state.pop(ENDED_KEY, None)
    if ended:
        st.warning(ended)
    with st.form("sign_in", border=True):
        email = st.text_input("E-mail", key="sign_in_email")
        password = st.text_input("Password", type="password", key="sign_in_password")
        submitted = st.form_submit_button("Sign in", type="primary")
    if submitted:
        now = utcnow()
        outcome = password_sign_in(operational.session, email, password, client_address(), now)
        if outcome.throttled and outcome.retry_at is not None:
            st.error(
                "Too many failed sign-ins for this account or from this address: "
                f"{wait_phrase(outcome.retry_at, now)}. The password was not checked."
            )
        elif outcome.identity is None:
            wait = (
                f" Wait before the next attempt: {wait_phrase(outcome.retry_at, now)}."
                if outcome.retry_at
                else ""
            )
            st.error(
                "Wrong e-mail or password. An admin creates accounts with `atom users add EMAIL --role ...`."
                + wait
            )
        else:
            st.session_state[SESSION_KEY] = outcome.identity.email
            record(
                outcome.identity,
                "portal.sign_in",
                "portal_user",
                outcome.identity.email,
                {"method": "password"},
            )
            st.rerun()
    provider = get_settings().atom_oidc_provider
    if provider:
        st.divider()
        if _oidc_user() is not None:
            st.error(
                f"{literal(st.user.get('email'))} signed in with single sign-on but has no portal role: "
                "ask an admin for `atom users add EMAIL --role ... --no-password`."
            )
            if st.button("Sign out of single sign-on", key="sign_out_oidc"):
                st.logout()
        elif st.button("Sign in with single sign-on", key="sign_in_oidc"):
            st.login(None if provider == "default" else provider)
