"""/api/v1/archive-templates/: the unified archive template, its sections and requirements."""

from __future__ import annotations

from django.db.models import Prefetch, Q
from django.http import Http404
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response

from gongjian.accounts.access import Perm, actor_for
from gongjian.api.parsers import BoundedJSONParser
from gongjian.archives import services
from gongjian.archives.api.common import (
    ArchiveDetailSerializer,
    ArchiveRuleItemSerializer,
    _bad,
    _call,
    choice_field,
    positive_int,
)
from gongjian.archives.choices import (
    EvidenceKind,
    Interval,
    TemplateStatus,
)
from gongjian.archives.models import (
    ArchiveTemplate,
    TemplateSection,
)
from gongjian.assessments.models import RuleItem, RuleSet
from gongjian.organizations.choices import UnitLevel
from gongjian.organizations.models import Unit
from gongjian.organizations.tree import ancestor_ids_sql

# --- the unified template -------------------------------------------------------------------------


class RequirementSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    position = serializers.IntegerField(read_only=True)
    description = serializers.CharField(max_length=200)
    kinds = serializers.ListField(
        child=choice_field(EvidenceKind),
        required=False,
        default=list,
        help_text="kinds of record that count; empty: any",
    )
    interval = choice_field(Interval, required=False, default=Interval.YEARLY)
    min_records = serializers.IntegerField(min_value=1, max_value=1000, required=False, default=1)
    min_photos = serializers.IntegerField(
        min_value=0, max_value=100, required=False, default=0, help_text="captioned photos per record"
    )


class SectionSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    position = serializers.IntegerField()
    title = serializers.CharField()
    rule_item = ArchiveRuleItemSerializer()
    guidance = serializers.CharField()
    requirements = RequirementSerializer(many=True)


class TemplateRuleSetSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    version = serializers.IntegerField()
    effective_from = serializers.DateField(format="%Y-%m")


class TemplateSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    status = choice_field(TemplateStatus)
    ruleset = TemplateRuleSetSerializer()
    published_at = serializers.DateTimeField(allow_null=True)
    sections = SectionSerializer(many=True)


class SectionInSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    rule_item = positive_int(help_text="id of an item of the rule set")
    guidance = serializers.CharField(max_length=4000, required=False, allow_blank=True, default="")
    requirements = RequirementSerializer(many=True, required=False, default=list)


class TemplateCreateSerializer(serializers.Serializer):
    ruleset = positive_int(help_text="id of a rule set of your city")
    name = serializers.CharField(max_length=120)
    sections = SectionInSerializer(many=True, allow_empty=False, help_text="in binder order")


def _cities(actor, perm: Perm) -> Q:
    """A filter of rule sets (``city_id``) to the cities where the actor holds ``perm`` anywhere."""
    if not actor.has_perm(perm):
        return Q(pk__in=[])
    if actor.sees_everything(perm):
        return Q()
    roots = actor.root_unit_ids(perm)
    if not roots:
        return Q(pk__in=[])
    cities = Unit.objects.filter(id__in=ancestor_ids_sql(roots), level=UnitLevel.CITY).values("id")
    return Q(city_id__in=cities)


def _template_queryset():
    sections = TemplateSection.objects.select_related("rule_item").prefetch_related("requirements")
    return ArchiveTemplate.objects.select_related("ruleset").prefetch_related(
        Prefetch("sections", queryset=sections.order_by("position", "id"))
    )


def templates_visible(actor):
    """Published templates of the cities the actor keeps or reads archives in; drafts too for the
    city office that writes them."""
    readable = RuleSet.objects.filter(_cities(actor, Perm.ARCHIVE_VIEW)).values("id")
    writable = RuleSet.objects.filter(_cities(actor, Perm.TEMPLATE_MANAGE)).values("id")
    return _template_queryset().filter(
        Q(ruleset_id__in=writable) | Q(ruleset_id__in=readable, status=TemplateStatus.PUBLISHED)
    )


TEMPLATE_PARAM = OpenApiParameter("id", int, OpenApiParameter.PATH)


