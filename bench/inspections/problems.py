"""Generating three years of problems with their history (rectifications, re-checks, voids,
relapses) fast: rows written in bulk through the models' own tables, then sample photos."""

from __future__ import annotations

import datetime
import time
from collections.abc import Iterator

from bench.inspections.common import (
    COMMUNITY_LEVEL_SHARE,
    LOCATED_SHARE,
    RELAPSE_SHARE,
    TOP_CATEGORY,
    TOP_CATEGORY_SHARE,
    People,
)

DESCRIPTIONS = ["未及时清理", "多次提醒未整改", "群众反映强烈", "影响通行", "存在安全隐患", "影响市容"]
VOID_REASONS = ["重复上报", "不属于本单位职责", "误报"]
RECTIFY_NOTES = ["已清理完毕", "已整改到位", "已安排专人负责", "已拆除"]
REVIEW_NOTES = ["复查合格", "仍有残留，需返工", ""]
POINT_TYPES_ELSEWHERE = ["back_street", "main_road", "market", "square", "park", "vacant_lot", "other"]
# Status mix by age of the problem: (younger than N days, [(status, share), ...]).
STATUS_BY_AGE = [
    (7, [("open", 0.55), ("submitted", 0.20), ("closed", 0.23), ("void", 0.02)]),
    (30, [("open", 0.12), ("submitted", 0.06), ("closed", 0.80), ("void", 0.02)]),
    (90, [("open", 0.02), ("submitted", 0.01), ("closed", 0.95), ("void", 0.02)]),
    (10**9, [("open", 0.006), ("submitted", 0.002), ("closed", 0.972), ("void", 0.02)]),
]


def _status_for(age_days: float, roll: float) -> str:
    for limit, mix in STATUS_BY_AGE:
        if age_days < limit:
            for status, share in mix:
                roll -= share
                if roll < 0:
                    return status
            return mix[-1][0]
    return "closed"


