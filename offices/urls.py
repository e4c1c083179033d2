from django.urls import path

from offices import views

urlpatterns = [
    path("", views.office_overview, name="office-overview"),
]
