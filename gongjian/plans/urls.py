from django.urls import path

from gongjian.plans import views

app_name = "plans"

urlpatterns = [
    path("", views.plan_index, name="index"),
    path("new/", views.plan_create, name="create"),
    path("mine/", views.my_tasks, name="mine"),
    path("<int:pk>/", views.plan_detail, name="detail"),
    path("<int:pk>/edit/", views.plan_edit, name="edit"),
    path("<int:pk>/tasks/", views.task_create, name="task-create"),
    path("<int:pk>/copy/", views.template_copy, name="copy"),
    path("tasks/<int:pk>/progress/", views.task_progress, name="task-progress"),
]
