"""Shared by the quiz authoring tests: a coordinator signed in to the Wagtail admin, and the editor's form
data as a browser would post it."""

from __future__ import annotations

import pytest
from django.test import Client

from agencies.management.commands.seed_demo import coordinator_group
from assessments.admin_editor import data_for_quiz
from tests.factories import TrainingCoordinatorFactory, UserFactory


@pytest.fixture
def author() -> Client:
    """A training coordinator (the Training coordinators group, as seed_demo grants it), signed in."""
    user = UserFactory(is_staff=True)
    user.groups.add(coordinator_group())
    TrainingCoordinatorFactory(user=user, all_agencies=True)
    client = Client()
    client.force_login(user)
    client.user = user  # type: ignore[attr-defined]
    return client


def form_data(quiz=None, **changes) -> dict:
    """The editor's data for a quiz (as the screen shows it), with ``changes`` applied; ready to post."""
    data = data_for_quiz(quiz)
    flat = {key: data.getlist(key) if len(data.getlist(key)) > 1 else data[key] for key in data}
    for key, value in changes.items():
        key = key.replace("__", "-")
        if value is None:
            flat.pop(key, None)
        else:
            flat[key] = value
    return flat


def shown(response) -> dict:
    """The data of the form a response shows (after a button changed its rows), ready to post again."""
    data = response.context["editor"].data
    return {key: data.getlist(key) if len(data.getlist(key)) > 1 else data[key] for key in data}
