"""The ``generate: {source: image_folder, ...}`` block of a trial block: 2AFC trials drawn from
the spec's image folder (``images: {source: image_folder, ...}``) by a column of its CSV. Read
here without files; the columns, values and image counts are checked when the study is loaded
(``studies.condition_check``) and the trials are made by ``studies.folder_trials``.

Keys (every one optional but ``attribute`` and ``value``)::

    source: image_folder
    attribute: colour      # a column of the CSV: a per-image attribute, or `label` (the class)
    value: red             # the correct option is the image whose attribute has this value
    references: 3          # example images per side: `value` on the right, the others left
    practice: 2            # practice trials first (feedback as the block's `feedback` says)
    main: 6
    catch: 1               # catch trials: the correct option is a copy of a reference image
    seed: 0                # which images are drawn (with the study seed)
    size: 128              # the images' side in px (centre-cropped, resized)

The answer key is the CSV: a trial's correct option is the image with ``attribute == value``
(the model's prediction is not an answer key here: the server holds no model).
"""

from __future__ import annotations

from .fields import Reader

LABEL = "label"


def read_folder_trials(g: Reader) -> dict:
    """The image_folder keys of ``g`` (its ``source`` already read); unknown keys are errors."""
    attribute = g.str("attribute")
    value = g.raw("value")
    if value is not None and (isinstance(value, bool) or not isinstance(value, str | int | float)
                              or (isinstance(value, str) and not value.strip())):
        g.error("value", f"must be a text or a number of the CSV column, got {value!r}")
        value = None
    out = {"source": "image_folder", "attribute": attribute,
           "value": value.strip() if isinstance(value, str) else value,
           "references": g.int("references", 3, minimum=1),
           "practice": g.int("practice", 2, minimum=0), "main": g.int("main", 6, minimum=1),
           "catch": g.int("catch", 1, minimum=0), "seed": g.int("seed", 0),
           "size": g.int("size", 128, minimum=32)}
    return out
