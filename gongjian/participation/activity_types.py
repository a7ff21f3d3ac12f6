"""The activity types the speech names; the city adds its own in the admin."""

DEFAULT_TYPES = [
    ("cleanup", "环境整治", 10),
    ("big_cleanup", "大清扫", 20),
    ("citizen_school", "市民学校", 30),
    ("neighbour_festival", "邻居节", 40),
    ("civilised_family", "文明家庭评选", 50),
    ("persuasion", "文明劝导", 60),
    ("volunteer_service", "志愿服务", 70),
    ("publicity", "宣传教育", 80),
    ("resource_opening", "资源开放", 90),
]


def load_default_activity_types(activity_type_model) -> None:
    """Create the default activity types that are missing (the data migration and the browser
    tests, whose transactional teardown empties the tables, both call this)."""
    for code, name, order in DEFAULT_TYPES:
        activity_type_model.objects.get_or_create(code=code, defaults={"name": name, "sort_order": order})
