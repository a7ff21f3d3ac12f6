"""The first day's roster of people (an Excel file) read and checked row by row, and their initial
passwords (no ORM here; ``services.users_import`` writes).

The first sheet has a header row naming four columns, in any order: name (姓名), username (用户名,
账号), role (角色) and unit code (单位代码). The role is its code (``community_worker``) or its label
in Chinese or English (社区工作者, "Community worker"); the unit code is a unit's code as imported by
``import_units`` (12 digits; the short form of the division codes is padded), or for a
co-construction liaison the co-construction unit's unified social credit code or exact name.
A person holding several roles has one row per role, with the same name each time."""

from __future__ import annotations

import io
import secrets
import zipfile
from dataclasses import dataclass

from django.contrib.auth.validators import UnicodeUsernameValidator
from django.core.exceptions import ValidationError
from django.utils import translation
from django.utils.translation import gettext as _

from gongjian.accounts.choices import Role

HEADERS = {
    "name": ("name", "姓名"),
    "username": ("username", "用户名", "账号", "登录名"),
    "role": ("role", "角色"),
    "unit_code": ("unit code", "unit_code", "unitcode", "单位代码", "单位编码"),
}
MAX_NAME = 50
MAX_ROWS = 20_000
# No 0/O, 1/l/I: an initial password is read off paper and typed.
PASSWORD_ALPHABET = "abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"
PASSWORD_LENGTH = 12


class RosterRefused(Exception):
    """The file is refused whole; ``errors`` are the reasons, each naming its row."""

    def __init__(self, errors: list[str]):
        self.errors = errors
        super().__init__("\n".join(errors))


@dataclass(frozen=True)
class Person:
    line: int  # the row in the sheet (the header is row 1)
    name: str
    username: str
    role: str  # Role
    unit_code: str


def role_words() -> dict[str, str]:
    """Every way the file may name a role → the role."""
    words = {}
    for role in Role:
        words[role.value.lower()] = role.value
        for language in ("zh-hans", "en"):
            with translation.override(language):
                words[str(role.label).strip().lower()] = role.value
    return words


def initial_password() -> str:
    """Twelve characters from an unambiguous alphabet, at least one letter and one digit."""
    while True:
        password = "".join(secrets.choice(PASSWORD_ALPHABET) for _ in range(PASSWORD_LENGTH))
        if any(c.isdigit() for c in password) and any(c.isalpha() for c in password):
            return password


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # a code Excel stored as a number
    return str(value).strip()


def read(content: bytes) -> tuple[list[Person], list[str]]:
    """The people of the roster's good rows, and the errors of the others (each naming its row);
    raises ``RosterRefused`` when the file itself cannot be read."""
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError):
        raise RosterRefused([_("The file is not an Excel workbook (.xlsx).")]) from None
    try:
        rows = workbook.worksheets[0].iter_rows(values_only=True)
        header = next(rows, None) or ()
        wanted = {alias: column for column, aliases in HEADERS.items() for alias in aliases}
        positions: dict[str, int] = {}
        for index, title in enumerate(header):
            column = wanted.get(_cell(title).lower())
            if column and column not in positions:
                positions[column] = index
        missing = [column for column in HEADERS if column not in positions]
        if missing:
            message = _(
                "Row 1: the header must name the columns name, username, role and unit code; missing: %(columns)s."
            )
            raise RosterRefused([message % {"columns": ", ".join(missing)}])
        roles = role_words()
        people, errors, names = [], [], {}
        for line, row in enumerate(rows, start=2):
            if line > MAX_ROWS + 1:
                raise RosterRefused([_("The file has more than %(max)d rows.") % {"max": MAX_ROWS}])
            cells = {column: _cell(row[i]) if i < len(row) else "" for column, i in positions.items()}
            if not any(cells.values()):
                continue
            problems = []
            if not cells["name"] or len(cells["name"]) > MAX_NAME:
                problems.append(_("the name is empty or longer than %(max)d characters") % {"max": MAX_NAME})
            username = cells["username"]
            try:
                if not username or len(username) > 150:
                    raise ValidationError("")
                UnicodeUsernameValidator()(username)
            except ValidationError:
                problems.append(
                    _("the username %(username)r is not 1–150 letters, digits and @/./+/-/_") % {"username": username}
                )
            role = roles.get(cells["role"].lower())
            if role is None:
                problems.append(_("the role %(role)r is not one of the roles") % {"role": cells["role"]})
            if not cells["unit_code"]:
                problems.append(_("the unit code is empty"))
            first = names.setdefault(username, (line, cells["name"])) if username else None
            if first and first[1] != cells["name"]:
                problems.append(
                    _("the username %(username)s is %(name)s on row %(line)d")
                    % {"username": username, "name": first[1], "line": first[0]}
                )
            if problems:
                errors.append(_("Row %(line)d: %(problems)s.") % {"line": line, "problems": "; ".join(problems)})
            else:
                people.append(Person(line, cells["name"], username, role, cells["unit_code"]))
    finally:
        workbook.close()
    return people, errors
