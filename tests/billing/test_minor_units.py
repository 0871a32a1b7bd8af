"""ISO 4217 minor units are known once, in billing/money.py; the dbt macro that rates in SQL must agree.

The macro is rendered by Jinja as dbt would render it and evaluated by DuckDB for every currency of the
Python table, so a code added on one side only fails here.
"""

from __future__ import annotations

import duckdb
import jinja2

from atom.settings import DBT_PROJECT_DIR
from billing.money import MINOR_UNITS, minor_units


def _macro_minor_units(codes: list[str]) -> dict[str, int]:
    source = (DBT_PROJECT_DIR / "macros" / "money.sql").read_text()
    module = jinja2.Environment(extensions=["jinja2.ext.do"]).from_string(source).module
    expression = str(module.currency_minor_units("code"))  # type: ignore[attr-defined]
    with duckdb.connect() as conn:
        rows = conn.execute(f"select code, {expression} from unnest(?) as t(code)", [codes]).fetchall()
    return {code: int(places) for code, places in rows}


def test_the_dbt_macro_gives_every_currency_the_python_tables_minor_units() -> None:
    codes = sorted(MINOR_UNITS)
    assert _macro_minor_units(codes) == {code: MINOR_UNITS[code] for code in codes}
    assert _macro_minor_units(["JPY", "KRW", "KWD"]) == {"JPY": 0, "KRW": 0, "KWD": 3}


def test_the_portal_and_billing_share_the_table() -> None:
    from app.formatting import minor_units as shown_places

    assert [shown_places(c) for c in ("usd", "jpy", "krw", "kwd")] == [2, 0, 0, 3]
    assert minor_units("KRW") == 0 and minor_units("zzz", default=2) == 2
