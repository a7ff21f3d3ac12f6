"""/api/v1/fund-entries/: the co-construction fund ledgers the caller may see (a community its own,
a street its communities, the city all, a co-construction liaison its pairings' entries); recording
an entry (JSON, or multipart with receipt files), reversing one, yearly totals and the Excel export."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response

from gongjian.accounts.access import Perm, actor_for, restrict
from gongjian.api import idempotency
from gongjian.api.errors import call_service
from gongjian.api.idempotency import IDEMPOTENCY_PARAMETER
from gongjian.api.parsers import BoundedJSONParser
from gongjian.archives.services.files import FileIn
from gongjian.archives.uploads import upload_problem
from gongjian.core.errors import NotPermitted
from gongjian.core.exporters import download_response
from gongjian.funds import ledger, selectors, services
from gongjian.funds.choices import EntryKind, IncomeSource, SpendingPurpose
from gongjian.funds.exporters import FundLedgerExport
from gongjian.funds.models import FundEntry
from gongjian.organizations.models import Pairing, Unit

ID_MAX = 2**62


class FundEntrySerializer(serializers.ModelSerializer):
    community = serializers.IntegerField(source="community_id")
    community_name = serializers.CharField(source="community.name")
    pairing = serializers.IntegerField(source="pairing_id", allow_null=True)
    cobuild_unit = serializers.SerializerMethodField()
    reverses = serializers.IntegerField(source="reverses_id", allow_null=True)
    reversed_by = serializers.SerializerMethodField()
    kind = serializers.CharField(help_text=" | ".join(EntryKind.values))
    source = serializers.CharField(help_text="income: " + " | ".join(IncomeSource.values))
    purpose = serializers.CharField(help_text="spending: " + " | ".join(SpendingPurpose.values))
    effect = serializers.SerializerMethodField()
    receipts = serializers.SerializerMethodField()

    class Meta:
        model = FundEntry
        fields = [
            "id",
            "community",
            "community_name",
            "pairing",
            "cobuild_unit",
            "kind",
            "source",
            "purpose",
            "amount",
            "effect",
            "date",
            "note",
            "reverses",
            "reversed_by",
            "receipts",
            "created_at",
        ]

    def get_cobuild_unit(self, entry) -> str | None:
        return entry.pairing.cobuild_unit.name if entry.pairing_id else None

    def get_reversed_by(self, entry) -> int | None:
        reversal = getattr(entry, "reversed_by", None) if not entry.is_reversal else None
        return reversal.pk if reversal else None

    def get_effect(self, entry) -> str:
        return str(ledger.effect(ledger.Line(entry.kind, entry.amount, entry.date, entry.is_reversal)))

    def get_receipts(self, entry) -> list[str]:
        return [r.name for r in entry.receipts.all()]


class FundEntryInSerializer(serializers.Serializer):
    community = serializers.IntegerField(min_value=1, max_value=ID_MAX)
    kind = serializers.CharField(max_length=10, help_text=" | ".join(EntryKind.values))
    source = serializers.CharField(
        max_length=20, required=False, default="", allow_blank=True, help_text=" | ".join(IncomeSource.values)
    )
    purpose = serializers.CharField(
        max_length=20, required=False, default="", allow_blank=True, help_text=" | ".join(SpendingPurpose.values)
    )
    pairing = serializers.IntegerField(min_value=1, max_value=ID_MAX, required=False, allow_null=True)
    amount = serializers.CharField(max_length=30, help_text="yuan, at most two decimals, e.g. 1200.50")
    date = serializers.CharField(max_length=10, help_text="YYYY-MM-DD")
    note = serializers.CharField(max_length=300, required=False, default="", allow_blank=True)
    files = serializers.ListField(child=serializers.FileField(), required=False, default=list)


class FundReverseSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=300)


class FundEntryQuerySerializer(serializers.Serializer):
    year = serializers.IntegerField(required=False, min_value=2000, max_value=2100)
    community = serializers.IntegerField(required=False, min_value=1, max_value=ID_MAX)
    pairing = serializers.IntegerField(required=False, min_value=1, max_value=ID_MAX)


class FundYearTotalsSerializer(serializers.Serializer):
    community = serializers.IntegerField()
    community_name = serializers.CharField()
    year = serializers.IntegerField()
    opening = serializers.DecimalField(max_digits=14, decimal_places=2)
    income = serializers.DecimalField(max_digits=14, decimal_places=2)
    spending = serializers.DecimalField(max_digits=14, decimal_places=2)
    closing = serializers.DecimalField(max_digits=14, decimal_places=2)


def _call(service, **kwargs):
    try:
        return service(**kwargs)
    except DjangoValidationError as exc:
        raise ValidationError(exc.message_dict if hasattr(exc, "error_dict") else {"detail": exc.messages})
    except NotPermitted as exc:
        raise PermissionDenied(str(exc.message))


_FILTER_PARAMS = [
    OpenApiParameter("year", int),
    OpenApiParameter("community", int, description="community id"),
    OpenApiParameter("pairing", int, description="pairing id"),
]


class FundEntryViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet
):
    """Fund entries. Entries are never changed: POST records one, POST …/reverse/ cancels one by a
    reversing entry."""

    serializer_class = FundEntrySerializer
    parser_classes = [BoundedJSONParser, MultiPartParser, FormParser]
    queryset = FundEntry.objects.none()

    def _filters(self) -> dict:
        query = FundEntryQuerySerializer(data=self.request.query_params)
        if not query.is_valid():
            raise ValidationError(query.errors)
        return query.validated_data

    def get_queryset(self):
        data = self._filters()
        return selectors.entry_list(
            actor=actor_for(self.request.user),
            year=data.get("year"),
            community_id=data.get("community"),
            pairing_id=data.get("pairing"),
        ).select_related("reversed_by")

    def get_object(self):
        return selectors.entry_get(actor=actor_for(self.request.user), entry_id=self.kwargs["pk"])

    @extend_schema(parameters=_FILTER_PARAMS)
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    @extend_schema(
        request={"multipart/form-data": FundEntryInSerializer, "application/json": FundEntryInSerializer},
        parameters=[IDEMPOTENCY_PARAMETER],
        responses={201: FundEntrySerializer, 200: FundEntrySerializer},
    )
    def create(self, request, *args, **kwargs):
        """Record an income (source; a contribution names its pairing) or a spending (purpose, with
        receipt files checked like archive uploads). Sent again with the same Idempotency-Key, it
        answers with the entry first booked (200) and books nothing more."""
        payload = FundEntryInSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        key = call_service(idempotency.key_from, request=request)
        actor = actor_for(request.user)
        try:
            community = restrict(Unit.objects.all(), actor, Perm.FUND_VIEW, unit_field="id").get(pk=data["community"])
        except Unit.DoesNotExist:
            raise ValidationError({"community": [_("No such community in your scope.")]}) from None
        pairing = None
        if data.get("pairing"):
            pairing = Pairing.objects.filter(pk=data["pairing"], community=community).first()
            if pairing is None:
                raise ValidationError({"pairing": [_("This pairing is not with this community.")]})
        uploads = data["files"]
        if problem := upload_problem(uploads, max_bytes=settings.ARCHIVE_FILE_MAX_BYTES):
            raise ValidationError({"files": [problem]})
        values = {name: data[name] for name in services.ENTRY_VALUES}
        outcome = call_service(
            idempotency.idempotent,
            user=request.user,
            key=key,
            action="fund.entry_record",
            run=lambda: services.fund_entry_record(
                user=request.user,
                community=community,
                pairing=pairing,
                files=[FileIn(name=f.name, data=f.read()) for f in uploads],
                **values,
            ),
            load=lambda entry_id: services.entry_resent(entry_id, community=community, pairing=pairing, **values),
        )
        return Response(
            FundEntrySerializer(outcome.obj).data,
            status=status.HTTP_200_OK if outcome.replayed else status.HTTP_201_CREATED,
        )

    @extend_schema(request=FundReverseSerializer, responses={201: FundEntrySerializer})
    @action(detail=True, methods=["post"])
    def reverse(self, request, pk=None):
        """Cancel the entry by a reversing entry, with the reason (audited)."""
        entry = self.get_object()
        payload = FundReverseSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        reversal = _call(
            services.fund_entry_reverse, user=request.user, entry=entry, reason=payload.validated_data["reason"]
        )
        return Response(FundEntrySerializer(reversal).data, status=status.HTTP_201_CREATED)

    @extend_schema(parameters=_FILTER_PARAMS, responses={200: FundYearTotalsSerializer(many=True)})
    @action(detail=False, methods=["get"], pagination_class=None)  # one row per community and year, unpaged
    def totals(self, request):
        """Income, spending and balances per community and year, of the entries the filter selects."""
        by_community: dict[int, list] = {}
        names: dict[int, str] = {}
        for entry in self.get_queryset():
            by_community.setdefault(entry.community_id, []).append(entry)
            names[entry.community_id] = entry.community.name
        rows = [
            {"community": cid, "community_name": names[cid], **vars(year)}
            for cid in sorted(by_community)
            for year in ledger.yearly_totals(selectors.lines_of(by_community[cid]))
        ]
        return Response(FundYearTotalsSerializer(rows, many=True).data)

    @extend_schema(
        parameters=_FILTER_PARAMS,
        responses={
            (200, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"): OpenApiResponse(
                OpenApiTypes.BINARY
            )
        },
    )
    @action(detail=False, methods=["get"])
    def export(self, request):
        """The entries and yearly totals as an Excel workbook."""
        data = self._filters()
        filters = [(str(key), str(value)) for key, value in sorted(data.items())]
        return download_response(FundLedgerExport(self.get_queryset(), filters=filters).render())
