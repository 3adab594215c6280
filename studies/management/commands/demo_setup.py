"""python manage.py demo_setup: everything the demo study needs, then the URLs to open.

Makes the tutorial videos, loads study 2, pre-renders its stimuli from the shipped checkpoint
(eagerly, on this machine), creates a researcher account, and prints a participant URL and the
researcher URL. Every step is skipped when its output already exists, so a second run is quick.
"""

import os
import secrets
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from studies.models import Study
from studies.readiness import problems
from studies.spec import load_spec_file

DEMO_SPEC = Path(settings.BASE_DIR) / "studies" / "specs" / "two4two-study2.yaml"


class Command(BaseCommand):
    help = "Prepare the demo study (videos, stimuli, researcher account) and print its URLs."

    def add_arguments(self, parser):
        parser.add_argument("--spec", default=str(DEMO_SPEC), help="study spec to serve")
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--username", default="researcher")

    def handle(self, *args, spec, host, port, username, **options):
        self.stdout.write("== tutorial videos")
        call_command("make_tutorial_videos", stdout=self.stdout)
        self.stdout.write("== study spec")
        call_command("load_study", spec, update=True, stdout=self.stdout)
        slug = load_spec_file(spec).slug
        self.stdout.write("== stimuli (rendered here, from the shipped checkpoint)")
        call_command("render_stimuli", slug, stdout=self.stdout)
        study = Study.objects.get(slug=slug)
        missing = problems(study)
        if missing:
            raise CommandError("the demo study is not ready: " + "; ".join(missing))
        password = self.researcher(username)
        base = f"http://{host}:{port}"
        ids = {key: secrets.token_hex(12) for key in ("PROLIFIC_PID", "STUDY_ID", "SESSION_ID")}
        query = "&".join(f"{key}={value}" for key, value in ids.items())
        self.stdout.write(self.style.SUCCESS("\nThe demo study is ready."))
        self.stdout.write(f"Participant URL: {base}/s/{slug}/?{query}")
        self.stdout.write("  (each new PROLIFIC_PID of 24 hex digits is a new participant)")
        self.stdout.write(f"Researcher URL:  {base}/dashboard/{slug}/")
        self.stdout.write(f"  log in as {username!r} with password {password!r}")
        self.stdout.write(f"Admin:           {base}/admin/\n")

    def researcher(self, username: str) -> str:
        """A staff account; its password comes from DEMO_PASSWORD or is made up and printed."""
        password = os.environ.get("DEMO_PASSWORD") or secrets.token_urlsafe(9)
        user, _ = get_user_model().objects.get_or_create(username=username)
        user.is_staff = user.is_superuser = True
        user.set_password(password)
        user.save()
        return password
