"""Computing a month: turns the problems on file into score sheets with their original records.

Work goes street by street so memory stays bounded by the largest street, not the city: for each
street, a few grouped queries fetch its problems (ids, unit, category only), the pure functions of
``scoring`` turn them into lines, and the sheets, item scores and deduction lines are bulk-inserted
before the next street is read."""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.db import connection
from django.db.models import BigIntegerField
from django.db.models.functions import Cast
from django.utils import timezone
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _

from gongjian.assessments import feeds, scoring
from gongjian.assessments.choices import LOWER_IS_BETTER, AssessmentStatus, DeductionSource, Indicator, Method
from gongjian.assessments.models import (
    Adjustment,
    Assessment,
    Deduction,
    ItemScore,
    ManualEntry,
    RedFlag,
    RuleItem,
    ScoreSheet,
)
from gongjian.core.models import AuditEvent
from gongjian.inspections import indicators
from gongjian.inspections.choices import ProblemStatus
from gongjian.inspections.models import Problem
from gongjian.inspections.selectors import cohort_aggregates, month_bounds, rectified_on_time_q
from gongjian.organizations.models import Unit
from gongjian.organizations.tree import subtree_ids_sql

RATE_DIGITS = Decimal("0.000001")


@dataclass(frozen=True)
class Node:
    id: int
    parent_id: int | None
    level: str
    name: str


@dataclass
class ComputeSummary:
    sheets: int = 0
    deductions: int = 0
    streets: int = 0


class Tree:
    """The city's units in memory (a few thousand small tuples), for walking up and down."""

    def __init__(self, city_id: int):
        rows = Unit.objects.filter(id__in=subtree_ids_sql([city_id])).values_list("id", "parent_id", "level", "name")
        self.nodes = {r[0]: Node(*r) for r in rows}
        self.children: dict[int, list[int]] = defaultdict(list)
        for node in self.nodes.values():
            if node.parent_id in self.nodes:
                self.children[node.parent_id].append(node.id)

    def ancestor_at(self, unit_id: int, level: str) -> int | None:
        node = self.nodes.get(unit_id)
        while node is not None and node.level != level:
            node = self.nodes.get(node.parent_id) if node.parent_id else None
        return node.id if node else None

    def subtree(self, unit_id: int) -> list[int]:
        out, stack = [], [unit_id]
        while stack:
            current = stack.pop()
            out.append(current)
            stack.extend(self.children.get(current, ()))
        return out


def _month_label(month: datetime.date) -> str:
    return f"{month:%Y-%m}"


