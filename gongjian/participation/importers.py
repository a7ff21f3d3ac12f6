"""Reading volunteer rosters from Excel (.xlsx) and CSV (UTF-8 or GBK, as officials' Excel saves
it), checking every row, and saving the valid ones.

The file is read as a stream, twice at most: once for the preview (counts, first rows, errors)
and once when the user confirms. Memory stays bounded: rows are checked and saved in chunks,
and only the phones and keyed hashes already seen in the file are kept (for in-file duplicates).

File-level refusals (``ImportRefused``): unknown type, damaged file, wrong headers, merged cells,
more than ``MAX_ROWS`` rows. Row-level errors never stop the others; each carries its reason.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from gongjian.core.inputs import clean_text
from gongjian.participation import privacy
from gongjian.participation.choices import PartyStatus, VolunteerStatus

MAX_ROWS = 100_000
CHUNK = 2000
PREVIEW_ROWS = 20
PREVIEW_ERRORS = 200

# Column → the header texts accepted for it (Chinese as officials write them, or the code name).
VOLUNTEER_COLUMNS: dict[str, tuple[str, ...]] = {
    "name": ("姓名", "name"),
    "phone": ("手机号", "手机号码", "手机", "联系电话", "phone"),
    "id_number": ("身份证号", "身份证号码", "id_number"),
    "party_status": ("党员类型", "政治面貌", "party_status"),
    "work_unit": ("工作单位", "work_unit"),
    "skills": ("特长", "技能特长", "skills"),
    "availability": ("服务时间", "可服务时间", "availability"),
}
REQUIRED = ("name", "phone")
TEMPLATE_HEADERS = ["姓名", "手机号", "身份证号", "党员类型", "工作单位", "特长", "服务时间"]
PARTY_VALUES = {
    "": PartyStatus.NONE,
    "否": PartyStatus.NONE,
    "群众": PartyStatus.NONE,
    "非党员": PartyStatus.NONE,
    "none": PartyStatus.NONE,
    "在职党员": PartyStatus.IN_OFFICE,
    "in_office": PartyStatus.IN_OFFICE,
    "居民党员": PartyStatus.RESIDENT,
    "resident": PartyStatus.RESIDENT,
}


class ImportRefused(Exception):
    """The whole file is refused; ``message`` says why and what to do."""

    def __init__(self, message):
        super().__init__(str(message))
        self.message = str(message)


@dataclass
class RowError:
    row: int  # the row number in the file (the header is row 1)
    values: list[str]
    reason: str


@dataclass
class ImportReport:
    total: int = 0
    valid: int = 0
    saved: int = 0
    empty: int = 0
    error_count: int = 0
    errors: list[RowError] = field(default_factory=list)
    first_rows: list[dict] = field(default_factory=list)
    headers: list[str] = field(default_factory=list)


# --- reading ------------------------------------------------------------------------------------


def _text(value) -> str:
    """A cell as text, cleaned like every other input (``core.inputs.clean_text``)."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        # Excel keeps long digit strings typed as numbers as floats: 13812345678.0
        return str(int(value))
    return clean_text(str(value)).strip()


_MERGE = re.compile(rb'<mergeCell\s+ref="([A-Z]+\d+(?::[A-Z]+\d+)?)"')


_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
_PKG_REL = "{http://schemas.openxmlformats.org/package/2006/relationships}"
_CELL_REF = re.compile(r"([A-Z]+)(\d*)")
_INTEGER = re.compile(r"-?\d+")


