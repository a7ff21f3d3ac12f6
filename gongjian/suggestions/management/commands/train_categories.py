"""python manage.py train_categories [--user NAME] [--min-examples N] [--min-per-category N] [--background]

Retrains the category suggestions on the city's closed problems (description → category):
holds out a stratified part (20 %, fixed seed), prints the top-1 and top-3 accuracy on it and the
sample sizes, then stores the model fitted on all of them as the current one. With too little
history it stores nothing, says why and exits with status 1 (the API then suggests nothing, or
keeps suggesting from the previous model if there is one). ``--background`` queues it as a job."""

from django.core.management.base import BaseCommand, CommandError
from django.utils import translation

from gongjian.accounts.models import User
from gongjian.core.errors import NotPermitted
from gongjian.suggestions import learning
from gongjian.suggestions.services import category_model_train


class Command(BaseCommand):
    help = "Retrain the category suggestions on the closed problems and print their held-out accuracy."

    def add_arguments(self, parser):
        defaults = learning.Thresholds()
        parser.add_argument("--user", help="the city office account to record as the trainer (default: the system)")
        parser.add_argument(
            "--min-examples",
            type=int,
            default=defaults.min_examples,
            help=f"closed problems needed in all (default {defaults.min_examples})",
        )
        parser.add_argument(
            "--min-per-category",
            type=int,
            default=defaults.min_per_category,
            help=f"closed problems a category needs to be learnt (default {defaults.min_per_category})",
        )
        parser.add_argument("--background", action="store_true", help="queue it for a worker instead")

    def handle(self, *args, **options):
        with translation.override("en"):  # an operator's output, in the language of the code
            self._handle(**options)

    def _handle(self, *, user=None, min_examples, min_per_category, background=False, **options):
        trainer = None
        if user:
            trainer = User.objects.filter(username=user).first()
            if trainer is None:
                raise CommandError(f"no user named {user!r}")
        if min_examples < 1 or min_per_category < 2:
            raise CommandError("--min-examples must be at least 1 and --min-per-category at least 2")
        if background:
            from gongjian.suggestions.tasks import train_job_request

            job = train_job_request(user=trainer)
            self.stdout.write(f"queued as job {job.pk}")
            return
        thresholds = learning.Thresholds(min_examples=min_examples, min_per_category=min_per_category)
        try:
            outcome = category_model_train(user=trainer, thresholds=thresholds)
        except NotPermitted as refusal:
            raise CommandError(str(refusal.message)) from None
        self.stdout.write(f"closed problems read: {outcome.history}")
        if outcome.left_out:
            rare = ", ".join(f"{code} ({n})" for code, n in outcome.left_out.items())
            self.stdout.write(f"categories left out (fewer than {min_per_category} closed problems): {rare}")
        if outcome.model is None:
            raise CommandError(f"no model trained: {outcome.refusal % outcome.refusal_params}")
        model = outcome.model
        self.stdout.write(
            f"learnt from: {model.examples} problems in {len(model.categories)} categories\n"
            f"held out: {model.test_size} (stratified, seed {thresholds.seed}); trained on: {model.train_size}\n"
            f"top-1 accuracy on the held-out part: {model.top1:.3f}\n"
            f"top-3 accuracy on the held-out part: {model.top3:.3f}"
        )
        self.stdout.write(self.style.SUCCESS(f"model {model.pk} stored as {model.file_name} and now current"))
