from django.urls import path

from gongjian.boards import views

app_name = "boards"

urlpatterns = [
    path("", views.index, name="index"),
    path("<int:city_id>/", views.board, name="board"),
    path("settings/", views.board_settings, name="settings"),
]
