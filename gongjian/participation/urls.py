from django.urls import path

from gongjian.participation import views

app_name = "participation"
urlpatterns = [
    path("volunteers/", views.volunteer_list, name="volunteers"),
    path("volunteers/export.<str:fmt>", views.volunteer_export, name="volunteer-export"),
    path("volunteers/new/", views.volunteer_create, name="volunteer-create"),
    path("volunteers/sign-up/", views.volunteer_sign_up, name="sign-up"),
    path("volunteers/<int:pk>/", views.volunteer_detail, name="volunteer"),
    path("volunteers/<int:pk>/review/", views.volunteer_review, name="volunteer-review"),
    path("volunteers/<int:pk>/sanction/", views.volunteer_sanction, name="volunteer-sanction"),
    path("volunteers/<int:pk>/reveal/", views.volunteer_reveal, name="volunteer-reveal"),
    path("volunteers/import/", views.volunteer_import, name="import"),
    path("volunteers/import/template.xlsx", views.import_template, name="import-template"),
    path("volunteers/import/<int:pk>/", views.import_preview, name="import-preview"),
    path("volunteers/import/<int:pk>/errors.xlsx", views.import_errors, name="import-errors"),
    path("volunteers/import/<int:pk>/confirm/", views.import_confirm, name="import-confirm"),
    path("volunteers/import/<int:pk>/cancel/", views.import_cancel, name="import-cancel"),
    path("me/", views.my_service, name="me"),
    path("activities/", views.activity_list, name="activities"),
    path("activities/export.xlsx", views.activity_export, name="activity-export"),
    path("activities/new/", views.activity_create, name="activity-create"),
    path("activities/<int:pk>/", views.activity_detail, name="activity"),
    path("activities/<int:pk>/held/", views.activity_hold, name="activity-hold"),
    path("activities/<int:pk>/cancel/", views.activity_cancel, name="activity-cancel"),
    path("activities/<int:pk>/archive/", views.activity_archive, name="activity-archive"),
    path("activities/photos/<int:pk>/<str:kind>/", views.activity_photo, name="activity-photo"),
    path("calendar/", views.activity_calendar, name="calendar"),
    path("diversity/", views.diversity, name="diversity"),
    path("teams/", views.team_communities, name="teams"),
    path("teams/<int:pk>/", views.community_roster, name="roster"),
    path("frontage/<int:pk>/", views.frontage_duty, name="frontage"),
    path("frontage/<int:pk>/pledge/", views.frontage_pledge, name="frontage-pledge"),
    path("pairings/", views.pairing_list, name="pairings"),
    path("pairings/<int:pk>/", views.pairing_detail, name="pairing"),
    path("pairings/<int:pk>/letter/", views.pairing_letter_file, name="pairing-letter"),
]
