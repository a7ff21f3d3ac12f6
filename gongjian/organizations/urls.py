from django.urls import path

from gongjian.organizations import boundary_views, views

app_name = "units"
urlpatterns = [
    path("", views.unit_browse, name="browse"),
    path("<int:pk>/", views.unit_detail, name="detail"),
    path("boundaries/", boundary_views.boundary_upload, name="boundaries"),
]
