"""Private iCalendar feeds (RFC 5545, written with the icalendar library): a learner's due dates, and a
supervisor's team. A calendar app fetches the feed without a session, so the secret token in the link is the
only key: a wrong token gets a 404 that says nothing, and resetting the token retires the old link.

Each open assignment is an all-day event on its due date; its UID stays the same while the assignment
exists, so an extension moves the event in the calendar rather than adding a second one."""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth.models import User
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar, Event

from agencies.access import supervised_staff
from curricula.models import Assignment, AssignmentState

from .models import CalendarFeed

MAX_EVENTS = 2000  # a team's feed stays a size calendar apps accept


def feed_of(user: User) -> CalendarFeed:
    """The person's feed, made on first use."""
    feed = CalendarFeed.objects.filter(user=user).first()
    if feed is not None:
        return feed
    try:
        with transaction.atomic():
            return CalendarFeed.objects.create(user=user, token=secrets.token_urlsafe(32), created_at=timezone.now())
    except IntegrityError:  # made by a parallel request a moment ago
        return CalendarFeed.objects.get(user=user)


@transaction.atomic
def reset_feed(*, user: User) -> CalendarFeed:
    """A new secret: links with the old one stop working at once."""
    feed = feed_of(user)
    feed.token = secrets.token_urlsafe(32)
    feed.created_at = timezone.now()
    feed.save(update_fields=["token", "created_at"])
    return feed


def user_for_token(token: str) -> User | None:
    """The active account whose feed has this token, or None (a wrong, old or malformed token)."""
    if not token or len(token) > 64:
        return None
    feed = CalendarFeed.objects.filter(token=token, user__is_active=True).select_related("user").first()
    return feed.user if feed is not None and secrets.compare_digest(feed.token, token) else None


def _calendar(name: str) -> Calendar:
    calendar = Calendar()
    calendar.add("prodid", "-//CMTP Learn//Training due dates//EN")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", name)
    return calendar


def _event(assignment: Assignment, *, summary: str, stamp: datetime, url: str) -> Event:
    event = Event()
    host = settings.SITE_URL.split("://", 1)[-1].split("/", 1)[0] or "cmtp-learn"
    event.add("uid", f"assignment-{assignment.pk}@{host}")
    event.add("dtstamp", stamp)
    event.add("dtstart", assignment.due_on)
    event.add("dtend", assignment.due_on + timedelta(days=1))
    event.add("summary", summary)
    curriculum = assignment.curriculum
    event.add("description", f"{curriculum.code} {curriculum.title}: due {assignment.due_on:%Y-%m-%d}.")
    event.add("url", url)
    event.add("transp", "TRANSPARENT")
    return event


def _open(assignments: QuerySet[Assignment]) -> list[Assignment]:
    return list(
        assignments.filter(state=AssignmentState.OPEN)
        .select_related("curriculum", "staff__user")
        .order_by("due_on", "pk")[:MAX_EVENTS]
    )


def learner_calendar(*, user: User) -> bytes:
    """The person's own open training, by due date. One query."""
    calendar = _calendar("My training due dates")
    stamp = timezone.now()
    url = f"{settings.SITE_URL}{reverse('curricula:dashboard')}"
    for assignment in _open(Assignment.objects.filter(staff__user=user, staff__active=True)):
        summary = f"Due: {assignment.curriculum.code} {assignment.curriculum.title}"
        calendar.add_component(_event(assignment, summary=summary, stamp=stamp, url=url))
    return calendar.to_ical()


def team_calendar(*, user: User) -> bytes:
    """The open training of the people this user supervises (empty if nobody). One query."""
    calendar = _calendar("My team's training due dates")
    stamp = timezone.now()
    url = f"{settings.SITE_URL}{reverse('agencies:team')}"
    team = supervised_staff(user).filter(active=True).values("pk")
    for assignment in _open(Assignment.objects.filter(staff__in=team)):
        summary = f"{assignment.staff.display_name}: {assignment.curriculum.code} due"
        calendar.add_component(_event(assignment, summary=summary, stamp=stamp, url=url))
    return calendar.to_ical()
