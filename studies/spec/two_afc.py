"""Two-alternative forced-choice trials (Borowski et al. 2021 design): references, two options,
a confidence rating; practice, main and catch trials."""

from __future__ import annotations

from dataclasses import dataclass, field

from .fields import Reader

TRIAL_KINDS = ("practice", "main", "catch", "repeated")
GENERATORS = ("synthetic", "cnn_units", "image_folder")


@dataclass
class ImageRef:
    """Where a trial image comes from: a file under MEDIA_ROOT (``file``), a cell of a
    condition's rendered stimulus (``condition``, ``variant``, ``row``, ``col``), or a cell of
    a published stimulus by its ``key`` (a generated block's images, studies.trial_lists)."""

    file: str = ""
    condition: str = ""
    variant: int = 0
    row: int = 0
    col: int = 0
    key: str = ""

    @property
    def label(self) -> str:
        """How the export names the image (``options`` of a trial row)."""
        if self.file:
            return self.file
        if self.key:
            return f"{self.key[:12]}/{self.row},{self.col}"
        return f"{self.condition}/{self.variant}/{self.row},{self.col}"

    @property
    def shown(self) -> str:
        """How the export's ``shown`` column names the image (studies.export_contract): the
        file under MEDIA_ROOT, ``<stimulus key>/<row>,<col>`` (the full key) or
        ``<condition>/<variant>/<row>,<col>``."""
        if self.key:
            return f"{self.key}/{self.row},{self.col}"
        return self.label


@dataclass
class Reference:
    label: str
    images: list[ImageRef] = field(default_factory=list)


@dataclass
class TrialSpec:
    id: str
    kind: str
    options: list[ImageRef]
    answer: int
    references: list[Reference] = field(default_factory=list)
    # what a generated trial varies (``reference``, ``scheme``, ``unit``, ``block``): stored with
    # the answer and exported as columns of the same names (studies.export_contract)
    factors: dict = field(default_factory=dict)


def read_image(r: Reader, node, path: str, parent, key) -> ImageRef:
    if isinstance(node, str) and node.strip():
        if node.startswith("/") or ".." in node.split("/"):
            r.problems.add(path, r.line(), f"{node!r} must be a path relative to MEDIA_ROOT")
        return ImageRef(file=node)
    img = Reader(r.problems, node, path, parent, key)
    cell = img.child("stimulus")
    ref = ImageRef(condition=cell.str("condition", slug=True) or "",
                   variant=cell.int("variant", 0, minimum=0) or 0,
                   row=cell.int("row", minimum=0) or 0, col=cell.int("col", minimum=0) or 0)
    cell.finish()
    img.finish()
    return ref


def read_trial(r: Reader, node, i: int) -> TrialSpec:
    t = Reader(r.problems, node, r.sub(f"trials[{i}]"), r.node.get("trials"), i)
    options_node = t.list("options")
    if len(options_node) != 2:
        t.error("options", "a 2AFC trial needs exactly two options")
    options = [read_image(t, o, t.sub(f"options[{j}]"), options_node, j)
               for j, o in enumerate(options_node)]
    references = []
    for j, ref_node in enumerate(t.list("references", [])):
        rr = Reader(r.problems, ref_node, t.sub(f"references[{j}]"), t.node.get("references"), j)
        images_node = rr.list("images")
        references.append(Reference(
            rr.str("label", ""),
            [read_image(rr, im, rr.sub(f"images[{k}]"), images_node, k)
             for k, im in enumerate(images_node)]))
        rr.finish()
    answer = t.int("answer", minimum=0)
    if answer is not None and answer > 1:
        t.error("answer", "must be 0 (first option) or 1 (second option)")
    trial = TrialSpec(id=t.str("id", f"t{i + 1}", slug=True), kind=t.str("kind", "main",
                      choices=TRIAL_KINDS), options=options, answer=answer or 0,
                      references=references)
    t.finish()
    return trial


def read_generate(r: Reader) -> dict:
    if "generate" not in r.node:
        r.used.add("generate")
        return {}
    g = r.child("generate")
    source = g.str("source", "synthetic", choices=GENERATORS)
    if source == "cnn_units":
        from .unit_trials import read_cnn_units

        out = read_cnn_units(g)
        g.finish()
        return out
    if source == "image_folder":
        from .folder_trials import read_folder_trials

        out = read_folder_trials(g)
        g.finish()
        return out
    out = {"source": source,
           "practice": g.int("practice", 2, minimum=0), "main": g.int("main", 6, minimum=1),
           "catch": g.int("catch", 1, minimum=0), "references": g.int("references", 3, minimum=1),
           "size": g.int("size", 128, minimum=32)}
    g.finish()
    return out
