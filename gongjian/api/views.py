from __future__ import annotations

from axes.exceptions import AxesBackendPermissionDenied
from django.contrib.auth import authenticate
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status, viewsets
from rest_framework.exceptions import NotFound, Throttled, ValidationError
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from gongjian.accounts import tokens
from gongjian.accounts.access import actor_for
from gongjian.accounts.throttles import TokenRateThrottle, address_blocked
from gongjian.api.errors import form_errors
from gongjian.api.schema import ERRORS_401, error_responses
from gongjian.api.serializers import (
    ApiTokenSerializer,
    MeSerializer,
    TokenRequestSerializer,
    TokenSerializer,
    UnitSerializer,
)
from gongjian.core.privacy import NoStoreMixin
from gongjian.organizations import selectors
from gongjian.organizations.choices import UnitLevel
from gongjian.organizations.filters import UnitFilterForm


class TokenView(NoStoreMixin, APIView):
    """Exchange a username and password for an API token that expires after API_TOKEN_TTL_HOURS.
    Limited per address (API_TOKEN_RATE) and, for wrong passwords, per address across accounts
    and per account and address (lockout)."""

    permission_classes = [AllowAny]
    authentication_classes: list = []
    throttle_classes = [TokenRateThrottle]

    @extend_schema(
        request=TokenRequestSerializer,
        responses={200: TokenSerializer, **error_responses(400, 429)},
        auth=[],
    )
    def post(self, request):
        payload = TokenRequestSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        if address_blocked(request._request):
            raise Throttled(detail=_("Too many wrong passwords from your address lately. Wait a few minutes."))
        try:
            user = authenticate(
                request._request,
                username=payload.validated_data["username"],
                password=payload.validated_data["password"],
            )
        except AxesBackendPermissionDenied:
            # Locked out: AxesMiddleware replaces this response with the lockout one (429).
            user = None
        if user is None or not user.is_active:
            return Response({"detail": _("The username or password is incorrect.")}, status=status.HTTP_400_BAD_REQUEST)
        instance, token = tokens.api_token_issue(user=user)
        return Response({"token": token, "expiry": instance.expiry})


class LogoutView(APIView):
    """Revoke the token this request is signed with (sign out this client)."""

    @extend_schema(request=None, responses={204: None, **ERRORS_401})
    def post(self, request):
        auth = request.auth
        if auth is not None and hasattr(auth, "token_key"):
            tokens.api_token_revoke(user=request.user, token_key=auth.token_key)
        return Response(status=status.HTTP_204_NO_CONTENT)


class LogoutAllView(APIView):
    """Revoke every token of the signed-in user (sign out all clients)."""

    @extend_schema(request=None, responses={204: None, **ERRORS_401})
    def post(self, request):
        tokens.api_tokens_revoke_all(actor=request.user, user=request.user, reason="logout all")
        return Response(status=status.HTTP_204_NO_CONTENT)


class ApiTokenViewSet(NoStoreMixin, viewsets.GenericViewSet):
    """The signed-in user's API tokens (never the token text: only its first characters)."""

    serializer_class = ApiTokenSerializer
    pagination_class = None
    lookup_field = "token_key"
    lookup_value_regex = "[A-Za-z0-9]{1,32}"

    def get_queryset(self):
        return tokens.api_tokens_of(user=self.request.user)

    @extend_schema(responses={200: ApiTokenSerializer(many=True), **ERRORS_401})
    def list(self, request):
        return Response(ApiTokenSerializer(self.get_queryset(), many=True).data)

    @extend_schema(responses={204: None, **error_responses(401, 404)})
    def destroy(self, request, token_key=None):
        if not tokens.api_token_revoke(user=request.user, token_key=token_key):
            raise NotFound()
        return Response(status=status.HTTP_204_NO_CONTENT)


class MeView(APIView):
    @extend_schema(responses=MeSerializer)
    def get(self, request):
        return Response(MeSerializer(request.user).data)


class UnitViewSet(viewsets.ReadOnlyModelViewSet):
    """Administrative units the caller may see."""

    serializer_class = UnitSerializer

    @extend_schema(
        parameters=[
            OpenApiParameter("q", str, description="Name contains, or code starts with"),
            OpenApiParameter("level", str, enum=UnitLevel.values),
            OpenApiParameter("parent", int, description="Only direct children of this unit"),
        ]
    )
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    def get_queryset(self):
        actor = actor_for(self.request.user)
        if self.action != "list":
            return selectors.unit_list(actor=actor)
        form = UnitFilterForm(self.request.query_params)
        if not form.is_valid():
            raise ValidationError(form_errors(form))
        return selectors.unit_list(actor=actor, **form.cleaned_data)

    def get_object(self):
        return selectors.unit_get(actor=actor_for(self.request.user), unit_id=self.kwargs["pk"])
