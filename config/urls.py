from django.contrib import admin
from django.urls import include, path
from django.views.i18n import set_language
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from gongjian.core import views as core_views
from gongjian.dashboard import views as dashboard_views
from gongjian.inspections import offline as field_offline

urlpatterns = [
    path("", dashboard_views.home, name="home"),
    path("audit/", core_views.audit_log, name="audit-log"),
    path("accounts/", include("gongjian.accounts.urls")),
    path("units/", include("gongjian.organizations.urls")),
    path("problems/", include("gongjian.inspections.urls")),
    path("participation/", include("gongjian.participation.urls")),
    path("assessments/", include("gongjian.assessments.urls")),
    path("documents/", include("gongjian.documents.urls")),
    path("archives/", include("gongjian.archives.urls")),
    path("jobs/", include("gongjian.core.jobs.urls")),
    path("overview/", include("gongjian.dashboard.urls")),
    path("suggestions/", include("gongjian.suggestions.urls")),
    path("residents/", include("gongjian.residents.urls")),
    path("open311/v2/", include("gongjian.residents.open311_urls")),
    path("surveys/", include("gongjian.surveys.urls")),
    path("plans/", include("gongjian.plans.urls")),
    path("notices/", include("gongjian.notices.urls")),
    path("board/", include("gongjian.boards.urls")),
    path("selections/", include("gongjian.selections.urls")),
    path("materials/", include("gongjian.materials.urls")),
    path("campaigns/", include("gongjian.campaigns.urls")),
    path("competitions/", include("gongjian.competitions.urls")),
    path("funds/", include("gongjian.funds.urls")),
    path("creation/", include("gongjian.creation.urls")),
    path("i18n/setlang/", set_language, name="set_language"),
    path("captcha/", include("captcha.urls")),
    path("admin/", admin.site.urls),
    path("api/v1/", include("gongjian.api.urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
    # The field app (installable, works without signal): at the root so the worker's scope covers it.
    path("sw.js", field_offline.service_worker, name="field-service-worker"),
    path("manifest.webmanifest", field_offline.manifest, name="field-manifest"),
]

handler400 = "gongjian.core.views.error_400"
handler403 = "gongjian.core.views.error_403"
handler404 = "gongjian.core.views.error_404"
handler500 = "gongjian.core.views.error_500"
