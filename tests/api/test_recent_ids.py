"""The recent-id store: claims survive a restart, closed buckets are searched, old buckets are dropped."""

from __future__ import annotations

import time
from pathlib import Path

from ingest.api.recent_ids import RecentIdStore


def test_a_claim_is_found_again_after_its_bucket_closes_and_after_a_restart(tmp_path: Path) -> None:
    store = RecentIdStore(tmp_path, bucket_s=1, retention_s=60)
    assert store.check_and_claim({1: 10, 2: 20}) == {}
    time.sleep(1.05)
    assert store.check_and_claim({1: 10, 3: 30}) == {1: 10}  # 1 now lives in a closed (numpy) bucket
    store.close()
    reopened = RecentIdStore(tmp_path, bucket_s=1, retention_s=60)
    assert reopened.check_and_claim({1: 11, 2: 20, 3: 30, 4: 40}) == {1: 10, 2: 20, 3: 30}
    assert reopened.count() == 4


def test_buckets_older_than_the_retention_are_forgotten_with_their_journal(tmp_path: Path) -> None:
    store = RecentIdStore(tmp_path, bucket_s=1, retention_s=1)
    store.check_and_claim({1: 10})
    time.sleep(2.1)
    store.check_and_claim({2: 20})
    assert store.check_and_claim({1: 10}) == {}
    assert len(list(tmp_path.glob("ids-*.bin"))) == 1


def test_the_entry_cap_drops_the_oldest_buckets(tmp_path: Path) -> None:
    store = RecentIdStore(tmp_path, bucket_s=1, retention_s=60, max_entries=3)
    store.check_and_claim({1: 10, 2: 20})
    time.sleep(1.05)
    store.check_and_claim({3: 30, 4: 40})
    time.sleep(1.05)
    store.check_and_claim({5: 50})
    assert store.check_and_claim({1: 10, 3: 30}) == {3: 30}
