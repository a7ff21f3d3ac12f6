from django.urls import path

from gongjian.notices import views

app_name = "notices"

urlpatterns = [
    path("", views.notice_index, name="index"),
    path("new/", views.notice_create, name="create"),
    path("inbox/", views.inbox, name="inbox"),
    path("inbox/read-all/", views.inbox_read_all, name="inbox-read-all"),
    path("inbox/<int:pk>/", views.inbox_open, name="inbox-open"),
    path("<int:pk>/", views.notice_detail, name="detail"),
    path("<int:pk>/acknowledge/", views.notice_acknowledge, name="acknowledge"),
    path("<int:pk>/reply/", views.notice_reply, name="reply"),
    path("<int:pk>/files/<int:file_id>/", views.attachment_download, name="attachment"),
    path("<int:pk>/replies/files/<int:file_id>/", views.reply_file_download, name="reply-file"),
]