def _first_sheet_path(archive: zipfile.ZipFile) -> str:
    """The part of the workbook's first sheet, as the workbook and its relationships name it."""
    from lxml import etree

    names = set(archive.namelist())
    try:
        workbook = etree.fromstring(archive.read("xl/workbook.xml"))
        first = workbook.find(f"{_MAIN}sheets/{_MAIN}sheet")
        rels = etree.fromstring(archive.read("xl/_rels/workbook.xml.rels"))
        rel_id = first.get(f"{_REL}id")
        for rel in rels.iter(f"{_PKG_REL}Relationship"):
            if rel.get("Id") == rel_id:
                target = rel.get("Target").lstrip("/")
                path = target if target.startswith("xl/") else f"xl/{target}"
                if path in names:
                    return path
    except (KeyError, AttributeError, etree.XMLSyntaxError):
        pass
    sheets = sorted(n for n in names if re.fullmatch(r"xl/worksheets/sheet\d+\.xml", n))
    return sheets[0] if sheets else ""


def _merged_ranges(archive: zipfile.ZipFile, path: str) -> list[str]:
    """The merged ranges of a sheet, read from its XML in blocks (a large sheet is never held
    decompressed)."""
    found: list[str] = []
    tail = b""
    with archive.open(path) as stream:
        while block := stream.read(1 << 20):
            data = tail + block
            found.extend(m.decode() for m in _MERGE.findall(data))
            tail = data[-200:]  # a match straddling two blocks is found again, then deduplicated
    return list(dict.fromkeys(found))


def _shared_strings(archive: zipfile.ZipFile) -> list[str]:
    from lxml import etree

    if "xl/sharedStrings.xml" not in archive.namelist():
        return []
    strings: list[str] = []
    text_tag, phonetic = f"{_MAIN}t", f"{_MAIN}rPh"
    with archive.open("xl/sharedStrings.xml") as stream:
        for _event, item in etree.iterparse(stream, tag=f"{_MAIN}si"):
            strings.append("".join(t.text or "" for t in item.iter(text_tag) if t.getparent().tag != phonetic))
            item.clear()
    return strings


def _column_index(letters: str) -> int:
    index = 0
    for char in letters:
        index = index * 26 + ord(char) - 64
    return index - 1


def _number_text(value: str) -> str:
    if _INTEGER.fullmatch(value):
        return value
    try:
        number = float(value)
    except ValueError:
        return value
    # Long digit strings typed as numbers come back as 1.3812345678E10.
    return str(int(number)) if number.is_integer() and abs(number) < 1e18 else value


def _xlsx_rows(content: bytes) -> Iterator[tuple[int, list]]:
    """(row number, cell texts) of the first sheet, streamed with lxml: the sheet's XML is parsed
    row by row and each row is dropped once read, so memory does not grow with the file. Cached
    values of formulas are read, as Excel shows them."""
    from lxml import etree

    try:
        archive = zipfile.ZipFile(io.BytesIO(content))
        path = _first_sheet_path(archive)
        if not path:
            raise KeyError("no worksheet")
        merged = _merged_ranges(archive, path)
        shared = _shared_strings(archive)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError, etree.XMLSyntaxError) as exc:
        raise ImportRefused(_("The file could not be read as an Excel workbook (.xlsx).")) from exc
    if merged:
        raise ImportRefused(
            _("The sheet has merged cells (%(ranges)s). Unmerge them so that every row has its own values.")
            % {"ranges": ", ".join(merged[:5])}
        )
    cell_tag, value_tag, inline_tag, text_tag = f"{_MAIN}c", f"{_MAIN}v", f"{_MAIN}is", f"{_MAIN}t"
    number = 0
    try:
        with archive.open(path) as stream:
            for _event, row in etree.iterparse(stream, tag=f"{_MAIN}row"):
                number = int(row.get("r") or number + 1)
                values: list = []
                for position, cell in enumerate(row.iter(cell_tag)):
                    ref = cell.get("r")
                    column = _column_index(_CELL_REF.match(ref).group(1)) if ref else position
                    kind = cell.get("t")
                    if kind == "inlineStr":
                        inline = cell.find(inline_tag)
                        text = "".join(t.text or "" for t in inline.iter(text_tag)) if inline is not None else ""
                    else:
                        raw = cell.findtext(value_tag)
                        if raw is None:
                            text = ""
                        elif kind == "s":
                            text = shared[int(raw)]
                        elif kind == "b":
                            text = "TRUE" if raw == "1" else "FALSE"
                        elif kind in ("str", "e"):
                            text = raw
                        else:
                            text = _number_text(raw)
                    if column >= len(values):
                        values.extend([""] * (column - len(values) + 1))
                    values[column] = text
                row.clear()
                while row.getprevious() is not None:
                    del row.getparent()[0]
                yield number, values
    except (etree.XMLSyntaxError, IndexError, ValueError, zipfile.BadZipFile, OSError) as exc:
        raise ImportRefused(_("The file could not be read as an Excel workbook (.xlsx).")) from exc


