"""factory_boy factories and page builders shared by the tests."""

from __future__ import annotations

import itertools
from datetime import date, timedelta

import factory
from django.contrib.auth import get_user_model
from wagtail.models import Page, Site

from agencies.models import Agency, JobRole, ServiceCategory, StaffMember, TrainingCoordinator
from content.models import HomePage
from curricula.models import CatalogPage, CurriculumPage, LessonPage, ModulePage, Requirement

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


def make_coordinator(**kwargs) -> User:
    user = UserFactory(**kwargs)
    TrainingCoordinator.objects.create(user=user, all_agencies=True)
    return user


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


def make_curriculum(
    *,
    code: str | None = None,
    modules: int = 1,
    lessons_per_module: int = 2,
    recertification_months: int = 12,
    live: bool = True,
) -> CurriculumPage:
    """A published curriculum with modules and lessons; returns the curriculum (lessons via .lessons())."""
    n = next(_seq)
    code = code or f"TEST-{n}"
    curriculum = catalog_page().add_child(
        instance=CurriculumPage(
            title=f"Curriculum {code}",
            slug=code.lower(),
            code=code,
            summary="A test curriculum.",
            credit_hours=2,
            estimated_minutes=60,
            recertification_months=recertification_months,
            competencies=["Explain the test"],
            live=live,
        )
    )
    for m in range(modules):
        module = curriculum.add_child(instance=ModulePage(title=f"Module {m + 1}", slug=f"module-{m + 1}"))
        for lesson_index in range(lessons_per_module):
            module.add_child(
                instance=LessonPage(
                    title=f"Lesson {m + 1}.{lesson_index + 1}",
                    slug=f"lesson-{m + 1}-{lesson_index + 1}",
                    summary="A lesson.",
                    body=[("markdown", f"Body of lesson {m + 1}.{lesson_index + 1}.")],
                )
            )
    return curriculum


def make_requirement(
    curriculum: CurriculumPage,
    *,
    categories: list[ServiceCategory],
    roles: list[str],
    due_days: int = 90,
    starts_on: date | None = None,
    renew_every_months: int = 12,
) -> Requirement:
    requirement = Requirement.objects.create(
        curriculum=curriculum,
        roles=roles,
        due_days_after_hire=due_days,
        starts_on=starts_on or date(2020, 1, 1),
        renew_every_months=renew_every_months,
    )
    requirement.categories.set(categories)
    return requirement
