from django.urls import path

app_name = "curricula"
urlpatterns: list = []
