"""Tenant-host URLs of appointment booking: citizen API and pages, staff and admin API, the
staff's day plan page."""

from django.urls import path

from scheduling.appointments import apis, views

urlpatterns = [
    # citizens: API
    path("api/offices/<slug:slug>/slots/", apis.SlotListApi.as_view(), name="api-slots"),
    path("api/appointments/", apis.AppointmentCreateApi.as_view(), name="api-appointments"),
    path(
        "api/appointments/<str:reference>/",
        apis.AppointmentDetailApi.as_view(),
        name="api-appointment",
    ),
    path(
        "api/appointments/<str:reference>/cancel/",
        apis.AppointmentCancelApi.as_view(),
        name="api-appointment-cancel",
    ),
    path(
        "api/appointments/<str:reference>/reschedule/",
        apis.AppointmentRescheduleApi.as_view(),
        name="api-appointment-reschedule",
    ),
    # staff and admin: API
    path("api/staff/appointments/", apis.StaffDayPlanApi.as_view(), name="api-day-plan"),
    path(
        "api/staff/appointments/<str:reference>/no-show/",
        apis.StaffNoShowApi.as_view(),
        name="api-appointment-no-show",
    ),
    path("api/admin/blocks/", apis.AdminBlockApi.as_view(), name="api-admin-blocks"),
    path(
        "api/admin/appointments/<str:reference>/cancel/",
        apis.AdminCancelApi.as_view(),
        name="api-admin-appointment-cancel",
    ),
    # citizens: pages
    path("offices/<slug:slug>/book/", views.book, name="booking"),
    path("appointments/<str:reference>/", views.manage, name="appointment-manage"),
    path("appointments/<str:reference>/confirmed/", views.confirmed, name="appointment-confirmed"),
    path("appointments/<str:reference>/cancel/", views.cancel, name="appointment-cancel"),
    path(
        "appointments/<str:reference>/reschedule/", views.reschedule, name="appointment-reschedule"
    ),
    path("appointments/<str:reference>/join/", views.join, name="appointment-join"),
    # staff: the day plan page (the staff console links here)
    path("staff/appointments/", views.staff_day_plan, name="staff-day-plan"),
]
