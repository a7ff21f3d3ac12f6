"""Bursts of votes from one address or one network (pure): many votes from one IP, or from one /24
(IPv4; /64 for IPv6), within a few minutes. A burst is a run of votes from one source in which
some window of ``window`` held at least the threshold; overlapping windows make one burst. What a
burst flags is only counted out of the results when the office decides so (services)."""

from __future__ import annotations

import datetime
import ipaddress
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class VoteSeen:
    id: int
    at: datetime.datetime
    address: str  # the address's keyed hash, or the address itself in tests
    network: str


@dataclass(frozen=True)
class Burst:
    kind: str  # "address" or "network"
    source: str
    starts_at: datetime.datetime
    ends_at: datetime.datetime
    vote_ids: tuple[int, ...]


def network_of(address: str) -> str:
    """203.0.113.7 → 203.0.113.0/24; 2001:db8::1 → 2001:db8::/64; anything else → itself."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return address
    prefix = 24 if ip.version == 4 else 64
    return str(ipaddress.ip_network(f"{ip}/{prefix}", strict=False))


def _runs(votes: Sequence[VoteSeen], *, window: datetime.timedelta, threshold: int) -> Iterable[list[VoteSeen]]:
    """The flagged runs of one source's votes (sorted by time)."""
    flagged: set[int] = set()
    start = 0
    for end in range(len(votes)):
        while votes[end].at - votes[start].at > window:
            start += 1
        if end - start + 1 >= threshold:
            flagged.update(range(start, end + 1))
    run: list[VoteSeen] = []
    for index in sorted(flagged):
        if run and votes[index].at - run[-1].at > window:
            yield run
            run = []
        run.append(votes[index])
    if run:
        yield run


def find_bursts(
    votes: Iterable[VoteSeen], *, window: datetime.timedelta, per_address: int, per_network: int
) -> list[Burst]:
    by_source: dict[tuple[str, str], list[VoteSeen]] = defaultdict(list)
    for vote in votes:
        by_source[("address", vote.address)].append(vote)
        by_source[("network", vote.network)].append(vote)
    bursts = []
    for (kind, source), seen in sorted(by_source.items()):
        threshold = per_address if kind == "address" else per_network
        seen.sort(key=lambda v: (v.at, v.id))
        for run in _runs(seen, window=window, threshold=threshold):
            bursts.append(Burst(kind, source, run[0].at, run[-1].at, tuple(v.id for v in run)))
    return bursts


def results(counts: dict[int, int], *, winners: int) -> list[tuple[int, int, int]]:
    """(nominee id, votes, rank) by votes, ties sharing a rank (1, 1, 3); winners are rank ≤ ``winners``."""
    ordered = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    out, rank = [], 0
    for position, (nominee_id, n) in enumerate(ordered, 1):
        if position == 1 or n != ordered[position - 2][1]:
            rank = position
        out.append((nominee_id, n, rank))
    return out
