from django.urls import path

from gongjian.inspections import field_views, map_views, views

app_name = "problems"
urlpatterns = [
    path("", views.problem_list, name="list"),
    path("export.xlsx", views.problem_export, name="export"),
    path("queue/", views.work_queue, name="queue"),
    path("report/", field_views.problem_report, name="report"),
    path("report/nearby/", field_views.units_nearby, name="nearby"),
    path("uploads/", field_views.photo_upload, name="upload"),
    path("uploads/<uuid:token>/thumb/", field_views.photo_upload_thumb, name="upload-thumb"),
    path("map/", map_views.problem_map, name="map"),
    path("map/map.json", map_views.problem_map_data, name="map-data"),
    path("map/boundaries.json", map_views.boundary_data, name="map-boundaries"),
    path("stats/", views.problem_stats, name="stats"),
    path("rounds/", views.inspection_list, name="rounds"),
    path("rounds/new/", views.inspection_create, name="round-create"),
    path("<int:pk>/", views.problem_detail, name="detail"),
    path("<int:pk>/rectify/", field_views.problem_rectify, name="rectify"),
    path("<int:pk>/review/", field_views.problem_review, name="review"),
    path("<int:pk>/void/", views.problem_void, name="void"),
    path("<int:pk>/extension/", views.extension_request, name="extension-request"),
    path("<int:pk>/extension/decide/", views.extension_decide, name="extension-decide"),
    path("photos/<int:pk>/<str:kind>/", views.photo, name="photo"),
]
