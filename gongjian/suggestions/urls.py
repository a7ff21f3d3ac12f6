from django.urls import path

from gongjian.suggestions import views

app_name = "suggestions"
urlpatterns = [
    path("", views.index, name="index"),
    path("retrain/", views.retrain, name="retrain"),
]