def compute(
    assessment: Assessment,
    *,
    as_of: datetime.datetime | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> ComputeSummary:
    """(Re)build every score sheet of the month. The caller holds the transaction and has checked
    that the month is not published. ``progress(done, total)`` is called after each street."""
    ruleset = assessment.ruleset
    month = assessment.month
    start, end = month_bounds(month)
    as_of = min(as_of or timezone.now(), end)
    items = list(RuleItem.objects.filter(ruleset=ruleset).order_by("position", "id"))
    leaves = [i for i in items if i.method and scoring.assessed_in(i.frequency, month, ruleset.fold_into_monthly_from)]
    item_of_category: dict[str, RuleItem] = {}
    for item in leaves:
        if item.method in (Method.DEDUCT, Method.GRADE):
            for code in item.categories:
                item_of_category.setdefault(code, item)
    manual = {
        (m.unit_id, m.item_id): m
        for m in ManualEntry.objects.filter(assessment=assessment).only("id", "unit_id", "item_id", "score", "reason")
    }
    tree = Tree(assessment.city_id)
    ranked = [n for n in tree.nodes.values() if n.level in ruleset.levels]
    archive = _archive_scores(assessment.city_id, month, leaves, [n.id for n in ranked])
    survey_rates = _survey_rates(assessment.city_id, month, leaves, [n.id for n in ranked])
    by_street: dict[int | None, list[Node]] = defaultdict(list)
    for node in ranked:
        by_street[tree.ancestor_at(node.id, "street")].append(node)
    facts = _MonthFacts(
        city_id=assessment.city_id,
        start=start,
        end=end,
        as_of=as_of,
        carried=carried_events(assessment, as_of=as_of),
    )
    facts.survey_rates = survey_rates
    facts.positions = feeds.position_freshness(assessment.city_id, feeds.judged_on(as_of, end), leaves)

    _clear(assessment)
    writer = _Writer(assessment)
    summary = ComputeSummary()
    streets = sorted(by_street.items(), key=lambda kv: (kv[0] is None, kv[0] or 0))
    for street_id, nodes in streets:
        batch = _StreetBatch(
            assessment=assessment,
            street_id=street_id,
            tree=tree,
            leaves=leaves,
            item_of_category=item_of_category,
            manual=manual,
            archive=archive,
            facts=facts,
        )
        sheets, deductions = batch.run(nodes, writer)
        summary.sheets += sheets
        summary.deductions += deductions
        summary.streets += 1
        if progress is not None:
            progress(summary.streets, len(streets))
    writer.flush()
    _rank(assessment)
    _red_flags(assessment)
    return summary


class _MonthFacts:
    """The month's cases for the whole city, read once in a few set-based queries (a few small
    tuples per problem: ~30,000 problems are a few megabytes) and grouped by unit."""

    def __init__(self, *, city_id, start, end, as_of, carried):
        self.as_of = as_of
        in_scope = Problem.objects.filter(unit_id__in=subtree_ids_sql([city_id])).exclude(status=ProblemStatus.VOID)
        found = in_scope.filter(found_at__gte=start, found_at__lt=end)
        # (problem id, category code, number, category name, carried from) per unit.
        self.found = defaultdict(list)
        self.found_order: dict[tuple, int] = {}
        self.reworked = defaultdict(list)
        self.relapsed = defaultdict(list)
        for pid, unit_id, code, number, cname, rework, relapse in found.values_list(
            "id", "unit_id", "category__code", "number", "category__name", "rework_count", "relapse_of_id"
        ).order_by("found_at", "id"):
            row = (pid, code, number, cname, None)
            self.found_order[row] = len(self.found_order)
            self.found[unit_id].append(row)
            if rework:
                self.reworked[unit_id].append(row)
            if relapse:
                self.relapsed[unit_id].append(row)
        # Overdue counts in the month its deadline passed.
        overdue = in_scope.filter(deadline__gte=start, deadline__lt=end, deadline__lte=as_of).exclude(
            rectified_on_time_q()
        )
        self.overdue = defaultdict(list)
        for pid, unit_id, code, number, cname in overdue.values_list(
            "id", "unit_id", "category__code", "number", "category__name"
        ).order_by("deadline", "id"):
            self.overdue[unit_id].append((pid, code, number, cname, None))
        # Late events of published months, after the month's own (docs/assessments.md).
        for source, target in (
            (DeductionSource.REWORK, self.reworked),
            (DeductionSource.RELAPSE, self.relapsed),
            (DeductionSource.OVERDUE, self.overdue),
        ):
            for unit_id, rows in carried.get(source, {}).items():
                target[unit_id].extend(rows)
        self.cohorts = {
            row.pop("unit_id"): row for row in found.values("unit_id").annotate(**cohort_aggregates(as_of)).order_by()
        }


class _StreetBatch:
    def __init__(self, *, assessment, street_id, tree, leaves, item_of_category, manual, archive, facts):
        self.assessment = assessment
        self.ruleset = assessment.ruleset
        self.street_id = street_id
        self.tree = tree
        self.leaves = leaves
        self.item_of_category = item_of_category
        self.manual = manual
        self.archive_items, self.archive_losses = archive
        self.as_of = facts.as_of
        self.found = facts.found
        self.reworked = facts.reworked
        self.relapsed = facts.relapsed
        self.overdue = facts.overdue
        self.cohorts = facts.cohorts
        self.found_order = facts.found_order
        self.not_entered = _("No score entered yet")
        self.survey_rates = getattr(facts, "survey_rates", {})
        self.positions = getattr(facts, "positions", {})

    def _collect(self, source: dict, unit_ids: Iterable[int]) -> list[tuple]:
        rows = []
        for unit_id in unit_ids:
            rows.extend(source.get(unit_id, ()))
        return rows

    def _rates(self, unit_ids: list[int]) -> indicators.Rates:
        totals = defaultdict(int)
        for unit_id in unit_ids:
            for key, value in self.cohorts.get(unit_id, {}).items():
                totals[key] += value
        fields = indicators.CohortCounts.__dataclass_fields__
        return indicators.rates(indicators.CohortCounts(**{k: totals.get(k, 0) for k in fields}))

    def run(self, nodes: list[Node], writer: _Writer) -> tuple[int, int]:
        lines_written = 0
        for node in nodes:
            subtree = self.tree.subtree(node.id)
            # The unit's cases grouped once: found by category code, extras by the item they charge.
            found: dict[str, list[tuple]] = defaultdict(list)
            for row in self._collect(self.found, subtree):
                found[row[1]].append(row)
            extras: dict[str, dict[int, list[tuple]]] = {}
            for source, cases in (
                (DeductionSource.OVERDUE, self.overdue),
                (DeductionSource.REWORK, self.reworked),
                (DeductionSource.RELAPSE, self.relapsed),
            ):
                by_item = extras[source] = defaultdict(list)
                for row in self._collect(cases, subtree):
                    item = self.item_of_category.get(row[1])
                    if item is not None:
                        by_item[item.pk].append(row)
            rates = None
            total = max_total = Decimal("0")
            per_item = []
            for item in self.leaves:
                if not scoring.applies_to(item.level, node.level):
                    continue
                if item.method == Method.RATE and rates is None:
                    rates = self._rates(subtree)
                lines = self._item_lines(item, node, found, extras, rates)
                lost = sum((line[1] for line in lines), Decimal("0"))
                score = scoring.q(max(item.points - lost, Decimal("0")))
                per_item.append((item, score, lines))
                total += score
                max_total += item.points
                lines_written += len(lines)
            rate = (total / max_total).quantize(RATE_DIGITS) if max_total else Decimal("0")
            writer.add_sheet(
                unit_id=node.id, street_id=self.street_id, level=node.level, score=total, max_score=max_total,
                rate=rate, items=per_item,
            )  # fmt: skip
        return len(nodes), lines_written

    def _item_lines(self, item, node, found, extras, rates) -> list[tuple]:
        """(source, points lost, reason, problem id, manual entry id, carried from) for one item of one unit."""
        lines: list[tuple] = []
        if item.method in (Method.DEDUCT, Method.GRADE):
            hits = [row for code in item.categories for row in found.get(code, ())]
            if len(item.categories) > 1:  # in the order found, as the sheet lists them
                hits.sort(key=self.found_order.__getitem__)
            if item.method == Method.DEDUCT:
                amounts = scoring.deduct_lines(item.points, item.per_occurrence, len(hits))
            else:
                amounts = scoring.grade_lines(item.points, len(hits), item.grades or scoring.DEFAULT_GRADES)
            for (pid, _code, number, cname, _carried), amount in zip(hits, amounts, strict=True):
                lines.append((DeductionSource.PROBLEM, amount, f"{cname} {number}", pid, None, None))
        elif item.method == Method.RATE:
            source = ""
            if item.indicator == Indicator.SATISFACTION_RATE:
                value, source = self.survey_rates.get(node.id, (None, ""))
            elif item.indicator == Indicator.POSITIONS_FRESH_RATE:
                value, source = feeds.positions_rate(self.positions, self.tree.subtree(node.id))
            else:
                value = getattr(rates, item.indicator)
            loss = scoring.rate_loss(
                item.points, item.threshold, item.per_point, value, lower_is_better=item.indicator in LOWER_IS_BETTER
            )
            if loss:
                reason = f"{item.indicator} {value}% / {item.threshold}%" + (f" · {source}" if source else "")
                lines.append((DeductionSource.RATE, loss, reason, None, None, None))
        elif item.method == Method.EVIDENCE and item.id in self.archive_items:
            lost = self.archive_losses.get((node.id, item.id))
            if lost is not None:
                lines.append((DeductionSource.ARCHIVE, min(lost[0], item.points), lost[1], None, None, None))
        else:  # manual, and evidence items the archive template does not cover
            entry = self.manual.get((node.id, item.id))
            if entry is None:
                lines.append((DeductionSource.NOT_ASSESSED, Decimal("0.00"), self.not_entered, None, None, None))
            else:
                lost = scoring.q(item.points - entry.score)
                lines.append((DeductionSource.MANUAL, lost, entry.reason, None, entry.id, None))
        # Extra deductions of the rule set, charged to the item the problem's category belongs to.
        per_case = {
            DeductionSource.OVERDUE: self.ruleset.overdue_deduction,
            DeductionSource.REWORK: self.ruleset.rework_deduction,
            DeductionSource.RELAPSE: self.ruleset.relapse_deduction,
        }
        for source, rows in extras.items():
            mine = rows.get(item.pk)
            if not mine or not per_case[source]:
                continue
            remaining = item.points - sum((line[1] for line in lines), Decimal("0"))
            for (pid, _code, number, cname, carried_from), amount in zip(
                mine, scoring.extra_lines(remaining, per_case[source], len(mine)), strict=True
            ):
                lines.append((source, amount, f"{cname} {number}", pid, None, carried_from))
        return lines


def _archive_scores(city_id: int, month: datetime.date, leaves: list[RuleItem], unit_ids: list[int]):
    """The archive's verdict on the month's evidence items, through the scorer the settings name
    (the archives build on the assessment, so the engine does not import them)."""
    evidence_ids = [i.id for i in leaves if i.method == Method.EVIDENCE]
    scorer_path = getattr(settings, "ASSESSMENT_EVIDENCE_SCORER", "")
    if not evidence_ids or not scorer_path:
        return set(), {}
    scorer = import_string(scorer_path)
    return scorer(city_id=city_id, month=month, item_ids=evidence_ids, unit_ids=unit_ids)


def _survey_rates(city_id: int, month: datetime.date, leaves: list[RuleItem], unit_ids: list[int]):
    """The satisfaction surveys' rates for ``satisfaction_rate`` items, through the reader the
    settings name (gongjian/surveys/feed.py): {unit id: (rate % or None, the survey and period)}."""
    reader_path = getattr(settings, "ASSESSMENT_SURVEY_RATES", "")
    wanted = any(i.method == Method.RATE and i.indicator == Indicator.SATISFACTION_RATE for i in leaves)
    if not wanted or not reader_path:
        return {}
    return import_string(reader_path)(city_id=city_id, month=month, unit_ids=unit_ids)


class _Writer:
    """Buffers sheets, item scores and lines, and writes them in a few set-based statements.

    On PostgreSQL with COPY: the ids of the sheets and item scores are taken from their tables'
    sequences first (one statement each), so a child names its parent without a round trip per
    row. Elsewhere (SQLite) with ``bulk_create`` (ids come back) and ``executemany`` for the lines,
    which need no model instance or id back: there can be a hundred thousand of them in a month."""

    FLUSH_AT = 25_000  # lines buffered before a write

    def __init__(self, assessment: Assessment):
        self.assessment_id = assessment.pk
        self.sheets: list[tuple] = []
        self.pending = 0
        self.use_copy = connection.vendor == "postgresql"

    def add_sheet(self, *, unit_id, street_id, level, score, max_score, rate, items) -> None:
        self.sheets.append((unit_id, street_id, level, score, max_score, rate, items))
        self.pending += sum(len(lines) for _item, _score, lines in items)
        if self.pending >= self.FLUSH_AT:
            self.flush()

    def flush(self) -> None:
        if self.sheets:
            (self._flush_copy if self.use_copy else self._flush_orm)()
        self.sheets, self.pending = [], 0

    def _flush_copy(self) -> None:
        sheet_ids = _next_ids(ScoreSheet, len(self.sheets))
        item_ids = iter(_next_ids(ItemScore, sum(len(sheet[6]) for sheet in self.sheets)))
        sheet_rows, item_rows, line_rows = [], [], []
        for sheet_id, (unit_id, street_id, level, score, max_score, rate, per_item) in zip(
            sheet_ids, self.sheets, strict=True
        ):
            sheet_rows.append((sheet_id, self.assessment_id, unit_id, street_id, level, score, max_score, rate))
            for item, item_score, lines in per_item:
                item_score_id = next(item_ids)
                item_rows.append((item_score_id, sheet_id, item.pk, item.points, item_score))
                for source, points, reason, problem_id, manual_id, carried in lines:
                    line_rows.append((item_score_id, str(source), problem_id, manual_id, points, reason[:300], carried))
        _copy(ScoreSheet, SHEET_FIELDS, sheet_rows)
        _copy(ItemScore, ITEM_FIELDS, item_rows)
        _copy(Deduction, DEDUCTION_FIELDS, line_rows)

    def _flush_orm(self) -> None:
        sheets = [
            ScoreSheet(
                assessment_id=self.assessment_id,
                unit_id=unit_id,
                street_id=street_id,
                level=level,
                score=score,
                max_score=max_score,
                rate=rate,
            )
            for unit_id, street_id, level, score, max_score, rate, _items in self.sheets
        ]
        ScoreSheet.objects.bulk_create(sheets, batch_size=1000)
        item_scores, lines_per_item = [], []
        for sheet, entry in zip(sheets, self.sheets, strict=True):
            for item, score, lines in entry[6]:
                item_scores.append(ItemScore(sheet=sheet, item=item, points=item.points, score=score))
                lines_per_item.append(lines)
        ItemScore.objects.bulk_create(item_scores, batch_size=5000)
        rows = [
            (item_score.pk, str(source), problem_id, manual_id, points, reason[:300], carried)
            for item_score, lines in zip(item_scores, lines_per_item, strict=True)
            for source, points, reason, problem_id, manual_id, carried in lines
        ]
        if not rows:
            return
        values = ", ".join(["%s"] * len(DEDUCTION_FIELDS))
        sql = f"INSERT INTO {_table(Deduction)} ({_columns(Deduction, DEDUCTION_FIELDS)}) VALUES ({values})"
        with connection.cursor() as cursor:
            for first in range(0, len(rows), 5000):
                cursor.executemany(sql, rows[first : first + 5000])


SHEET_FIELDS = ["id", "assessment", "unit", "street", "level", "score", "max_score", "rate"]
ITEM_FIELDS = ["id", "sheet", "item", "points", "score"]
DEDUCTION_FIELDS = ["item_score", "source", "problem", "manual_entry", "points", "reason", "carried_from"]


def _table(model) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def _columns(model, names: list[str]) -> str:
    meta = model._meta
    return ", ".join(connection.ops.quote_name(meta.get_field(name).column) for name in names)


# Held (until the transaction ends) while reserving a block of ids: the engine is the only writer
# of sheets and item scores, so computations reserving blocks one after the other never overlap.
ID_BLOCK_LOCK = 0x6A5F_0001


def _next_ids(model, count: int) -> list[int]:
    """``count`` consecutive fresh ids from the table's sequence (PostgreSQL): one ``nextval`` and
    a ``setval`` past the block, under a transaction-level advisory lock."""
    if not count:
        return []
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [ID_BLOCK_LOCK])
        cursor.execute(
            "SELECT seq, nextval(seq) FROM (SELECT pg_get_serial_sequence(%s, 'id') AS seq) AS s",
            [model._meta.db_table],
        )
        sequence, first = cursor.fetchone()
        cursor.execute("SELECT setval(%s, %s)", [sequence, first + count - 1])
    return list(range(first, first + count))


