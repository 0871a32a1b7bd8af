"""The Python SDK's reviewer-side calls against a real ``atom serve`` (tests/sdk/live_server.py): a publisher
reads a reviewer's question and why the package waits, answers it, and sees a scheduled rejection."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from atom_sdk import AsyncClient, Client, ConflictError, keys

from tests.sdk.conftest import write_package
from tests.sdk.live_server import LiveServer, start

PUBLISHER = "pub_sdk_review"
SEED = Path(__file__).with_name("review_seed.py")


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    server = start(tmp_path_factory.mktemp("review") / "home", generate=False, publishers=(PUBLISHER,))
    yield server
    server.stop()


def seed(live: LiveServer, *args: str) -> None:
    subprocess.run([sys.executable, str(SEED), "--home", str(live.home), *args], check=True)


def publish(client: Client, tmp_path: Path, name: str, version: str = "1.0.0") -> str:
    pair = keys.generate()
    client.publishers.register_key(PUBLISHER, pair.public_pem)
    root = write_package(tmp_path / name, name=name, version=version, publisher=PUBLISHER)
    built = client.packages.build(root)
    return client.packages.publish(built, client.packages.sign(built, pair.private_pem)).submission_id


def test_a_publisher_reads_the_question_answers_it_and_the_submission_returns_to_review(
    live: LiveServer, tmp_path: Path
) -> None:
    with Client(live.key("publisher", PUBLISHER), base_url=live.url) as client:
        submission_id = publish(client, tmp_path, "review-me")
        with pytest.raises(ConflictError) as caught:
            client.submissions.answer(submission_id, "nobody asked")
        assert caught.value.reason == "no_open_question"

        seed(live, "ask", submission_id, "Which hosts does the step call?")
        asked = client.submissions.get(submission_id)
        assert asked.status == "info_requested"
        assert (
            asked.open_question is not None
            and asked.open_question.question == "Which hosts does the step call?"
        )
        assert [r.kind for r in asked.queue_reasons], "the reasons it waits for a human are listed"

        receipt = client.submissions.answer(submission_id, "Only slack.com, as the manifest declares.")
        assert receipt.status == "in_review"
        assert receipt.info_request.answer == "Only slack.com, as the manifest declares."
        after = client.submissions.get(submission_id)
        assert after.status == "in_review" and after.open_question is None
        assert any(r.code == "info-answered" for r in after.queue_reasons)


def test_the_async_client_answers_too_and_sees_a_scheduled_rejection(
    live: LiveServer, tmp_path: Path
) -> None:
    with Client(live.key("publisher", PUBLISHER), base_url=live.url) as client:
        asked = publish(client, tmp_path, "review-async")
        doomed = publish(client, tmp_path, "review-doomed")
    seed(live, "ask", asked, "Why a subprocess?")
    seed(live, "reject-later", doomed, "7")

    async def run() -> None:
        async with AsyncClient(live.key("publisher", PUBLISHER), base_url=live.url) as client:
            receipt = await client.submissions.answer(asked, "It is gone in the next version.")
            assert receipt.status == "in_review"
            scheduled = await client.submissions.get(doomed)
            assert scheduled.scheduled_rejection is not None
            assert scheduled.scheduled_rejection.reason == "Obfuscated code"

    asyncio.run(run())
