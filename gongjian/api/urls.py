from django.urls import include, path
from rest_framework.routers import DefaultRouter

from gongjian.api import views
from gongjian.archives.api import (
    ArchiveTemplateViewSet,
    ArchiveViewSet,
    BinderViewSet,
    EvidenceViewSet,
    MechanismViewSet,
    MeetingViewSet,
)
from gongjian.assessments.api import AssessmentViewSet, RuleSetViewSet
from gongjian.campaigns.api import CampaignViewSet
from gongjian.competitions.api import CompetitionViewSet
from gongjian.creation.api import CreationTargetViewSet
from gongjian.funds.api import FundEntryViewSet
from gongjian.inspections.api import CategoryViewSet, ProblemViewSet
from gongjian.materials.api import MaterialViewSet, PositionViewSet
from gongjian.notices.api import NoticeViewSet
from gongjian.participation.api import (
    ActivityPlanViewSet,
    ActivityViewSet,
    CobuildUnitViewSet,
    FrontageDutyViewSet,
    PairingViewSet,
    TeamViewSet,
    VolunteerViewSet,
)
from gongjian.plans.api import PlanViewSet
from gongjian.suggestions.api import CategorySuggestView

router = DefaultRouter()
router.register("auth/tokens", views.ApiTokenViewSet, basename="api-token-item")
router.register("units", views.UnitViewSet, basename="unit")
router.register("problems", ProblemViewSet, basename="problem")
router.register("categories", CategoryViewSet, basename="category")
router.register("rulesets", RuleSetViewSet, basename="ruleset")
router.register("assessments", AssessmentViewSet, basename="assessment")

router.register("cobuild-units", CobuildUnitViewSet, basename="cobuild-unit")
router.register("pairings", PairingViewSet, basename="pairing")
router.register("volunteers", VolunteerViewSet, basename="volunteer")
router.register("activities", ActivityViewSet, basename="activity")
router.register("activity-plans", ActivityPlanViewSet, basename="activity-plan")
router.register("teams", TeamViewSet, basename="team")
router.register("frontage-duties", FrontageDutyViewSet, basename="frontage-duty")

router.register("evidence", EvidenceViewSet, basename="evidence")
router.register("meetings", MeetingViewSet, basename="meeting")
router.register("mechanisms", MechanismViewSet, basename="mechanism")
router.register("archive-templates", ArchiveTemplateViewSet, basename="archive-template")
router.register("archives", ArchiveViewSet, basename="archive")
router.register("binders", BinderViewSet, basename="binder")

router.register("plans", PlanViewSet, basename="plan")
router.register("notices", NoticeViewSet, basename="notice")
router.register("materials", MaterialViewSet, basename="material")
router.register("positions", PositionViewSet, basename="position")
router.register("campaigns", CampaignViewSet, basename="campaign")
router.register("fund-entries", FundEntryViewSet, basename="fund-entry")
router.register("creation-targets", CreationTargetViewSet, basename="creation-target")
router.register("competitions", CompetitionViewSet, basename="competition")

urlpatterns = [
    path("auth/token/", views.TokenView.as_view(), name="api-token"),
    path("auth/logout/", views.LogoutView.as_view(), name="api-logout"),
    path("auth/logout-all/", views.LogoutAllView.as_view(), name="api-logout-all"),
    path("me/", views.MeView.as_view(), name="api-me"),
    # Before the router: categories/{code}/ would otherwise take "suggest" for a code.
    path("categories/suggest/", CategorySuggestView.as_view(), name="category-suggest"),
    path("", include(router.urls)),
]
