"""The page cache (content/page_cache.py) against the real site: the loaded content's Wagtail pages, published,
unpublished and moved with Wagtail's own operations. Every change is made inside
`django_capture_on_commit_callbacks(execute=True)`, so it runs as a commit would run it."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from django.contrib.auth import get_user_model
from django.db import transaction
from django.middleware.csrf import get_token
from django.test import Client
from wagtail import hooks
from wagtail.contrib.frontend_cache.backends.base import BaseBackend
from wagtail.models import Page, PageViewRestriction, Site

from certificates.models import IssuerSettings
from content import page_cache
from content.models import FaqPage, HomePage, ResourceIndexPage, ResourcePage, StandardPage
from curricula.models import LessonPage
from curricula.services import record_lesson_view
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

HIT = page_cache.HIT_HEADER


@pytest.fixture
def anonymous() -> Client:
    return Client()


@pytest.fixture
def commit(django_capture_on_commit_callbacks):
    """Run a change as a commit would: on_commit callbacks (the after-commit invalidation) run at its end."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


def cached(client: Client, url: str, **extra) -> str:
    """Request twice: the second answer must come from the page cache. Returns its HTML."""
    first = client.get(url, **extra)
    assert first.status_code == 200, url
    assert first[HIT] == "miss", url
    second = client.get(url, **extra)
    assert second[HIT] == "hit", url
    assert second.content == first.content
    return second.content.decode()


def fresh(client: Client, url: str, **extra) -> str:
    """The next anonymous request after a change: rendered again, never the cached copy."""
    response = client.get(url, **extra)
    assert response.status_code == 200, url
    assert response[HIT] == "miss", url
    return response.content.decode()


def publish(page: Page, **changes) -> None:
    for name, value in changes.items():
        setattr(page, name, value)
    page.save_revision().publish()


def english(model: type[Page]) -> Page:
    """The English page of a kind there is one of per language."""
    return model.objects.get(locale__language_code="en")


def menu_page() -> StandardPage:
    """A page of the main menu (not the one the footer links to as well)."""
    pages = StandardPage.objects.live().filter(show_in_menus=True, locale__language_code="en")
    return pages.exclude(slug="about-the-program").order_by("menu_order").first()


@pytest.mark.parametrize("url", ["/", "/about-the-program/", "/resources/", "/resources/adap/", "/faq/"])
def test_a_public_page_is_served_from_the_cache_with_no_query(anonymous, url, django_assert_max_num_queries):
    first = anonymous.get(url)
    assert first[HIT] == "miss"
    assert first["Cache-Control"] == "public, max-age=0"
    with django_assert_max_num_queries(0):
        second = anonymous.get(url)
    assert second[HIT] == "hit"
    assert second.content == first.content
    assert second["Cache-Control"] == "public, max-age=0"
    assert second["Content-Security-Policy"]  # the site's headers are on a cached answer too


def test_head_is_answered_from_the_cached_get(anonymous):
    anonymous.get("/faq/")
    assert anonymous.head("/faq/")[HIT] == "hit"


def test_home_page_shows_a_published_change_at_once(anonymous, commit):
    assert "Cached intro, then changed" not in cached(anonymous, "/")
    with commit():
        publish(HomePage.objects.get(locale__language_code="en").specific, intro="Cached intro, then changed")
    assert "Cached intro, then changed" in fresh(anonymous, "/")


def test_standard_page_shows_a_published_change_on_itself_and_in_every_menu(anonymous, commit):
    page = menu_page()
    cached(anonymous, page.url)
    cached(anonymous, "/faq/")
    with commit():
        publish(page, title="A retitled page", menu_title="Retitled", intro="A new introduction.")
    assert "A new introduction." in fresh(anonymous, page.url)
    assert ">Retitled</a>" in fresh(anonymous, "/faq/")  # the main menu on another page


def test_resource_directory_lists_a_new_resource_and_drops_an_unpublished_one(anonymous, commit):
    directory = english(ResourceIndexPage)
    cached(anonymous, "/resources/")
    cached(anonymous, "/resources/?category=legal")
    with commit():
        directory.add_child(
            instance=ResourcePage(
                title="Brand-new legal clinic", slug="new-legal-clinic", category="legal", summary="Free advice."
            )
        ).save_revision().publish()
    assert "Brand-new legal clinic" in fresh(anonymous, "/resources/")
    assert "Brand-new legal clinic" in fresh(anonymous, "/resources/?category=legal")
    assert anonymous.get("/resources/")[HIT] == "hit"

    with commit():
        ResourcePage.objects.get(slug="new-legal-clinic").unpublish()
    assert "Brand-new legal clinic" not in fresh(anonymous, "/resources/")
    assert anonymous.get("/resources/new-legal-clinic/").status_code == 404


