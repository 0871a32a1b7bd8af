"""The ``atom`` command line (typer + rich)."""
