import re
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from certificates.models import Certificate, CertificateEvent, CertificateStatus
from certificates.services import issue_certificate, reissue_certificate, revoke_certificate
from competencies.models import Competency
from curricula.completion import record_lesson_completion
from curricula.models import CurriculumCompletion
from tests.certificates.conftest import complete
from tests.factories import UserFactory, make_coordinator, make_curriculum

pytestmark = pytest.mark.django_db

EASTERN = ZoneInfo("America/New_York")


def actions(certificate: Certificate) -> list[str]:
    return list(certificate.events.order_by("at", "pk").values_list("action", flat=True))


def test_issue_certificate_once_per_completion_through_lesson_flow(learner, curriculum):
    lessons = list(curriculum.lessons())
    results = [record_lesson_completion(user=learner, lesson=lesson) for lesson in lessons]
    assert results[:-1] == [None] * (len(lessons) - 1)
    completion = results[-1]
    assert isinstance(completion, CurriculumCompletion)
    # Doing a lesson again in the same cycle completes nothing new and issues nothing new.
    assert record_lesson_completion(user=learner, lesson=lessons[0]) is None
    assert CurriculumCompletion.objects.filter(user=learner).count() == 1
    certificate = Certificate.objects.get(user=learner)
    assert certificate.completion == completion
    assert issue_certificate(completion=completion).pk == certificate.pk
    assert Certificate.objects.count() == 1
    assert actions(certificate) == [CertificateEvent.Action.ISSUED]


def test_issue_certificate_copies_facts_at_issue(learner, curriculum):
    at = datetime(2026, 3, 4, 15, 0, tzinfo=EASTERN)
    certificate = issue_certificate(completion=complete(learner, curriculum, at=at))
    assert certificate.learner_name == "Ana Lopez"
    assert certificate.curriculum_code == "CMTP-901"
    assert certificate.curriculum_title == curriculum.title
    assert certificate.credit_hours == 2
    assert certificate.competencies == ["Explain the test"]
    assert certificate.completed_on == date(2026, 3, 4)
    assert certificate.expires_on == date(2027, 3, 4)
    # Later edits of the curriculum never change an issued certificate.
    curriculum.title = "Renamed"
    curriculum.competencies = [
        Competency.objects.create(code="TEST-2", short_name="Else", description="Something else", domain="process")
    ]
    curriculum.save()
    certificate.refresh_from_db()
    assert certificate.curriculum_title == "Curriculum CMTP-901"
    assert certificate.competencies == ["Explain the test"]


def test_issue_certificate_without_recertification_never_expires(learner):
    curriculum = make_curriculum(recertification_months=0)
    certificate = issue_certificate(completion=complete(learner, curriculum))
    assert certificate.expires_on is None
    assert certificate.status(on=date(2100, 1, 1)) == CertificateStatus.VALID


def test_serial_format_is_program_year_and_six_digit_number(certificate):
    assert re.fullmatch(r"CMTP-\d{4}-\d{6}", certificate.serial)
    assert certificate.serial == f"CMTP-{timezone.localtime(certificate.issued_at):%Y}-{certificate.pk:06d}"
    assert Certificate.objects.get(pk=certificate.pk).serial == certificate.serial


def test_codes_and_serials_are_unique_across_certificates(learner, issue):
    others = [issue(UserFactory()) for _ in range(5)]
    everything = [*others, issue(learner)]
    assert len({c.code for c in everything}) == len({c.serial for c in everything}) == 6


def test_new_cycle_supersedes_the_earlier_certificate(learner, issue):
    first = issue(learner)
    second = issue(learner)
    first.refresh_from_db()
    assert first.superseded_by == second
    assert first.status(on=timezone.localdate()) == CertificateStatus.SUPERSEDED
    assert second.status(on=timezone.localdate()) == CertificateStatus.VALID
    assert actions(first) == [CertificateEvent.Action.ISSUED, CertificateEvent.Action.SUPERSEDED]


def test_status_on_a_date(certificate):
    assert certificate.status(on=certificate.completed_on) == CertificateStatus.VALID
    assert certificate.status(on=certificate.expires_on) == CertificateStatus.EXPIRED


