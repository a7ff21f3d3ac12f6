from django.db import models
from django.utils.translation import gettext_lazy as _


class MaterialKind(models.TextChoices):
    AUDIO = "audio", _("Loudspeaker audio (小喇叭)")
    POSTER = "poster", _("Poster template")
    PROPOSAL = "proposal", _("Proposal letter template (倡议书)")
    ARCHIVE = "archive", _("Archive template (台帐)")


class PositionKind(models.TextChoices):
    BLACKBOARD = "blackboard", _("Blackboard (黑板报)")
    BOARD = "board", _("Notice board (宣传栏)")
    SIGN = "sign", _("Sign (宣传牌)")
    SCREEN = "screen", _("Electronic screen (电子屏)")
