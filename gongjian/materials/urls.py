from django.urls import path

from gongjian.materials import position_views, views

app_name = "materials"

urlpatterns = [
    path("", views.material_index, name="index"),
    path("<int:pk>/", views.material_detail, name="detail"),
    path("<int:pk>/versions/", views.material_add_version, name="add-version"),
    path("<int:pk>/versions/<int:version_id>/confirm/", views.material_confirm, name="confirm"),
    path("<int:pk>/versions/<int:version_id>/file/", views.version_file, name="file"),
    path("positions/", position_views.position_index, name="positions"),
    path("positions/<int:pk>/", position_views.position_detail, name="position"),
    path("positions/<int:pk>/photo/", position_views.position_photo, name="position-photo"),
    path("positions/updates/<int:update_id>/photo/", position_views.update_photo, name="update-photo"),
    path("positions/updates/<int:update_id>/remove/", position_views.update_remove, name="update-remove"),
]
