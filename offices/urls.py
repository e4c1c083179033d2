from django.urls import path

from offices import views
from offices.api_urls import urlpatterns as api_urlpatterns

urlpatterns = [
    *api_urlpatterns,
    path("", views.office_overview, name="office-overview"),
    path("offices/<slug:slug>/", views.office_detail, name="office-detail"),
]
