"""Waiting room and staff console: pages and APIs (tenant hosts)."""

from django.urls import path

from scheduling.queue import apis, views

urlpatterns = [
    # citizens: the offices' live status
    path("api/offices/", apis.OfficeListApi.as_view(), name="api-offices"),
    path("api/offices/<slug:slug>/", apis.OfficeDetailApi.as_view(), name="api-office"),
    path("", views.office_overview, name="office-overview"),
    path("offices/<slug:slug>/", views.office_detail, name="office-detail"),
    # citizens: API
    path("api/offices/<slug:slug>/queue/", apis.QueueJoinApi.as_view(), name="api-queue-join"),
    path("api/queue/<str:token>/", apis.QueueTicketApi.as_view(), name="api-queue-ticket"),
    # officials: API
    path(
        "api/staff/offices/<slug:slug>/queue/",
        apis.StaffOfficeQueueApi.as_view(),
        name="api-staff-queue",
    ),
    path(
        "api/staff/offices/<slug:slug>/call-next/",
        apis.CallNextApi.as_view(),
        name="api-staff-call-next",
    ),
    path("api/staff/tickets/<int:pk>/start/", apis.TicketStartApi.as_view()),
    path("api/staff/tickets/<int:pk>/complete/", apis.TicketCompleteApi.as_view()),
    path("api/staff/tickets/<int:pk>/no-show/", apis.TicketNoShowApi.as_view()),
    path("api/staff/tickets/<int:pk>/recall/", apis.TicketRecallApi.as_view()),
    path("api/staff/tickets/<int:pk>/transfer/", apis.TicketTransferApi.as_view()),
    # citizens: pages
    path("offices/<slug:slug>/queue/", views.queue_join, name="queue-join"),
    path("queue/<str:token>/", views.queue_ticket, name="queue-ticket"),
    path("queue/<str:token>/join/", views.queue_join_video, name="queue-join-video"),
    path("queue/<str:token>/leave/", views.queue_leave, name="queue-leave"),
    # officials: the console
    path("staff/", views.staff_console, name="staff-console"),
    path("staff/presence/", views.staff_presence, name="staff-presence"),
    path("staff/offices/<slug:slug>/call-next/", views.staff_call_next, name="staff-call-next"),
    path(
        "staff/tickets/<int:pk>/<str:action>/",
        views.staff_ticket_action,
        name="staff-ticket-action",
    ),
]
