"""Fixtures of the contract tests: a schema registry over HTTP and a clean environment."""

from collections.abc import Iterator

import pytest
from registry_server import RegistryServer

from canonical.registry import REGISTRY_URL_VARIABLE, RegistryCodec, registry_from_environment


@pytest.fixture(autouse=True)
def _no_registry_from_environment(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Unset SCHEMA_REGISTRY_URL, so that encode() defaults to single-object encoding."""
    monkeypatch.delenv(REGISTRY_URL_VARIABLE, raising=False)
    registry_from_environment.cache_clear()
    yield
    registry_from_environment.cache_clear()


@pytest.fixture
def registry() -> Iterator[RegistryServer]:
    """A schema registry serving on an ephemeral port of 127.0.0.1 for one test."""
    server = RegistryServer().start()
    yield server
    server.stop()


@pytest.fixture
def registry_codec(registry: RegistryServer) -> RegistryCodec:
    return RegistryCodec.from_url(registry.url)
