from django.urls import path

from gongjian.campaigns import views

app_name = "campaigns"

urlpatterns = [
    path("", views.campaign_index, name="index"),
    path("declare/", views.campaign_declare, name="declare"),
    path("<int:pk>/", views.campaign_detail, name="detail"),
    path("<int:pk>/report/", views.campaign_report, name="report"),
]
