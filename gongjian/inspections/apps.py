from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InspectionsConfig(AppConfig):
    name = "gongjian.inspections"
    label = "inspections"
    verbose_name = _("Inspections and rectification")

    def ready(self) -> None:
        from gongjian.organizations.signals import unit_moved

        unit_moved.connect(_refresh_problem_scope, dispatch_uid="inspections.problem_scope")


def _refresh_problem_scope(sender, unit_ids, actor=None, **kwargs) -> None:
    from gongjian.inspections.rescope import problems_rescope

    problems_rescope(unit_ids=unit_ids, actor=actor)
