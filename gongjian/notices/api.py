"""/api/v1/notices/: notices the caller sent or received with each recipient's receipt status
(the sender's people see every receipt, a recipient only its own units'), and the recipient's
acknowledgement (签收) and reply (回执)."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response

from gongjian.accounts.access import actor_for
from gongjian.api.parsers import BoundedJSONParser
from gongjian.archives.services.files import FileIn
from gongjian.archives.uploads import upload_problem
from gongjian.core.errors import NotPermitted
from gongjian.notices import selectors, services
from gongjian.notices.choices import ReceiptState
from gongjian.notices.models import Notice, Receipt


class ReceiptSerializer(serializers.ModelSerializer):
    unit = serializers.IntegerField(source="unit_id")
    unit_name = serializers.CharField(source="unit.name")
    state = serializers.ChoiceField(choices=ReceiptState.choices)
    overdue = serializers.BooleanField(source="is_overdue")
    files = serializers.SerializerMethodField()

    class Meta:
        model = Receipt
        fields = [
            "id",
            "unit",
            "unit_name",
            "state",
            "read_at",
            "acknowledged_at",
            "replied_at",
            "reply_text",
            "overdue",
            "files",
        ]

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_files(self, receipt) -> list[str]:
        return [f.name for f in receipt.files.all()]


class NoticeSerializer(serializers.ModelSerializer):
    sender_unit = serializers.IntegerField(source="sender_unit_id")
    sender_name = serializers.CharField(source="sender_unit.name")
    rule_items = serializers.SerializerMethodField()
    receipts = serializers.SerializerMethodField()

    class Meta:
        model = Notice
        fields = [
            "id",
            "sender_unit",
            "sender_name",
            "kind",
            "title",
            "body",
            "reply_required",
            "reply_due",
            "inspection_on",
            "inspection_scope",
            "rule_items",
            "sent_at",
            "receipts",
        ]

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_rule_items(self, notice) -> list[str]:
        return [i.code for i in notice.rule_items.all()]

    @extend_schema_field(ReceiptSerializer(many=True))
    def get_receipts(self, notice) -> list[dict]:
        actor = actor_for(self.context["request"].user)
        return ReceiptSerializer(selectors.notice_receipts(actor=actor, notice=notice), many=True).data


class ReplySerializer(serializers.Serializer):
    text = serializers.CharField(max_length=20000)
    files = serializers.ListField(child=serializers.FileField(), required=False, default=list)


def _call(service, **kwargs):
    try:
        return service(**kwargs)
    except DjangoValidationError as exc:
        raise ValidationError(exc.message_dict if hasattr(exc, "error_dict") else {"detail": exc.messages})
    except NotPermitted as exc:
        raise PermissionDenied(str(exc.message))


class NoticeViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = NoticeSerializer
    parser_classes = [BoundedJSONParser, MultiPartParser, FormParser]
    queryset = Notice.objects.none()

    def get_queryset(self):
        return selectors.notice_list(actor=actor_for(self.request.user)).prefetch_related("rule_items")

    def get_object(self):
        return selectors.notice_get(actor=actor_for(self.request.user), notice_id=self.kwargs["pk"])

    def _own(self, notice):
        own = selectors.own_receipt(actor=actor_for(self.request.user), notice=notice)
        if own is None:
            raise Http404
        return own

    @extend_schema(request=None, responses={200: ReceiptSerializer})
    @action(detail=True, methods=["post"])
    def acknowledge(self, request, pk=None):
        """Acknowledge (签收) the notice for the caller's unit; idempotent."""
        receipt = _call(services.receipt_acknowledge, actor=request.user, receipt=self._own(self.get_object()))
        return Response(ReceiptSerializer(receipt).data)

    @extend_schema(
        request={"multipart/form-data": ReplySerializer, "application/json": ReplySerializer},
        responses={201: ReceiptSerializer},
    )
    @action(detail=True, methods=["post"])
    def reply(self, request, pk=None):
        """Reply (回执) with text and files (checked like archive uploads), once; acknowledges too."""
        receipt = self._own(self.get_object())
        payload = ReplySerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        uploads = payload.validated_data["files"]
        if problem := upload_problem(uploads, max_bytes=settings.ARCHIVE_FILE_MAX_BYTES):
            raise ValidationError({"files": [problem]})
        receipt = _call(
            services.receipt_reply,
            actor=request.user,
            receipt=receipt,
            text=payload.validated_data["text"],
            files=[FileIn(name=f.name, data=f.read()) for f in uploads],
        )
        return Response(ReceiptSerializer(receipt).data, status=status.HTTP_201_CREATED)
