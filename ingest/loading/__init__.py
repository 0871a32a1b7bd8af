"""The usage loader by job; :mod:`ingest.loader` is its public face.

* :mod:`~ingest.loading.plan`: hash, check and size every file; cut them into chunks.
* :mod:`~ingest.loading.read`: the three readers (Parquet, CSV, NDJSON), one multi-file scan per chunk.
* :mod:`~ingest.loading.classify`: one reason per row, by SQL generated from :mod:`ingest.validation`.
* :mod:`~ingest.loading.write`: dedupe, append events, quarantine and batch rows, reconcile.
* :mod:`~ingest.loading.load`: the run that strings them together, one transaction per chunk;
  :mod:`~ingest.loading.chunk` and :mod:`~ingest.loading.model` are what the jobs share.
"""
