"""The accessibility crawl (issue 23) runs in Chromium against the live server, like the journeys: it reuses
their browser, live-server and demo-data fixtures, is marked e2e and is skipped unless E2E=1 (.ci/a11y.sh
sets it)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.e2e.conftest import E2E_ENABLED, browser, demo_site, site_url  # noqa: F401 - fixtures shared

__all__ = ["browser", "demo_site", "site_url"]


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    for item in items:
        if here in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.e2e)
            if not E2E_ENABLED:
                item.add_marker(pytest.mark.skip(reason="the accessibility crawl runs with E2E=1 (.ci/a11y.sh)"))
