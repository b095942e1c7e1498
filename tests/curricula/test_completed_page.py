"""Issue 21 item 5: after completing a curriculum its page says so. Before the fix it said "100% complete
(0 of 3 required items)", marked every lesson to do and offered "Start the first lesson", because progress
counts only the cycle that starts after the last completion."""

from __future__ import annotations

import re

import pytest

from curricula.models import CurriculumCompletion
from tests.factories import AssignmentFactory, StaffFactory, make_curriculum

pytestmark = pytest.mark.django_db


def outline_states(html: str) -> list[str]:
    return re.findall(r'<li class="(done|todo)">', html)


def test_a_completed_curriculum_page_shows_it_complete(client):
    member = StaffFactory()
    curriculum = make_curriculum(modules=1, lessons_per_module=3)
    AssignmentFactory(staff=member, curriculum=curriculum)
    client.force_login(member.user)
    lessons = list(curriculum.lessons())
    for lesson in lessons:
        client.get(lesson.url)
        assert client.post(f"/learn/lessons/{lesson.pk}/complete/").status_code == 302
    completion = CurriculumCompletion.objects.get(user=member.user, curriculum=curriculum)

    html = client.get(curriculum.url).content.decode()
    assert "Complete</span>" in html
    day = completion.completed_at.astimezone().date()
    assert f"You completed this curriculum on {day:%b} {day.day}, {day.year}" in html
    assert "0 of 3" not in html and "Start the first lesson" not in html and "Continue:" not in html
    assert outline_states(html) == ["done", "done", "done"]


def test_a_curriculum_in_progress_still_counts_and_continues(client):
    member = StaffFactory()
    curriculum = make_curriculum(modules=1, lessons_per_module=3)
    AssignmentFactory(staff=member, curriculum=curriculum)
    client.force_login(member.user)
    first = curriculum.lessons().first()
    client.get(first.url)
    client.post(f"/learn/lessons/{first.pk}/complete/")
    html = client.get(curriculum.url).content.decode()
    assert "33% complete (1 of 3 required items)" in html
    assert "Complete</span>" not in html
    assert outline_states(html) == ["done", "todo", "todo"]
