from __future__ import annotations

from axes.exceptions import AxesBackendPermissionDenied
from django.contrib.auth import authenticate
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status, viewsets
from rest_framework.authtoken.models import Token
from rest_framework.exceptions import ValidationError
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from gongjian.accounts.access import actor_for
from gongjian.api.errors import form_errors
from gongjian.api.serializers import MeSerializer, TokenRequestSerializer, TokenSerializer, UnitSerializer
from gongjian.organizations import selectors
from gongjian.organizations.choices import UnitLevel
from gongjian.organizations.filters import UnitFilterForm


class TokenView(APIView):
    """Exchange a username and password for an API token."""

    permission_classes = [AllowAny]
    authentication_classes: list = []
    throttle_classes: list = []

    @extend_schema(request=TokenRequestSerializer, responses={200: TokenSerializer})
    def post(self, request):
        payload = TokenRequestSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
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
        token, _created = Token.objects.get_or_create(user=user)
        return Response({"token": token.key})


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
