"""Fixtures for the outputs tests: big workshops brought in through the JSON import."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import ExitStack
from typing import Any

import pytest
from fastapi.testclient import TestClient

from app.config import Settings
from app.main import create_app
from tests.outputs.big import big_export, body


def import_big(client: TestClient, **size: Any) -> dict[str, Any]:
    """Import a workshop of this size (see big_export) and open its console (cookie)."""
    answer = client.post("/api/v1/workshops/import", content=body(big_export(**size)),
                         headers={"Content-Type": "application/json"})
    assert answer.status_code == 201, answer.text
    created = answer.json()
    assert client.get(created["facilitator_url"].removeprefix("http://testserver")).status_code == 200
    created["headers"] = {"Authorization": f"Bearer {created['facilitator_key']}"}
    return created


@pytest.fixture
def imported(client: TestClient) -> Callable[..., dict[str, Any]]:
    return lambda **size: import_big(client, **size)


@pytest.fixture
def client_with(settings: Settings) -> Iterator[Callable[..., TestClient]]:
    """A client of an app built with these settings changed (same fresh database)."""
    with ExitStack() as stack:

        def make(**overrides: Any) -> TestClient:
            return stack.enter_context(TestClient(create_app(settings.model_copy(update=overrides))))

        yield make
