from django.urls import path

from gongjian.funds import views

app_name = "funds"

urlpatterns = [
    path("", views.fund_index, name="index"),
]