class ArchiveTemplateViewSet(viewsets.GenericViewSet):
    """The city's unified template (台帐资料样本): binder sections in order, each mapped to a rule
    item, with what evidence it requires."""

    serializer_class = TemplateSerializer
    parser_classes = [BoundedJSONParser]
    queryset = ArchiveTemplate.objects.none()

    def get_object(self) -> ArchiveTemplate:
        try:
            return templates_visible(actor_for(self.request.user)).get(pk=int(self.kwargs["pk"]))
        except (ArchiveTemplate.DoesNotExist, ValueError):
            raise Http404 from None

    def _out(self, template, *, code=status.HTTP_200_OK) -> Response:
        return Response(TemplateSerializer(_template_queryset().get(pk=template.pk)).data, status=code)

    @extend_schema(
        parameters=[OpenApiParameter("status", str, enum=TemplateStatus.values)],
        responses=TemplateSerializer(many=True),
    )
    def list(self, request):
        rows = templates_visible(actor_for(request.user)).order_by("-ruleset__effective_from", "-id")
        wanted = request.query_params.get("status")
        if wanted:
            if wanted not in TemplateStatus.values:
                raise _bad("status", _("Choose draft or published."))
            rows = rows.filter(status=wanted)
        page = self.paginate_queryset(rows)
        return self.get_paginated_response(TemplateSerializer(page, many=True).data)

    @extend_schema(parameters=[TEMPLATE_PARAM], responses={200: TemplateSerializer, 404: ArchiveDetailSerializer})
    def retrieve(self, request, pk=None):
        return Response(TemplateSerializer(self.get_object()).data)

    @extend_schema(
        request=TemplateCreateSerializer,
        responses={201: TemplateSerializer, 400: ArchiveDetailSerializer, 403: ArchiveDetailSerializer},
        description="A draft template for a rule set of your city (the city office only); publish it with `publish/`.",
    )
    def create(self, request):
        actor = actor_for(request.user)
        if not actor.has_perm(Perm.TEMPLATE_MANAGE):
            raise PermissionDenied(_("Only the city office publishes the archive template."))
        payload = TemplateCreateSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        ruleset = RuleSet.objects.filter(_cities(actor, Perm.TEMPLATE_MANAGE), pk=data["ruleset"]).first()
        if ruleset is None:
            raise _bad("ruleset", _("There is no rule set %(id)s in your city.") % {"id": data["ruleset"]})
        wanted = [s["rule_item"] for s in data["sections"]]
        items = {i.id: i for i in RuleItem.objects.filter(ruleset=ruleset, id__in=wanted)}
        unknown = [i for i in wanted if i not in items]
        if unknown:
            raise _bad(
                "sections",
                _("Not an item of this rule set: %(ids)s") % {"ids": ", ".join(map(str, dict.fromkeys(unknown)))},
            )
        sections = [
            services.SectionIn(
                title=s["title"],
                rule_item=items[s["rule_item"]],
                guidance=s["guidance"],
                requirements=tuple(
                    services.RequirementIn(
                        description=r["description"],
                        kinds=tuple(r["kinds"]),
                        interval=r["interval"],
                        min_records=r["min_records"],
                        min_photos=r["min_photos"],
                    )
                    for r in s["requirements"]
                ),
            )
            for s in data["sections"]
        ]
        template = _call(
            services.template_create, user=request.user, ruleset=ruleset, name=data["name"], sections=sections
        )
        return self._out(template, code=status.HTTP_201_CREATED)

    @extend_schema(
        parameters=[TEMPLATE_PARAM],
        request=None,
        responses={
            200: TemplateSerializer,
            403: ArchiveDetailSerializer,
            404: ArchiveDetailSerializer,
            409: ArchiveDetailSerializer,
        },
        description="Publish the template: communities are audited against it from now on (409 when it is "
        "already published).",
    )
    @action(detail=True, methods=["post"])
    def publish(self, request, pk=None):
        template = _call(services.template_publish, user=request.user, template=self.get_object())
        return self._out(template)
