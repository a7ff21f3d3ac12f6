"""manage.py open311_key create NAME  — issue a key (printed on the last line, shown only once)
manage.py open311_key revoke NAME  — revoke an application's key."""

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from gongjian.core.errors import Conflict
from gongjian.residents import services
from gongjian.residents.models import Open311Application


class Command(BaseCommand):
    help = "Issue or revoke an Open311 application key."

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["create", "revoke"])
        parser.add_argument("name")

    def handle(self, *args, action, name, **options):
        if action == "create":
            try:
                app, key = services.application_create(user=None, name=name)
            except ValidationError as error:
                raise CommandError(" ".join(m for ms in error.message_dict.values() for m in ms)) from None
            self.stdout.write(f"Key issued to {app.name}; it is shown only once:")
            self.stdout.write(key)
            return
        app = Open311Application.objects.filter(name=name).first()
        if app is None:
            raise CommandError(f"No application named {name!r}.")
        try:
            services.application_revoke(user=None, application=app)
        except Conflict as refused:
            raise CommandError(str(refused)) from None
        self.stdout.write(f"The key of {app.name} is revoked.")
