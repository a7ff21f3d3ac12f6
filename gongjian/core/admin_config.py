from django.contrib.admin.apps import AdminConfig


class GongjianAdminConfig(AdminConfig):
    default_site = "gongjian.core.admin_site.GongjianAdminSite"
