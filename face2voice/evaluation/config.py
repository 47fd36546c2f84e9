"""What an evaluation run measures and how: fixed so figures are comparable between runs and backends."""

from __future__ import annotations

from dataclasses import dataclass

# Harvard sentences (IEEE 1969, list 1): the phonetically balanced set speech-quality and
# intelligibility tests use. Three short ones keep a 5-face run to about a minute per backend.
HARVARD_SENTENCES = (
    "The birch canoe slid on the smooth planks.",
    "Glue the sheet to the dark blue background.",
    "These days a chicken leg is a rare dish.",
)
IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".webp", ".bmp")
LABELS_FILE = "labels.json"


@dataclass(frozen=True)
class EvalConfig:
    """Every knob of the protocol; the defaults are what the README's figures use.

    control_ages: the same face re-voiced at these ages (the age *control*), because a folder of
        adult photos spans too few ages to show whether voice features follow age.
    reference_age: the adult age the control sweep is compared against (no age shaping there).
    matching_sizes: N of the N-way cross-modal matching test (chance = 1/N).
    ambiguous_band: faces with P(female) inside it get in-between voices by design and are left
        out of the "confident faces" gender agreement (they still appear in the confusion table).
    """

    sentences: tuple[str, ...] = HARVARD_SENTENCES
    control_ages: tuple[float, ...] = (8.0, 35.0, 75.0)
    reference_age: float = 35.0
    matching_sizes: tuple[int, ...] = (2, 5)
    ambiguous_band: tuple[float, float] = (0.2, 0.8)
    run_asr: bool = True

    def __post_init__(self):
        if not self.sentences:
            raise ValueError("at least one sentence is needed")
        if self.reference_age not in self.control_ages:
            raise ValueError("reference_age must be one of control_ages")
        if any(n < 2 for n in self.matching_sizes):
            raise ValueError("matching sizes must be >= 2")
