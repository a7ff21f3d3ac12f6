"""Residents' default categories: plain words → the city's category codes (taxonomy.py), with the
radius in which nearby open problems are offered. Loaded by a data migration; editable afterwards."""

# (service code, plain-language name, city category code, radius in metres, group)
DEFAULT_RESIDENT_CATEGORIES = [
    ("garbage", "垃圾没人清", "06010", 100, "环境卫生"),
    ("bins-full", "垃圾桶满了", "06042", 50, "环境卫生"),
    ("dirty-road", "路面脏", "06012", 150, "环境卫生"),
    ("clutter", "乱堆乱放", "06036", 80, "环境卫生"),
    ("flyers", "小广告", "07001", 50, "环境卫生"),
    ("stalls", "占道摆摊", "09006", 100, "街面秩序"),
    ("bikes", "电动车自行车乱停", "09010", 50, "街面秩序"),
    ("fire-lane", "消防通道被堵", "09012", 50, "街面秩序"),
    ("green", "绿地被毁或脏乱", "06017", 100, "绿化"),
    ("stairwell", "楼道脏乱", "L0101", 30, "小区"),
    ("water", "河塘脏", "06025", 200, "环境卫生"),
    ("behaviour", "不文明行为", "L0105", 100, "其他"),
]


def load_default_resident_categories(resident_category_model, category_model) -> None:
    codes = {c.code: c for c in category_model.objects.all()}
    for order, (code, name, category_code, radius, group) in enumerate(DEFAULT_RESIDENT_CATEGORIES, start=1):
        if category_code not in codes:
            continue
        resident_category_model.objects.get_or_create(
            code=code,
            defaults={
                "name": name,
                "category": codes[category_code],
                "nearby_radius_m": radius,
                "group": group,
                "sort_order": order,
            },
        )
