"""GET /api/v1/categories/suggest/?text=… — the categories most likely for a description, as the
inspector types it (gongjian.suggestions.selectors.category_suggestions)."""

from __future__ import annotations

from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from gongjian.accounts.access import Perm, actor_for
from gongjian.core.inputs import too_long_message
from gongjian.suggestions import learning, selectors

#: Longest description read for a suggestion (a problem's description is a sentence or two).
TEXT_MAX_LENGTH = 500


class SuggestQuerySerializer(serializers.Serializer):
    # CharField cleans control characters away (gongjian.core.inputs).
    text = serializers.CharField(allow_blank=True, trim_whitespace=True)

    def validate_text(self, value: str) -> str:
        if len(value) > TEXT_MAX_LENGTH:
            raise serializers.ValidationError(too_long_message(TEXT_MAX_LENGTH))
        return value


class SuggestionSerializer(serializers.Serializer):
    code = serializers.CharField(help_text="the category's code")
    name = serializers.CharField(help_text="the category's name")
    score = serializers.FloatField(help_text="the model's probability for it, 0–1")


class SuggestionsSerializer(serializers.Serializer):
    suggestions = SuggestionSerializer(many=True)


class CategorySuggestView(APIView):
    """The three categories in use most likely for a problem's description, best first."""

    @extend_schema(
        operation_id="v1_categories_suggest",
        summary="Suggest categories for a description",
        description=(
            "At most three categories in use, best first, each scoring at least "
            f"{learning.MIN_SCORE} (the model's probability). An empty list when no model has been "
            "trained yet (too little history), the text is blank or no category is likely enough. "
            "For those who may report problems."
        ),
        parameters=[
            OpenApiParameter(
                "text", str, required=True, description=f"the description typed so far (at most {TEXT_MAX_LENGTH})"
            )
        ],
        responses=SuggestionsSerializer,
    )
    def get(self, request):
        if not actor_for(request.user).has_perm(Perm.PROBLEM_REPORT):
            raise PermissionDenied(_("Only those who report problems get category suggestions."))
        query = SuggestQuerySerializer(data=request.query_params)
        if not query.is_valid():
            raise ValidationError(query.errors)
        suggestions = selectors.category_suggestions(text=query.validated_data["text"])
        return Response(SuggestionsSerializer({"suggestions": suggestions}).data)
