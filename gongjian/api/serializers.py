from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from gongjian.accounts.models import Membership, User
from gongjian.organizations.models import CobuildUnit, Unit


class TokenRequestSerializer(serializers.Serializer):
    username = serializers.CharField(label=_("Username"), max_length=150)
    password = serializers.CharField(label=_("Password"), max_length=128, style={"input_type": "password"})


class TokenSerializer(serializers.Serializer):
    token = serializers.CharField(read_only=True)
    expiry = serializers.DateTimeField(read_only=True, allow_null=True)


class ApiTokenSerializer(serializers.Serializer):
    token_key = serializers.CharField(read_only=True, help_text=_("The token's first characters"))
    created = serializers.DateTimeField(read_only=True)
    expiry = serializers.DateTimeField(read_only=True, allow_null=True)


class UnitRefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Unit
        fields = ["id", "code", "name", "level"]


class CobuildUnitRefSerializer(serializers.ModelSerializer):
    class Meta:
        model = CobuildUnit
        fields = ["id", "name", "kind"]


class MembershipSerializer(serializers.ModelSerializer):
    role_display = serializers.CharField(source="get_role_display", read_only=True)
    unit = UnitRefSerializer(read_only=True)
    cobuild_unit = CobuildUnitRefSerializer(read_only=True)

    class Meta:
        model = Membership
        fields = ["id", "role", "role_display", "unit", "cobuild_unit"]


class MeSerializer(serializers.ModelSerializer):
    memberships = serializers.SerializerMethodField()

    class Meta:
        model = User
        fields = ["id", "username", "name", "memberships"]

    def get_memberships(self, user) -> list[dict]:
        rows = user.memberships.filter(is_active=True).select_related("unit", "cobuild_unit").order_by("id")
        return MembershipSerializer(rows, many=True).data


class UnitSerializer(serializers.ModelSerializer):
    level_display = serializers.CharField(source="get_level_display", read_only=True)

    class Meta:
        model = Unit
        fields = ["id", "code", "name", "level", "level_display", "parent", "latitude", "longitude"]
