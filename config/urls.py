from django.conf import settings
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.views.generic import RedirectView
from django_ratelimit.decorators import ratelimit
from wagtail import urls as wagtail_urls
from wagtail.admin import urls as wagtailadmin_urls
from wagtail.documents import urls as wagtaildocs_urls

from content import views as content_views

from . import views

login_view = ratelimit(key="ip", rate="10/m", method="POST", block=True)(
    ratelimit(key="post:username", rate="10/m", method="POST", block=True)(
        auth_views.LoginView.as_view(redirect_authenticated_user=True)
    )
)

urlpatterns = [
    path("favicon.ico", RedirectView.as_view(url=f"{settings.STATIC_URL}img/favicon.svg", permanent=True)),
    path("health/", views.health, name="health"),
    path("django-admin/", admin.site.urls),
    path("admin/", include(wagtailadmin_urls)),
    path("documents/", include(wagtaildocs_urls)),
    path("accounts/login/", login_view, name="login"),
    path("accounts/", include("django.contrib.auth.urls")),
    path("search/", content_views.search, name="search"),
    path("learn/", include("curricula.urls")),
    path("quiz/", include("assessments.urls")),
    path("agency/", include("agencies.urls")),
    path("", include("certificates.urls")),
    path("compliance/", include("compliance.urls")),
]

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)

urlpatterns.append(path("", include(wagtail_urls)))

handler500 = "config.views.server_error"
