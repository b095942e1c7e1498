"""factory_boy factories and page builders shared by the tests.

One factory per model a test builds, with defaults that make a valid, unremarkable row: a test names only
the fields its assertions depend on. Pages are built with `make_curriculum` (Wagtail's tree needs
`add_child`, not a factory)."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from unittest import mock

import factory
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models.signals import post_save
from django.utils import timezone
from modelsearch.signal_handlers import post_save_signal_handler as index_page
from wagtail.models import Page, Site
from wagtail.signal_handlers import disable_reference_index_auto_update

from agencies.models import (
    Agency,
    JobRole,
    RoleChange,
    ServiceCategory,
    StaffMember,
    TrainingCoordinator,
)
from assessments.models import Attempt, Quiz
from certificates.codes import new_code
from certificates.models import Certificate
from competencies.models import Competency
from compliance.models import ReminderKind, ReminderLog
from content.models import HomePage
from curricula.models import (
    Assignment,
    AssignmentSource,
    AssignmentState,
    CatalogPage,
    CurriculumCompletion,
    CurriculumPage,
    LessonPage,
    ModulePage,
    Requirement,
)
from outbox.models import PendingTask

User = get_user_model()
_seq = itertools.count(1)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}@example.org")
    email = factory.LazyAttribute(lambda o: o.username)
    first_name = factory.Sequence(lambda n: f"First{n}")
    last_name = factory.Sequence(lambda n: f"Last{n}")
    password = factory.django.Password("correct-horse-battery")


class ServiceCategoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ServiceCategory
        django_get_or_create = ("code",)

    code = "MCM"
    name = factory.LazyAttribute(lambda o: f"Service {o.code}")


class AgencyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Agency
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"Agency {n}")
    slug = factory.Sequence(lambda n: f"agency-{n}")

    @factory.post_generation
    def categories(self, create, extracted, **kwargs):
        if create and extracted:
            self.categories.set(extracted)


class StaffFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = StaffMember

    user = factory.SubFactory(UserFactory)
    agency = factory.SubFactory(AgencyFactory)
    role = JobRole.MCM
    hire_date = factory.LazyFunction(lambda: date.today() - timedelta(days=30))


class TrainingCoordinatorFactory(factory.django.DjangoModelFactory):
    """A coordinator of every agency; `all_agencies=False, agencies=[...]` for one limited to those."""

    class Meta:
        model = TrainingCoordinator
        skip_postgeneration_save = True

    user = factory.SubFactory(UserFactory)
    all_agencies = True

    @factory.post_generation
    def agencies(self, create, extracted, **kwargs):
        if create and extracted:
            self.agencies.set(extracted)


def make_coordinator(**kwargs) -> User:
    user = UserFactory(**kwargs)
    TrainingCoordinatorFactory(user=user)
    return user


class RoleChangeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = RoleChange

    staff = factory.SubFactory(StaffFactory)
    role = JobRole.NMCM


def category(code: str) -> ServiceCategory:
    return ServiceCategoryFactory(code=code)


def home_page() -> HomePage:
    existing = HomePage.objects.first()
    if existing:
        return existing
    root = Page.get_first_root_node()
    home = root.add_child(instance=HomePage(title="CMTP Learn", slug="cmtp-home"))
    site = Site.objects.filter(is_default_site=True).first()
    if site:
        site.root_page = home
        site.save()
    else:
        Site.objects.create(hostname="localhost", root_page=home, is_default_site=True)
    return home


def catalog_page() -> CatalogPage:
    existing = CatalogPage.objects.first()
    if existing:
        return existing
    return home_page().add_child(instance=CatalogPage(title="Curricula", slug="curricula"))


def framework_competency() -> Competency:
    """The framework competency every test curriculum claims (the test database may have the real ones too)."""
    competency, _ = Competency.objects.get_or_create(
        code="TEST-1", defaults={"short_name": "The test", "description": "Explain the test", "domain": "process"}
    )
    return competency


def make_curriculum(
    *,
    code: str | None = None,
    modules: int = 1,
    lessons_per_module: int = 2,
    recertification_months: int = 12,
    live: bool = True,
    indexed: bool = False,
) -> CurriculumPage:
    """A published curriculum with modules and lessons; returns the curriculum (lessons via .lessons()).

    Unless `indexed`, its pages are left out of the search and reference indexes, which take more than a
    third of the time of building a page: the real content is indexed when it loads and the search tests
    search it."""
    n = next(_seq)
    code = code or f"TEST-{n}"
    with _unindexed(skip=indexed):
        curriculum = catalog_page().add_child(
            instance=CurriculumPage(
                title=f"Curriculum {code}",
                slug=code.lower(),
                code=code,
                summary="A test curriculum.",
                credit_hours=Decimal("2"),
                estimated_minutes=60,
                recertification_months=recertification_months,
                competencies=[framework_competency()],
                live=live,
            )
        )
        _add_modules(curriculum, modules=modules, lessons_per_module=lessons_per_module)
    return curriculum


def add_modules(curriculum: CurriculumPage, *, modules: int, lessons_per_module: int) -> list[ModulePage]:
    """Append modules of lessons after the curriculum's existing ones (to grow it in a query-count test)."""
    with _unindexed():
        return _add_modules(curriculum, modules=modules, lessons_per_module=lessons_per_module)


