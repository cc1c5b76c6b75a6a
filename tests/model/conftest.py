"""Two engagements side by side, for the model's rules and lifecycle tests: what one does never reaches the other."""

from __future__ import annotations

import pytest

from tests.support.model_sides import make_side


@pytest.fixture
def a(session):
    return make_side(session, "Acme discovery")


@pytest.fixture
def b(session):
    return make_side(session, "Globex discovery")
