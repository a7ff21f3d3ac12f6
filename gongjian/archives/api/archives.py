"""/api/v1/archives/: a unit's completeness audit and the filled-in skeleton."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from gongjian.accounts.access import actor_for
from gongjian.archives import completeness, periods, selectors, skeleton
from gongjian.archives.api.common import (
    DOWNLOAD_RENDERERS,
    ArchiveDetailSerializer,
    ArchiveUnitSerializer,
    _period,
    _unit_id,
    _unit_query_params,
    _visible_unit,
)
from gongjian.core.exporters import download_response
from gongjian.organizations.models import Unit

# --- completeness and the skeleton ----------------------------------------------------------------


class SlotSerializer(serializers.Serializer):
    slot = serializers.CharField(help_text="the month, quarter or year the requirement is due in")
    requirement = serializers.CharField()
    need = serializers.IntegerField()
    have = serializers.IntegerField()
    met = serializers.BooleanField()


class SectionAuditSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    position = serializers.IntegerField()
    title = serializers.CharField()
    rule_item = serializers.IntegerField()
    rule_item_code = serializers.CharField()
    points = serializers.DecimalField(max_digits=7, decimal_places=2)
    due = serializers.IntegerField()
    met = serializers.IntegerField()
    percent = serializers.IntegerField()
    points_at_risk = serializers.DecimalField(max_digits=7, decimal_places=2)
    records = serializers.IntegerField(help_text="records that count for the item")
    slots = SlotSerializer(many=True)


class MechanismAuditSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.CharField()
    label = serializers.CharField()
    title = serializers.CharField()
    interval = serializers.CharField()
    expected = serializers.ListField(child=serializers.CharField())
    missed = serializers.ListField(child=serializers.CharField())
    dead_letter = serializers.BooleanField()


class FindingSerializer(serializers.Serializer):
    code = serializers.CharField(
        help_text="missing, no_caption, no_photos, outside_period, reused_photo, photo_date, dead_letter, "
        "no_mechanism or no_template"
    )
    message = serializers.CharField()
    record_key = serializers.CharField(allow_blank=True, help_text="the record it is about, if any")
    file_id = serializers.IntegerField(allow_null=True)
    section = serializers.IntegerField(allow_null=True, help_text="template section id")
    rule_item = serializers.IntegerField(allow_null=True)
    slot = serializers.CharField(allow_blank=True)


class CompletenessSerializer(serializers.Serializer):
    unit = ArchiveUnitSerializer()
    period = serializers.CharField()
    has_template = serializers.BooleanField()
    percent = serializers.IntegerField(help_text="met slots over due slots")
    due = serializers.IntegerField()
    met = serializers.IntegerField()
    points_at_risk = serializers.DecimalField(max_digits=8, decimal_places=2)
    sections = SectionAuditSerializer(many=True)
    mechanisms = MechanismAuditSerializer(many=True)
    missing_mechanisms = serializers.ListField(child=serializers.CharField())
    findings = FindingSerializer(many=True)


def audit_out(unit: Unit, audit: completeness.Audit) -> dict:
    return {
        "unit": unit,
        "period": audit.period.code,
        "has_template": audit.has_template,
        "percent": audit.percent,
        "due": audit.due,
        "met": audit.met,
        "points_at_risk": audit.points_at_risk,
        "sections": [
            {
                "id": s.section.id,
                "position": s.section.position,
                "title": s.section.title,
                "rule_item": s.section.rule_item_id,
                "rule_item_code": s.section.rule_item_code,
                "points": s.section.points,
                "due": s.due,
                "met": s.met,
                "percent": s.percent,
                "points_at_risk": s.points_at_risk,
                "records": len(s.records),
                "slots": [
                    {
                        "slot": slot.slot.code,
                        "requirement": slot.requirement.description,
                        "need": slot.requirement.min_records,
                        "have": len(slot.records),
                        "met": slot.met,
                    }
                    for slot in s.slots
                ],
            }
            for s in audit.sections
        ],
        "mechanisms": [
            {
                "id": m.mechanism.id,
                "kind": m.mechanism.kind,
                "label": m.mechanism.label,
                "title": m.mechanism.title,
                "interval": m.mechanism.interval,
                "expected": [p.code for p in m.expected],
                "missed": [p.code for p in m.missed],
                "dead_letter": m.dead_letter,
            }
            for m in audit.mechanisms
        ],
        "missing_mechanisms": list(audit.missing_mechanisms),
        "findings": [
            {
                "code": f.code,
                "message": f.message,
                "record_key": f.record_key,
                "file_id": f.file_id,
                "section": f.section_id,
                "rule_item": f.rule_item_id,
                "slot": f.slot,
            }
            for f in audit.findings
        ],
    }


class ArchiveViewSet(viewsets.GenericViewSet):
    """A unit's archive for a period: its completeness audit and the filled-in template."""

    serializer_class = CompletenessSerializer
    pagination_class = None
    queryset = Unit.objects.none()

    def _unit_and_period(self, request) -> tuple[Unit, periods.Period]:
        params = request.query_params
        _unit_id(params.get("unit"))  # a malformed unit is a 400 before the period is looked at
        period = _period(params.get("period"))
        return _visible_unit(actor_for(request.user), params.get("unit")), period

    @extend_schema(
        parameters=_unit_query_params(required=True),
        responses={200: CompletenessSerializer, 400: ArchiveDetailSerializer, 404: ArchiveDetailSerializer},
        description="The completeness audit of one unit's archive for one period against the template in force: "
        "slots due and met, points at risk per item, mechanisms that are a dead letter, and every finding "
        "(missing evidence, photos without captions, records dated outside their period, reused photos...).",
    )
    @action(detail=False, methods=["get"])
    def completeness(self, request):
        unit, period = self._unit_and_period(request)
        return Response(CompletenessSerializer(audit_out(unit, selectors.audit_unit(unit, period))).data)

    @extend_schema(
        parameters=_unit_query_params(required=True),
        responses={
            (200, skeleton.DOCX): OpenApiTypes.BINARY,
            400: ArchiveDetailSerializer,
            404: ArchiveDetailSerializer,
        },
        description="The template in force as a Word file, filled in with what the unit has filed and what is "
        "still missing, with space to write in.",
    )
    @action(detail=False, methods=["get"], renderer_classes=DOWNLOAD_RENDERERS)
    def skeleton(self, request):
        unit, period = self._unit_and_period(request)
        return download_response(skeleton.skeleton_docx(unit, period))
