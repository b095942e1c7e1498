"""Migration curricula/0004 (issue 19): recertification is set only on the curriculum. A mandate's old
"Renew every" moves to its curriculum where the curriculum had none (the shortest if several mandates
disagree), in the page and in its revisions; a curriculum that had a period keeps it. Run on the real
migration graph: back to 0003, rows written with the old models, forward again."""

from __future__ import annotations

from datetime import date

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from tests.factories import drop_translated_curricula
from tests.migrating import migrate

BEFORE = [("curricula", "0003_competency_framework")]
AFTER = [("curricula", "0004_mandate_agencies_one_recertification")]


@pytest.fixture
def back_at_0003():
    """The database one migration back; always forward again afterwards, whatever the test did."""
    drop_translated_curricula()
    yield migrate(BEFORE)
    migrate(MigrationExecutor(connection).loader.graph.leaf_nodes("curricula"))


@pytest.mark.django_db(transaction=True)
def test_mandate_renewal_moves_to_its_curriculum(back_at_0003):
    old = back_at_0003
    CurriculumPage = old.get_model("curricula", "CurriculumPage")
    Requirement = old.get_model("curricula", "Requirement")
    Revision = old.get_model("wagtailcore", "Revision")
    without, with_period = CurriculumPage.objects.order_by("code")[:2]
    CurriculumPage.objects.filter(pk=without.pk).update(recertification_months=0)
    revision = Revision.objects.filter(object_id=str(without.pk)).order_by("-pk").first()
    if revision is not None:
        revision.content["recertification_months"] = 0
        revision.save(update_fields=["content"])
    for curriculum, months in ((without, 18), (without, 12), (with_period, 6)):
        Requirement.objects.create(
            curriculum_id=curriculum.pk, roles=["mcm"], due_days_after_hire=30, starts_on=date(2024, 1, 1),
            renew_every_months=months,
        )  # fmt: skip
    kept = with_period.recertification_months
    assert kept

    new = migrate(AFTER)
    pages = new.get_model("curricula", "CurriculumPage").objects
    assert pages.get(pk=without.pk).recertification_months == 12  # the shortest of its mandates
    assert pages.get(pk=with_period.pk).recertification_months == kept  # certificates already used this one
    if revision is not None:
        revised = new.get_model("wagtailcore", "Revision").objects.get(pk=revision.pk)
        assert revised.content["recertification_months"] == 12
    mandates = new.get_model("curricula", "Requirement").objects.all()
    assert mandates.count() == 3 and all(m.all_agencies for m in mandates)
    assert not hasattr(mandates.first(), "renew_every_months")