def test_revoke_certificate_records_reason_actor_and_event(certificate):
    coordinator = make_coordinator()
    with pytest.raises(ValueError, match="reason"):
        revoke_certificate(certificate=certificate, reason="   ", by=coordinator)
    revoked = revoke_certificate(
        certificate=certificate, reason="Completed under another person's account.", by=coordinator
    )
    assert revoked.revoked_at is not None
    assert revoked.revoked_reason == "Completed under another person's account."
    assert revoked.revoked_by == coordinator
    assert revoked.status(on=timezone.localdate()) == CertificateStatus.REVOKED
    # A second revocation changes nothing and writes nothing.
    again = revoke_certificate(certificate=certificate, reason="Another reason", by=coordinator)
    assert again.revoked_reason == "Completed under another person's account."
    events = list(certificate.events.filter(action=CertificateEvent.Action.REVOKED))
    assert len(events) == 1
    assert events[0].actor == coordinator


def test_reissue_certificate_after_a_name_change(certificate, learner):
    coordinator = make_coordinator()
    learner.last_name = "Lopez-Reyes"
    learner.save()
    new = reissue_certificate(certificate=certificate, by=coordinator, reason="Name change")
    certificate.refresh_from_db()
    assert new.pk != certificate.pk
    assert new.serial != certificate.serial and new.code != certificate.code
    assert new.learner_name == "Ana Lopez-Reyes"
    assert certificate.learner_name == "Ana Lopez"
    assert (new.completed_on, new.expires_on) == (certificate.completed_on, certificate.expires_on)
    assert new.reissue_of == certificate
    assert certificate.superseded_by == new
    # Exactly one active certificate per completion: the completion moved to the new one.
    assert certificate.completion_id is None
    assert new.completion is not None
    assert new.status(on=timezone.localdate()) == CertificateStatus.VALID
    assert certificate.status(on=timezone.localdate()) == CertificateStatus.SUPERSEDED
    assert actions(new) == [CertificateEvent.Action.REISSUED]
    assert actions(certificate) == [CertificateEvent.Action.ISSUED, CertificateEvent.Action.SUPERSEDED]
    assert new.events.get().actor == coordinator
    assert "Name change" in new.events.get().detail
    with pytest.raises(ValueError, match="superseded"):
        reissue_certificate(certificate=certificate, by=coordinator)


def test_reissue_refuses_a_revoked_certificate(certificate):
    coordinator = make_coordinator()
    revoke_certificate(certificate=certificate, reason="Fraud", by=coordinator)
    with pytest.raises(ValueError, match="revoked"):
        reissue_certificate(certificate=certificate, by=coordinator)
    assert Certificate.objects.count() == 1


def test_issue_renders_the_pdf_after_commit(learner, curriculum, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        certificate = issue_certificate(completion=complete(learner, curriculum))
        assert certificate.rendered_at is None  # nothing is rendered inside the transaction
    assert len(callbacks) == 2  # the render and the learner's email, both after commit
    certificate.refresh_from_db()
    assert certificate.rendered_at is not None
    assert certificate.pdf.name.endswith(".pdf")
    assert actions(certificate) == [CertificateEvent.Action.ISSUED, CertificateEvent.Action.RENDERED]


def test_learner_is_emailed_a_link_once_when_a_certificate_is_issued(mailoutbox, django_capture_on_commit_callbacks):
    from certificates.services import send_issued_email
    from curricula.completion import record_lesson_completion
    from tests.factories import UserFactory, make_curriculum

    user = UserFactory()
    curriculum = make_curriculum()
    with django_capture_on_commit_callbacks(execute=True):
        for lesson in curriculum.lessons():
            record_lesson_completion(user=user, lesson=lesson)
    certificate = user.certificates.get()
    mine = [m for m in mailoutbox if user.email in m.to]
    assert len(mine) == 1
    assert f"/verify/{certificate.code}/" in mine[0].body
    assert send_issued_email(certificate_id=certificate.pk) is False
    assert len([m for m in mailoutbox if user.email in m.to]) == 1
