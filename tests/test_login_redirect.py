"""After login, only same-site paths are followed: nothing a browser could read as another host."""

import pytest

from app.web.auth import _safe_next


@pytest.mark.parametrize("target", ["//evil.example", "/\t/evil.example", "/\\evil.example", "https://evil.example",
                                    "/\n/evil.example", "", None])
def test_a_next_that_could_leave_the_site_is_dropped(target):
    assert _safe_next(target) is None


@pytest.mark.parametrize("target", ["/", "/e/3/systems?q=sap&sort=name", "/e/3/systems/7"])
def test_a_same_site_path_is_kept(target):
    assert _safe_next(target) == target
