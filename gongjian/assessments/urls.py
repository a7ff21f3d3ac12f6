from django.urls import path

from gongjian.assessments import views

app_name = "assessments"
urlpatterns = [
    path("", views.month_list, name="months"),
    path("new/", views.month_create, name="month-create"),
    path("rules/", views.ruleset_list, name="rulesets"),
    path("rules/new/", views.ruleset_create, name="ruleset-create"),
    path("rules/<int:pk>/", views.ruleset_detail, name="ruleset"),
    path("rules/<int:pk>/edit/", views.ruleset_edit, name="ruleset-edit"),
    path("rules/<int:pk>/export.<str:fmt>", views.ruleset_export, name="ruleset-export"),
    # Months are written YYYY-MM; the views answer 404 to anything else.
    path("<str:month>/", views.month_detail, name="month"),
    path("<str:month>/compute/", views.month_compute, name="compute"),
    path("<str:month>/publish/", views.month_publish, name="publish"),
    path("<str:month>/bulletin.<str:fmt>", views.month_bulletin, name="bulletin"),
    path("<str:month>/units/<int:unit_id>/", views.sheet_detail, name="sheet"),
    path("<str:month>/units/<int:unit_id>/manual/", views.sheet_manual_entry, name="manual-entry"),
    path("<str:month>/units/<int:unit_id>/adjust/", views.sheet_adjust, name="adjust"),
]
