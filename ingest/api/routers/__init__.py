"""One module per group of endpoints; every module exposing ``router`` is included by create_app."""
