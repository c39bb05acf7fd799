"""every dashboard test gets its own empty result store: no run is replayed from another test."""

import pytest


@pytest.fixture(autouse=True)
def own_store(tmp_path, monkeypatch):
    monkeypatch.setenv("SKIPVIZ_STORE", str(tmp_path / "store"))
