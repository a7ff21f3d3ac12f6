from django.urls import path

from gongjian.selections import views

app_name = "selections"

urlpatterns = [
    path("", views.index, name="index"),
    path("office/", views.office_list, name="office"),
    path("office/<int:pk>/", views.office_detail, name="office-detail"),
    path("office/<int:pk>/scan/", views.scan, name="scan"),
    path("office/<int:pk>/finalise/", views.finalise, name="finalise"),
    path("office/nominees/<int:pk>/decide/", views.nominee_decide, name="nominee-decide"),
    path("office/bursts/<int:pk>/decide/", views.anomaly_decide, name="anomaly-decide"),
    path("<int:pk>/", views.public, name="public"),
    path("<int:pk>/vote/<int:category_pk>/", views.vote, name="vote"),
    path("<int:pk>/nominate/", views.nominate, name="nominate"),
    path("photos/<int:photo_id>/<str:kind>/", views.photo, name="photo"),
]
