"""Issue 24: the tenancy sweep again under /es/. Every site page the sweep visits in English, requested by
the learner and by an anonymous visitor with the Spanish prefix: no 500, nobody shown who may not be, and
every HTML page says it is Spanish. (The admin screens have no Spanish URL; the other roles' English sweep
covers the same views, which the language does not change.)"""

from __future__ import annotations

import re

import pytest
from django.urls import LocalePrefixPattern
from django.utils import translation

from .sweep import PUBLIC_BY_CODE, body_text, leaks
from .test_tenancy_sweep import _request, sign_in, swept_urls, take_messages
from .world import World, build_world

pytestmark = pytest.mark.django_db

HTML_LANG = re.compile(r'<html lang="([^"]+)"')


@pytest.fixture
def world() -> World:
    return build_world()


@pytest.fixture(autouse=True)
def _english_after():
    yield
    translation.activate("en")  # a request under /es/ leaves Spanish active in this thread


@pytest.mark.parametrize("role", ["anonymous", "case_manager"])
def test_no_spanish_page_shows_a_role_someone_it_may_not_see(role, world: World, client):
    sign_in(client, world, role)
    markers = world.markers(role)
    failures: list[str] = []
    requests = 0
    for pattern, url in swept_urls(client, world):
        if not isinstance(pattern.parts[0], LocalePrefixPattern):
            continue
        spanish = f"/es{url}"
        requests += 1
        response, error = _request(client, "get", spanish)
        translation.activate("en")  # the next English URL is built in English
        if error:
            failures.append(error)
            continue
        if response.status_code >= 500:
            failures.append(f"GET {spanish}: {response.status_code}")
            continue
        if response.status_code == 200 and "text/html" in response.get("Content-Type", ""):
            lang = HTML_LANG.search(body_text(response))
            if lang and lang.group(1) != "es":
                failures.append(f"GET {spanish}: <html lang={lang.group(1)!r}>")
        flashed = take_messages(client, response)
        if pattern.name not in PUBLIC_BY_CODE:
            found = leaks(body_text(response) + " " + flashed, markers)
            if found:
                failures.append(f"GET {spanish} ({response.status_code}) shows {sorted(set(found))}")
        if role != "anonymous" and "_auth_user_id" not in client.session:
            sign_in(client, world, role)
    assert requests > 50
    assert not failures, f"{len(failures)} problems for {role} under /es/:\n" + "\n".join(failures[:60])
