from django.urls import path

from gongjian.archives import views

app_name = "archives"
urlpatterns = [
    path("", views.index, name="index"),
    path("<int:unit_id>/", views.unit_archive, name="unit"),
    path("<int:unit_id>/records/new/", views.record_create, name="record-create"),
    path("<int:unit_id>/skeleton.docx", views.skeleton, name="skeleton"),
    path("<int:unit_id>/binders/", views.binder_request, name="binder-request"),
    path("<int:unit_id>/mechanisms/", views.mechanisms, name="mechanisms"),
    path("records/<uuid:key>/", views.record_detail, name="record"),
    path("records/<uuid:key>/caption/", views.caption, name="caption"),
    path("records/<uuid:key>/withdraw/", views.withdraw, name="withdraw"),
    path("files/<int:pk>/<str:kind>/", views.evidence_file, name="file"),
    path("binders/<int:pk>/", views.binder_detail, name="binder"),
    path("binders/<int:pk>/status/", views.binder_status, name="binder-status"),
    path("binders/<int:pk>/download/", views.binder_download, name="binder-download"),
    path("meetings/", views.meeting_list, name="meetings"),
    path("meetings/new/", views.meeting_create, name="meeting-create"),
    path("meetings/<int:pk>/", views.meeting_detail, name="meeting"),
    path("meetings/<int:pk>/photos/", views.meeting_photos, name="meeting-photos"),
    path("meetings/photos/<int:pk>/<str:kind>/", views.meeting_photo, name="meeting-photo"),
    path("decisions/<int:pk>/follow-up/", views.decision_follow_up, name="decision-follow-up"),
    path("mechanisms/", views.mechanisms_index, name="mechanisms-index"),
    path("ranking/", views.ranking, name="ranking"),
    path("templates/", views.template_list, name="templates"),
    path("upkeep/<str:which>/", views.upkeep, name="upkeep"),
    path("templates/new/", views.template_create, name="template-create"),
    path("templates/<int:pk>/", views.template_detail, name="template"),
    path("templates/<int:pk>/publish/", views.template_publish, name="template-publish"),
]