def _decode_lines(content: bytes) -> Iterator[tuple[str | None, str]]:
    """Each line decoded on its own: UTF-8 (with or without BOM) or GBK/GB18030, as Excel saves CSV
    on Chinese Windows. Yields (encoding or None if undecodable, text)."""
    if content.startswith(b"\xef\xbb\xbf"):
        content = content[3:]
    for raw in content.splitlines():
        if raw.isascii():
            yield "ascii", raw.decode("ascii")
            continue
        try:
            yield "utf-8", raw.decode("utf-8")
            continue
        except UnicodeDecodeError:
            pass
        try:
            yield "gbk", raw.decode("gb18030")
        except UnicodeDecodeError:
            yield None, raw.decode("utf-8", "replace")


def _csv_rows(content: bytes) -> Iterator[tuple[int, list, str | None]]:
    """(line number, values, per-row encoding problem or None)."""
    lines = list(_decode_lines(content))
    kinds = [enc for enc, _t in lines if enc in ("utf-8", "gbk")]
    main = max(set(kinds), key=kinds.count) if kinds else "utf-8"
    for number, (encoding, line) in enumerate(lines, start=1):
        # Line by line, so that a stray quote spoils one row, not the rest of the file.
        try:
            row = next(csv.reader([line]), [])
        except csv.Error:  # a field beyond csv.field_size_limit(), or a NUL byte
            yield number, [line[:100]], _("The row cannot be read: a value is far too long or holds a NUL byte.")
            continue
        if encoding is None:
            yield number, row, _("The row's characters cannot be read in UTF-8 or GBK.")
        elif encoding not in ("ascii", main):
            yield (
                number,
                row,
                _("This row is saved in a different encoding (%(this)s) from the rest of the file (%(main)s).")
                % {"this": encoding.upper(), "main": main.upper()},
            )
        else:
            yield number, row, None


def read_table(filename: str, content: bytes) -> tuple[list[str], Iterator[tuple[int, list[str], str | None]]]:
    """Headers and an iterator of (row number, values, row-level read problem)."""
    name = filename.lower()
    if name.endswith(".xlsx") or content[:2] == b"PK":
        raw_rows = ((number, row, None) for number, row in _xlsx_rows(content))
    elif name.endswith((".csv", ".txt")):
        raw_rows = _csv_rows(content)
    else:
        raise ImportRefused(_("Upload an Excel workbook (.xlsx) or a CSV file."))
    iterator = iter(raw_rows)
    header = None
    for _number, row, _problem in iterator:
        # The header is the first row with two or more values: a title row above it (a single
        # cell, as our own exports and templates have) is skipped.
        if sum(1 for v in row if _text(v)) >= 2:
            header = [_text(v) for v in row]
            break
    if header is None:
        raise ImportRefused(_("The file is empty."))

    def rows():
        for number, row, problem in iterator:
            yield number, [_text(v) for v in row], problem

    return header, rows()


