"""Document numbers under concurrent issue (PostgreSQL: real row locks between connections)."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, connections

from gongjian.documents.models import DocumentNumber
from gongjian.documents.services import bulletin_number_allocate
from gongjian.documents.tests.test_bulletin import city_with_months, clock  # noqa: F401  (fixtures)

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL's row locks between connections"),
]


def in_threads(*calls):
    results, errors = [None] * len(calls), []
    barrier = threading.Barrier(len(calls))

    def run(index, call):
        try:
            barrier.wait()
            results[index] = call()
        except Exception as error:  # reported by the test below
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors, errors
    return results


def test_two_months_issued_at_once_get_two_numbers_and_one_month_twice_gets_one(city_with_months):  # noqa: F811
    july, august = city_with_months
    first = in_threads(*[lambda m=m: bulletin_number_allocate(assessment=m).sequence for m in (july, august)] * 2)
    assert sorted(set(first)) == [1, 2]
    assert DocumentNumber.objects.count() == 2
    numbers = dict(DocumentNumber.objects.values_list("assessment_id", "sequence"))
    assert first == [numbers[july.pk], numbers[august.pk]] * 2
