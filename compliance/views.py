from django.http import Http404, HttpRequest, HttpResponse


def home(request: HttpRequest) -> HttpResponse:
    raise Http404("Not built yet.")


def verify_export(request: HttpRequest) -> HttpResponse:
    raise Http404("Not built yet.")
