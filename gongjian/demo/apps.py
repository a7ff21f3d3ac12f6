from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "gongjian.demo"
    label = "demo"
    verbose_name = "Demo city"
