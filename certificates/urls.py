from django.urls import path

from . import views

app_name = "certificates"
urlpatterns = [
    path("verify/", views.verify_form, name="verify_form"),
    path("verify/pdf/", views.verify_pdf, name="verify_pdf"),
    path("verify/<str:code>/", views.verify, name="verify"),
    path("certificates/", views.my_certificates, name="mine"),
    path("certificates/<int:pk>/", views.certificate_detail, name="detail"),
    path("certificates/<int:pk>/pdf/", views.certificate_pdf, name="pdf"),
    path("certificates/<int:pk>/credential.json", views.credential_file, name="credential_file"),
    path("certificates/<int:pk>/badge.png", views.baked_badge_image, name="baked_badge"),
    path("certificates/achievements/<str:code>.png", views.achievement_image, name="achievement_image"),
    path("certificates/<int:pk>/revoke/", views.revoke, name="revoke"),
    path("certificates/<int:pk>/reissue/", views.reissue, name="reissue"),
    path("certificates/<str:code>/badge.json", views.badge, name="badge"),
    path("certificates/<str:code>/revocations.json", views.revocations, name="revocations"),
]