def _copy(model, names: list[str], rows: list[tuple]) -> None:
    """Rows into a table with PostgreSQL's COPY (psycopg 3)."""
    if not rows:
        return
    sql = f"COPY {_table(model)} ({_columns(model, names)}) FROM STDIN"
    with connection.cursor() as cursor, cursor.cursor.copy(sql) as copy:
        for row in rows:
            copy.write_row(row)


# --- late events of published months ------------------------------------------------------------


def _published_before(assessment: Assessment) -> list[Assessment]:
    """The published months for which this month is the first open one: those right before it,
    back to the last earlier month that is not published."""
    out = []
    for earlier in Assessment.objects.filter(city_id=assessment.city_id, month__lt=assessment.month).order_by("-month"):
        if earlier.status != AssessmentStatus.PUBLISHED:
            break
        out.append(earlier)
    return out


def _problem_ids_since(watermark: int, action: str, **extra):
    """Ids of the problems with an audit event of ``action`` after ``watermark``, as a subquery
    (the events of several months can be many; they never travel to Python)."""
    return (
        AuditEvent.objects.filter(id__gt=watermark, action=action, target_type=Problem._meta.label_lower, **extra)
        .annotate(problem_id=Cast("target_id", BigIntegerField()))
        .values("problem_id")
    )


