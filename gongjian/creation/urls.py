from django.urls import path

from gongjian.creation import views

app_name = "creation"

urlpatterns = [
    path("", views.creation_index, name="index"),
    path("apply/", views.target_apply, name="apply"),
    path("goals/", views.goals, name="goals"),
    path("<int:pk>/", views.target_detail, name="detail"),
    path("<int:pk>/self-assess/", views.target_self_assess, name="self-assess"),
    path("<int:pk>/review/", views.target_review, name="review"),
    path("<int:pk>/certificate/", views.target_certificate, name="certificate"),
    path("<int:pk>/certificate/file/", views.certificate_file, name="certificate-file"),
]
