"""The co-construction fund ledger (共建资金台账): entries per community, optionally tied to a
pairing; receipt files of spending; the yearly statement that files itself in the archive."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gongjian.funds.choices import EntryKind, IncomeSource, SpendingPurpose


def receipt_path(instance, filename: str) -> str:
    return f"funds/{timezone.now():%Y/%m}/{filename}"


class FundEntry(models.Model):
    """One line of a community's ledger. Never edited: a correction is a reversing entry."""

    community = models.ForeignKey(
        "organizations.Unit", verbose_name=_("community"), on_delete=models.PROTECT, related_name="fund_entries"
    )
    pairing = models.ForeignKey(
        "organizations.Pairing",
        verbose_name=_("pairing"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="fund_entries",
    )
    kind = models.CharField(_("kind"), max_length=8, choices=EntryKind.choices)
    source = models.CharField(_("source"), max_length=12, choices=IncomeSource.choices, blank=True)
    purpose = models.CharField(_("purpose"), max_length=12, choices=SpendingPurpose.choices, blank=True)
    amount = models.DecimalField(_("amount (yuan)"), max_digits=12, decimal_places=2)
    date = models.DateField(_("date"))
    note = models.CharField(_("note"), max_length=300, blank=True)
    reverses = models.OneToOneField(
        "self",
        verbose_name=_("reverses"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="reversed_by",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("recorded by"), on_delete=models.PROTECT, null=True, related_name="+"
    )
    created_at = models.DateTimeField(_("recorded at"), default=timezone.now)

    class Meta:
        verbose_name = _("fund entry")
        verbose_name_plural = _("fund entries")
        ordering = ["date", "id"]
        indexes = [models.Index(fields=["community", "date"])]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="fund_entry_amount_positive"),
            models.CheckConstraint(
                condition=(Q(kind="income") & ~Q(source="") & Q(purpose=""))
                | (Q(kind="spending") & ~Q(purpose="") & Q(source="")),
                name="fund_entry_source_or_purpose",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.community} · {self.date:%Y-%m-%d} · {self.get_kind_display()} {self.amount}"

    @property
    def is_reversal(self) -> bool:
        return self.reverses_id is not None

    @property
    def category_label(self) -> str:
        return self.get_source_display() if self.kind == EntryKind.INCOME else self.get_purpose_display()


class FundReceipt(models.Model):
    """A receipt (票据) of a spending entry: a scan, photo or office file, checked by content."""

    entry = models.ForeignKey(FundEntry, on_delete=models.CASCADE, related_name="receipts")
    file = models.FileField(_("file"), upload_to=receipt_path, max_length=255)
    name = models.CharField(_("file name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=6)
    content_type = models.CharField(_("content type"), max_length=100)
    size = models.PositiveBigIntegerField(_("size in bytes"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)

    class Meta:
        verbose_name = _("receipt")
        verbose_name_plural = _("receipts")
        ordering = ["id"]


class FundStatement(models.Model):
    """A community's yearly fund statement (年度资金收支表): the anchor of its archive record."""

    community = models.ForeignKey(
        "organizations.Unit", verbose_name=_("community"), on_delete=models.PROTECT, related_name="fund_statements"
    )
    year = models.PositiveSmallIntegerField(_("year"))

    class Meta:
        verbose_name = _("fund statement")
        verbose_name_plural = _("fund statements")
        constraints = [models.UniqueConstraint(fields=["community", "year"], name="fund_statement_unique_year")]

    def __str__(self) -> str:
        return f"{self.community} · {self.year}"
