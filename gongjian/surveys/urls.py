from django.urls import path

from gongjian.surveys import office, views

app_name = "surveys"

urlpatterns = [
    path("s/<str:token>/", views.answer, name="answer"),
    path("s/<str:token>/qr.<str:fmt>", views.qr, name="qr"),
    path("office/", office.survey_list, name="list"),
    path("office/new/", office.survey_new, name="new"),
    path("office/<int:pk>/", office.survey_detail, name="detail"),
    path("office/<int:pk>/edit/", office.survey_edit, name="edit"),
    path("office/<int:pk>/publish/", office.survey_publish, name="publish"),
    path("office/<int:pk>/new-version/", office.survey_new_version, name="new-version"),
    path("office/<int:pk>/results/", office.survey_results, name="results"),
    path("office/<int:pk>/results.xlsx", office.survey_export, name="export"),
]
