"""Load usage batch files (NDJSON, CSV, Parquet) into ``raw.usage_events`` (DESIGN 3.1).

One batch is one file, identified by the SHA-256 of its bytes, so loading the same file twice changes
nothing. Files are loaded many at a time: :func:`load_files` cuts the files it is given into chunks (in
input order, up to :data:`ingest.loading.plan.CHUNK_FILES` files or about
:data:`ingest.loading.plan.CHUNK_ROWS` rows) and loads each chunk in
one transaction with a few set-based passes over all of its files at once:

1. **read and classify**: one multi-file scan per format (and per CSV header or Parquet schema), every
   row tagged with its file's position in the chunk (``file_seq``) and its row number in the file, read
   with an explicit all-VARCHAR schema; quantity and timestamp parsed and each row given at most one
   quarantine reason (precedence in :data:`REASONS`). Only the rows that are not *plain* go into a temp
   table: the invalid ones and the few valid ones whose timestamp or quantity needed the general rule
   (decision 0094); then the key columns alone are read again, to count each file's rows and hash every
   ``(tenant_id, id)``;
2. **dedupe**: the *suspects* are the rows whose key hash repeats within the chunk or is the hash of a key
   already in ``raw.usage_events``; only they are classified in full and resolved: the first occurrence
   wins, by ``(file_seq, row number)``, so an earlier file wins over a later one; an exact repeat is a
   duplicate, a repeat with other content is quarantined;
3. **write**: append the plain rows straight from the source with the fast path's expressions (one
   ``INSERT ... SELECT``, the temp table's rows and the repeats left out by anti-joins), then the valid
   rows that are not plain, the quarantined rows and one ``raw.ingest_batches`` row per file (files
   without rows too) with ``received = loaded + duplicates + quarantined``.

Per-file work is limited to hashing the file (once) and, for CSV, reading its header line; per-statement
cost is paid per chunk, so a landing day of thousands of small intake files costs about what one big
file of the same rows does.

There is no primary-key index on ``raw.usage_events``: the anti-join of step 2 measured 8x faster than
maintaining an ART index over (tenant_id, event_id) at 10M rows.
"""

from __future__ import annotations

from ingest.loading.load import load_file, load_files
from ingest.loading.model import BatchResult, IngestFileError
from ingest.loading.plan import (
    batch_id_of,
    landing_date_from_path,
    unreadable_files,
)
from ingest.validation import REASONS, REQUIRED_COLUMNS

# The rules of a valid event live in ingest/validation.py, shared with the intake API and the preview; the
# jobs of loading live in ingest/loading/ (plan, read, classify, write); this module is their public face.
__all__ = [
    "REASONS",
    "REQUIRED_COLUMNS",
    "BatchResult",
    "IngestFileError",
    "batch_id_of",
    "landing_date_from_path",
    "load_file",
    "load_files",
    "unreadable_files",
]
