"""Benchmarks commit real data (schemas cannot be cloned by the hundred inside one
transaction); every benchmark removes what it made."""

import pytest


@pytest.fixture(autouse=True)
def _test_database(django_db_setup):
    """The test database with the session's municipalities, as for the tests."""
