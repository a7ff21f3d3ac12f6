from django.urls import path

from gongjian.competitions import views

app_name = "competitions"

urlpatterns = [
    path("", views.competition_index, name="index"),
    path("new/", views.competition_create, name="create"),
    path("<int:pk>/", views.competition_detail, name="detail"),
    path("<int:pk>/edit/", views.competition_edit, name="edit"),
    path("<int:pk>/export.xlsx", views.competition_export, name="export"),
    path("<int:pk>/compute/", views.competition_compute, name="compute"),
    path("<int:pk>/publish/", views.competition_publish, name="publish"),
    path("<int:pk>/units/<int:participant_id>/", views.participant_sheet, name="sheet"),
    path("<int:pk>/units/<int:participant_id>/entry/", views.participant_entry, name="entry"),
    path("<int:pk>/units/<int:participant_id>/adjust/", views.participant_adjust, name="adjust"),
    path(
        "<int:pk>/units/<int:participant_id>/photos/<int:entry_id>/",
        views.entry_photo,
        name="photo",
    ),
]
