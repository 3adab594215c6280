"""From a study spec to published stimuli: plan, Celery task (eager), render_stimuli, progress."""

import pytest
from django.core.management import CommandError, call_command

from explainers.plan import StaleJob, checkpoint_info, plan, render_progress, run_job
from explainers.prerender import load_manifest, stimulus_key, variant_seed
from explainers.tasks import render_job
from explainers.validation_data import ValidationData
from tests.fixtures.tiny_explainer_setup import REPO_FIXTURES, tiny_checkpoint

SMALL = {"n": 400}  # a small validation pool keeps these tests fast


@pytest.fixture(scope="module")
def checkpoint(tmp_path_factory):
    return tiny_checkpoint(tmp_path_factory.mktemp("ckpt") / "tiny")


CONDITIONS = [
    {"name": "base", "explainer": "baseline", "params": {"rows": 2}, "variants": 2},
    {"name": "cf", "explainer": "inn", "params": {"rows": 2}, "variants": [0]},
]


def test_plan_keys_seeds_and_data(checkpoint):
    folder, digest = checkpoint
    jobs = plan(CONDITIONS, study_seed=5, checkpoint=folder, validation=SMALL)
    assert [(j.condition, j.variant) for j in jobs] == [("base", 0), ("base", 1), ("cf", 0)]
    data = ValidationData(n=400, size=32)
    assert checkpoint_info(folder) == (digest, 32)
    for job in jobs:
        assert job.seed == variant_seed(5, job.variant)
        assert job.data == {"source": "two4two", "sampler": "study", "seed": 90_001, "n": 400, "size": 32, "chunk": 250}
        assert job.key == stimulus_key(job.explainer, job.params, digest, data.hash, job.seed)
    assert jobs[0].params == {"rows": 2, "percentiles": [1.0, 99.0]}


@pytest.mark.parametrize("conditions, message", [
    ([{"name": "x", "explainer": "nope"}], "unknown explainer 'nope'"),
    ([{"name": "x", "explainer": "baseline", "params": {"row": 2}}], "no parameter"),
    ([{"name": "x", "explainer": "baseline", "variants": 0}], "variants must be"),
    ([{"name": "x", "explainer": "baseline", "variants": ["a"]}], "variants must be"),
    ([{"name": "x", "explainer": "baseline", "colour": 1}], "unknown key"),
])
def test_plan_rejects_bad_conditions(checkpoint, conditions, message):
    with pytest.raises((ValueError, LookupError), match=message):
        plan(conditions, study_seed=0, checkpoint=checkpoint[0], validation=SMALL)


@pytest.mark.django_db  # the task marks its owed-render row
def test_task_and_progress(checkpoint, settings):
    folder, _ = checkpoint
    root = settings.STIMULI_ROOT
    before = render_progress(CONDITIONS, study_seed=5, checkpoint=folder, root=root,
                             validation=SMALL)
    assert before == {"base": {"expected": 2, "published": 0, "variants": {}},
                      "cf": {"expected": 1, "published": 0, "variants": {}}}
    jobs = plan(CONDITIONS, study_seed=5, checkpoint=folder, validation=SMALL)
    assert render_job.delay(jobs[1].to_dict()).get() == jobs[1].key
    after = render_progress(CONDITIONS, study_seed=5, checkpoint=folder, root=root,
                            validation=SMALL)
    assert after["base"] == {"expected": 2, "published": 1, "variants": {1: jobs[1].key}}
    manifest = load_manifest(root, jobs[1].key)
    assert (manifest["rows"], manifest["seed"]) == (2, jobs[1].seed)
    assert run_job(jobs[1], root=root) == manifest  # published: nothing rendered again


def test_stale_job_is_refused_before_rendering(checkpoint, settings):
    (job,) = plan(CONDITIONS[1:], study_seed=5, checkpoint=checkpoint[0], validation=SMALL)
    stale = {**job.to_dict(), "key": "f" * 64}
    with pytest.raises(StaleJob, match="plan again"):
        run_job(stale, root=settings.STIMULI_ROOT)
    assert not settings.STIMULI_ROOT.exists() or not any(settings.STIMULI_ROOT.iterdir())


