from django.urls import path

from gongjian.organizations import views

app_name = "units"
urlpatterns = [
    path("", views.unit_browse, name="browse"),
    path("<int:pk>/", views.unit_detail, name="detail"),
]
