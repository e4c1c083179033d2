from django.urls import path

from offices import apis

urlpatterns = [
    path("api/admin/offices/", apis.AdminOfficeListApi.as_view()),
    path("api/admin/offices/<slug:slug>/", apis.AdminOfficeDetailApi.as_view()),
    path("api/admin/offices/<slug:slug>/opening-hours/", apis.AdminOpeningHoursApi.as_view()),
    path("api/admin/offices/<slug:slug>/closures/", apis.AdminClosureListApi.as_view()),
    path("api/admin/offices/<slug:slug>/closures/<int:pk>/", apis.AdminClosureDetailApi.as_view()),
    path("api/admin/services/", apis.AdminServiceListApi.as_view()),
    path("api/admin/services/<int:pk>/", apis.AdminServiceDetailApi.as_view()),
    path("api/admin/staff/", apis.AdminStaffListApi.as_view()),
    path("api/admin/staff/<int:pk>/", apis.AdminStaffDetailApi.as_view()),
    path("api/admin/holidays/", apis.AdminLocalHolidayApi.as_view()),
    path("api/staff/me/presence/", apis.StaffPresenceApi.as_view()),
]
