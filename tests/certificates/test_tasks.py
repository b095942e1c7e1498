from datetime import timedelta
from unittest import mock

import pytest
from django.utils import timezone

from certificates import rendering
from certificates.models import Certificate, CertificateEvent
from certificates.queries import MAX_SWEEP_FAILURES
from certificates.tasks import render_certificate_pdf, render_pending
from curricula.completion import record_lesson_completion
from curricula.models import Assignment, AssignmentSource, AssignmentState
from curricula.services import sync_assignments
from curricula.tasks import sync_all_assignments
from tests.factories import UserFactory, category, make_requirement

pytestmark = pytest.mark.django_db


def failing_once():
    """render_and_store that fails the first time (a full disk, say) and works afterwards."""
    real = rendering.render_and_store
    calls = {"n": 0}

    def render(certificate):
        calls["n"] += 1
        if calls["n"] == 1:
            raise OSError("No space left on device")
        return real(certificate)

    return render, calls


def test_render_task_retries_a_failure_then_succeeds(certificate):
    render, calls = failing_once()
    with mock.patch("certificates.rendering.render_and_store", side_effect=render):
        result = render_certificate_pdf.apply(args=[certificate.pk])
    assert result.state == "SUCCESS"
    assert calls["n"] == 2
    certificate.refresh_from_db()
    assert certificate.rendered_at is not None
    assert certificate.render_failures == 1
    events = list(certificate.events.values_list("action", "detail"))
    assert [action for action, _ in events] == [
        CertificateEvent.Action.ISSUED,
        CertificateEvent.Action.RENDER_FAILED,
        CertificateEvent.Action.RENDERED,
    ]
    assert "OSError: No space left on device" in events[1][1]


def test_render_task_that_keeps_failing_gives_up_but_keeps_the_record(certificate):
    with mock.patch("certificates.rendering.render_and_store", side_effect=RuntimeError("reportlab broke")) as render:
        result = render_certificate_pdf.apply(args=[certificate.pk])
    assert result.state == "FAILURE"
    assert render.call_count == render_certificate_pdf.max_retries + 1
    certificate.refresh_from_db()
    assert certificate.rendered_at is None
    assert certificate.render_failures == render_certificate_pdf.max_retries + 1
    assert certificate.events.filter(action=CertificateEvent.Action.RENDER_FAILED).count() == 6
    assert Certificate.objects.filter(pk=certificate.pk, code=certificate.code).exists()


def test_render_task_skips_rendered_and_missing_certificates(certificate):
    rendering.render_and_store(certificate)
    with mock.patch("certificates.rendering.render_and_store") as render:
        assert render_certificate_pdf.apply(args=[certificate.pk]).state == "SUCCESS"
        assert render_certificate_pdf.apply(args=[987654]).state == "SUCCESS"
    render.assert_not_called()


def test_render_pending_queues_only_old_unrendered_certificates(learner, issue):
    stale = issue(learner)
    done = issue(UserFactory())
    issue(UserFactory())  # fresh: its own task is presumably still queued
    hopeless = issue(UserFactory())
    rendering.render_and_store(done)
    an_hour_ago = timezone.now() - timedelta(hours=1)
    Certificate.objects.filter(pk__in=[stale.pk, done.pk, hopeless.pk]).update(issued_at=an_hour_ago)
    Certificate.objects.filter(pk=hopeless.pk).update(render_failures=MAX_SWEEP_FAILURES)

    assert render_pending.apply().get() == 1
    rendered = set(Certificate.objects.filter(rendered_at__isnull=False).values_list("pk", flat=True))
    assert rendered == {stale.pk, done.pk}
    assert Certificate.objects.get(pk=stale.pk).pdf


def test_the_nightly_sync_creates_a_recertification_assignment_due_at_expiry(learner, curriculum, agency):
    mcm = category("MCM")
    agency.categories.set([mcm])
    make_requirement(curriculum, categories=[mcm], roles=["mcm"])
    sync_assignments()
    for lesson in curriculum.lessons():
        record_lesson_completion(user=learner, lesson=lesson)
    certificate = Certificate.objects.get(user=learner)
    assert Assignment.objects.get(staff__user=learner).state == AssignmentState.COMPLETED

    assert sync_all_assignments.apply().get()["created"] == 0  # a year left: nothing due yet
    expiry = timezone.localdate() + timedelta(days=30)
    Certificate.objects.filter(pk=certificate.pk).update(expires_on=expiry)
    assert sync_all_assignments.apply().get()["created"] == 1
    renewal = Assignment.objects.get(staff__user=learner, state=AssignmentState.OPEN)
    assert renewal.source == AssignmentSource.RECERTIFICATION
    assert renewal.due_on == expiry
    assert sync_all_assignments.apply().get()["created"] == 0  # safe to re-run