def map_headers(
    header: list[str], columns: dict[str, tuple[str, ...]], required: tuple[str, ...] = REQUIRED, template=None
) -> dict[str, int]:
    """Column name → index, refusing the file when a required header is missing or a header is unknown."""
    lookup = {alias.lower(): name for name, aliases in columns.items() for alias in aliases}
    mapping: dict[str, int] = {}
    unknown = []
    for index, title in enumerate(header):
        if not title:
            continue
        name = lookup.get(title.lower())
        if name is None:
            unknown.append(title)
        elif name in mapping:
            raise ImportRefused(_("The column “%(title)s” appears twice.") % {"title": title})
        else:
            mapping[name] = index
    missing = [columns[name][0] for name in required if name not in mapping]
    if missing or unknown:
        parts = []
        if missing:
            parts.append(_("missing: %(cols)s") % {"cols": "、".join(missing)})
        if unknown:
            parts.append(_("not recognised: %(cols)s") % {"cols": "、".join(unknown[:10])})
        raise ImportRefused(
            _("The headers do not match the template (%(problems)s). Expected: %(expected)s.")
            % {"problems": "; ".join(parts), "expected": "、".join(template or TEMPLATE_HEADERS)}
        )
    return mapping


def check_header(*, kind: str, filename: str, content: bytes) -> list[str]:
    """Read a sheet only up to its header row and check it against the kind's template: a file of
    the wrong type, empty, with merged cells or with other headers is refused at the door
    (``ImportRefused``) before anything is kept; the rows are checked later, in the background."""
    header, _rows = read_table(filename, content)
    if kind == "volunteers":
        map_headers(header, VOLUNTEER_COLUMNS)
    else:
        spec = ROSTER_SPECS[kind]
        map_headers(header, spec.columns, spec.required, spec.template)
    return header


# --- checking and saving ------------------------------------------------------------------------


def _reason(error: ValidationError) -> str:
    return " ".join(f"{msg}" for messages in error.message_dict.values() for msg in messages)


def volunteer_rows(
    *, filename: str, content: bytes, community_id: int, report: ImportReport, on_error=None
) -> Iterator[list[tuple[int, list[str], object, str]]]:
    """Check every row; yield chunks of valid rows as (row number, values, VolunteerData, keyed hash).
    Invalid rows are counted in ``report`` (the first PREVIEW_ERRORS kept with their reasons)."""
    from gongjian.participation.models import Volunteer
    from gongjian.participation.services import clean_volunteer

    header, rows = read_table(filename, content)
    mapping = map_headers(header, VOLUNTEER_COLUMNS)
    report.headers = header
    seen_phones: dict[str, int] = {}
    seen_ids: dict[str, int] = {}
    sealer = privacy.IdSealer()
    pending: list[tuple[int, list[str], object, str]] = []

    def error(number: int, values: list[str], reason: str) -> None:
        values = privacy.mask_id_cells(values)  # never an ID number in clear in a preview or sheet
        report.error_count += 1
        if len(report.errors) < PREVIEW_ERRORS:
            report.errors.append(RowError(number, values, reason))
        if on_error is not None:
            on_error(number, values, reason)

    def flush():
        if not pending:
            return []
        live = Volunteer.objects.filter(community_id=community_id).exclude(status=VolunteerStatus.REJECTED)
        phones = set(live.filter(phone__in=[p[2].phone for p in pending]).values_list("phone", flat=True))
        hashes = [p[3] for p in pending if p[3]]
        known = (
            set(live.filter(id_number_hash__in=hashes).values_list("id_number_hash", flat=True)) if hashes else set()
        )
        good = []
        for item in pending:
            number, values, data, id_hash = item
            if data.phone in phones:
                error(number, values, _("A volunteer with this phone number is already registered in this community."))
            elif id_hash and id_hash in known:
                error(number, values, _("A volunteer with this ID number is already registered in this community."))
            else:
                good.append(item)
        pending.clear()
        report.valid += len(good)
        for number, _values, data, _hash in good[: max(0, PREVIEW_ROWS - len(report.first_rows))]:
            report.first_rows.append(
                {
                    **data.__dict__,
                    "row": number,
                    "phone": privacy.mask_phone(data.phone),
                    "id_number": privacy.mask_id_last4(data.id_number[-4:]),
                }
            )
        return good

    get = {name: (lambda values, i=index: values[i] if i < len(values) else "") for name, index in mapping.items()}
    for number, values, problem in rows:
        if not any(values):
            report.empty += 1
            continue
        report.total += 1
        if report.total > MAX_ROWS:
            raise ImportRefused(
                _("The file has more than %(n)s rows; split it into smaller files.") % {"n": f"{MAX_ROWS:,}"}
            )
        if problem:
            error(number, values, problem)
            continue
        fields = {name: reader(values) for name, reader in get.items()}
        party = fields.get("party_status", "")
        if party.lower() not in PARTY_VALUES and party not in PARTY_VALUES:
            error(number, values, _("Party membership must be 在职党员, 居民党员 or empty."))
            continue
        fields["party_status"] = PARTY_VALUES.get(party, PARTY_VALUES.get(party.lower()))
        try:
            data = clean_volunteer(**fields)
        except ValidationError as exc:
            error(number, values, _reason(exc))
            continue
        if data.phone in seen_phones:
            error(number, values, _("Same phone number as row %(row)s.") % {"row": seen_phones[data.phone]})
            continue
        id_hash = ""
        if data.id_number:
            id_hash = sealer.hash(data.id_number)
            if id_hash in seen_ids:
                error(number, values, _("Same ID number as row %(row)s.") % {"row": seen_ids[id_hash]})
                continue
            seen_ids[id_hash] = number
        seen_phones[data.phone] = number
        pending.append((number, values, data, id_hash))
        if len(pending) >= CHUNK:
            yield flush()
    yield flush()


