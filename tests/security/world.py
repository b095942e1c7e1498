"""The world the tenancy sweep attacks: one home agency with one account per role, and records that each role
must never see, all with ids at or above ``FIRST_FOREIGN_ID`` so the sweep can aim at them by number.

Harbor (home) has a case manager, their supervisor, an agency administrator and a coordinator scoped to
Harbor only. Everything created after the id bump belongs to somebody a role may not see: a team member of
the supervisor (foreign to the case manager), a Harbor colleague outside that team (foreign to the case
manager and the supervisor), and a second agency, Riverside, with its own staff, supervisor, administrator
and coordinator (foreign to every role). Each of those people has a unique surname starting with ``Xeno``:
a page that shows one of those surnames or emails to a role that may not see the person is a leak.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from django.apps import apps
from django.contrib.auth.models import Group
from django.db import connection
from django.utils import timezone
from wagtail.log_actions import log

from agencies.management.commands.seed_demo import agency_admin_group, coordinator_group
from agencies.models import Agency, JobRole, StaffMember
from assessments.models import Quiz
from assessments.services import start_attempt, submit_attempt
from certificates.services import issue_certificate
from compliance.models import ExportKind
from compliance.services import start_export
from curricula.models import CurriculumPage, LessonPage, Requirement
from curricula.services import record_lesson_view, sync_assignments, waive_assignment
from tests.factories import (
    AgencyFactory,
    CurriculumCompletionFactory,
    StaffFactory,
    TrainingCoordinatorFactory,
    UserFactory,
    category,
)

FIRST_FOREIGN_ID = 90001
ROLES = ("anonymous", "case_manager", "supervisor", "agency_admin", "scoped_coordinator")


@dataclass
class Person:
    first: str
    last: str
    email: str
    visible_to: frozenset[str]
    user: object = None
    staff: StaffMember | None = None


@dataclass
class World:
    home: Agency
    foreign: Agency
    accounts: dict[str, object]
    people: list[Person]
    certificate_codes: list[str] = field(default_factory=list)
    quiz_key: str = ""
    lesson_id: int = 0
    lesson_path: str = ""
    hidden_ids: dict[type, list[str]] = field(default_factory=dict)

    def hidden_from(self, role: str) -> list[Person]:
        return [p for p in self.people if role not in p.visible_to]

    def ids_of(self, model: type) -> list[str]:
        """The ids of this model's rows created for people a role may not see (from the bump on)."""
        if model not in self.hidden_ids:
            rows = model._base_manager.filter(pk__gte=FIRST_FOREIGN_ID).order_by("pk").values_list("pk", flat=True)
            self.hidden_ids[model] = [str(pk) for pk in rows]
        return self.hidden_ids[model]

    def markers(self, role: str) -> list[str]:
        """Text that must never appear on a page this role receives (surnames and emails)."""
        hidden = self.hidden_from(role)
        return [p.last for p in hidden] + [p.email for p in hidden]


def bump_id_sequences(start: int = FIRST_FOREIGN_ID) -> None:
    """Make every table's next id at least ``start``: rows created afterwards are recognisable by number."""
    with connection.cursor() as cursor:
        for model in apps.get_models():
            pk = model._meta.pk
            if model._meta.proxy or not model._meta.managed or pk.get_internal_type() not in (
                "AutoField",
                "BigAutoField",
            ):
                continue
            table = model._meta.db_table
            if connection.vendor == "postgresql":
                column, quoted_table = connection.ops.quote_name(pk.column), connection.ops.quote_name(table)
                cursor.execute(
                    f"SELECT setval(pg_get_serial_sequence(%s, %s), GREATEST(%s, (SELECT COALESCE(MAX({column}), 0) "  # noqa: S608 - names from the models
                    f"FROM {quoted_table})))",
                    [table, pk.column, start - 1],
                )
            else:
                cursor.execute("DELETE FROM sqlite_sequence WHERE name = %s", [table])
                cursor.execute("INSERT INTO sqlite_sequence (name, seq) VALUES (%s, %s)", [table, start - 1])


def _history(person: Person, *, curriculum: CurriculumPage, quiz: Quiz, lesson: LessonPage, by) -> str:
    """Real learning history through the services: a lesson viewed, a quiz attempt, a completion, a certificate."""
    record_lesson_view(user=person.user, lesson=lesson)
    attempt = start_attempt(user=person.user, quiz=quiz)
    submit_attempt(attempt=attempt, raw_answers={})
    completion = CurriculumCompletionFactory(
        user=person.user, curriculum=curriculum, completed_at=timezone.now() - timedelta(days=30)
    )
    certificate = issue_certificate(completion=completion)
    log(instance=person.staff, action="wagtail.edit", user=by)
    return certificate.code


