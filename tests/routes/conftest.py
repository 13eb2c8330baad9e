"""Fixtures for the API tests: a workshop made over HTTP, and clients of apps with other settings."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import ExitStack
from typing import Any

import pytest
from fastapi.testclient import TestClient

from app.config import Settings
from app.main import create_app
from tests.routes.helpers import Workshop, create_workshop


@pytest.fixture
def workshop(client: TestClient) -> Workshop:
    """A workshop in phase setup with the default framework, made through the API."""
    return create_workshop(client)


@pytest.fixture
def other_workshop(client: TestClient) -> Workshop:
    """A second workshop on the same server: its keys must give nothing in the first."""
    return create_workshop(client, title="Another workshop")


@pytest.fixture
def client_with(settings: Settings) -> Iterator[Callable[..., TestClient]]:
    """A client of an app built with these settings changed (same fresh database)."""
    with ExitStack() as stack:

        def make(**overrides: Any) -> TestClient:
            app = create_app(settings.model_copy(update=overrides))
            return stack.enter_context(TestClient(app))

        yield make
