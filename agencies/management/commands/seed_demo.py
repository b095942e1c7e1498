"""Demo agencies, people, mandates and a realistic mix of training records. Idempotent."""

from __future__ import annotations

from datetime import timedelta

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone
from wagtail.models import Locale

from accounts.demo import demo_key_base32, enroll_demo_accounts
from agencies.models import Agency, JobRole, ServiceCategory, StaffMember, TrainingCoordinator
from certificates.services import backdate_issue, issue_certificate
from curricula.models import (
    Assignment,
    AssignmentState,
    CurriculumCompletion,
    CurriculumPage,
    LessonProgress,
    Requirement,
)
from curricula.services import sync_assignments, waive_assignment

DEMO_PASSWORD = "cmtp-demo-2026"  # noqa: S105 - printed for the demo on purpose

AGENCIES = [
    ("harbor-health", "Harbor Health Center", ["MCM", "NMCM"]),
    ("riverside-community", "Riverside Community Services", ["NMCM", "NMCM-SUD"]),
    ("beacon-clinic", "Beacon Clinic", ["MCM", "CCMS"]),
]

# email, first, last, agency, role, days since hire, supervisor email, agency admin
PEOPLE = [
    ("agencyadmin@harbor.demo", "Alex", "Rivera", "harbor-health", JobRole.OTHER, 900, None, True),
    ("supervisor@harbor.demo", "Sam", "Lee", "harbor-health", JobRole.SUPERVISOR, 1200, None, False),
    ("casemanager@harbor.demo", "Casey", "Morgan", "harbor-health", JobRole.MCM, 100, "supervisor@harbor.demo", False),
    ("jordan.patel@harbor.demo", "Jordan", "Patel", "harbor-health", JobRole.MCM, 400, "supervisor@harbor.demo", False),
    (
        "taylor.brooks@harbor.demo",
        "Taylor",
        "Brooks",
        "harbor-health",
        JobRole.NMCM,
        20,
        "supervisor@harbor.demo",
        False,
    ),
    ("morgan.diaz@harbor.demo", "Morgan", "Diaz", "harbor-health", JobRole.MCM, 1100, "supervisor@harbor.demo", False),
    ("riley.chen@harbor.demo", "Riley", "Chen", "harbor-health", JobRole.NMCM, 700, "supervisor@harbor.demo", False),
    ("agencyadmin@riverside.demo", "Dana", "Okafor", "riverside-community", JobRole.OTHER, 800, None, True),
    ("jamie.ortiz@riverside.demo", "Jamie", "Ortiz", "riverside-community", JobRole.NMCM, 300, None, False),
    ("avery.kim@riverside.demo", "Avery", "Kim", "riverside-community", JobRole.PEER, 60, None, False),
    ("quinn.hall@beacon.demo", "Quinn", "Hall", "beacon-clinic", JobRole.CCMS, 500, None, False),
    ("reese.ward@beacon.demo", "Reese", "Ward", "beacon-clinic", JobRole.MCM, 45, None, False),
]

# curriculum code, categories, roles, due days after hire (renewal: the curriculum's recertification_months)
MANDATES = [
    ("CMTP-101", ["MCM", "NMCM"], ["mcm", "nmcm", "ccms", "supervisor"], 90),
    ("CMTP-102", ["MCM", "NMCM"], ["mcm", "nmcm"], 120),
    ("CMTP-103", ["MCM", "NMCM", "NMCM-SUD"], ["mcm", "nmcm", "peer"], 180),
    ("CMTP-104", ["CCMS", "MCM"], ["ccms", "supervisor"], 120),
    ("CMTP-105", ["NMCM-SUD"], ["nmcm", "peer"], 90),
    ("CMTP-106", ["MCM", "NMCM"], ["mcm", "nmcm"], 180),
]

# Past completions that give the dashboards a realistic mix: (email, code, days ago)
COMPLETIONS = [
    ("jordan.patel@harbor.demo", "CMTP-101", 200),
    ("jordan.patel@harbor.demo", "CMTP-102", 150),
    ("jordan.patel@harbor.demo", "CMTP-103", 120),
    ("morgan.diaz@harbor.demo", "CMTP-101", 800),
    ("morgan.diaz@harbor.demo", "CMTP-103", 700),
    ("supervisor@harbor.demo", "CMTP-101", 600),
    ("jamie.ortiz@riverside.demo", "CMTP-105", 100),
    ("quinn.hall@beacon.demo", "CMTP-104", 300),
]

COORDINATOR = ("coordinator@cmtp.demo", "Pat", "Nguyen")
SITE_ADMIN = ("admin@cmtp.demo", "Site", "Administrator")


def coordinator_group() -> Group:
    """Coordinators author quizzes and manage mandates, people and certificates in the Wagtail admin."""
    group, _ = Group.objects.get_or_create(name="Training coordinators")
    perms = Permission.objects.filter(
        content_type__app_label__in=[
            "assessments",
            "agencies",
            "competencies",
            "curricula",
            "certificates",
            "compliance",
        ]
    ) | Permission.objects.filter(content_type__app_label="wagtailadmin", codename="access_admin")
    group.permissions.add(*perms)
    return group


