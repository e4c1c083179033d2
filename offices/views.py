from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def office_overview(request: HttpRequest) -> HttpResponse:
    return render(request, "offices/overview.html", {"offices": []})
