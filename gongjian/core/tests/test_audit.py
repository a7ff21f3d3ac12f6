import pytest

from gongjian.core.audit import audit_record, history_for
from gongjian.core.models import AuditEvent

pytestmark = pytest.mark.django_db


def test_an_event_records_who_what_when_from_and_to(small_city, people):
    event = audit_record(
        actor=people.city_admin, action="unit.test", target=small_city.city, from_state="a", to_state="b", note="why"
    )
    stored = AuditEvent.objects.get(pk=event.pk)
    assert (stored.actor, stored.action, stored.from_state, stored.to_state, stored.note) == (
        people.city_admin,
        "unit.test",
        "a",
        "b",
        "why",
    )
    assert stored.target_type == "organizations.unit"
    assert stored.target_id == str(small_city.city.pk)
    assert stored.at is not None
    assert list(history_for(small_city.city)) == [stored]


def test_events_cannot_be_changed_or_deleted(small_city):
    event = audit_record(actor=None, action="unit.test", target=small_city.city)
    event.note = "rewritten"
    with pytest.raises(PermissionError):
        event.save()
    with pytest.raises(PermissionError):
        event.delete()
    with pytest.raises(PermissionError):
        AuditEvent.objects.filter(pk=event.pk).update(note="rewritten")
    with pytest.raises(PermissionError):
        AuditEvent.objects.all().delete()
    assert AuditEvent.objects.get(pk=event.pk).note == ""
