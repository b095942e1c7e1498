from django.conf import settings
from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.urls import include, path, re_path
from django.views.generic import RedirectView
from wagtail import views as wagtail_views
from wagtail.admin import urls as wagtailadmin_urls
from wagtail.documents import urls as wagtaildocs_urls
from wagtail.urls import serve_pattern

from accounts import views as account_views
from agencies import admin_reports
from certificates import views as certificate_views
from content import views as content_views

from . import admin_site, views  # noqa: F401 - admin_site limits the Django admin to site administrators

# Pages that are the same in every language (machines, the admin screens, files): one URL each.
urlpatterns = [
    path("favicon.ico", RedirectView.as_view(url=f"{settings.STATIC_URL}img/favicon.svg", permanent=True)),
    path("health/", views.health, name="health"),
    path(".well-known/security.txt", views.security_txt, name="security_txt"),
    path(".well-known/did.json", certificate_views.did_json, name="did_json"),  # the credential signing keys
    # One sign-in for everything: the admin and page-privacy login forms send people to the site login
    # (failures counted by django-axes, two-factor enforced), `next` kept.
    path("django-admin/login/", account_views.django_admin_login),
    path("django-admin/", admin.site.urls),
    path("admin/login/", account_views.wagtail_admin_login),
    path("admin/password_reset/", RedirectView.as_view(pattern_name="password_reset")),
    path("admin/reports/", include(admin_reports)),  # site history: program-wide roles only
    path("admin/", include(wagtailadmin_urls)),
    path("_util/login/", account_views.page_privacy_login, name="wagtailcore_login"),
    path("documents/", include(wagtaildocs_urls)),
]

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)

# The site people read (issue 24): English at /..., Spanish at /es/... (the language of the URL is the
# language of the page, so links can be shared). Printed QR codes point at /verify/<code>/, which stays.
urlpatterns += i18n_patterns(
    path("accounts/login/", account_views.LoginView.as_view(), name="login"),
    path("accounts/password_reset/", account_views.password_reset, name="password_reset"),
    path("accounts/", include("accounts.urls")),
    path("accounts/", include("django.contrib.auth.urls")),
    path("search/", content_views.search, name="search"),
    path("learn/", include("curricula.urls")),
    path("competencies/", include("competencies.urls")),
    path("quiz/", include("assessments.urls")),
    path("agency/", include("agencies.urls")),
    path("", include("certificates.urls")),
    path("compliance/", include("compliance.urls")),
    # Wagtail's pages, last (it matches any path); pages not yet in Spanish are shown in English under /es/.
    path(
        "_util/authenticate_with_password/<int:page_view_restriction_id>/<int:page_id>/",
        wagtail_views.authenticate_with_password,
        name="wagtailcore_authenticate_with_password",
    ),
    re_path(serve_pattern, views.serve_page, name="wagtail_serve"),
    prefix_default_language=False,
)

handler500 = "config.views.server_error"
