"""Webhook and email deliveries: a JSON POST to a local receiver the test starts, a failure recorded
and retried until it goes through, email when switched on; nothing outside the app otherwise."""

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.core import mail

from gongjian.notices.delivery import deliveries_retry
from gongjian.notices.models import Delivery
from gongjian.notices.tests.test_notices import send

pytestmark = pytest.mark.django_db


@pytest.fixture
def receiver():
    """A group-robot stand-in on 127.0.0.1: records each JSON body; answers 500 while ``fail`` > 0."""
    state = {"bodies": [], "fail": 0}

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers["Content-Length"]))
            if state["fail"] > 0:
                state["fail"] -= 1
                self.send_response(500)
                self.end_headers()
                return
            state["bodies"].append(json.loads(body))
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(b'{"errcode": 0, "errmsg": "ok"}')

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    state["url"] = f"http://127.0.0.1:{server.server_address[1]}/robot/send?key=test"
    yield state
    server.shutdown()
    server.server_close()


def test_a_new_notice_is_posted_once_to_the_group_robot(
    settings, receiver, people, small_city, django_capture_on_commit_callbacks
):
    settings.NOTIFY_WEBHOOK_URL = receiver["url"]
    settings.SITE_URL = "https://gongjian.example"
    with django_capture_on_commit_callbacks(execute=True):
        notice = send(people, small_city)
    assert len(receiver["bodies"]) == 1
    body = receiver["bodies"][0]
    assert body["msgtype"] == "text" and notice.title in body["text"]["content"]
    assert f"https://gongjian.example/notices/{notice.pk}/" in body["text"]["content"]
    assert Delivery.objects.get().status == "sent"


def test_a_failed_post_is_recorded_and_retried_until_it_goes_through(
    settings, receiver, people, small_city, django_capture_on_commit_callbacks
):
    settings.NOTIFY_WEBHOOK_URL = receiver["url"]
    receiver["fail"] = 1
    with django_capture_on_commit_callbacks(execute=True):
        send(people, small_city)
    delivery = Delivery.objects.get()
    assert delivery.status == "pending" and delivery.attempts == 1 and "500" in delivery.last_error
    with django_capture_on_commit_callbacks(execute=True):
        assert deliveries_retry() == 1
    delivery.refresh_from_db()
    assert delivery.status == "sent" and delivery.attempts == 2 and len(receiver["bodies"]) == 1


def test_a_delivery_that_keeps_failing_stops_after_the_last_attempt(
    settings, people, small_city, django_capture_on_commit_callbacks
):
    settings.NOTIFY_WEBHOOK_URL = "http://127.0.0.1:9/nothing-listens-here"
    settings.NOTIFY_MAX_ATTEMPTS = 2
    with django_capture_on_commit_callbacks(execute=True):
        send(people, small_city)
    with django_capture_on_commit_callbacks(execute=True):
        deliveries_retry()
    delivery = Delivery.objects.get()
    assert delivery.status == "failed" and delivery.attempts == 2 and delivery.last_error
    assert deliveries_retry() == 0


def test_email_goes_to_users_with_an_address_when_switched_on(
    settings, people, small_city, django_capture_on_commit_callbacks
):
    settings.NOTIFY_EMAIL = True
    people.community_worker.email = "worker@example.com"
    people.community_worker.save(update_fields=["email"])
    with django_capture_on_commit_callbacks(execute=True):
        notice = send(people, small_city)
    assert [m.to for m in mail.outbox] == [["worker@example.com"]] and notice.title in mail.outbox[0].subject


def test_nothing_leaves_the_app_unless_configured(people, small_city, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        send(people, small_city)
    assert not Delivery.objects.exists() and not mail.outbox
