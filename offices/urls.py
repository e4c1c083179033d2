from offices.api_urls import urlpatterns as api_urlpatterns

urlpatterns = [
    *api_urlpatterns,
]
