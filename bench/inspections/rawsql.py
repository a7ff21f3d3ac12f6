"""The hand-written SQL baselines: the same rows as the list, stats and problem page, read with the
fewest queries the schema allows."""

from __future__ import annotations

import datetime
import time

from bench.inspections.common import (
    _add_months,
)


class RawSql:
    """Hand-written SQL for the same rows and aggregates, on Django's connection (same database,
    same connection settings), restricted to the actor's places as hand-written SQL would on the
    current schema: through the problems' denormalised ancestor columns when the model has them
    (``Problem.SCOPE_COLUMNS``), else through the recursive subtree of units (``scope="subtree"``
    forces the latter)."""

    def __init__(self, connection, scope: str = "auto"):
        from django.conf import settings
        from django.contrib.auth import get_user_model
        from django.utils import timezone

        from gongjian.core.models import AuditEvent
        from gongjian.inspections.models import Category, Extension, Problem, ProblemPhoto, Rectification
        from gongjian.organizations.models import Unit

        self.connection = connection
        self.vendor = connection.vendor
        self.tz = timezone.get_current_timezone()
        self.tz_name = settings.TIME_ZONE
        t = {
            "P": Problem,
            "C": Category,
            "U": Unit,
            "PH": ProblemPhoto,
            "A": AuditEvent,
            "R": Rectification,
            "E": Extension,
            "USER": get_user_model(),
        }
        self.t = {k: connection.ops.quote_name(m._meta.db_table) for k, m in t.items()}
        columns = {f.attname: f.column for f in Problem._meta.concrete_fields}
        self.scope_columns = (
            {
                level: columns[attname]
                for level, attname in getattr(Problem, "SCOPE_COLUMNS", {}).items()
                if attname in columns
            }
            if scope != "subtree"
            else {}
        )
        self.scope_mode = "ancestor columns" if self.scope_columns else "recursive subtree"
        self._levels = dict(Unit.objects.values_list("id", "level"))

    def _dt(self, value: datetime.datetime):
        return self.connection.ops.adapt_datetimefield_value(value)

    def _scope(self, roots: list[int], sub: list[int] | None = None) -> tuple[list[str], list, str, list]:
        """(CTEs, their params, a WHERE condition on ``p``, its params) restricting problems to the
        subtrees of ``roots`` (and of ``sub``)."""
        u = self.t["U"]
        ctes, cte_params, where, where_params = [], [], [], []
        for name, ids in (("scope", roots), ("sub", sub)):
            if not ids:
                continue
            marks = ", ".join(["%s"] * len(ids))
            levels = {self._levels.get(i) for i in ids}
            column = self.scope_columns.get(levels.pop()) if len(levels) == 1 else None
            if column:
                where.append(f"p.{column} IN ({marks})")
                where_params += ids
            else:
                ctes.append(
                    f"{name}(id) AS (SELECT id FROM {u} WHERE id IN ({marks})"
                    f" UNION SELECT u.id FROM {u} u JOIN {name} s ON u.parent_id = s.id)"
                )
                cte_params += ids
                where.append(f"p.unit_id IN (SELECT id FROM {name})")
        return ctes, cte_params, " AND ".join(where), where_params

    @staticmethod
    def _with(ctes: list[str]) -> str:
        return f"WITH RECURSIVE {', '.join(ctes)} " if ctes else ""

    def _query(self, sql: str, params: list) -> list[tuple]:
        with self.connection.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchall()

    def _timed(self, parts: dict, name: str, sql: str, params: list) -> list[tuple]:
        start = time.perf_counter()
        rows = self._query(sql, params)
        parts[name] = time.perf_counter() - start
        return rows

    # The list: the page of rows (problem, category, unit) and the count, ordered like the ORM.
    def problem_list(self, roots: list[int], filters: dict, *, limit: int, offset: int) -> dict:
        t = self.t
        ctes, params, scope, scope_params = self._scope(roots, [filters["unit"]] if filters.get("unit") else None)
        with_ = self._with(ctes)
        where, wparams, join_category = [scope], list(scope_params), False
        if filters.get("status"):
            where.append("p.status = %s")
            wparams.append(filters["status"])
        if filters.get("category"):
            where.append("c.code = %s")
            wparams.append(filters["category"])
            join_category = True
        if filters.get("found_after"):
            where.append("p.found_at >= %s")
            wparams.append(self._dt(datetime.datetime.combine(filters["found_after"], datetime.time.min, self.tz)))
        if filters.get("found_before"):
            end = datetime.datetime.combine(
                filters["found_before"] + datetime.timedelta(days=1), datetime.time.min, self.tz
            )
            where.append("p.found_at < %s")
            wparams.append(self._dt(end))
        if filters.get("q"):
            where.append("(p.number LIKE %s OR p.address LIKE %s)")
            wparams += [f"{filters['q']}%", f"%{filters['q']}%"]
        w = " AND ".join(where)
        parts: dict[str, float] = {}
        count_join = f" JOIN {t['C']} c ON c.id = p.category_id" if join_category else ""
        count = self._timed(
            parts, "count", f"{with_}SELECT COUNT(*) FROM {t['P']} p{count_join} WHERE {w}", params + wparams
        )
        rows = self._timed(
            parts,
            "page",
            f"{with_}SELECT p.id AS pid, p.*, c.*, u.* FROM {t['P']} p JOIN {t['C']} c ON c.id = p.category_id"
            f" JOIN {t['U']} u ON u.id = p.unit_id WHERE {w} ORDER BY p.found_at DESC, p.id DESC LIMIT %s OFFSET %s",
            params + wparams + [limit, offset],
        )
        return {"count": count[0][0], "ids": [row[0] for row in rows], "_parts": parts}

    # The stats: the month's conditional counts, by category, rolled up to communities and
    # streets, and the twelve-month trend — everything the endpoint returns.
    COUNTS = ["found", "void", "due", "closed", "closed_on_time", "reworked", "overdue", "relapses"]

    def _aggregates(self, as_of) -> tuple[str, list]:
        nv = "p.status <> 'void'"
        due = f"({nv} AND (p.status = 'closed' OR p.deadline <= %s))"
        # As selectors.rectified_on_time_q: the rectification in hand (submitted or accepted) came in time.
        on_time = (
            "(p.status IN ('submitted', 'closed') AND p.submitted_at IS NOT NULL AND p.submitted_at <= p.deadline)"
        )
        exprs = [
            f"COUNT(*) FILTER (WHERE {nv})",
            "COUNT(*) FILTER (WHERE p.status = 'void')",
            f"COUNT(*) FILTER (WHERE {due})",
            "COUNT(*) FILTER (WHERE p.status = 'closed')",
            f"COUNT(*) FILTER (WHERE p.status = 'closed' AND {on_time})",
            f"COUNT(*) FILTER (WHERE {due} AND p.rework_count > 0)",
            f"COUNT(*) FILTER (WHERE {due} AND NOT {on_time})",
            f"COUNT(*) FILTER (WHERE {nv} AND p.relapse_of_id IS NOT NULL)",
        ]
        sql = ", ".join(f"{e} AS {name}" for e, name in zip(exprs, self.COUNTS, strict=True))
        return sql, [as_of] * 3

    def stats(self, roots: list[int], sub: list[int] | None, month: datetime.date) -> dict:
        from django.utils import timezone

        t = self.t
        start = datetime.datetime(month.year, month.month, 1, tzinfo=self.tz)
        end_month = _add_months(month, 1)
        end = datetime.datetime(end_month.year, end_month.month, 1, tzinfo=self.tz)
        trend_month = _add_months(month, -11)
        trend_start = datetime.datetime(trend_month.year, trend_month.month, 1, tzinfo=self.tz)
        as_of = self._dt(min(timezone.now(), end))
        ctes, cte_params, scope, scope_params = self._scope(roots, sub)
        with_ = self._with(ctes)
        cohort = f"p.found_at >= %s AND p.found_at < %s AND {scope}"
        cohort_params = [self._dt(start), self._dt(end), *scope_params]
        aggs, agg_params = self._aggregates(as_of)
        parts: dict[str, float] = {}

        counts_row = self._timed(
            parts,
            "counts",
            f"{with_}SELECT {aggs} FROM {t['P']} p WHERE {cohort}",
            cte_params + agg_params + cohort_params,
        )[0]
        counts = dict(zip(self.COUNTS, counts_row, strict=True))
        categories = self._timed(
            parts,
            "by_category",
            f"{with_}SELECT c.code, COUNT(*) FROM {t['P']} p JOIN {t['C']} c ON c.id = p.category_id"
            f" WHERE {cohort} AND p.status <> 'void' GROUP BY c.code",
            cte_params + cohort_params,
        )
        sums = ", ".join(f"SUM(x.{name})" for name in self.COUNTS)
        rollup = self._timed(
            parts,
            "by_street_community",
            self._with(
                [
                    *ctes,
                    f"per_unit AS (SELECT p.unit_id, {aggs} FROM {t['P']} p WHERE {cohort} GROUP BY p.unit_id)",
                    "placed AS (SELECT x.*, CASE u.level WHEN 'compound' THEN u.parent_id WHEN 'community' THEN u.id"
                    f" END AS community_id FROM per_unit x JOIN {t['U']} u ON u.id = x.unit_id)",
                ]
            )
            + f"SELECT 'community', cm.id, {sums} FROM placed x JOIN {t['U']} cm ON cm.id = x.community_id"
            f" GROUP BY cm.id"
            f" UNION ALL SELECT 'street', st.id, {sums} FROM placed x JOIN {t['U']} cm ON cm.id = x.community_id"
            f" JOIN {t['U']} st ON st.id = cm.parent_id GROUP BY st.id",
            cte_params + agg_params + cohort_params,
        )
        if self.vendor == "postgresql":
            month_expr = "to_char(date_trunc('month', p.found_at AT TIME ZONE %s), 'YYYY-MM')"
            month_param = self.tz_name
        else:
            month_expr = "strftime('%%Y-%%m', p.found_at, %s)"
            offset = int(start.utcoffset().total_seconds())
            month_param = f"{offset:+d} seconds"
        trend = self._timed(
            parts,
            "trend_12_months",
            f"{with_}SELECT {month_expr} AS m, COUNT(*), COUNT(*) FILTER (WHERE p.status = 'closed')"
            f" FROM {t['P']} p WHERE p.found_at >= %s AND p.found_at < %s AND {scope} AND p.status <> 'void'"
            f" GROUP BY m ORDER BY m",
            [*cte_params, month_param, self._dt(trend_start), self._dt(end), *scope_params],
        )
        # The endpoint's order: by count, then code.
        by_category = sorted(((code, n) for code, n in categories if n), key=lambda r: (-r[1], r[0]))
        idx_found, idx_due = 2 + self.COUNTS.index("found"), 2 + self.COUNTS.index("due")
        return {
            "counts": counts,
            "by_category": by_category,
            "trend": [(m, n, closed) for m, n, closed in trend],
            "by_street": sorted((r[1], r[idx_found], r[idx_due]) for r in rollup if r[0] == "street"),
            "by_community": sorted((r[1], r[idx_found], r[idx_due]) for r in rollup if r[0] == "community"),
            "_parts": parts,
        }

    # The problem page: the problem with category, unit, parent unit, reporter and relapse origin;
    # its photos, audit events (with actors), rectifications and any pending extension.
    def problem_page(self, roots: list[int], problem_id: int) -> dict:
        t = self.t
        ctes, params, scope, scope_params = self._scope(roots)
        parts: dict[str, float] = {}
        row = self._timed(
            parts,
            "problem",
            f"{self._with(ctes)}SELECT p.*, c.*, u.*, pu.*, r.id, r.username, r.name, rp.number FROM {t['P']} p"
            f" JOIN {t['C']} c ON c.id = p.category_id JOIN {t['U']} u ON u.id = p.unit_id"
            f" LEFT JOIN {t['U']} pu ON pu.id = u.parent_id JOIN {t['USER']} r ON r.id = p.reporter_id"
            f" LEFT JOIN {t['P']} rp ON rp.id = p.relapse_of_id"
            f" WHERE p.id = %s AND {scope}",
            [*params, problem_id, *scope_params],
        )
        photos = self._timed(
            parts,
            "photos",
            f"SELECT ph.* FROM {t['PH']} ph WHERE ph.problem_id = %s ORDER BY ph.uploaded_at, ph.id",
            [problem_id],
        )
        events = self._timed(
            parts,
            "audit_events",
            f"SELECT a.*, au.username, au.name FROM {t['A']} a LEFT JOIN {t['USER']} au ON au.id = a.actor_id"
            f" WHERE a.target_type = %s AND a.target_id = %s ORDER BY a.at, a.id",
            ["inspections.problem", str(problem_id)],
        )
        self._timed(
            parts,
            "rectifications",
            f"SELECT * FROM {t['R']} WHERE problem_id = %s ORDER BY submitted_at, id",
            [problem_id],
        )
        self._timed(
            parts,
            "pending_extension",
            f"SELECT * FROM {t['E']} WHERE problem_id = %s AND status = 'pending' ORDER BY requested_at, id LIMIT 1",
            [problem_id],
        )
        number = self._problem_number(problem_id)
        return {"id": row[0][0], "number": number, "photos": len(photos), "events": len(events), "_parts": parts}

    def _problem_number(self, problem_id: int) -> str:
        return self._query(f"SELECT number FROM {self.t['P']} WHERE id = %s", [problem_id])[0][0]

    # The API detail: the problem with category, unit and reporter, and its photos.
    def problem_api(self, roots: list[int], problem_id: int) -> dict:
        t = self.t
        ctes, params, scope, scope_params = self._scope(roots)
        parts: dict[str, float] = {}
        row = self._timed(
            parts,
            "problem",
            f"{self._with(ctes)}SELECT p.id, p.number, p.*, c.*, u.*, r.id, r.username, r.name FROM {t['P']} p"
            f" JOIN {t['C']} c ON c.id = p.category_id JOIN {t['U']} u ON u.id = p.unit_id"
            f" JOIN {t['USER']} r ON r.id = p.reporter_id WHERE p.id = %s AND {scope}",
            [*params, problem_id, *scope_params],
        )
        photos = self._timed(
            parts,
            "photos",
            f"SELECT ph.* FROM {t['PH']} ph WHERE ph.problem_id = %s ORDER BY ph.uploaded_at, ph.id",
            [problem_id],
        )
        return {"id": row[0][0], "number": row[0][1], "photos": len(photos), "_parts": parts}

    def unit_with_rows(self, month: datetime.date, wanted: int) -> tuple[int, int] | None:
        """A unit with exactly ``wanted`` problems found in the month (or the nearest count above)."""
        start = datetime.datetime(month.year, month.month, 1, tzinfo=self.tz)
        end_month = _add_months(month, 1)
        end = datetime.datetime(end_month.year, end_month.month, 1, tzinfo=self.tz)
        rows = self._query(
            f"SELECT p.unit_id, COUNT(*) AS n FROM {self.t['P']} p JOIN {self.t['U']} u ON u.id = p.unit_id"
            f" WHERE u.level = 'compound' AND p.found_at >= %s AND p.found_at < %s"
            f" GROUP BY p.unit_id HAVING COUNT(*) >= %s ORDER BY n, p.unit_id LIMIT 1",
            [self._dt(start), self._dt(end), wanted],
        )
        return (rows[0][0], rows[0][1]) if rows else None
