"""Render the tutorial videos from tutorials/*.yaml (skips those already made and unchanged)."""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from studies.tutorials.index import tutorials_root
from studies.tutorials.maker import make_all
from studies.tutorials.narration import MediaToolError
from studies.tutorials.script import TutorialScriptError


class Command(BaseCommand):
    help = "Make the tutorial videos (MP4, narrated by espeak-ng) and their index of durations."

    def add_arguments(self, parser):
        parser.add_argument("--scripts", default=str(Path(settings.BASE_DIR) / "tutorials"),
                            help="folder of tutorial scripts (*.yaml)")
        parser.add_argument("--out", help="output folder (default MEDIA_ROOT/tutorials)")
        parser.add_argument("--only", nargs="+", metavar="NAME", help="only these tutorials")
        parser.add_argument("--force", action="store_true", help="render even if unchanged")

    def handle(self, *args, scripts, out=None, only=None, force=False, **kw):
        out_dir = Path(out) if out else tutorials_root()
        if not Path(scripts).is_dir():
            raise CommandError(f"no tutorial script folder {scripts}")
        try:
            made = make_all(Path(scripts), out_dir, only=only, force=force)
        except (TutorialScriptError, MediaToolError, FileNotFoundError) as exc:
            raise CommandError(str(exc)) from exc
        for video, rendered in made:
            size_kb = (out_dir / video.file).stat().st_size / 1024
            state = "made" if rendered else "unchanged"
            self.stdout.write(f"{state:9} {video.name}: {video.duration_s:.1f} s, "
                              f"{size_kb:.0f} KB -> {out_dir / video.file}")
        self.stdout.write(f"index: {out_dir / 'index.json'}")