# --- rosters: stairwell heads, the 门前三包 register, team members ----------------------------------


@dataclass(frozen=True)
class RosterSpec:
    columns: dict[str, tuple[str, ...]]
    required: tuple[str, ...]
    template: list[str]


TEAM_NAMES = {"卫生保洁": "cleaning", "文明劝导员": "persuasion", "卫生监督员": "hygiene", "绿化养护员": "greenery"}
ROSTER_SPECS: dict[str, RosterSpec] = {
    "stairwell_heads": RosterSpec(
        columns={
            "compound": ("小区", "compound"),
            "building": ("楼栋", "幢", "building"),
            "entrance": ("单元", "entrance"),
            "name": ("楼道长", "姓名", "name"),
            "phone": ("手机号", "手机号码", "联系电话", "phone"),
        },
        required=("compound", "building", "entrance", "name", "phone"),
        template=["小区", "楼栋", "单元", "楼道长", "手机号"],
    ),
    "frontage": RosterSpec(
        columns={
            "holder": ("商户名称", "单位名称", "商户或单位", "holder"),
            "address": ("地址", "address"),
            "frontage": ("责任区域", "门前范围", "frontage"),
            "duties": ("三包内容", "duties"),
            "responsible": ("责任人", "responsible"),
            "phone": ("手机号", "手机号码", "联系电话", "phone"),
        },
        required=("holder", "address", "frontage", "responsible", "phone"),
        template=["商户名称", "地址", "责任区域", "三包内容", "责任人", "手机号"],
    ),
    "team_members": RosterSpec(
        columns={
            "team": ("队伍", "team"),
            "phone": ("志愿者手机号", "手机号", "phone"),
            "area": ("责任区域", "area"),
            "schedule": ("值班时间", "schedule"),
        },
        required=("team", "phone", "area", "schedule"),
        template=["队伍", "志愿者手机号", "责任区域", "值班时间"],
    ),
}


