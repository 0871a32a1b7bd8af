"""Detectors: Python AST with light data flow, text rules, secrets. Each returns findings for one file."""