def test_faq_shows_an_edited_item(anonymous, commit):
    faq = english(FaqPage)
    html = cached(anonymous, "/faq/")
    question = faq.items[0].value["question"]
    assert question in html
    items = faq.items.get_prep_value()
    items[0]["value"]["question"] = "What changed in this answer?"
    with commit():
        publish(faq, items=items)
    html = fresh(anonymous, "/faq/")
    assert "What changed in this answer?" in html
    assert question not in html


def test_menu_follows_a_moved_page(anonymous, commit):
    page = menu_page()
    old_url = page.url
    html = cached(anonymous, "/resources/")
    assert f'href="{old_url}"' in html
    cached(anonymous, old_url)
    new_parent = StandardPage.objects.live().exclude(pk=page.pk).filter(depth=page.depth).first()
    with commit():
        page.move(new_parent, pos="last-child")
    page.refresh_from_db()
    assert page.url != old_url
    html = fresh(anonymous, "/resources/")
    assert f'href="{page.url}"' in html
    assert f'href="{old_url}"' not in html
    assert anonymous.get(old_url).status_code == 301  # Wagtail's redirect to the new place, not the cached page


def test_deleting_a_page_empties_it_from_every_cached_page(anonymous, commit):
    page = menu_page()
    cached(anonymous, page.url)
    cached(anonymous, "/")
    with commit():
        page.delete()
    assert anonymous.get(page.url).status_code == 404
    assert f'href="{page.url}"' not in fresh(anonymous, "/")


def test_a_site_setting_change_renders_public_pages_again(anonymous, commit):
    cached(anonymous, "/faq/")
    settings = IssuerSettings.for_site(Site.objects.get(is_default_site=True))
    with commit():
        settings.save()
    fresh(anonymous, "/faq/")


def test_a_page_made_private_is_never_served_from_the_cache(anonymous, commit):
    page = menu_page()
    cached(anonymous, page.url)
    with commit():
        PageViewRestriction.objects.create(page=page, restriction_type=PageViewRestriction.LOGIN)
    response = anonymous.get(page.url)
    assert response.status_code == 302
    assert HIT not in response


def test_a_password_protected_page_is_not_cached_even_for_the_visitor_who_unlocked_it(anonymous, commit):
    page = menu_page()
    with commit():
        restriction = PageViewRestriction.objects.create(
            page=page, restriction_type=PageViewRestriction.PASSWORD, password="open-sesame-42"
        )
    form = anonymous.get(page.url)
    assert form.status_code == 200
    assert HIT not in form  # the password form carries a CSRF token
    assert "private" in form["Cache-Control"]
    unlocked = Client()
    unlocked.post(
        f"/_util/authenticate_with_password/{restriction.id}/{page.id}/",
        {"password": "open-sesame-42", "return_url": page.url},
    )
    for _ in range(2):
        response = unlocked.get(page.url)
        assert response.status_code == 200
        assert page.title in response.content.decode()
        assert HIT not in response
    assert page.specific.intro not in anonymous.get(page.url).content.decode()


def test_a_page_that_uses_a_csrf_token_is_never_cached(anonymous):
    def with_a_form(*, request, page):
        return {"form_token": get_token(request)}

    with hooks.register_temporarily("content_home_context", with_a_form):
        for _ in range(2):
            response = anonymous.get("/")
            assert response.status_code == 200
            assert HIT not in response
            assert "private" in response["Cache-Control"]
            assert "csrftoken" in response.cookies


def test_signed_in_users_never_get_nor_fill_the_cache(anonymous):
    user = UserFactory()
    signed_in = Client()
    signed_in.force_login(user)
    cached(anonymous, "/")  # an anonymous copy exists ...
    for _ in range(2):
        response = signed_in.get("/")
        assert HIT not in response  # ... and is never served to a signed-in person
        assert response["Cache-Control"] == "private"
        assert "Log out" in response.content.decode()

    other = Client()
    other.force_login(UserFactory())
    assert other.get("/faq/")["Cache-Control"] == "private"
    signed_in.get("/faq/")
    html = fresh(anonymous, "/faq/")  # what signed-in people saw was never stored
    assert "Log out" not in html
    assert "Log in" in html