def _check_roster_row(kind: str, fields: dict[str, str], community) -> tuple[tuple, dict]:
    """The duplicate key and the service arguments of one row; ValidationError when it is wrong.
    Reads only (compounds and volunteers are looked up), so the preview saves nothing."""
    from gongjian.participation.models import Volunteer
    from gongjian.participation.services import _clean_contact

    if kind == "stairwell_heads":
        compound = community.children.filter(name=fields["compound"]).first()
        if compound is None:
            raise ValidationError({"compound": _("No compound of this name in the community.")})
        name, phone = _clean_contact(fields["name"], fields["phone"])
        if not fields["building"] or not fields["entrance"]:
            raise ValidationError({"building": _("Give the building and the entrance.")})
        args = {
            "compound": compound,
            "building": fields["building"],
            "entrance": fields["entrance"],
            "name": name,
            "phone": phone,
        }
        return (compound.pk, fields["building"], fields["entrance"]), args
    if kind == "frontage":
        responsible, phone = _clean_contact(fields["responsible"], fields["phone"])
        if not fields["holder"] or not fields["address"] or not fields["frontage"]:
            raise ValidationError({"holder": _("Give the shop or unit, its address and its frontage.")})
        duties = fields.get("duties", "")
        chosen = {"cleanliness": "卫生" in duties, "order": "秩序" in duties, "greenery": "绿化" in duties}
        if not any(chosen.values()):
            chosen = dict.fromkeys(chosen, True)
        args = {
            "holder": fields["holder"],
            "address": fields["address"],
            "frontage": fields["frontage"],
            "responsible": responsible,
            "phone": phone,
            **chosen,
        }
        return (fields["holder"], fields["address"]), args
    team = TEAM_NAMES.get(fields["team"], fields["team"] if fields["team"] in TEAM_NAMES.values() else None)
    if team is None:
        raise ValidationError({"team": _("The team must be 卫生保洁, 文明劝导员, 卫生监督员 or 绿化养护员.")})
    phone = privacy.normalise_phone(fields["phone"])
    volunteer = Volunteer.objects.filter(community=community, phone=phone, status=VolunteerStatus.ACTIVE).first()
    if volunteer is None:
        raise ValidationError({"phone": _("No registered volunteer of this community has this phone number.")})
    if not fields["area"] or not fields["schedule"]:
        raise ValidationError({"area": _("Give the area and the duty schedule.")})
    if volunteer.team_memberships.filter(team__kind=team).exists():
        raise ValidationError({"phone": _("%(name)s is already on this team.") % {"name": volunteer.name}})
    args = {"kind": team, "volunteer": volunteer, "area": fields["area"], "schedule": fields["schedule"]}
    return (team, volunteer.pk), args


def roster_rows(
    *, kind: str, filename: str, content: bytes, community, report: ImportReport, on_error=None
) -> Iterator[list[tuple[int, list[str], dict]]]:
    """Check every row of a roster sheet; yield chunks of (row number, values, service arguments)."""
    spec = ROSTER_SPECS[kind]
    header, rows = read_table(filename, content)
    mapping = map_headers(header, spec.columns, spec.required, spec.template)
    report.headers = header
    seen: dict[tuple, int] = {}
    chunk: list = []

    def error(number, values, reason):
        values = privacy.mask_id_cells(values)  # never an ID number in clear in a preview or sheet
        report.error_count += 1
        if len(report.errors) < PREVIEW_ERRORS:
            report.errors.append(RowError(number, values, reason))
        if on_error is not None:
            on_error(number, values, reason)

    for number, values, problem in rows:
        if not any(values):
            report.empty += 1
            continue
        report.total += 1
        if report.total > MAX_ROWS:
            raise ImportRefused(
                _("The file has more than %(n)s rows; split it into smaller files.") % {"n": f"{MAX_ROWS:,}"}
            )
        if problem:
            error(number, values, problem)
            continue
        fields = {name: (values[i] if i < len(values) else "") for name, i in mapping.items()}
        try:
            key, args = _check_roster_row(kind, fields, community)
        except ValidationError as exc:
            error(number, values, _reason(exc))
            continue
        if key in seen:
            error(number, values, _("Same entry as row %(row)s.") % {"row": seen[key]})
            continue
        seen[key] = number
        report.valid += 1
        if len(report.first_rows) < PREVIEW_ROWS:
            report.first_rows.append({"row": number, "values": values})
        chunk.append((number, values, args))
        if len(chunk) >= CHUNK:
            yield chunk
            chunk = []
    yield chunk
