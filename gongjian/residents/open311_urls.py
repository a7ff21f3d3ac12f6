from django.urls import re_path

from gongjian.residents import open311

app_name = "open311"
FMT = r"\.(?P<fmt>json|xml)$"

urlpatterns = [
    re_path(r"^discovery" + FMT, open311.discovery, name="discovery"),
    re_path(r"^services" + FMT, open311.services_list, name="services"),
    re_path(r"^services/(?P<service_code>[\w-]{1,40})" + FMT, open311.service_definition, name="service"),
    re_path(r"^requests" + FMT, open311.requests_view, name="requests"),
    re_path(r"^requests/(?P<service_request_id>[\w-]{1,40})" + FMT, open311.request_one, name="request"),
    re_path(r"^tokens/(?P<token>[\w-]{1,64})" + FMT, open311.token, name="token"),
    re_path(r"^media/(?P<photo_id>\d{1,18})\.jpg$", open311.media, name="media"),
]