def test_task_is_late_acked_and_retries_only_transient_errors():
    assert render_job.acks_late and render_job.reject_on_worker_lost
    assert render_job.max_retries == 5 and render_job.retry_backoff
    assert Exception in render_job.autoretry_for
    names = {cls.__name__ for cls in render_job.dont_autoretry_for}
    assert {"ParamError", "StimulusError", "UnknownExplainer", "CheckpointError", "StaleJob"} <= names


def spec_file(tmp_path, checkpoint_folder, text_change=("", "")):
    text = (REPO_FIXTURES / "render_study.yaml").read_text()
    text = text.replace("CHECKPOINT", str(checkpoint_folder)).replace(*text_change)
    path = tmp_path / "study.yaml"
    path.write_text(text)
    return path


@pytest.mark.django_db
def test_render_stimuli_command(checkpoint, settings, tmp_path, capsys):
    path = spec_file(tmp_path, checkpoint[0])
    call_command("render_stimuli", str(path))
    out = capsys.readouterr().out
    assert "3 stimuli, 0 already published; rendering here 3" in out
    assert "baseline: 2/2 published" in out and "inn: 1/1 published" in out
    published = [p for p in settings.STIMULI_ROOT.iterdir() if not p.name.startswith(".")]
    assert len(published) == 3
    for folder in published:
        load_manifest(settings.STIMULI_ROOT, folder.name)
    call_command("render_stimuli", str(path))
    assert "3 already published; rendering here 0" in capsys.readouterr().out


@pytest.mark.django_db
def test_render_stimuli_errors(checkpoint, tmp_path):
    with pytest.raises(CommandError, match="neither a spec file nor the slug"):
        call_command("render_stimuli", "no-such-study")
    with pytest.raises(CommandError, match="cannot read spec file"):
        call_command("render_stimuli", str(tmp_path / "missing.yaml"))
    bad = spec_file(tmp_path, checkpoint[0], ("params: {rows: 2}}", "params: {rows: 2, x: 1}}"))
    with pytest.raises(CommandError, match="no parameter"):
        call_command("render_stimuli", str(bad))
    missing_ckpt = spec_file(tmp_path, tmp_path / "nothing")
    with pytest.raises(CommandError, match="checkpoint folder not found"):
        call_command("render_stimuli", str(missing_ckpt))


@pytest.mark.django_db
def test_render_stimuli_by_study_slug(checkpoint, settings, tmp_path, capsys):
    from studies.models import Study

    text = spec_file(tmp_path, checkpoint[0]).read_text()
    Study.objects.create(slug="render-test", title="Render test", spec={}, source_yaml=text,
                         spec_sha256="x")
    call_command("render_stimuli", "render-test")
    assert "3 stimuli, 0 already published" in capsys.readouterr().out
    assert len(list(settings.STIMULI_ROOT.iterdir())) == 3


@pytest.mark.django_db
def test_task_marks_its_owed_render_through_signals(checkpoint, settings):
    """explainers.tasks knows no study: studies.renders marks the rows from Celery's signals."""
    from studies import renders
    from studies.models import OwedRender, RenderState

    (job,) = plan(CONDITIONS[1:], study_seed=5, checkpoint=checkpoint[0], validation=SMALL)
    stale = type(job)(**{**job.to_dict(), "key": "e" * 64})
    renders.owe([job, stale])
    assert render_job.delay(job.to_dict()).get() == job.key
    failed = render_job.apply(args=[stale.to_dict()], throw=False)  # as a worker runs it
    assert isinstance(failed.result, StaleJob)
    rows = {row.key: row for row in OwedRender.objects.all()}
    assert rows[job.key].state == RenderState.PUBLISHED and rows[job.key].started_at
    assert rows[stale.key].state == RenderState.FAILED
    assert rows[stale.key].error.startswith("StaleJob: ")