def test_learner_pages_are_private(anonymous):
    signed_in = Client()
    signed_in.force_login(UserFactory())
    response = signed_in.get("/learn/")
    assert response.status_code == 200
    assert "private" in response["Cache-Control"]


def test_query_strings_are_keyed_only_when_the_page_knows_them(anonymous):
    legal = cached(anonymous, "/resources/?category=legal")
    everything = cached(anonymous, "/resources/")
    assert legal != everything
    for url in ("/resources/?category=nonsense", "/resources/?utm_source=mail", "/?category=legal&x=1"):
        for _ in range(2):
            response = anonymous.get(url)
            assert response.status_code == 200
            assert HIT not in response


def test_a_visitor_with_a_message_to_read_gets_a_page_of_their_own(anonymous):
    cached(anonymous, "/")
    anonymous.cookies["messages"] = "anything"
    response = anonymous.get("/")
    assert HIT not in response


def test_languages_are_cached_apart(anonymous):
    english = cached(anonymous, "/")
    spanish = Client(HTTP_ACCEPT_LANGUAGE="es")
    response = spanish.get("/", follow=True)
    assert response.status_code == 200
    assert response[HIT] == "miss"  # never the English copy
    again = spanish.get("/", follow=True)
    assert again[HIT] == "hit"
    assert again.content == response.content
    assert anonymous.get("/")[HIT] == "hit"
    assert anonymous.get("/").content.decode() == english
    assert response["Content-Language"] == "es"


def test_learner_activity_does_not_empty_the_cache(anonymous, commit):
    cached(anonymous, "/")
    learner = UserFactory()
    lesson = LessonPage.objects.live().first()
    with commit():
        record_lesson_view(user=learner, lesson=lesson)
        get_user_model().objects.filter(pk=learner.pk).update(first_name="Changed")
    assert anonymous.get("/")[HIT] == "hit"


def test_a_rolled_back_publish_leaves_the_page_as_it_was(anonymous):
    cached(anonymous, "/")
    home = HomePage.objects.get(locale__language_code="en").specific
    with pytest.raises(RuntimeError), transaction.atomic():
        publish(home, intro="Never committed")
        raise RuntimeError
    assert "Never committed" not in anonymous.get("/").content.decode()


def test_one_after_commit_invalidation_per_transaction(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        for page in StandardPage.objects.live()[:3]:
            publish(page, intro="Bulk edit")
    assert callbacks.count(page_cache._after_commit) == 1


def test_the_generation_is_new_after_every_change_and_survives_a_lost_key(commit):
    before = page_cache.current_generation()
    with commit():
        publish(menu_page(), intro="Another edit")
    after = page_cache.current_generation()
    assert after != before
    page_cache.page_cache().delete(page_cache.GENERATION_KEY)
    assert page_cache.current_generation() not in (None, before, after)


PURGED: list[str] = []


class RecordingBackend(BaseBackend):
    """A frontend cache (nginx, Varnish, a CDN) that records what Wagtail asks it to purge."""

    def purge(self, url) -> None:
        PURGED.append(url)


def test_with_a_frontend_cache_configured_pages_may_be_shared_and_every_page_is_purged(anonymous, commit, settings):
    settings.WAGTAILFRONTENDCACHE = {"recording": {"BACKEND": f"{__name__}.RecordingBackend"}}
    settings.PAGE_CACHE_SHARED_MAX_AGE = 600
    PURGED.clear()
    assert anonymous.get("/faq/")["Cache-Control"] == "public, max-age=0, s-maxage=600"
    with commit():
        publish(menu_page(), intro="Purged everywhere")
    paths = {urlsplit(url).path + (f"?{urlsplit(url).query}" if urlsplit(url).query else "") for url in PURGED}
    assert {"/", "/faq/", "/resources/", "/resources/?category=legal", "/es/faq/"} <= paths
    signed_in = Client()
    signed_in.force_login(UserFactory())
    assert signed_in.get("/faq/")["Cache-Control"] == "private"
