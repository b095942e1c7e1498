"""Issue 23: on a phone the curriculum outline came first in the HTML but was moved below the lesson by CSS,
so Tab went down past the lesson and back up, and the outline's headings came before the lesson's h1. The
lesson now comes first in the HTML; CSS grid puts the outline in the left column on wide screens."""

from __future__ import annotations

import pytest

from curricula.models import LessonPage
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_the_lesson_comes_before_the_outline(client):
    client.force_login(UserFactory())
    lesson = LessonPage.objects.live().order_by("path").first()
    html = client.get(lesson.url).content.decode()
    main = html[html.index('<main id="main"') :]
    assert main.index("<h1") < main.index('class="lesson-outline"')
    assert main.index('class="complete-form"') < main.index('class="lesson-outline"')
    assert "<h2" not in main[: main.index("<h1")], "a heading before the lesson's h1"
