"""The menu's role flags (`agencies.access.navigation_roles`) are the access rules themselves, for every kind
of account: computing them in fewer queries must never show a link to someone the rule would refuse, or hide
one from someone it allows."""

from __future__ import annotations

from datetime import date

import pytest
from django.contrib.auth.models import AnonymousUser, Group, Permission

from agencies.access import is_coordinator, is_manager, is_supervisor, navigation_roles
from tests.factories import StaffFactory, TrainingCoordinatorFactory, UserFactory, make_coordinator

pytestmark = pytest.mark.django_db


def _accounts() -> dict[str, object]:
    learner = StaffFactory()
    supervisor = StaffFactory(agency=learner.agency)
    learner.supervisor = supervisor
    learner.save(update_fields=["supervisor"])
    inactive_supervisor = StaffFactory(agency=learner.agency, active=False, left_on=date.today())
    StaffFactory(agency=learner.agency, supervisor=inactive_supervisor)
    admin = StaffFactory(agency=learner.agency, is_agency_admin=True)
    former_admin = StaffFactory(is_agency_admin=True, active=False, left_on=date.today())
    scoped = TrainingCoordinatorFactory(all_agencies=False, agencies=[learner.agency]).user
    scoped_of_nothing = TrainingCoordinatorFactory(all_agencies=False).user
    editor = UserFactory()
    editors = Group.objects.create(name="Test page editors")
    editors.permissions.add(Permission.objects.get(content_type__app_label="wagtailadmin", codename="access_admin"))
    editor.groups.add(editors)
    direct = UserFactory()
    direct.user_permissions.add(Permission.objects.get(content_type__app_label="wagtailadmin", codename="access_admin"))
    return {
        "learner": learner.user,
        "supervisor": supervisor.user,
        "supervisor of an inactive record": inactive_supervisor.user,
        "agency administrator": admin.user,
        "former agency administrator": former_admin.user,
        "coordinator of every agency": make_coordinator(),
        "coordinator of one agency": scoped,
        "coordinator of no agency": scoped_of_nothing,
        "editor through a group": editor,
        "editor by a direct permission": direct,
        "site administrator": UserFactory(is_superuser=True),
        "no staff record": UserFactory(),
    }


def test_each_flag_is_the_rule_for_every_kind_of_account():
    for name, user in _accounts().items():
        user = type(user).objects.select_related("coordinator").get(pk=user.pk)  # as a request loads it
        roles = navigation_roles(user)
        fresh = type(user).objects.get(pk=user.pk)  # Django's own permission check, with empty caches
        expected = (
            is_manager(fresh),
            is_supervisor(fresh),
            is_coordinator(fresh),
            fresh.has_perm("wagtailadmin.access_admin"),
        )
        assert (roles.manager, roles.supervisor, roles.coordinator, roles.admin) == expected, name


def test_anonymous_visitors_and_inactive_accounts_get_no_flag():
    assert navigation_roles(AnonymousUser()) == navigation_roles(UserFactory(is_superuser=True, is_active=False))
    assert not any(vars(navigation_roles(AnonymousUser())).values())


def test_the_menu_shows_each_link_to_its_role(client):
    admin = StaffFactory(is_agency_admin=True)
    client.force_login(admin.user)
    html = client.get("/").content.decode()
    assert 'href="/staff/' in html or ">Staff<" in html
    assert ">Authoring<" not in html
    client.force_login(StaffFactory().user)
    html = client.get("/").content.decode()
    assert ">Staff<" not in html and ">Compliance<" not in html and ">Authoring<" not in html
