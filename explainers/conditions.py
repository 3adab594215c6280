"""The condition contract: one experimental condition of a study, as both sides read it.

The study spec (``studies.spec``) reads conditions from YAML with line-numbered errors and
builds :class:`ConditionSpec` objects; the render planner (:func:`explainers.plan.plan`) turns
them into render jobs. Plain data, no Django, no torch.

``variants`` lists the variant numbers participants of the condition see; each one is rendered
(variant ``v`` with seed :func:`~explainers.prerender.variant_seed` ``(study_seed, v)``). A
condition with a fixed ``stimulus_key`` shows that published stimulus and is not rendered.
``target``, ``label`` and ``stimulus_key`` are the study server's business; the planner reads
``name``, ``explainer``, ``params`` and ``variants``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

KEYS = ("name", "explainer", "params", "variants", "target", "label", "stimulus_key")
#: ``explainer: none``: the condition shows no explanation (e.g. a 2AFC study's only condition)
NO_EXPLAINER = "none"


@dataclass(frozen=True)
class ConditionSpec:
    name: str
    explainer: str
    target: int = 0
    params: dict = field(default_factory=dict)
    variants: list[int] = field(default_factory=lambda: [0])
    label: str = ""
    stimulus_key: str = ""

    @property
    def rendered(self) -> bool:
        """Whether the pipeline renders this condition (else it names a fixed stimulus)."""
        return not self.stimulus_key

    @classmethod
    def from_dict(cls, data: dict) -> ConditionSpec:
        """A condition from a plain mapping (a job file, a test); raises ValueError.

        ``variants`` is a non-empty list of variant numbers, or a count ``n`` meaning
        ``0..n-1``; ``explainer`` defaults to the name."""
        if not isinstance(data, dict) or "name" not in data:
            raise ValueError(f"a condition needs at least a name, got {data!r}")
        unknown = sorted(set(data) - set(KEYS))
        if unknown:
            raise ValueError(f"condition {data['name']!r}: unknown key(s) {unknown}")
        variants = data.get("variants", [0])
        if isinstance(variants, int) and not isinstance(variants, bool) and variants >= 1:
            variants = list(range(variants))
        problem = variants_problem(variants)
        if problem:
            raise ValueError(f"condition {data['name']!r}: variants {problem}")
        params = data.get("params") or {}
        if not isinstance(params, dict):
            raise ValueError(f"condition {data['name']!r}: params must be a mapping")
        return cls(name=str(data["name"]), explainer=str(data.get("explainer") or data["name"]),
                   target=int(data.get("target") or 0), params=dict(params),
                   variants=list(variants), label=str(data.get("label") or ""),
                   stimulus_key=str(data.get("stimulus_key") or ""))


def variants_problem(variants) -> str:
    """Why ``variants`` is not a list of variant numbers ('' when it is one)."""
    if (not isinstance(variants, list | tuple) or not variants
            or not all(isinstance(v, int) and not isinstance(v, bool) and v >= 0
                       for v in variants)):
        return ("must be a positive integer (a count) or a non-empty list of non-negative "
                "integers (variant numbers)")
    if len(set(variants)) != len(variants):
        return "lists a variant number twice"
    return ""
