"""A questionnaire written as text, one question a line (pure: no ORM), so the office designs it in
one box and every mistake is reported with its line:

    single   | 您对小区环境卫生满意吗？ | 满意; 比较满意; 一般; 不满意 | satisfied: 满意; 比较满意
    multiple | 您最希望改进哪些方面？ | 垃圾分类; 停车; 绿化
    scale    | 您对社区创建工作打几分？ | 1-5 | labels: 很不满意; 很满意 | satisfied: >=4
    text     | 您还有什么建议？ | optional

Exactly one question carries ``satisfied:`` — the satisfaction question and which answers count."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

KINDS = ("single", "multiple", "scale", "text")
MAX_QUESTIONS = 40
_SCALE = re.compile(r"^(-?\d+)\s*-\s*(\d+)$")
_AT_LEAST = re.compile(r"^>=\s*(-?\d+)$")


@dataclass
class QuestionSpec:
    kind: str
    text: str
    options: list[str] = field(default_factory=list)
    scale_min: int | None = None
    scale_max: int | None = None
    required: bool = True
    is_satisfaction: bool = False
    satisfied_options: list[str] = field(default_factory=list)
    satisfied_min: int | None = None


class DesignInvalid(Exception):
    def __init__(self, errors: list[str]):
        super().__init__("; ".join(errors))
        self.errors = errors


def _split(value: str) -> list[str]:
    return [part.strip() for part in re.split(r"[;；]", value) if part.strip()]


def parse_questions(text: str) -> list[QuestionSpec]:
    """The questions of ``text``, or ``DesignInvalid`` listing every problem by line."""
    errors: list[str] = []
    questions: list[QuestionSpec] = []
    for number, raw in enumerate((text or "").splitlines(), start=1):
        line = raw.strip()
        if not line:
            continue
        where = _("line %(n)s") % {"n": number}
        parts = [p.strip() for p in re.split(r"[|｜]", line)]
        kind = parts[0].lower()
        if kind not in KINDS:
            errors.append(_("%(where)s: the kind must be single, multiple, scale or text.") % {"where": where})
            continue
        if len(parts) < 2 or not parts[1]:
            errors.append(_("%(where)s: the question text is missing.") % {"where": where})
            continue
        spec = QuestionSpec(kind=kind, text=parts[1][:300])
        rest = parts[2:]
        satisfied = None
        for part in rest:
            lowered = part.lower()
            if lowered.startswith("satisfied:"):
                satisfied = part.split(":", 1)[1].strip()
            elif lowered == "optional":
                spec.required = False
            elif lowered.startswith("labels:"):
                spec.options = _split(part.split(":", 1)[1])[:2]
            elif kind == "scale" and _SCALE.match(part):
                low, high = (int(g) for g in _SCALE.match(part).groups())
                spec.scale_min, spec.scale_max = low, high
            elif kind in ("single", "multiple") and not spec.options:
                spec.options = _split(part)
            else:
                errors.append(_("%(where)s: %(part)s is not understood.") % {"where": where, "part": part})
        if kind in ("single", "multiple") and len(spec.options) < 2:
            errors.append(_("%(where)s: a choice question needs at least two options.") % {"where": where})
        if kind in ("single", "multiple") and len(set(spec.options)) != len(spec.options):
            errors.append(_("%(where)s: an option is listed twice.") % {"where": where})
        if kind == "scale" and (spec.scale_min is None or not (0 <= spec.scale_min < spec.scale_max <= 10)):
            errors.append(_("%(where)s: a scale needs a range such as 1-5 (from 0 up to 10).") % {"where": where})
        if satisfied is not None:
            spec.is_satisfaction = True
            if kind == "scale":
                match = _AT_LEAST.match(satisfied)
                if not match:
                    errors.append(
                        _("%(where)s: a scale counts as satisfied from a value, e.g. >=4.") % {"where": where}
                    )
                else:
                    spec.satisfied_min = int(match.group(1))
                    if spec.scale_min is not None and not (spec.scale_min <= spec.satisfied_min <= spec.scale_max):
                        errors.append(_("%(where)s: the satisfied value lies outside the scale.") % {"where": where})
            elif kind in ("single", "multiple"):
                spec.satisfied_options = _split(satisfied)
                unknown = [o for o in spec.satisfied_options if o not in spec.options]
                if unknown or not spec.satisfied_options:
                    errors.append(_("%(where)s: the satisfied answers must be among the options.") % {"where": where})
            else:
                errors.append(
                    _("%(where)s: a free-text question cannot be the satisfaction question.") % {"where": where}
                )
        questions.append(spec)
    if not questions and not errors:
        errors.append(_("Write at least one question."))
    if len(questions) > MAX_QUESTIONS:
        errors.append(_("At most %(n)s questions.") % {"n": MAX_QUESTIONS})
    marked = [q for q in questions if q.is_satisfaction]
    if len(marked) != 1 and not errors:
        errors.append(_("Mark exactly one question with satisfied: (the satisfaction question)."))
    if errors:
        raise DesignInvalid(errors)
    return questions


def as_text(questions) -> str:
    """Questions (models or specs) back to the text they were written in."""
    lines = []
    for q in questions:
        parts = [q.kind, q.text]
        if q.kind in ("single", "multiple"):
            parts.append("; ".join(q.options))
        if q.kind == "scale":
            parts.append(f"{q.scale_min}-{q.scale_max}")
            if q.options:
                parts.append("labels: " + "; ".join(q.options))
        if not q.required:
            parts.append("optional")
        if q.is_satisfaction:
            rule = f">={q.satisfied_min}" if q.kind == "scale" else "; ".join(q.satisfied_options)
            parts.append(f"satisfied: {rule}")
        lines.append(" | ".join(parts))
    return "\n".join(lines)
