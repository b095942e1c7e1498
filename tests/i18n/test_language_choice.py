"""Issue 24, part 3: the language of the URL, the switcher, a person's saved choice, Accept-Language."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from accounts.language import SESSION_KEY, in_language_of, language_of, save_language
from accounts.models import LanguagePreference
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def _html_lang(response) -> str:
    match = re.search(rb'<html lang="([^"]+)"', response.content)
    assert match, "no <html lang> on the page"
    return match.group(1).decode()


def test_english_stays_at_the_plain_url_and_spanish_is_under_es(client):
    english = client.get("/")
    spanish = client.get("/es/")
    assert english.status_code == 200 and _html_lang(english) == "en"
    assert spanish.status_code == 200 and _html_lang(spanish) == "es"
    assert "Skip to main content" in english.content.decode()
    assert "Saltar al contenido principal" in spanish.content.decode()


def test_es_urls_of_the_site_pages_resolve(client):
    for url in ("/es/accounts/login/", "/es/verify/", "/es/search/?q=case", "/es/faq/", "/es/resources/"):
        response = client.get(url)
        assert response.status_code == 200, url
        assert _html_lang(response) == "es", url


def test_the_switcher_marks_the_current_language_and_links_the_other(client):
    body = client.get("/faq/").content.decode()
    assert '<span aria-current="true" lang="en">English</span>' in body
    link = re.search(r'<a href="([^"]+)" hreflang="es" lang="es">Español</a>', body)
    assert link, "no link to the Spanish page"
    response = client.get(link.group(1).replace("&amp;", "&"))
    assert response.status_code == 302
    assert response["Location"] == "/es/faq/"
    assert response.cookies["django_language"].value == "es"
    # From now on the plain URL sends this visitor to Spanish, and the switcher brings English back.
    assert client.get("/faq/")["Location"] == "/es/faq/"
    back = client.get(f"{reverse('accounts:set_language')}?language=en&next=/es/faq/")
    assert back["Location"] == "/faq/"
    assert client.get("/faq/").status_code == 200


def test_accept_language_sends_an_anonymous_visitor_to_spanish(client):
    response = client.get("/faq/", HTTP_ACCEPT_LANGUAGE="es-MX,es;q=0.9,en;q=0.5")
    assert response.status_code == 302 and response["Location"] == "/es/faq/"
    assert "Accept-Language" in response["Vary"]
    assert client.get("/faq/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9").status_code == 200
    # A shared /es/ link opens in Spanish whatever the browser says; the admin and health are never moved.
    assert client.get("/es/faq/", HTTP_ACCEPT_LANGUAGE="en-US").status_code == 200
    assert client.get("/health/", HTTP_ACCEPT_LANGUAGE="es").status_code == 200


def test_a_signed_in_choice_is_saved_and_applied_after_the_next_sign_in(client):
    user = UserFactory(password="a-long-password-1")
    client.force_login(user)
    response = client.post(reverse("accounts:set_language"), {"language": "es", "next": "/learn/"})
    assert response.status_code == 302 and response["Location"] == "/es/learn/"
    assert LanguagePreference.objects.get(user=user).language == "es"
    client.logout()
    client.cookies.clear()  # another browser: only the account remembers
    assert (
        client.post(reverse("login"), {"username": user.username, "password": "a-long-password-1"}).status_code == 302
    )
    assert client.session[SESSION_KEY] == "es"
    dashboard = client.get("/learn/")
    assert dashboard.status_code == 302 and dashboard["Location"] == "/es/learn/"
    page = client.get("/es/learn/")
    assert page.status_code == 200 and _html_lang(page) == "es"
    assert 'aria-current="true" lang="es"' in page.content.decode()


def test_language_of_and_in_language_of(db):
    user = UserFactory()
    assert language_of(user=user) == "en"
    save_language(user=user, language="es")
    assert language_of(user=user) == "es"
    from django.utils.translation import get_language, gettext

    with in_language_of(user=user) as language:
        assert language == "es" and get_language() == "es"
        assert gettext("Skip to main content") == "Saltar al contenido principal"
    assert get_language() == "en"


def test_bad_language_and_foreign_next_are_refused_without_a_500(client):
    assert client.get(reverse("accounts:set_language"), {"language": "xx", "next": "/"}).status_code == 400
    response = client.get(reverse("accounts:set_language"), {"language": "es", "next": "https://evil.example/"})
    assert response.status_code == 302 and response["Location"] == "/es/"
    assert client.put(reverse("accounts:set_language")).status_code == 405


def test_a_page_not_yet_in_spanish_is_shown_in_english_under_es_and_marked_so(client):
    from wagtail.models import Locale

    from content.models import HomePage, StandardPage

    home = HomePage.objects.get(locale=Locale.get_default())
    home.add_child(instance=StandardPage(title="Only in English", slug="only-in-english", intro="English words."))
    response = client.get("/es/only-in-english/")
    assert response.status_code == 200
    body = response.content.decode()
    assert _html_lang(response) == "es"  # the interface around it is Spanish
    assert re.search(r'<main id="main"[^>]* lang="en"', body), "the English content is not marked lang=en"
    assert "English words." in body
    assert client.get("/es/no-such-page-anywhere/").status_code == 404
