from django.urls import path

from . import views

app_name = "compliance"
urlpatterns = [
    path("", views.home, name="home"),
    path("verify-export/", views.verify_export, name="verify_export"),
]
