from django.http import Http404, HttpRequest, HttpResponse


def verify_form(request: HttpRequest) -> HttpResponse:
    raise Http404("Not built yet.")


def verify(request: HttpRequest, code: str) -> HttpResponse:
    raise Http404("Not built yet.")
