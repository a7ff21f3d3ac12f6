from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    CITY_ADMIN = "city_admin", _("City office admin")
    CITY_LEADER = "city_leader", _("City leader (read-only)")
    STREET_OFFICER = "street_officer", _("Street officer")
    COMMUNITY_WORKER = "community_worker", _("Community worker")
    COMPOUND_MANAGER = "compound_manager", _("Compound manager")
    INSPECTOR = "inspector", _("Inspector")
    COBUILD_LIAISON = "cobuild_liaison", _("Co-construction liaison")
    VOLUNTEER = "volunteer", _("Volunteer")


# The unit level each role's membership is attached to. A liaison belongs to a
# co-construction unit instead of an administrative one.
ROLE_UNIT_LEVELS: dict[str, tuple[str, ...]] = {
    Role.CITY_ADMIN: ("city",),
    Role.CITY_LEADER: ("city",),
    Role.STREET_OFFICER: ("district", "street"),
    Role.COMMUNITY_WORKER: ("community",),
    Role.COMPOUND_MANAGER: ("compound",),
    Role.INSPECTOR: ("city", "district", "street"),
    Role.VOLUNTEER: ("community",),
}
