"""Composition of the bulletin on hand-made facts (no database)."""

from __future__ import annotations

import datetime

from gongjian.documents.compose import compose_bulletin, document_number
from gongjian.documents.tests import handmade


def bulletin(**changes):
    return compose_bulletin(
        handmade.month_facts(**changes),
        issuer=handmade.ISSUER,
        number=12,
        issue_date=datetime.date(2026, 9, 1),
        draft=False,
    )


def test_the_document_number_is_prefix_year_in_brackets_and_sequence():
    assert document_number("青三创办", 2026, 12) == "青三创办〔2026〕12号"
    assert document_number("青三创办", 2026, None) == "青三创办〔2026〕\u3000\u3000号"
    assert bulletin().number == "青三创办〔2026〕12号"


def test_the_ranking_tables_go_to_the_attachment_named_before_the_signature():
    data = bulletin()
    assert [a.label for a in data.attachments] == ["附件1"]
    assert data.attachment_note == ("附件：2026年8月各街道社区考核排名表",)
    body = "".join(getattr(b, "text", "") for s in data.sections for b in s.blocks)
    assert "考核排名见附件1" in body
    assert not any(b.kind == "table" for s in data.sections for b in s.blocks)
    assert sum(len(b.rows) for b in data.attachments[0].blocks if b.kind == "table") == 30


def test_a_month_closed_early_says_so_and_why():
    data = bulletin(forced_close_reason="迎接省文明城市复评提前检查")
    assert "因迎接省文明城市复评提前检查，本月考核在月末前提前结束" in data.opening.text


def test_a_month_still_running_is_labelled_up_to_the_day():
    data = bulletin(as_of=datetime.date(2026, 8, 20))
    assert "本月尚未结束，以下数据截至8月20日。" in data.opening.text
    assert "截至" not in bulletin().opening.text


def test_the_colophon_names_whom_it_is_copied_to():
    assert bulletin().copy_to == "市委办公室，市政府办公室"