def build_world() -> World:
    """Roles first (ids below the bump), then everything they must not see (ids from FIRST_FOREIGN_ID)."""
    mcm, nmcm = category("MCM"), category("NMCM")
    home = AgencyFactory(name="Harbor Sweep Health", slug="harbor-sweep", categories=[mcm, nmcm])
    editors = list(Group.objects.filter(name__in=["Editors", "Moderators"]))

    def account(first: str, last: str, email: str, **extra):
        return UserFactory(username=email, email=email, first_name=first, last_name=last, **extra)

    case_manager = account("Casey", "Homecm", "casey@harbor-sweep.test")
    supervisor = account("Sam", "Homesup", "sam@harbor-sweep.test")
    admin = account("Alex", "Homeadmin", "alex@harbor-sweep.test", is_staff=True)
    coordinator = account("Pat", "Homecoord", "pat@cmtp-sweep.test", is_staff=True)
    sup_staff = StaffFactory(user=supervisor, agency=home, role=JobRole.SUPERVISOR)
    StaffFactory(user=case_manager, agency=home, role=JobRole.MCM, supervisor=sup_staff)
    StaffFactory(user=admin, agency=home, role=JobRole.OTHER, is_agency_admin=True)
    admin.groups.add(agency_admin_group())
    TrainingCoordinatorFactory(user=coordinator, all_agencies=False, agencies=[home])
    coordinator.groups.add(coordinator_group(), *editors)

    bump_id_sequences()

    foreign = AgencyFactory(name="Riverside Xenoagency", slug="riverside-xeno", categories=[mcm, nmcm])
    everyone_home = frozenset({"agency_admin", "scoped_coordinator"})
    # The other agency's people first: each table's first foreign rows (the ids the sweep aims at) are theirs.
    people = [
        Person("Zebulon", "Xenofar", "zebulon.xenofar@riverside.test", frozenset()),
        Person("Ysolde", "Xenoboss", "ysolde.xenoboss@riverside.test", frozenset()),
        Person("Xander", "Xenoadmin", "xander.xenoadmin@riverside.test", frozenset()),
        Person("Jordan", "Xenoteam", "jordan.xenoteam@harbor-sweep.test", everyone_home | {"supervisor"}),
        Person("Harriet", "Xenohome", "harriet.xenohome@harbor-sweep.test", everyone_home),
        Person("Wilma", "Xenocoord", "wilma.xenocoord@cmtp-sweep.test", frozenset()),
    ]
    zebulon, ysolde, xander, jordan, harriet, wilma = people
    for person in people:
        person.user = account(person.first, person.last, person.email)
    ysolde.staff = StaffFactory(user=ysolde.user, agency=foreign, role=JobRole.SUPERVISOR)
    zebulon.staff = StaffFactory(user=zebulon.user, agency=foreign, role=JobRole.MCM, supervisor=ysolde.staff)
    xander.staff = StaffFactory(user=xander.user, agency=foreign, role=JobRole.OTHER, is_agency_admin=True)
    jordan.staff = StaffFactory(user=jordan.user, agency=home, role=JobRole.MCM, supervisor=sup_staff)
    harriet.staff = StaffFactory(user=harriet.user, agency=home, role=JobRole.NMCM)
    xander.user.is_staff = True
    xander.user.save(update_fields=["is_staff"])
    xander.user.groups.add(agency_admin_group())
    TrainingCoordinatorFactory(user=wilma.user, all_agencies=False, agencies=[foreign])

    quiz = Quiz.objects.filter(curriculum__isnull=False).select_related("curriculum").order_by("pk").first()
    curriculum = quiz.curriculum.specific
    lesson = LessonPage.objects.descendant_of(curriculum).live().order_by("path").first()
    requirement, _ = Requirement.objects.get_or_create(
        curriculum=curriculum,
        defaults={
            "roles": [JobRole.MCM, JobRole.NMCM],
            "due_days_after_hire": 30,
            "starts_on": timezone.localdate() - timedelta(days=900),
        },
    )
    requirement.categories.add(mcm, nmcm)
    world = World(
        home=home,
        foreign=foreign,
        accounts={
            "case_manager": case_manager,
            "supervisor": supervisor,
            "agency_admin": admin,
            "scoped_coordinator": coordinator,
        },
        people=people,
        quiz_key=quiz.key,
        lesson_id=lesson.pk,
        lesson_path=lesson.url,
    )
    for person, editor in ((zebulon, xander.user), (jordan, admin), (harriet, admin)):
        code = _history(person, curriculum=curriculum, quiz=quiz, lesson=lesson, by=editor)
        world.certificate_codes.append(code)
    sync_assignments()
    open_assignment = zebulon.staff.assignments.filter(state="open").first()
    if open_assignment is not None:
        waive_assignment(assignment=open_assignment, reason="Xenofar equivalent training", by=xander.user)
    start_export(kind=ExportKind.CSV_WIDE, as_of=timezone.localdate(), filters={}, user=xander.user, agency=foreign)
    return world