def carried_events(assessment: Assessment, *, as_of: datetime.datetime) -> dict[str, dict[int, list[tuple]]]:
    """Reworks, relapses and overdue cases of published months that happened after the month was
    computed (so its published sheets could not count them): {source: {unit id: [row, ...]}} with
    rows shaped like the engine's own plus the month they belong to. Each goes to the first open
    month after the one it belongs to — this one, if it is asked for it. A case already counted
    in its own month (a line of the same kind) is never counted again."""
    out: dict[str, dict[int, list[tuple]]] = {}
    for earlier in _published_before(assessment):
        start, end = month_bounds(earlier.month)
        scope = (
            Problem.objects.filter(unit_id__in=subtree_ids_sql([assessment.city_id]))
            .exclude(status=ProblemStatus.VOID)
            .order_by("found_at", "id")
        )
        found = scope.filter(found_at__gte=start, found_at__lt=end)
        wanted = {
            DeductionSource.REWORK: found.filter(
                rework_count__gt=0,
                id__in=_problem_ids_since(earlier.audit_watermark, "problem.review", to_state=ProblemStatus.OPEN),
            ),
            DeductionSource.RELAPSE: found.filter(
                relapse_of__isnull=False,
                id__in=_problem_ids_since(earlier.audit_watermark, "problem.report"),
            ),
            DeductionSource.OVERDUE: scope.filter(
                deadline__gte=start, deadline__lt=end, deadline__lte=as_of,
                deadline__gt=earlier.counted_until or end,
            ).exclude(rectified_on_time_q()),
        }  # fmt: skip
        for source, problems in wanted.items():
            counted = Deduction.objects.filter(item_score__sheet__assessment=earlier, source=source).values(
                "problem_id"
            )
            rows = problems.exclude(id__in=counted).values_list(
                "id", "unit_id", "category__code", "number", "category__name"
            )
            for pid, unit_id, code, number, cname in rows:
                out.setdefault(source, defaultdict(list))[unit_id].append((pid, code, number, cname, earlier.month))
    return out


