"""The nearest match for a misspelt name: one suggestion, or none when nothing is close.

Used when an account or a signal is not found, so the answer can say "Did you mean `acme-corp`?"
instead of listing everything. Pure string similarity (rapidfuzz's weighted ratio on lower-cased,
punctuation-free text); no I/O.
"""

from __future__ import annotations

from collections.abc import Iterable

from rapidfuzz import fuzz, process, utils

# Below this similarity (0–100) a "suggestion" is a guess, and guessing misleads more than it
# helps; texts shorter than MIN_LENGTH match almost anything.
CUTOFF = 75
MIN_LENGTH = 3


def nearest(text: str, choices: Iterable[tuple[str, str]]) -> str | None:
    """The key of the closest choice to `text`; `choices` are (text to compare, key) pairs, so
    an account can be matched on its key and its name, a signal on its key, words and label."""
    wanted = text.strip()
    if len(wanted) < MIN_LENGTH:
        return None
    pairs = list(choices)
    found = process.extractOne(
        wanted,
        [compared for compared, _ in pairs],
        scorer=fuzz.WRatio,
        processor=utils.default_process,
        score_cutoff=CUTOFF,
    )
    return None if found is None else pairs[found[2]][1]
