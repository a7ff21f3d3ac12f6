from django.urls import path

from gongjian.dashboard import views

app_name = "dashboard"
urlpatterns = [
    path("", views.overview, name="overview"),
    path("wall/", views.wall, name="wall"),
    path("figures.json", views.figures_json, name="figures"),
]
