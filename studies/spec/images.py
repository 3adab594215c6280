"""The spec's image source (``images``) and class names (``class_names``).

``images`` names an image-source plugin (``explainers.image_sources``) and its options, e.g.
``{source: image_folder, folder: data/pets, labels: data/pets/labels.csv}``; without it the
conditions draw from the Two4Two generator. Here the source's name and option names are
checked (with their lines); its files and values are checked when the study is loaded
(``studies.condition_check``), where the model's input size is known. ``class_names`` (two
names, the class of negative logits first) replaces the model's names in the grids' labels.
"""

from __future__ import annotations

from explainers.image_sources import ImageSourceError, available, get_image_source

from .fields import Reader


def read_images(r: Reader) -> dict | None:
    if r.node.get("images") is None:
        r.used.add("images")
        return None
    node = r.mapping("images")
    if not node:
        return None
    name = node.get("source")
    images = r.child("images")
    images.used.update(node)
    if not isinstance(name, str):
        images.error("source", f"needs one of: {', '.join(available())}")
        return None
    try:
        cls = get_image_source(name)
    except ImageSourceError as exc:
        images.error("source", str(exc))
        return None
    for key in node:
        if key != "source" and key not in cls.options:
            images.error(key, f"image source {name!r} has no option {key!r}; its options "
                              f"are: {', '.join(sorted(cls.options))}")
    return dict(node)


def read_class_names(r: Reader) -> list[str] | None:
    if r.node.get("class_names") is None:
        r.used.add("class_names")
        return None
    names = r.list("class_names")
    if len(names) != 2 or not all(isinstance(n, str) and n.strip() for n in names) \
            or names[0] == names[1]:
        r.error("class_names", "must be two different names (the class of negative logits "
                               f"first), got {names!r}")
        return None
    return [str(n) for n in names]
