from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "gongjian.api"
    label = "api"
    verbose_name = "API"
