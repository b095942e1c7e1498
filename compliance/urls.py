from django.urls import path

from . import views

app_name = "compliance"
urlpatterns = [
    path("", views.home, name="home"),
    path("agency/<slug:slug>/", views.agency_dashboard, name="agency"),
    path("agency/<slug:slug>/export/<str:kind>/", views.export, name="export"),
    path("team/", views.team_dashboard, name="team"),
    path("staff/<int:pk>/", views.staff_detail, name="staff"),
    path("program/", views.program, name="program"),
    path("program/export/<str:kind>/", views.program_export, name="program_export"),
    path("my-reminders/", views.my_reminders, name="my_reminders"),
    path("verify-export/", views.verify_export, name="verify_export"),
]
