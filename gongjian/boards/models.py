"""The public board's settings (公示栏设置): one row per city, edited by the city office, audited.
``version`` goes up on every change, so the cached board is keyed by it (``selectors.board``)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from gongjian.core.models import TimeStampedModel

SECTIONS = ("show_ranking", "show_red_flags", "show_lists", "show_closed", "show_volunteer_sign_up", "show_winners")


class BoardSettings(TimeStampedModel):
    city = models.OneToOneField(
        "organizations.Unit", verbose_name=_("city"), on_delete=models.CASCADE, related_name="board_settings"
    )
    show_ranking = models.BooleanField(_("show the monthly ranking"), default=True)
    show_red_flags = models.BooleanField(_("show the red-flag holders"), default=True)
    show_lists = models.BooleanField(_("show the red and black lists"), default=True)
    show_closed = models.BooleanField(_("show the problems closed this month"), default=True)
    show_volunteer_sign_up = models.BooleanField(_("show the volunteer sign-up"), default=True)
    show_winners = models.BooleanField(_("show the winners of the latest selection"), default=True)
    version = models.PositiveIntegerField(_("version"), default=1)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("public board settings")
        verbose_name_plural = _("public board settings")

    def __str__(self) -> str:
        return str(self.city)
