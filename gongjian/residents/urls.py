from django.urls import path

from gongjian.residents import office, views

app_name = "residents"

urlpatterns = [
    path("report/", views.report_new, name="report"),
    path("report/nearby/", views.nearby, name="nearby"),
    path("r/<str:token>/", views.follow, name="follow"),
    path("r/<str:token>/answer/", views.answer, name="answer"),
    path("r/<str:token>/photos/<int:photo_id>/<str:kind>/", views.photo, name="photo"),
    path("r/<str:token>/after/<int:photo_id>/<str:kind>/", views.after_photo, name="after-photo"),
    path("office/", office.queue, name="queue"),
    path("office/<int:pk>/", office.detail, name="detail"),
    path("office/<int:pk>/photos/<int:photo_id>/<str:kind>/", office.report_photo, name="office-photo"),
    path("office/alerts/<int:pk>/reject-held/", office.alert_reject_held, name="alert-reject-held"),
    path("office/open311-keys/", office.keys, name="keys"),
    path("office/open311-keys/<int:pk>/revoke/", office.key_revoke, name="key-revoke"),
]
