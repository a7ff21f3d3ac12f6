from django.urls import path

from gongjian.documents import views

app_name = "documents"
urlpatterns = [
    # Months are written YYYY-MM; the views answer 404 to anything else.
    path("speech/", views.speech, name="speech"),
    path("bulletin/<str:month>/draft.<str:fmt>", views.bulletin_draft, name="bulletin-draft"),
]
