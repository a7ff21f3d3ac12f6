"""Data built once and kept for several tests (what Django's ``setUpTestData`` does for a class).

    @pytest.fixture(scope="class")
    def demo_city(django_db_setup, django_db_blocker):
        with built_once(django_db_blocker, build_demo_city) as accounts:
            yield accounts

The data is written inside a transaction held open while the tests that use it run and rolled
back after the last one; each test runs inside it in a savepoint of its own (pytest-django's ``db``
nests), so what a test changes is undone before the next one, as when it built the data itself.
Only for tests that are not transactional (``transaction=True``, ``live_server``): those commit.
Return rows the tests read again from the database, or values; an instance shared between tests
keeps what one test changed in memory."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TypeVar

from django.db import transaction

T = TypeVar("T")


@contextmanager
def built_once(django_db_blocker, build: Callable[[], T]) -> Iterator[T]:
    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        try:
            value = build()
        except BaseException:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)
            raise
    try:
        yield value
    finally:
        with django_db_blocker.unblock():
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)