def add_lessons(module: ModulePage, *, count: int) -> list[LessonPage]:
    """Append lessons after the module's existing ones, numbered on from them."""
    with _unindexed():
        return _add_lessons(module, count=count)


@contextmanager
def _unindexed(*, skip: bool = False) -> Iterator[None]:
    """Build test pages without updating Wagtail's search index and reference index."""
    if skip:
        yield
        return
    paused = [model for model in (CurriculumPage, ModulePage, LessonPage) if post_save.disconnect(index_page, model)]
    try:
        with disable_reference_index_auto_update(), mock.patch.object(Page, "full_clean", _fixed_values_are_valid):
            yield
    finally:
        for model in paused:
            post_save.connect(index_page, sender=model)


def _fixed_values_are_valid(page: Page, *args, **kwargs) -> None:
    """Page.full_clean for the factories' own pages: their values are fixed and valid, and validating them
    (a query per foreign key, the unique checks, the parent's locale) is almost half the cost of a page.
    Wagtail's defaults (draft title, slug, locale) are still set; the locale is the parent's, as Wagtail's.
    Nothing converts the values either, so give them as their Python types (a Decimal, not an int)."""
    parent = getattr(page, "_cached_parent_obj", None)
    if page.locale_id is None and parent is not None:
        page.locale_id = parent.locale_id
    page._set_core_field_defaults()


def _add_modules(curriculum: CurriculumPage, *, modules: int, lessons_per_module: int) -> list[ModulePage]:
    first = ModulePage.objects.child_of(curriculum).count()
    added = []
    for m in range(first, first + modules):
        module = curriculum.add_child(instance=ModulePage(title=f"Module {m + 1}", slug=f"module-{m + 1}"))
        _add_lessons(module, count=lessons_per_module)
        added.append(module)
    return added


def _add_lessons(module: ModulePage, *, count: int) -> list[LessonPage]:
    m = module.slug.removeprefix("module-")
    first = LessonPage.objects.child_of(module).count()
    return [
        module.add_child(
            instance=LessonPage(
                title=f"Lesson {m}.{n + 1}",
                slug=f"lesson-{m}-{n + 1}",
                summary="A lesson.",
                body=[("markdown", f"Body of lesson {m}.{n + 1}.")],
            )
        )
        for n in range(first, first + count)
    ]


class RequirementFactory(factory.django.DjangoModelFactory):
    """A mandate: `curriculum=` is required (pages are built with make_curriculum)."""

    class Meta:
        model = Requirement
        skip_postgeneration_save = True

    roles = factory.LazyFunction(lambda: [JobRole.MCM])
    due_days_after_hire = 90
    starts_on = date(2020, 1, 1)

    @factory.post_generation
    def categories(self, create, extracted, **kwargs):
        if create and extracted:
            self.categories.set(extracted)