def _clear(assessment: Assessment) -> None:
    """Remove a previous computation in a few set-based statements, children first (the ORM's
    cascade would load every line into Python first)."""
    sheets = f"SELECT id FROM {ScoreSheet._meta.db_table} WHERE assessment_id = %s"
    items = f"SELECT id FROM {ItemScore._meta.db_table} WHERE sheet_id IN ({sheets})"
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {Deduction._meta.db_table} WHERE item_score_id IN ({items})", [assessment.pk])
        cursor.execute(f"DELETE FROM {ItemScore._meta.db_table} WHERE sheet_id IN ({sheets})", [assessment.pk])
        cursor.execute(f"DELETE FROM {RedFlag._meta.db_table} WHERE assessment_id = %s", [assessment.pk])
        cursor.execute(f"DELETE FROM {Adjustment._meta.db_table} WHERE sheet_id IN ({sheets})", [assessment.pk])
        cursor.execute(f"DELETE FROM {ScoreSheet._meta.db_table} WHERE assessment_id = %s", [assessment.pk])


def _rank(assessment: Assessment) -> None:
    """Ranks by rate, ties sharing a rank (SQL's RANK(): 1, 2, 2, 4), per level city-wide and per
    level within each street — the same rule as ``scoring.competition_ranks``, in one statement."""
    table = ScoreSheet._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            UPDATE {table} SET rank_city = ranked.rank_city, rank_street = ranked.rank_street
            FROM (
                SELECT id,
                       RANK() OVER (PARTITION BY level ORDER BY rate DESC) AS rank_city,
                       CASE WHEN street_id IS NULL THEN NULL
                            ELSE RANK() OVER (PARTITION BY level, street_id ORDER BY rate DESC) END AS rank_street
                FROM {table} WHERE assessment_id = %s
            ) AS ranked
            WHERE {table}.id = ranked.id
            """,
            [assessment.pk],
        )


def _red_flags(assessment: Assessment) -> None:
    ruleset = assessment.ruleset
    RedFlag.objects.filter(assessment=assessment).delete()
    rows = ScoreSheet.objects.filter(assessment=assessment, level=ruleset.flag_level, street__isnull=False).values_list(
        "id", "street_id", "rate"
    )
    by_street = defaultdict(list)
    for sheet_id, street_id, rate in rows:
        by_street[street_id].append((sheet_id, rate))
    flags = [
        RedFlag(assessment=assessment, street_id=street_id, sheet_id=sheet_id)
        for street_id, rates in by_street.items()
        for sheet_id in scoring.red_flag_holders(rates, ruleset.red_flag_threshold)
    ]
    RedFlag.objects.bulk_create(flags)
