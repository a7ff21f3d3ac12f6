"""The default problem taxonomy (domain §3), loaded by a data migration and editable afterwards
by the city office. Codes follow GB/T 30428.2-style five digits; local extensions are "L..." and
flagged. Deadlines are the city's defaults (examples seen in public rules: exposed garbage 1
working day, accumulated debris 4, dirty water body 15)."""

# (code, name, group, legacy code, local, deadline amount, deadline unit)
DEFAULT_CATEGORIES = [
    ("06036", "乱堆杂物", "市容环境", "", False, 2, "days"),
    ("09006", "占道经营", "街面秩序", "", False, 4, "hours"),
    ("09005", "店外经营", "街面秩序", "", False, 4, "hours"),
    ("06038", "擅自饲养家禽家畜", "市容环境", "", False, 5, "days"),
    ("06001", "私搭乱建", "市容环境", "", False, 10, "days"),
    ("06025", "水域不洁", "市容环境", "", False, 15, "days"),
    ("06011", "积存垃圾渣土", "市容环境", "", False, 4, "days"),
    ("06010", "暴露垃圾", "市容环境", "", False, 1, "days"),
    ("06012", "道路不洁", "市容环境", "", False, 1, "days"),
    ("07001", "非法小广告", "宣传广告", "", False, 2, "days"),
    ("06017", "绿地脏乱", "园林绿化", "", False, 2, "days"),
    ("06021", "病虫害", "园林绿化", "", False, 5, "days"),
    ("06045", "非法占绿毁绿", "园林绿化", "", False, 10, "days"),
    ("06041", "垃圾未分类", "市容环境", "", False, 2, "days"),
    ("06042", "垃圾箱满溢", "市容环境", "", False, 4, "hours"),
    ("09010", "非机动车乱停放", "街面秩序", "", False, 4, "hours"),
    ("09012", "占用消防通道", "街面秩序", "", False, 1, "days"),
    ("09020", "农贸市场秩序问题", "街面秩序", "", False, 5, "days"),
    ("L0101", "楼道卫生", "本地扩展", "", True, 2, "days"),
    ("L0102", "空闲地块管理", "本地扩展", "", True, 10, "days"),
    ("L0103", "门前三包不落实", "本地扩展", "", True, 2, "days"),
    ("L0104", "病媒孳生地", "本地扩展", "", True, 3, "days"),
    ("L0105", "不文明行为", "本地扩展", "", True, 1, "days"),
]


def load_default_categories(category_model) -> None:
    """Create the default categories that are missing (the data migration and the browser tests,
    whose transactional teardown empties the tables, both call this)."""
    for order, (code, name, group, legacy, local, amount, unit) in enumerate(DEFAULT_CATEGORIES, start=1):
        category_model.objects.get_or_create(
            code=code,
            defaults={
                "name": name,
                "group": group,
                "legacy_code": legacy,
                "is_local": local,
                "deadline_amount": amount,
                "deadline_unit": unit,
                "relapse_window_days": 30,
                "sort_order": order,
            },
        )
