"""The intake API (DESIGN 3.8): usage intake, tenants and publishers, the package registry.

``create_app`` lives in :mod:`ingest.api.app`; endpoints in :mod:`ingest.api.routers` (one module each).
"""
