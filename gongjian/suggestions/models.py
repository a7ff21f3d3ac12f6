from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class CategoryModel(models.Model):
    """One trained category model (类别推荐模型): the stored file the application wrote, its
    SHA-256 (checked before the file is ever unpickled), when and by whom it was trained, how much
    history it learnt from and how it did on the held-out part. The newest row with a file is the
    current model; older rows stay as the history of retrainings (their files are removed but the
    one before the current)."""

    file_name = models.CharField(_("stored file"), max_length=200, blank=True)
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    library_version = models.CharField(_("scikit-learn version"), max_length=20)
    trained_at = models.DateTimeField(_("trained at"), db_index=True)
    trained_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("trained by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    examples = models.PositiveIntegerField(_("closed problems learnt from"))
    train_size = models.PositiveIntegerField(_("training part"))
    test_size = models.PositiveIntegerField(_("held-out part"))
    categories = models.JSONField(_("categories known"), default=list)
    top1 = models.FloatField(_("top-1 accuracy"))
    top3 = models.FloatField(_("top-3 accuracy"))

    class Meta:
        verbose_name = _("category model")
        verbose_name_plural = _("category models")
        ordering = ["-trained_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.trained_at:%Y-%m-%d %H:%M} top-1 {self.top1:.2f} top-3 {self.top3:.2f}"
