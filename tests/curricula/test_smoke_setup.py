import pytest

from tests.factories import make_curriculum


@pytest.mark.django_db
def test_make_curriculum_builds_live_lessons():
    curriculum = make_curriculum(modules=2, lessons_per_module=3)
    assert curriculum.lessons().count() == 6
