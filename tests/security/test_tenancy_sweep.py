"""The generated per-role sweep: every URL the project serves, requested by every role with ids, slugs and
codes that belong to another agency or another learner. It fails on any response that shows a person the
role may not see, on any 500, and on any POST that changes, deletes or adds a record about such a person.

See tests/security/world.py for who may see whom and tests/security/sweep.py for how URLs are generated.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.apps import apps
from django.contrib.auth import get_user_model
from django.test import Client

from agencies.models import Agency

from .sweep import GATED_PREFIXES, NOT_SWEPT, PUBLIC_BY_CODE, Pattern, all_patterns, body_text, leaks, urls_for
from .world import FIRST_FOREIGN_ID, ROLES, World, build_world

pytestmark = pytest.mark.django_db

# Rows a role may create about someone it cannot see, because they grant nothing by themselves.
SANCTIONED_NEW_ROWS = {
    "agencies.StaffInvitation": "adding an existing account invites the person; nothing is shared until they accept",
}


@pytest.fixture
def world() -> World:
    return build_world()


def sign_in(client: Client, world: World, role: str) -> None:
    if role != "anonymous":
        client.force_login(world.accounts[role])


def _request(client: Client, method: str, url: str, data: dict | None = None):
    try:
        if method == "get":
            return client.get(url, data or {}), None
        return client.post(url, data or {}), None
    except Exception as exc:  # the view raised: a 500 for a real user
        return None, f"{method.upper()} {url}: raised {type(exc).__name__}: {exc}"


def take_messages(client: Client, response) -> str:
    """The flash messages this request left for the next page, as text; then dropped from the client.

    A real user sees them on the page they are sent to, which the sweep does not follow: left in place they
    would pile up (every gated admin URL adds one) and make each later request decode and store them all.
    Read here, they are checked for leaks at the request that made them."""
    storage = getattr(response.wsgi_request, "_messages", None)
    texts = [str(message) for message in getattr(storage, "_queued_messages", [])]
    if "messages" in client.cookies:
        del client.cookies["messages"]
    if "_messages" in response.wsgi_request.session:  # too many for the cookie: the rest went to the session
        session = client.session
        session.pop("_messages", None)
        session.save()
    return " ".join(texts)


def test_every_url_pattern_can_be_generated(world):
    """New URL patterns join the sweep by themselves; one the generator cannot fill must fail here."""
    unfilled = [p.text for p in all_patterns() if p.name.split(":")[-1] not in NOT_SWEPT and not urls_for(p, world)]
    assert not unfilled, "The sweep cannot build a URL for these patterns; add candidates in sweep.py:\n" + "\n".join(
        unfilled
    )


def closed_gates(client: Client) -> set[str]:
    """The admin sites this client cannot enter. Wagtail wraps every admin URL in one access check, and Django
    admin every view in ``admin_view``; behind a closed gate one URL per pattern proves the gate holds."""
    return {prefix for prefix in GATED_PREFIXES if client.get(f"/{prefix}").status_code != 200}


def swept_urls(client: Client, world: World, *, for_post: bool = False) -> Iterator[tuple[Pattern, str]]:
    closed = closed_gates(client)
    for pattern in all_patterns():
        if pattern.name.split(":")[-1] in NOT_SWEPT:
            continue
        gated = pattern.text.startswith(tuple(closed)) if closed else False
        for url in urls_for(pattern, world, for_post=for_post, first_only=gated):
            yield pattern, url


@pytest.mark.parametrize("role", ROLES)
def test_no_page_shows_a_role_someone_it_may_not_see(role, world, client):
    sign_in(client, world, role)
    markers = world.markers(role)
    failures: list[str] = []
    requests = 0
    for pattern, url in swept_urls(client, world):
        # As linked; listings also searched for the hidden people (the query is no marker) and exported.
        listing = "<" not in pattern.text and "(?P" not in pattern.text
        for query in ({}, {"q": "Xeno", "export": "csv"}) if listing else ({},):
            requests += 1
            response, error = _request(client, "get", url, query)
            if error:
                failures.append(error)
                continue
            if response.status_code >= 500:
                failures.append(f"GET {url} {query}: {response.status_code}")
                continue
            flashed = take_messages(client, response)
            if pattern.name in PUBLIC_BY_CODE:
                continue
            found = leaks(body_text(response) + " " + flashed, markers)
            if found:
                failures.append(f"GET {url} {query} ({response.status_code}) shows {sorted(set(found))}")
        if role != "anonymous" and "_auth_user_id" not in client.session:
            sign_in(client, world, role)
    assert requests > 400
    assert not failures, f"{len(failures)} leaks for {role}:\n" + "\n".join(failures[:60])


def _owners(model, row: dict, cache: dict, depth: int = 0) -> set[tuple[str, int]]:
    """Whose record a row is: the users and agencies reached through its foreign keys (two levels deep)."""
    user_model = get_user_model()
    found: set[tuple[str, int]] = set()
    for field in model._meta.concrete_fields:
        if not field.is_relation or field.related_model is None:
            continue
        value = row.get(field.attname)
        if value is None:
            continue
        target = field.related_model
        if target is user_model:
            found.add(("user", value))
        elif target is Agency:
            found.add(("agency", value))
        elif depth < 2 and target._meta.pk.get_internal_type() in ("AutoField", "BigAutoField"):
            key = (target, value)
            if key not in cache:
                cache[key] = target._base_manager.filter(pk=value).values().first() or {}
            if cache[key]:
                found |= _owners(target, cache[key], cache, depth + 1)
    if model is user_model:
        found.add(("user", row["id"]))
    if model is Agency:
        found.add(("agency", row["id"]))
    return found


def _hidden_rows(world: World, role: str) -> dict[tuple[str, int], dict]:
    """Every row at or above the bump that belongs to someone (or an agency) the role may not see."""
    hidden = {("user", p.user.pk) for p in world.hidden_from(role)} | {("agency", world.foreign.pk)}
    cache: dict = {}
    rows = {}
    for model in apps.get_models():
        pk = model._meta.pk
        if model._meta.proxy or pk.get_internal_type() not in ("AutoField", "BigAutoField"):
            continue
        for row in model._base_manager.filter(pk__gte=FIRST_FOREIGN_ID).values():
            if _owners(model, row, cache) & hidden:
                rows[(model._meta.label, row[pk.attname])] = row
    return rows


def _post_data(world: World) -> dict:
    """Plausible values for the fields the project's forms take, aimed at the other agency's people."""
    foreign_users = [str(p.user.pk) for p in world.people]
    return {
        "reason": "Xeno sweep",
        "action": "submit",
        "confirm": "yes",
        "role": "mcm",
        "hire_date": "2024-01-02",
        "moved_on": "2024-02-01",
        "left_on": "2024-03-01",
        "due_on": "2031-01-01",
        "to_agency": str(world.home.pk),
        "agency": str(world.foreign.pk),
        "agencies": [str(world.foreign.pk), str(world.home.pk)],
        "active": "on",
        "is_agency_admin": "on",
        "all_agencies": "on",
        "user": foreign_users[0],
        "staff": [str(p.staff.pk) for p in world.people if p.staff],
        "supervisor": "",
        "name": "Sweep Person",
        "first_name": "Sweep",
        "last_name": "Person",
        "email": world.people[0].email,
        "title": "Sweep",
    }


@pytest.mark.parametrize("role", ROLES)
def test_no_post_changes_records_a_role_may_not_see(role, world, client):
    sign_in(client, world, role)
    before = _hidden_rows(world, role)
    data = _post_data(world)
    # A message may repeat what the sweep typed (the email of an account it invites): not a disclosure.
    typed = " ".join(str(v) for value in data.values() for v in (value if isinstance(value, list) else [value]))
    markers = [m for m in world.markers(role) if m.lower() not in typed.lower()]
    failures: list[str] = []
    for _pattern, url in swept_urls(client, world, for_post=True):
        response, error = _request(client, "post", url, data)
        if error:
            failures.append(error)
            continue
        if response.status_code >= 500:
            failures.append(f"POST {url}: {response.status_code}")
        flashed = leaks(take_messages(client, response), markers)
        if flashed:
            failures.append(f"POST {url} flashes {sorted(set(flashed))}")
        if role != "anonymous" and "_auth_user_id" not in client.session:
            sign_in(client, world, role)
    after = _hidden_rows(world, role)
    for key in sorted(set(before) | set(after)):
        if key not in after:
            failures.append(f"deleted {key}")
        elif key not in before:
            if key[0] not in SANCTIONED_NEW_ROWS:
                failures.append(f"created {key}: {after[key]}")
        elif before[key] != after[key]:
            changed = {f: (before[key][f], after[key][f]) for f in before[key] if before[key][f] != after[key][f]}
            failures.append(f"changed {key}: {changed}")
    assert not failures, f"{len(failures)} problems for {role}:\n" + "\n".join(failures[:60])
