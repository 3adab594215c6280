"""Export a preregistration in the AsPredicted question format (8 questions, paper Appendix D)."""

from __future__ import annotations

from .exclusions import reason_text
from .prereg import Preregistration

QUESTIONS = [
    "Have any data been collected for this study already?",
    "What's the main question being asked or hypothesis being tested in this study?",
    "Describe the key dependent variable(s) specifying how they will be measured.",
    "How many and which conditions will participants be assigned to?",
    "Specify exactly which analyses you will conduct to examine the main question/hypothesis.",
    "Describe exactly how outliers will be defined and handled, and your precise rule(s) for "
    "excluding observations.",
    "How many observations will be collected or what will determine sample size? No need to "
    "justify decision, but be precise about exactly how the number will be determined.",
    "Anything else you would like to pre-register? (e.g., secondary analyses, variables "
    "collected for exploratory purposes, unusual analyses planned?)",
]


def _analysis_text(analysis) -> str:
    # stated choices are not the preregistration's words: the report lists them instead
    params = ", ".join(f"{k}={v}" for k, v in analysis.params.items()
                       if k not in {"comparisons", *analysis.stated})
    text = f"**{analysis.id}** ({analysis.test}"
    text += f"; {params})" if params else ")"
    if analysis.description:
        text += f": {analysis.description}"
    for c in analysis.params.get("comparisons", []):
        text += (f"\n  - {c.get('id', '')}: {c['a']} vs {c['b']}, "
                 f"alternative {c['alternative']}")
    return text


def _payments(payments: dict) -> list[str]:
    lines = []
    for key, value in payments.items():
        if isinstance(value, dict):
            lines += [f"- {k}: {v} GBP" for k, v in value.items()]
        else:
            lines.append(f"- {key.replace('_', ' ')}: {value}")
    return lines


def to_markdown(prereg: Preregistration) -> str:
    q = prereg.questions
    answers = [
        q.get("data_collected", "No, no data have been collected for this study yet."),
        "\n".join([q.get("main_question", "")] + [f"\n**{h.id}** ({h.direction}): {h.text}"
                                                   for h in prereg.hypotheses]).strip(),
        q.get("dependent_variables") or "\n".join(
            f"- {d.get('id', '')}: {d.get('description', '')}" for d in
            prereg.dependent_variables),
        q.get("conditions") or f"{len(prereg.conditions)} condition(s): "
                               f"{', '.join(prereg.conditions)}.",
        "\n".join(f"- {_analysis_text(a)}" for a in prereg.analyses if a.preregistered),
        "\n".join(f"- {r.text or reason_text(r)}" for r in prereg.exclusions)
        or "No participant-level exclusions.",
        "\n".join([str(prereg.sample_size.get("text", "")),
                   *[f"- {k.replace('_', ' ')}: {v}" for k, v in prereg.sample_size.items()
                     if k != "text"], *_payments(prereg.payments)]).strip(),
        "\n".join([q.get("other", "")] + [f"- Exploratory: {_analysis_text(a)}"
                                           for a in prereg.analyses if not a.preregistered]
                  ).strip() or "Nothing else.",
    ]
    lines = [f"# {prereg.title}", "", f"Preregistration SHA-256: `{prereg.sha256}`", ""]
    for number, (question, answer) in enumerate(zip(QUESTIONS, answers, strict=True), 1):
        lines += [f"## {number}) {question}", "", answer, ""]
    return "\n".join(lines)
