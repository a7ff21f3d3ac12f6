"""Bursts from one address or one /24 network within the window (pure), and the ranking of results."""

import datetime

import pytest

from gongjian.selections.bursts import VoteSeen, find_bursts, network_of, results

T0 = datetime.datetime(2026, 5, 1, 20, 0, tzinfo=datetime.UTC)


def votes(*spec):
    """(minute, address) pairs → votes numbered from 1; the network is the address's /24."""
    return [
        VoteSeen(n, T0 + datetime.timedelta(minutes=m), address, network_of(address))
        for n, (m, address) in enumerate(spec, 1)
    ]


RULES = {"window": datetime.timedelta(minutes=10), "per_address": 3, "per_network": 4}


@pytest.mark.parametrize(
    "spec, expected",
    [
        # Two votes from one address: no burst.
        ([(0, "203.0.113.7"), (1, "203.0.113.7")], []),
        # Three from one address within ten minutes: an address burst (and not yet a network one).
        ([(0, "203.0.113.7"), (4, "203.0.113.7"), (9, "203.0.113.7")], [("address", "203.0.113.7", (1, 2, 3))]),
        # The same three spread over an hour: nothing.
        ([(0, "203.0.113.7"), (30, "203.0.113.7"), (60, "203.0.113.7")], []),
        # Four addresses of one /24 within minutes: a network burst only.
        (
            [(0, "198.51.100.1"), (1, "198.51.100.2"), (2, "198.51.100.3"), (3, "198.51.100.4")],
            [("network", "198.51.100.0/24", (1, 2, 3, 4))],
        ),
        # Four from different networks: nothing.
        ([(0, "198.51.100.1"), (1, "198.51.101.1"), (2, "198.51.102.1"), (3, "198.51.103.1")], []),
        # A long run, overlapping windows over the threshold: one burst, not many; a late straggler
        # stays out; the network (threshold 4) never had four within ten minutes.
        (
            [(0, "203.0.113.7"), (5, "203.0.113.7"), (10, "203.0.113.7"), (15, "203.0.113.7"), (50, "203.0.113.7")],
            [("address", "203.0.113.7", (1, 2, 3, 4))],
        ),
    ],
)
def test_bursts_are_found_per_address_and_per_network(spec, expected):
    found = [(b.kind, b.source, b.vote_ids) for b in find_bursts(votes(*spec), **RULES)]
    assert found == expected


def test_an_ipv6_network_is_its_slash_64():
    assert network_of("2001:db8:1:2::9") == "2001:db8:1:2::/64"
    assert network_of("not an address") == "not an address"


@pytest.mark.parametrize(
    "counts, expected",
    [
        ({}, []),
        ({1: 5, 2: 9, 3: 1}, [(2, 9, 1), (1, 5, 2), (3, 1, 3)]),
        ({1: 5, 2: 5, 3: 1}, [(1, 5, 1), (2, 5, 1), (3, 1, 3)]),  # ties share a rank
    ],
)
def test_results_rank_by_votes_with_ties_sharing_a_rank(counts, expected):
    assert results(counts, winners=2) == expected
