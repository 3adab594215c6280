"""Write the whole report of an :class:`~analysis.pipeline.AnalysisResult` into a folder."""

from __future__ import annotations

from pathlib import Path

from ..pipeline import AnalysisResult
from . import figures
from .dot_plot import dot_plot_png
from .html import render_html
from .markdown import render_markdown
from .numbers import write_json
from .sections import display_flow


def write_report(result: AnalysisResult, out: str | Path) -> dict[str, Path]:
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    paths: dict[str, Path] = {}
    title = result.prereg.title
    paths["flow"] = out / "participant_flow.png"
    figures.flow_png(display_flow(result), paths["flow"], title=f"Participant flow: {title}")
    if result.accuracy is not None:
        labels = result.prereg.labels
        paths["correct_distribution"] = out / "correct_distribution.png"
        figures.correct_distribution_png(
            result.tables["correct_distribution"], paths["correct_distribution"],
            labels={c: labels.condition_short(c) for c in result.prereg.conditions})
    for analysis in result.prereg.analyses:
        if analysis.test == "describe":
            key = f"describe_{analysis.id}"
            paths[key] = out / f"{analysis.id}.png"
            figures.describe_png(result.tables[analysis.id], paths[key],
                                 by=list(analysis.params["by"]),
                                 title=analysis.description or analysis.id)
        elif analysis.test == "dot_plot":
            key = f"describe_{analysis.id}"
            paths[key] = out / f"{analysis.id}.png"
            v = analysis.value
            dot_plot_png(result.tables[analysis.id], result.tables[f"{analysis.id}_participants"],
                         paths[key], by=v("by"), order=list(v("order")), group=v("group"),
                         chance=v("chance"), ylabel=v("ylabel"),
                         title=analysis.description or analysis.id)
        elif analysis.test == "difference_plot":
            key = f"describe_{analysis.id}"
            paths[key] = out / f"{analysis.id}.png"
            v = analysis.value
            dot_plot_png(result.tables[analysis.id], result.tables[f"{analysis.id}_participants"],
                         paths[key], by=v("by"), order=list(v("order")), group=v("group"),
                         chance=0.0, join=False,
                         ylabel=v("ylabel") or f"{v('dv')}: {v('a')} - {v('b')}",
                         title=analysis.description or analysis.id)
    if "exploration" in result.tables:
        paths["exploration"] = out / "exploration.png"
        figures.exploration_png(result.tables["exploration"], paths["exploration"])
    paths["json"] = out / "results.json"
    write_json(result, paths["json"])
    figure_paths = {k: v for k, v in paths.items() if v.suffix == ".png"}
    paths["md"] = out / "report.md"
    paths["md"].write_text(render_markdown(result, figure_paths), encoding="utf-8")
    paths["html"] = out / "report.html"
    paths["html"].write_text(render_html(result, figure_paths), encoding="utf-8")
    return paths
