from django.urls import include, path
from rest_framework.routers import DefaultRouter

from gongjian.api import views

router = DefaultRouter()
router.register("units", views.UnitViewSet, basename="unit")

urlpatterns = [
    path("auth/token/", views.TokenView.as_view(), name="api-token"),
    path("me/", views.MeView.as_view(), name="api-me"),
    path("", include(router.urls)),
]
