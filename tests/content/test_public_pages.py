import pytest
from django.test import Client, override_settings

pytestmark = pytest.mark.django_db

PUBLIC_PAGES = [
    "/",
    "/about-the-program/",
    "/medical-case-management/",
    "/non-medical-case-management/",
    "/linkage-to-care/",
    "/resources/",
    "/resources/adap/",
    "/resources/?category=financial",
    "/faq/",
    "/curricula/",
    "/curricula/cmtp-101/",
    "/search/?q=ADAP",
]


@pytest.fixture
def site():
    """Content is loaded once per session (tests/conftest.py); this names the dependency."""


@pytest.mark.parametrize("url", PUBLIC_PAGES)
def test_public_page_renders_with_bounded_queries(site, client, url, django_assert_max_num_queries):
    client.get(url)  # warm the menu cache, as any running site would have it
    with django_assert_max_num_queries(25):
        response = client.get(url)
    assert response.status_code == 200
    html = response.content.decode()
    assert 'class="skip-link" href="#main"' in html
    assert '<main id="main"' in html
    assert "<nav" in html


def test_home_page_shows_program_and_curricula(site, client):
    html = client.get("/").content.decode()
    assert "Ryan White" in html or "Case Management" in html
    assert "CMTP-101" in html


def test_resource_directory_filters_by_category(site, client):
    html = client.get("/resources/?category=legal").content.decode()
    assert "Legal" in html
    assert "AIDS Drug Assistance Program" not in html
    all_html = client.get("/resources/").content.decode()
    assert "ADAP" in all_html or "AIDS Drug Assistance" in all_html


def test_resource_page_shows_eligibility_and_how_to_access(site, client):
    html = client.get("/resources/adap/").content.decode()
    assert "Who is eligible" in html
    assert "How to access" in html
    assert "References" in html


def test_search_finds_a_resource_by_a_word_in_its_body(site, client):
    from content.models import ResourcePage

    resource = ResourcePage.objects.get(slug="adap", locale__language_code="en")
    resource.body = [("markdown", "Ask the pharmacist about the quokkaformulary enrolment window.")]
    resource.save_revision().publish()
    html = client.get("/search/?q=quokkaformulary").content.decode()
    assert resource.title in html


def test_unknown_page_gets_the_404_page(site, client):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert "Page not found" in response.content.decode()


@override_settings(DEBUG=False)
def test_server_error_renders_the_500_page(site):
    from django.urls import path

    def boom(request):
        raise RuntimeError("boom")

    import config.urls

    client = Client(raise_request_exception=False)
    original = list(config.urls.urlpatterns)
    config.urls.urlpatterns.insert(0, path("boom/", boom))
    from django.urls import clear_url_caches

    clear_url_caches()
    try:
        response = client.get("/boom/")
    finally:
        config.urls.urlpatterns[:] = original
        clear_url_caches()
    assert response.status_code == 500
    assert "Something went wrong" in response.content.decode()


def test_security_headers_and_csp_on_public_pages(site, client):
    response = client.get("/")
    assert "script-src 'self'" in response["Content-Security-Policy"]
    assert response["X-Content-Type-Options"] == "nosniff"


def test_coordinator_can_log_in_to_wagtail_admin_and_edit_a_page(site, client):
    from django.core.management import call_command

    from content.models import StandardPage

    call_command("seed_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert client.login(username="coordinator@cmtp.demo", password="cmtp-demo-2026")
    assert client.get("/admin/").status_code == 200
    page = StandardPage.objects.get(slug="stigma", locale__language_code="en")
    assert client.get(f"/admin/pages/{page.pk}/edit/").status_code == 200
    assert client.get(f"/admin/pages/{page.pk}/revisions/").status_code in (200, 302)
