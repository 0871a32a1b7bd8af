"""Stand-ins for dbt's cross-database macros so sqlfluff's jinja templater can render the models.

Only lint uses these; dbt itself never imports this file.
"""


def date_trunc(datepart: str, date: str) -> str:
    return f"date_trunc('{datepart}', {date})"


def dateadd(datepart: str, interval: object, from_date_or_timestamp: str) -> str:
    return f"date_add({from_date_or_timestamp}, interval ({interval}) {datepart})"


def datediff(first_date: str, second_date: str, datepart: str) -> str:
    return f"date_diff('{datepart}', {first_date}, {second_date})"


def concat(fields: list[str]) -> str:
    return "concat(" + ", ".join(fields) + ")"


def type_string() -> str:
    return "varchar"