class _ProblemLoader:
    """Generates problems (and their audit events and rectifications) as plain tuples in the
    models' column order and writes them past the ORM: COPY on PostgreSQL, executemany in one
    transaction on SQLite. Secondary indexes are dropped first and rebuilt by ``finish``."""

    CHUNK = 20_000

    def __init__(self, rng, tree, people: People, start: datetime.datetime, end: datetime.datetime, history: bool):
        from django.db import connection

        from gongjian.inspections.models import Category

        self.rng = rng
        self.history = history
        self.vendor = connection.vendor
        self.start_ts = int(start.timestamp())
        self.end_ts = int(end.timestamp())
        self.offset = int(end.utcoffset().total_seconds())  # Asia/Shanghai: no daylight saving
        self.suffix = "+00" if self.vendor == "postgresql" else ""
        self.categories = list(
            Category.objects.order_by("sort_order", "code").values_list(
                "id", "code", "name", "deadline_amount", "deadline_unit"
            )
        )
        self.compounds = [(u.pk, u.name, float(u.latitude), float(u.longitude)) for u in tree["compounds"]]
        self.communities = [(u.pk, u.name, float(u.latitude), float(u.longitude)) for u in tree["communities"]]
        self.reporters = [u.pk for u in people.inspectors]
        # Denormalised ancestor columns (Problem.SCOPE_COLUMNS: level -> column), when the model has
        # them: filled with the unit's ancestor-or-self at each level, as the services would.
        from gongjian.inspections.models import Problem

        attnames = {f.attname for f in Problem._meta.concrete_fields}
        self.scope_columns = [
            (level, column)
            for level, column in getattr(Problem, "SCOPE_COLUMNS", {}).items()
            if column in attnames and column not in self.PROBLEM_ATTRS
        ]
        parents = {u.pk: (u.parent_id, u.level) for units in tree.values() for u in units}
        self.scope_values: dict[int, tuple] = {}
        for unit_id in parents:
            chain, current = {}, unit_id
            while current is not None:
                parent, level = parents[current]
                chain.setdefault(level, current)
                current = parent
            self.scope_values[unit_id] = tuple(chain.get(level) for level, _column in self.scope_columns)
        self.worker = people.worker.pk
        self.first_id = 1
        self.pending_indexes: list[str] = []
        self._day_cache: dict[int, tuple[str, str]] = {}

    # -- output columns -------------------------------------------------------------------------

    @staticmethod
    def _columns(model, attnames: list[str]) -> tuple[str, list[str], tuple]:
        """Table, columns and constant tail for the model: our attributes in our order, then any
        field we do not know (added since this was written) at its default, so the bench keeps up."""
        from django.db import connection

        fields = {f.attname: f for f in model._meta.concrete_fields}
        missing = [a for a in attnames if a not in fields]
        if missing:
            raise RuntimeError(f"{model.__name__} no longer has {missing}: update bench/inspections/problems.py")
        extra_columns, extra_values = [], []
        for name, f in fields.items():
            if name in attnames or (f.primary_key and name not in attnames):
                continue
            if f.has_default():
                extra_values.append(f.get_db_prep_save(f.get_default(), connection))
            elif f.null:
                extra_values.append(None)
            else:
                raise RuntimeError(f"{model.__name__}.{name} has no default: update bench/inspections/problems.py")
            extra_columns.append(f.column)
        return model._meta.db_table, [fields[a].column for a in attnames] + extra_columns, tuple(extra_values)

    PROBLEM_ATTRS = [
        "id",
        "created_at",
        "updated_at",
        "number",
        "category_id",
        "unit_id",
        "inspection_id",
        "point_type",
        "address",
        "latitude",
        "longitude",
        "description",
        "severity",
        "found_at",
        "reporter_id",
        "status",
        "deadline",
        "original_deadline",
        "submitted_at",
        "closed_at",
        "rework_count",
        "relapse_of_id",
        "void_reason",
        "version",
    ]
    AUDIT_ATTRS = [
        "at",
        "actor_id",
        "action",
        "target_type",
        "target_id",
        "target_repr",
        "from_state",
        "to_state",
        "changes",
        "note",
    ]
    RECTIFICATION_ATTRS = [
        "problem_id",
        "note",
        "submitted_by_id",
        "submitted_at",
        "outcome",
        "reviewed_by_id",
        "reviewed_at",
        "review_note",
    ]

    # -- writing ----------------------------------------------------------------------------------

    def load(self, n: int) -> dict[str, int]:
        from django.db import connection, transaction

        from gongjian.core.models import AuditEvent
        from gongjian.inspections.models import Problem, Rectification

        outputs = [(Problem, self.PROBLEM_ATTRS + [column for _level, column in self.scope_columns])]
        if self.history:
            outputs += [(AuditEvent, self.AUDIT_ATTRS), (Rectification, self.RECTIFICATION_ATTRS)]
        specs = [self._columns(model, attrs) for model, attrs in outputs]
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT MAX(id) FROM {Problem._meta.db_table}")
            self.first_id = (cursor.fetchone()[0] or 0) + 1
        for db_table, _columns, _tail in specs:
            self.pending_indexes += self._drop_indexes(db_table)

        connection.ensure_connection()
        raw = connection.connection
        if self.vendor == "sqlite":
            raw.execute("PRAGMA foreign_keys = OFF")  # consistent by construction; checked again below
            raw.execute("PRAGMA synchronous = OFF")
            raw.execute("PRAGMA cache_size = -1000000")
        else:
            raw.execute("SET synchronous_commit = off")
            raw.execute("SET maintenance_work_mem = '512MB'")
        counts = {db_table: 0 for db_table, _c, _t in specs}
        with transaction.atomic():
            for batch in self._batches(n):
                for (db_table, columns, tail), rows in zip(specs, batch[: len(specs)], strict=True):
                    if tail:
                        rows = [row + tail for row in rows]
                    self._write(raw, db_table, columns, rows)
                    counts[db_table] += len(rows)
            if self.vendor == "postgresql":
                from django.core.management.color import no_style

                with connection.cursor() as cursor:
                    for statement in connection.ops.sequence_reset_sql(no_style(), [Problem]):
                        cursor.execute(statement)
        if self.vendor == "sqlite":
            raw.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            bad = raw.execute("PRAGMA foreign_key_check").fetchall()
            if bad:
                raise RuntimeError(f"generated rows break foreign keys: {bad[:5]}")
        return counts

    def _write(self, raw, table: str, columns: list[str], rows: list[tuple]) -> None:
        from django.db import connection

        quote = connection.ops.quote_name
        names = ", ".join(quote(c) for c in columns)
        if self.vendor == "sqlite":
            marks = ", ".join("?" * len(columns))
            raw.executemany(f"INSERT INTO {quote(table)} ({names}) VALUES ({marks})", rows)
        else:
            with raw.cursor() as cursor, cursor.copy(f"COPY {quote(table)} ({names}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)

    def _drop_indexes(self, table: str) -> list[str]:
        """Drop the table's secondary indexes (not those behind primary keys or unique
        constraints) and return the statements that recreate them exactly."""
        from django.db import connection

        with connection.cursor() as cursor:
            if self.vendor == "sqlite":
                cursor.execute(
                    "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = %s AND sql IS NOT NULL",
                    [table],
                )
            else:
                cursor.execute(
                    "SELECT i.indexname, i.indexdef FROM pg_indexes i WHERE i.schemaname = current_schema()"
                    " AND i.tablename = %s AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid ="
                    " (quote_ident(i.schemaname) || '.' || quote_ident(i.indexname))::regclass)",
                    [table],
                )
            found = cursor.fetchall()
            for name, _sql in found:
                cursor.execute(f"DROP INDEX {connection.ops.quote_name(name)}")
        return [sql for _name, sql in found]

    def finish(self) -> None:
        from django.db import connection

        with connection.cursor() as cursor:
            for statement in self.pending_indexes:
                cursor.execute(statement)
        self.pending_indexes = []
        # Back to the production connection settings (PRAGMAs and session settings were changed).
        connection.close()

    # -- the rows ---------------------------------------------------------------------------------

    def _fmt(self, ts: int) -> str:
        return time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(ts)) + self.suffix

    def _local_day(self, day: int) -> tuple[str, str]:
        """(yyyymmdd, ISO weekday) of a local day number, cached."""
        cached = self._day_cache.get(day)
        if cached is None:
            date = datetime.date(1970, 1, 1) + datetime.timedelta(days=day)
            cached = self._day_cache[day] = (f"{date:%Y%m%d}", date.isoweekday())
        return cached

    def _found_times(self, n: int) -> list[int]:
        """Found times, oldest first: more problems in later months, fewer at weekends, mostly in
        office hours."""
        rng = self.rng
        first_day = (self.start_ts + self.offset) // 86400
        last_day = (self.end_ts + self.offset) // 86400
        days = list(range(first_day, last_day + 1))
        weights = []
        for i, day in enumerate(days):
            growth = 1.0 + 0.6 * i / max(1, len(days) - 1)
            weekend = 0.5 if self._local_day(day)[1] >= 6 else 1.0
            weights.append(growth * weekend)
        chosen = rng.choices(days, weights=weights, k=n)
        times = []
        for day in chosen:
            office_hours = rng.random() < 0.9
            second = rng.randrange(8 * 3600, 18 * 3600) if office_hours else rng.randrange(0, 86400)
            ts = day * 86400 + second - self.offset
            times.append(min(max(ts, self.start_ts), self.end_ts - 600))
        times.sort()
        return times

    def _batches(self, n: int) -> Iterator[list[list[tuple]]]:
        rng = self.rng
        r = rng.random
        fmt = self._fmt
        offset = self.offset
        end_ts = self.end_ts
        cats = self.categories
        top = next((i for i, c in enumerate(cats) if c[1] == TOP_CATEGORY), 0)
        others = [i for i in range(len(cats)) if i != top]
        weights = [0.0] * len(cats)
        weights[top] = TOP_CATEGORY_SHARE
        zipf = [1 / (k + 1) for k in range(len(others))]
        for i, w in zip(others, zipf, strict=True):
            weights[i] = (1 - TOP_CATEGORY_SHARE) * w / sum(zipf)
        cat_of = rng.choices(range(len(cats)), weights=weights, k=n)
        compound_weight = [rng.lognormvariate(0, 0.6) for _ in self.compounds]
        compound_of = rng.choices(range(len(self.compounds)), weights=compound_weight, k=n)
        # Working days → calendar days, roughly (five working days a week).
        calendar_days = [round(c[3] * 7 / 5) for c in cats]
        found = self._found_times(n)
        counters: dict[str, int] = {}
        last_closed: dict[tuple[int, int], int] = {}
        problem_type = "inspections.problem"
        problems: list[tuple] = []
        audits: list[tuple] = []
        rectifications: list[tuple] = []
        history = self.history
        worker = self.worker

        for i in range(n):
            pid = self.first_id + i
            ts = found[i]
            ci = cat_of[i]
            cat_id, code, cat_name, amount, unit_kind = cats[ci]
            if r() < COMMUNITY_LEVEL_SHARE:
                unit_id, unit_name, lat0, lng0 = self.communities[rng.randrange(len(self.communities))]
                point_type = POINT_TYPES_ELSEWHERE[rng.randrange(len(POINT_TYPES_ELSEWHERE))]
                address = f"{unit_name}{rng.randint(1, 200)}号附近"
            else:
                unit_id, unit_name, lat0, lng0 = self.compounds[compound_of[i]]
                point_type = "compound"
                address = f"{unit_name}{rng.randint(1, 30)}幢"
            local_day = (ts + offset) // 86400
            day8 = self._local_day(local_day)[0]
            prefix = code + day8
            seq = counters[prefix] = counters.get(prefix, 0) + 1
            number = f"{prefix}{seq:04d}"
            if unit_kind == "hours":
                deadline = ts + amount * 3600
                if (deadline + offset) % 86400 > 17 * 3600 + 1800:
                    deadline += 15 * 3600
            else:
                deadline = (local_day + calendar_days[ci] + 1) * 86400 - 1 - offset
            original = deadline
            if r() < 0.02:
                deadline += 3 * 86400  # an approved extension
            age_days = (end_ts - ts) / 86400
            status = _status_for(age_days, r())
            reporter = self.reporters[rng.randrange(len(self.reporters))]
            if status in ("closed", "submitted"):
                roll = r()
                rework = 0 if roll < 0.9 else (1 if roll < 0.98 else 2)
            elif status == "open":
                rework = 1 if r() < 0.08 else 0
            else:
                rework = 0
            submitted = closed = None
            void_reason = ""
            events = [(ts, reporter, "problem.report", "", "open")]
            rects = []
            # Rework rounds happen in the first part of the time up to the (last) submission.
            if status in ("closed", "submitted") or rework:
                span = max(deadline - ts, 3600)
                late = r() < 0.1
                last = deadline + rng.randrange(1800, 3 * 86400) if late else ts + int(span * (0.15 + 0.8 * r()))
                last = max(ts + 60, min(last, end_ts - 120))
                rounds = rework + (1 if status in ("closed", "submitted") else 0)
                step = (last - ts) // (rounds + 1) or 1
                for k in range(rework):
                    at = ts + step * (k + 1)
                    events.append((at, worker, "problem.rectify", "open", "submitted"))
                    events.append((at + 30, reporter, "problem.review", "submitted", "open"))
                    rects.append((at, "failed", reporter, at + 30, REVIEW_NOTES[1]))
                    submitted = at
                if status in ("closed", "submitted"):
                    submitted = last
                    events.append((last, worker, "problem.rectify", "open", "submitted"))
                    if status == "closed":
                        closed = min(last + rng.randrange(3600, 2 * 86400), end_ts - 60)
                        events.append((closed, reporter, "problem.review", "submitted", "closed"))
                        rects.append((last, "passed", reporter, closed, REVIEW_NOTES[0]))
                    else:
                        rects.append((last, "pending", None, None, ""))
            elif status == "void":
                void_reason = VOID_REASONS[rng.randrange(len(VOID_REASONS))]
                events.append(
                    (min(ts + rng.randrange(3600, 3 * 86400), end_ts - 60), reporter, "problem.void", "open", "void")
                )
            relapse_of = None
            key = (unit_id, cat_id)
            if r() < RELAPSE_SHARE:
                relapse_of = last_closed.get(key)
            if status == "closed":
                last_closed[key] = pid
            if r() < LOCATED_SHARE:
                lat = f"{lat0 + (r() - 0.5) * 0.004:.6f}"
                lng = f"{lng0 + (r() - 0.5) * 0.004:.6f}"
            else:
                lat = lng = None
            roll = r()
            severity = "minor" if roll < 0.2 else ("normal" if roll < 0.9 else "serious")
            problems.append(
                (
                    pid,
                    fmt(ts),
                    fmt(events[-1][0]),
                    number,
                    cat_id,
                    unit_id,
                    None,
                    point_type,
                    address,
                    lat,
                    lng,
                    f"{cat_name}，{DESCRIPTIONS[rng.randrange(len(DESCRIPTIONS))]}",
                    severity,
                    fmt(ts),
                    reporter,
                    status,
                    fmt(deadline),
                    fmt(original),
                    fmt(submitted) if submitted else None,
                    fmt(closed) if closed else None,
                    rework,
                    relapse_of,
                    void_reason,
                    len(events),
                )
                + self.scope_values[unit_id]
            )
            if history:
                target_id = str(pid)
                target_repr = f"{number} {cat_name}"
                for k, (at, actor, action, before, after) in enumerate(events):
                    changes = f'{{"relapse_of": {relapse_of}}}' if (k == 0 and relapse_of) else "{}"
                    note = void_reason if action == "problem.void" else ""
                    audits.append(
                        (fmt(at), actor, action, problem_type, target_id, target_repr, before, after, changes, note)
                    )
                for at, outcome, reviewer, reviewed_at, review_note in rects:
                    rectifications.append(
                        (
                            pid,
                            RECTIFY_NOTES[rng.randrange(len(RECTIFY_NOTES))],
                            worker,
                            fmt(at),
                            outcome,
                            reviewer,
                            fmt(reviewed_at) if reviewed_at else None,
                            review_note,
                        )
                    )
            if len(problems) >= self.CHUNK:
                yield [problems, audits, rectifications]
                problems, audits, rectifications = [], [], []
        if problems:
            yield [problems, audits, rectifications]


