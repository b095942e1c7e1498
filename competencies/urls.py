from django.urls import path

from . import views

app_name = "competencies"
urlpatterns = [
    path("", views.mine, name="mine"),
    path("framework/", views.framework, name="framework"),
    path("agency/<slug:slug>/", views.agency, name="agency"),
    path("agency/<slug:slug>/export.csv", views.agency_export, name="agency_export"),
    path("team/", views.team, name="team"),
    path("team/export.csv", views.team_export, name="team_export"),
    path("program/", views.program, name="program"),
    path("program/export.csv", views.program_export, name="program_export"),
]
