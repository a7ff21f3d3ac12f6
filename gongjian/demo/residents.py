"""A few residents' reports in the demo city (idempotent): one awaiting review with a +1 nearby, one
accepted and being fixed, one closed and confirmed solved, one closed and reopened ("没有"), one
rejected — in community1's street, so street1 and the city office see them in the queue."""

from __future__ import annotations

import io

from PIL import Image

from gongjian.accounts.models import User
from gongjian.inspections import services as inspections
from gongjian.residents import services
from gongjian.residents.choices import Answer
from gongjian.residents.models import ResidentCategory, ResidentReport

MARK = "（演示）"


def _photo(colour) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (320, 240), colour).save(buffer, "JPEG")
    return buffer.getvalue()


def build_demo_residents() -> int:
    """Create the demo reports unless they are there; the number created."""
    if ResidentReport.objects.filter(description__endswith=MARK).exists():
        return 0
    community1 = User.objects.get(username="community1").memberships.get().unit
    compound = community1.children.order_by("code").first()
    street1 = User.objects.get(username="street1")
    worker = User.objects.get(username="community1")
    inspector = User.objects.get(username="inspector1")
    lat, lng = community1.latitude, community1.longitude
    plans = [
        ("garbage", "北门垃圾堆了两天", "pending"),
        ("bikes", "电动车堵住单元门", "accepted"),
        ("flyers", "电线杆上贴满小广告", "solved"),
        ("clutter", "楼下堆放旧家具", "not_solved"),
        ("water", "外地的河塘", "rejected"),
    ]
    for n, (code, text, state) in enumerate(plans):
        category = ResidentCategory.objects.get(code=code)
        report, _token = services.report_submit(
            resident_category=category,
            description=text + MARK,
            photos=[_photo((60 + 40 * n, 120, 90))],
            address=f"{compound.name}{n + 1}幢",
            latitude=lat,
            longitude=lng,
            phone=f"1390000000{n}",
            device_id=f"demo-device-{n}",
        )
        if state == "pending":
            continue
        if state == "rejected":
            services.report_reject(user=street1, report=report, reason="不在本市范围内，请向所在地反映。")
            continue
        problem = services.report_accept(user=street1, report=report, unit=compound)
        if state == "accepted":
            services.support_add(problem=problem, device_id="demo-neighbour")
            continue
        inspections.rectification_submit(user=worker, problem=problem, note="已处理", photos=[_photo((200, 210, 200))])
        inspections.rectification_review(user=inspector, problem=problem, passed=True)
        report.refresh_from_db()
        if state == "solved":
            services.followup_answer(report=report, answer=Answer.SOLVED)
        else:
            services.followup_answer(report=report, answer=Answer.NOT_SOLVED, note="家具又堆回来了")
    return len(plans)
