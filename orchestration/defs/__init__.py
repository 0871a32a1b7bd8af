"""One module per domain; each exposes ``defs`` (a ``dagster.Definitions``) and nothing here lists them."""
