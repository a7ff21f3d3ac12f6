"""Sign-in, navigation, admin access, language switch and error pages."""

import pytest
from django.test import Client

from gongjian.core.models import AuditEvent
from gongjian.testing.factories import PASSWORD

pytestmark = pytest.mark.django_db


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_signing_in_with_the_right_password_lands_on_home_and_is_audited(people):
    client = Client()
    response = client.post("/accounts/login/", {"username": "community_worker", "password": PASSWORD}, follow=True)
    assert response.status_code == 200
    assert response.redirect_chain[-1][0] == "/"
    assert AuditEvent.objects.filter(action="auth.login", actor=people.community_worker).exists()


def test_a_wrong_password_shows_a_clear_message(people):
    response = Client().post("/accounts/login/", {"username": "community_worker", "password": "nope"})
    assert response.status_code == 200
    assert "用户名或密码不正确" in response.content.decode()


def test_repeated_wrong_passwords_lock_the_account(people, settings):
    client = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post("/accounts/login/", {"username": "community_worker", "password": "nope"})
    response = client.post("/accounts/login/", {"username": "community_worker", "password": PASSWORD})
    assert response.status_code == 429
    assert "账户已锁定" in response.content.decode()


def test_signing_out_needs_a_post_and_is_audited(people):
    client = signed_in(people.community_worker)
    response = client.post("/accounts/logout/")
    assert response.status_code == 302
    assert AuditEvent.objects.filter(action="auth.logout", actor=people.community_worker).exists()
    assert client.get("/").status_code == 302


def test_changing_the_password_works_and_is_audited(people):
    client = signed_in(people.volunteer)
    response = client.post(
        "/accounts/password/",
        {"old_password": PASSWORD, "new_password1": "A-new-pass-2026", "new_password2": "A-new-pass-2026"},
    )
    assert response.status_code == 302
    people.volunteer.refresh_from_db()
    assert people.volunteer.check_password("A-new-pass-2026")
    assert AuditEvent.objects.filter(action="user.password_change", target_id=str(people.volunteer.pk)).exists()


@pytest.mark.parametrize(
    ("who", "sees_admin", "sees_audit"),
    [
        ("city_admin", True, True),
        ("city_leader", False, True),
        ("street_officer", False, False),
        ("volunteer", False, False),
        ("outsider", False, False),
    ],
)
def test_navigation_depends_on_role(people, who, sees_admin, sees_audit):
    html = signed_in(getattr(people, who)).get("/").content.decode()
    assert ('href="/admin/"' in html) is sees_admin
    assert ('href="/audit/"' in html) is sees_audit


@pytest.mark.parametrize(
    ("who", "status"), [("city_admin", 200), ("city_leader", 302), ("street_officer", 302), ("outsider", 302)]
)
def test_only_the_city_office_admin_enters_the_django_admin(people, who, status):
    response = signed_in(getattr(people, who)).get("/admin/organizations/unit/")
    assert response.status_code == status


def test_admin_edits_are_audited(people, small_city):
    client = signed_in(people.city_admin)
    unit = small_city.community_a2
    response = client.post(
        f"/admin/organizations/unit/{unit.pk}/change/",
        {"code": unit.code, "name": "改名社区", "level": unit.level, "parent": unit.parent_id},
    )
    assert response.status_code == 302
    event = AuditEvent.objects.get(action="unit.update", target_id=str(unit.pk))
    assert event.actor == people.city_admin
    assert "name" in event.changes


@pytest.mark.parametrize(
    ("who", "status"), [("city_admin", 200), ("city_leader", 200), ("community_worker", 403), ("outsider", 403)]
)
def test_the_audit_trail_page_is_for_city_roles(people, who, status):
    assert signed_in(getattr(people, who)).get("/audit/").status_code == status


def test_pages_are_chinese_by_default_and_english_on_request(people):
    client = signed_in(people.community_worker)
    assert "我的角色" in client.get("/").content.decode()
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert "My roles" in client.get("/").content.decode()


def test_an_english_browser_still_gets_chinese_until_the_user_switches(people):
    client = signed_in(people.community_worker)
    assert "我的角色" in client.get("/", headers={"Accept-Language": "en-US,en;q=0.9"}).content.decode()


def test_unknown_pages_get_the_friendly_404(people):
    response = signed_in(people.community_worker).get("/no/such/page/")
    assert response.status_code == 404
    assert "返回首页" in response.content.decode()


def test_a_server_error_gets_the_friendly_500_page(rf):
    from gongjian.core.views import error_500

    request = rf.get("/")
    response = error_500(request)
    assert response.status_code == 500
    assert "出错了" in response.content.decode()


def test_pages_fit_a_phone_and_carry_a_strict_content_security_policy(people):
    response = signed_in(people.community_worker).get("/")
    html = response.content.decode()
    assert 'name="viewport" content="width=device-width, initial-scale=1"' in html
    assert "script-src 'self'" in response["Content-Security-Policy"]
    assert "<script>" not in html
