"""Password reset: staff whose set-password link expired get a new one; requests are throttled by email and
by address; the email is sent by a Celery task, so the page answers the same for known and unknown emails.

Before the fix Django's form skipped accounts with no usable password (every account the roster creates
until its owner sets one), so an expired set-password link could never be renewed, and nothing limited
how often a reset could be asked for."""

from __future__ import annotations

import re

import pytest
from celery.signals import task_postrun
from django.core import mail
from django.test import TestCase

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

HERE = "198.51.100.50"


def ask(client, email: str, address: str = HERE):
    """Post the form; its email is handed to Celery when the request's transaction commits (the outbox)."""
    with TestCase.captureOnCommitCallbacks(execute=True):
        return client.post("/accounts/password_reset/", {"email": email}, REMOTE_ADDR=address)


@pytest.fixture
def tasks_run():
    names: list[str] = []

    def record(sender=None, **kwargs):
        names.append(sender.name)

    task_postrun.connect(record, weak=False)
    yield names
    task_postrun.disconnect(record)


def test_staff_whose_set_password_link_expired_get_a_new_one(client):
    new_hire = UserFactory(email="new.hire@example.org", username="new.hire@example.org")
    new_hire.set_unusable_password()
    new_hire.save()
    response = ask(client, "New.Hire@example.org")
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    link = re.search(r"https?://\S+/accounts/reset/\S+/", mail.outbox[0].body).group(0)
    path = link.split("://", 1)[1].split("/", 1)[1]
    form = client.get(f"/{path}", follow=True)
    assert form.status_code == 200
    done = client.post(
        form.redirect_chain[-1][0], {"new_password1": "a-fresh-long-pass-92", "new_password2": "a-fresh-long-pass-92"}
    )
    assert done.status_code == 302
    new_hire.refresh_from_db()
    assert new_hire.check_password("a-fresh-long-pass-92")


def test_known_and_unknown_emails_get_the_same_answer_and_the_mail_comes_from_a_task(client, tasks_run):
    UserFactory(email="known@example.org", username="known@example.org")
    known = ask(client, "known@example.org")
    unknown = ask(client, "nobody@example.org", address="198.51.100.51")
    assert (known.status_code, known["Location"]) == (unknown.status_code, unknown["Location"])
    assert tasks_run == ["accounts.tasks.send_password_reset", "accounts.tasks.send_password_reset"]
    assert [m.to for m in mail.outbox] == [["known@example.org"]]


def test_inactive_accounts_get_no_link(client):
    UserFactory(email="gone@example.org", username="gone@example.org", is_active=False)
    ask(client, "gone@example.org")
    assert mail.outbox == []


def test_one_address_asking_too_often_is_refused(client):
    statuses = [ask(client, f"person{i}@example.org").status_code for i in range(11)]
    assert statuses == [302] * 10 + [429]
    assert ask(client, "person@example.org", address="198.51.100.52").status_code == 302


def test_one_email_is_sent_at_most_five_links_an_hour_whoever_asks(client):
    UserFactory(email="target@example.org", username="target@example.org")
    for i in range(8):
        response = ask(client, "target@example.org", address=f"198.51.100.{60 + i}")
        assert response.status_code == 302, "the page never says whether the email was throttled"
    assert len(mail.outbox) == 5