def agency_admin_group() -> Group:
    """Agency administrators may open the Wagtail admin to see and edit their own agency's staff."""
    group, _ = Group.objects.get_or_create(name="Agency administrators")
    wanted = [
        ("wagtailadmin", "access_admin"),
        ("agencies", "view_staffmember"),
        ("agencies", "change_staffmember"),
        ("agencies", "view_agency"),
        ("curricula", "view_assignment"),
    ]
    for app_label, codename in wanted:
        group.permissions.add(*Permission.objects.filter(content_type__app_label=app_label, codename=codename))
    return group


class Command(BaseCommand):
    help = "Create the demo agencies, accounts, mandates and training records (safe to re-run)."

    @transaction.atomic
    def handle(self, *args, **options) -> None:
        User = get_user_model()
        today = timezone.localdate()
        categories = {c.code: c for c in ServiceCategory.objects.all()}
        agencies = {}
        for slug, name, codes in AGENCIES:
            agency, _ = Agency.objects.get_or_create(slug=slug, defaults={"name": name})
            agency.categories.set([categories[c] for c in codes])
            agencies[slug] = agency

        def user(email: str, first: str, last: str, **extra):
            account, created = User.objects.get_or_create(
                username=email, defaults={"email": email, "first_name": first, "last_name": last, **extra}
            )
            if created:
                account.set_password(DEMO_PASSWORD)
                account.save()
            return account

        admin = user(*SITE_ADMIN, is_staff=True, is_superuser=True)
        coordinator = user(*COORDINATOR, is_staff=True)
        TrainingCoordinator.objects.get_or_create(user=coordinator, defaults={"all_agencies": True})
        coordinator.groups.add(*Group.objects.filter(name__in=["Editors", "Moderators"]), coordinator_group())
        staff_by_email: dict[str, StaffMember] = {}
        for email, first, last, slug, role, days, _supervisor, is_admin in PEOPLE:
            account = user(email, first, last, is_staff=is_admin)
            member, _ = StaffMember.objects.get_or_create(
                user=account,
                agency=agencies[slug],
                defaults={"role": role, "hire_date": today - timedelta(days=days), "is_agency_admin": is_admin},
            )
            staff_by_email[email] = member
            if is_admin:
                account.groups.add(agency_admin_group())
        for email, _, _, _, _, _, supervisor, _ in PEOPLE:
            if supervisor and staff_by_email[email].supervisor_id is None:
                staff_by_email[email].supervisor = staff_by_email[supervisor]
                staff_by_email[email].save(update_fields=["supervisor"])

        curricula = {c.code: c for c in CurriculumPage.objects.filter(locale=Locale.get_default())}
        for code, codes, roles, due_days in MANDATES:
            if code not in curricula:
                continue
            requirement, _ = Requirement.objects.get_or_create(
                curriculum=curricula[code],
                defaults={
                    "roles": roles,
                    "due_days_after_hire": due_days,
                    "starts_on": today - timedelta(days=1500),
                },
            )
            requirement.categories.set([categories[c] for c in codes])

        for email, code, days_ago in COMPLETIONS:
            member = staff_by_email[email]
            curriculum = curricula.get(code)
            if (
                curriculum is None
                or CurriculumCompletion.objects.filter(user=member.user, curriculum=curriculum).exists()
            ):
                continue
            completed_at = timezone.now() - timedelta(days=days_ago)
            for lesson in curriculum.lessons():
                LessonProgress.objects.get_or_create(
                    user=member.user,
                    lesson=lesson,
                    defaults={"started_at": completed_at, "completed_at": completed_at, "last_viewed_at": completed_at},
                )
            completion = CurriculumCompletion.objects.create(
                user=member.user,
                curriculum=curriculum,
                cycle=1,
                completed_at=completed_at,
                curriculum_code=curriculum.code,
                curriculum_title=curriculum.title,
                credit_hours=curriculum.credit_hours,
            )
            certificate = issue_certificate(completion=completion)
            # Demo history: the certificate existed from the day of the (back-dated) completion, and the
            # learner was told then (so loading the demo sends no emails).
            backdate_issue(certificate_id=certificate.pk, issued_at=completed_at)  # serial year = issue year
        sync_assignments(today=today)
        riley = staff_by_email["riley.chen@harbor.demo"]
        waivable = Assignment.objects.filter(
            staff=riley, curriculum__code="CMTP-102", state=AssignmentState.OPEN
        ).first()
        if waivable:
            waive_assignment(
                assignment=waivable,
                reason="Completed equivalent state training in 2025 (certificate on file).",
                by=coordinator,
            )

        # ---- two-factor (accounts app): the demo accounts that must use it get the published demo key ----
        enroll_demo_accounts(users=User.objects.filter(username__endswith=".demo").order_by("pk"))
        # ---- end two-factor ----

        self.stdout.write(self.style.SUCCESS(f"Demo data ready. Demo logins (password for all: {DEMO_PASSWORD}):"))
        for label, email in [
            ("Site administrator", admin.username),
            ("Training coordinator", coordinator.username),
            ("Agency administrator (Harbor Health Center)", "agencyadmin@harbor.demo"),
            ("Supervisor (Harbor Health Center)", "supervisor@harbor.demo"),
            ("Case manager (Harbor Health Center)", "casemanager@harbor.demo"),
        ]:
            self.stdout.write(f"  {label:<45} {email}")
        self.stdout.write(
            "Two-factor: the site administrator, the coordinator and the agency administrators are asked for a code\n"
            f"  after the password. Add the demo key {demo_key_base32()} to an authenticator app, or print the\n"
            "  current code with: .venv/bin/python manage.py demo_totp"
        )