def make_requirement(
    curriculum: CurriculumPage,
    *,
    categories: list[ServiceCategory],
    roles: list[str],
    due_days: int = 90,
    starts_on: date | None = None,
) -> Requirement:
    return RequirementFactory(
        curriculum=curriculum,
        categories=categories,
        roles=roles,
        due_days_after_hire=due_days,
        starts_on=starts_on or date(2020, 1, 1),
    )


def at_noon(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(12)))


class AssignmentFactory(factory.django.DjangoModelFactory):
    """An open assignment made by hand, required since 2024-01-01 and due in 2030 (not overdue); pass
    `curriculum=` (pages are built with make_curriculum) and the dates or state the test is about."""

    class Meta:
        model = Assignment

    staff = factory.SubFactory(StaffFactory)
    source = AssignmentSource.MANUAL
    required_from = date(2024, 1, 1)
    due_on = date(2030, 1, 1)
    state = AssignmentState.OPEN


class CurriculumCompletionFactory(factory.django.DjangoModelFactory):
    """A completion as curricula.completion writes it: the curriculum's code, title and hours copied."""

    class Meta:
        model = CurriculumCompletion

    user = factory.SubFactory(UserFactory)
    cycle = 1
    completed_at = factory.LazyFunction(timezone.now)
    curriculum_code = factory.LazyAttribute(lambda o: o.curriculum.code)
    curriculum_title = factory.LazyAttribute(lambda o: o.curriculum.title)
    credit_hours = factory.LazyAttribute(lambda o: o.curriculum.credit_hours)


class CertificateFactory(factory.django.DjangoModelFactory):
    """An issued certificate with exact dates (the issuing service is tested in tests/certificates)."""

    class Meta:
        model = Certificate

    user = factory.SubFactory(UserFactory)
    learner_name = factory.LazyAttribute(lambda o: o.user.get_full_name() or o.user.username)
    curriculum_code = factory.LazyAttribute(lambda o: o.curriculum.code)
    curriculum_title = factory.LazyAttribute(lambda o: o.curriculum.title)
    credit_hours = 2
    completed_on = factory.LazyFunction(timezone.localdate)
    serial = factory.Sequence(lambda n: f"CMTP-T-{n:06d}")
    code = factory.LazyFunction(new_code)
    issued_at = factory.LazyAttribute(lambda o: at_noon(o.completed_on))


class ReminderLogFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ReminderLog

    key = factory.Sequence(lambda n: f"test:{n}")
    kind = ReminderKind.DUE_30
    recipient = factory.SubFactory(UserFactory)
    email = factory.LazyAttribute(lambda o: o.recipient.email)
    subject = "Reminder"
    body = "A reminder."
    sent_at = factory.LazyFunction(timezone.now)


class PendingTaskFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PendingTask

    task = "outbox.tests.noop"
    created_at = factory.LazyFunction(timezone.now)


class QuizFactory(factory.django.DjangoModelFactory):
    """A quiz without questions (tests/assessments/builders.py adds one of every type); pass `curriculum=`."""

    class Meta:
        model = Quiz

    key = factory.Sequence(lambda n: f"quiz-{n}")
    title = "A quiz"


class AttemptFactory(factory.django.DjangoModelFactory):
    """A started, unsubmitted attempt; pass `quiz=` and, for a submitted one, `submitted_at`, `score`, `passed`."""

    class Meta:
        model = Attempt

    user = factory.SubFactory(UserFactory)
    number = factory.Sequence(lambda n: n + 1)
    started_at = factory.LazyFunction(timezone.now)


def drop_translated_curricula() -> None:
    """Delete the Spanish curriculum pages (they carry no records: those point at the English pages), for
    tests that migrate back to before curriculum codes became unique per language (curricula/0006)."""
    for page in CurriculumPage.objects.exclude(locale__language_code=settings.LANGUAGE_CODE):
        page.delete()