def _add_sample_photos(first_id: int, n: int, people: People) -> dict:
    """The problem page's subjects: the middle problem gets two "before" photos and an "after"
    one (rows only: the page links to files, it never opens them); a reworked problem near it
    keeps none, to show that the page's query count does not depend on photos or history."""
    import hashlib

    from gongjian.inspections.models import Problem, ProblemPhoto, Rectification

    middle = first_id + n // 2
    last_rectification = Rectification.objects.filter(problem_id=middle).order_by("-submitted_at", "-id").first()
    photos = []
    for index, stage in enumerate(["before", "before", "after"]):
        digest = hashlib.sha256(f"bench-{middle}-{index}".encode()).hexdigest()
        photos.append(
            ProblemPhoto(
                problem_id=middle,
                rectification=last_rectification if stage == "after" else None,
                stage=stage,
                file=f"problems/bench/{digest[:2]}/{digest}-{stage}.jpg",
                thumbnail=f"problems/bench/{digest[:2]}/{digest}-{stage}-thumb.jpg",
                sha256=digest,
                original_format="jpeg",
                size=812_345,
                width=4000,
                height=3000,
                uploaded_by=people.inspectors[0] if stage == "before" else people.worker,
            )
        )
    ProblemPhoto.objects.bulk_create(photos)
    reworked = (
        Problem.objects.filter(pk__gt=middle, rework_count__gte=2, status="closed")
        .order_by("pk")
        .values_list("pk", flat=True)
        .first()
    )
    return {"middle": middle, "middle_photos": len(photos), "reworked": reworked}


def _analyze() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("ANALYZE")
        else:
            # VACUUM as well, so the visibility map is set as on a settled production database.
            cursor.execute("VACUUM (ANALYZE)")
