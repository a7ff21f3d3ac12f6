"""Notifications sent outside the app: a group-robot webhook (企业微信 / 钉钉 style: a JSON POST of
``{"msgtype": "text", "text": {"content": ...}}`` to ``NOTIFY_WEBHOOK_URL``) and email to the user
(when ``NOTIFY_EMAIL`` is on and the user has an address). Each is a ``Delivery`` row sent by a
background task; a failure is recorded (attempts, last error: visible in the admin) and retried by
``deliveries_retry`` (run by ``manage.py send_reminders``) up to ``NOTIFY_MAX_ATTEMPTS`` times."""

from __future__ import annotations

import json
import logging
import urllib.error
import urllib.request

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from gongjian.notices.models import Delivery, DeliveryChannel, DeliveryStatus

log = logging.getLogger(__name__)
TIMEOUT_SECONDS = 10


def _link(url: str) -> str:
    return f"{settings.SITE_URL}{url}" if url and settings.SITE_URL else url


def deliveries_for(*, user, key: str, title: str, url: str, webhook: bool = True) -> list[Delivery]:
    """Create the deliveries a new notification calls for and queue them after the commit. The
    webhook gets each message once (per key) unless ``webhook`` is off (a reminder: the run sends
    the robot one summary, ``webhook_digest``), email once per user."""
    wanted = []
    if settings.NOTIFY_WEBHOOK_URL and webhook:
        wanted.append((DeliveryChannel.WEBHOOK, key, settings.NOTIFY_WEBHOOK_URL))
    if settings.NOTIFY_EMAIL and getattr(user, "email", ""):
        wanted.append((DeliveryChannel.EMAIL, f"{user.pk}:{key}", user.email))
    created = []
    for channel, delivery_key, recipient in wanted:
        try:
            with transaction.atomic():
                created.append(
                    Delivery.objects.create(
                        channel=channel, key=delivery_key[:120], recipient=recipient[:254], title=title[:200], url=url
                    )
                )
        except IntegrityError:
            continue
    for delivery in created:
        _enqueue(delivery.pk)
    return created


def webhook_digest(*, key: str, title: str) -> Delivery | None:
    """One message to the group robot summing up a reminder run, linked to the inbox (sent and
    retried like any delivery); nothing without a webhook."""
    if not settings.NOTIFY_WEBHOOK_URL:
        return None
    from django.urls import reverse

    try:
        with transaction.atomic():
            delivery = Delivery.objects.create(
                channel=DeliveryChannel.WEBHOOK,
                key=key[:120],
                recipient=settings.NOTIFY_WEBHOOK_URL[:254],
                title=str(title)[:200],
                url=reverse("notices:inbox"),
            )
    except IntegrityError:
        return None
    _enqueue(delivery.pk)
    return delivery


def _enqueue(delivery_id: int) -> None:
    from gongjian.notices.tasks import deliver_task

    transaction.on_commit(lambda: deliver_task.enqueue(delivery_id), robust=True)


def _post_webhook(delivery: Delivery) -> None:
    body = json.dumps(
        {"msgtype": "text", "text": {"content": f"{delivery.title}\n{_link(delivery.url)}".strip()}},
        ensure_ascii=False,
    ).encode("utf-8")
    request = urllib.request.Request(
        delivery.recipient, data=body, method="POST", headers={"Content-Type": "application/json; charset=utf-8"}
    )
    with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:
        answer = response.read(65536)
    # 企业微信 and 钉钉 answer 200 with {"errcode": 0} on success and a non-zero errcode otherwise.
    try:
        errcode = json.loads(answer or b"{}").get("errcode", 0)
    except (ValueError, AttributeError):
        errcode = 0
    if errcode:
        raise RuntimeError(f"webhook answered errcode {errcode}")


def _send_email(delivery: Delivery) -> None:
    send_mail(
        subject=delivery.title,
        message=f"{delivery.title}\n\n{_link(delivery.url)}".strip(),
        from_email=settings.DEFAULT_FROM_EMAIL,
        recipient_list=[delivery.recipient],
    )


def delivery_send(delivery_id: int) -> str:
    """Try one delivery once; record the outcome. Returns its status."""
    delivery = Delivery.objects.filter(pk=delivery_id).first()
    if delivery is None or delivery.status == DeliveryStatus.SENT:
        return DeliveryStatus.SENT if delivery else ""
    Delivery.objects.filter(pk=delivery.pk).update(attempts=F("attempts") + 1)
    delivery.refresh_from_db(fields=["attempts"])
    try:
        if delivery.channel == DeliveryChannel.WEBHOOK:
            _post_webhook(delivery)
        else:
            _send_email(delivery)
    except (OSError, urllib.error.URLError, RuntimeError, ValueError) as error:
        status = DeliveryStatus.FAILED if delivery.attempts >= settings.NOTIFY_MAX_ATTEMPTS else DeliveryStatus.PENDING
        Delivery.objects.filter(pk=delivery.pk).update(status=status, last_error=str(error)[:2000])
        log.warning("Delivery %s (%s) failed, attempt %s: %s", delivery.pk, delivery.channel, delivery.attempts, error)
        return status
    Delivery.objects.filter(pk=delivery.pk).update(status=DeliveryStatus.SENT, sent_at=timezone.now(), last_error="")
    return DeliveryStatus.SENT


def deliveries_retry() -> int:
    """Queue again every delivery not sent yet that has attempts left."""
    ids = list(
        Delivery.objects.filter(status=DeliveryStatus.PENDING, attempts__gt=0).values_list("pk", flat=True)[:1000]
    )
    for delivery_id in ids:
        _enqueue(delivery_id)
    return len(ids)
