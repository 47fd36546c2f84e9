"""The text front-end must give the released Tacotron exactly the ids it was trained on."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from face2voice.sv2tts.text import SYMBOLS, english_cleaners, sequence_to_text, text_to_sequence
from face2voice.sv2tts.text.chunking import _spoken_length, split_into_chunks

FIXTURE = json.loads((Path(__file__).parent / "fixtures" / "text_sequences.json").read_text())
CASES = FIXTURE["cases"]


def test_symbols_match_original_alphabet():
    assert list(SYMBOLS) == FIXTURE["symbols"]
    assert len(SYMBOLS) == 66
    assert SYMBOLS[FIXTURE["pad_id"]] == "_" and SYMBOLS[FIXTURE["eos_id"]] == "~"


@pytest.mark.parametrize("case", CASES, ids=[repr(c["input"])[:40] for c in CASES])
def test_reproduces_original_front_end_exactly(case):
    text = case["input"]
    assert english_cleaners(text) == case["english_cleaners"]
    assert text_to_sequence(text) == case["text_to_sequence"]
    assert sequence_to_text(text_to_sequence(text)) == case["sequence_to_text"]
    assert text_to_sequence(text.strip()) == case["text_to_sequence_of_stripped"]


def test_arpabet_blocks_vanish_and_eos_always_appended():
    assert text_to_sequence("") == [1]
    assert text_to_sequence("{HH AH0}") == [1]
    assert sequence_to_text(text_to_sequence("a {X}\nb")) == "a  b~"  # text after a newline is kept


def test_unknown_cleaner_is_rejected():
    with pytest.raises(ValueError, match="unknown cleaner"):
        text_to_sequence("hi", ["basic_cleaners"])


class TestChunking:
    def test_short_text_is_one_chunk(self):
        assert split_into_chunks("  Hello world.  ") == ["Hello world."]

    def test_empty_and_unspeakable_chunks_are_dropped(self):
        assert split_into_chunks("") == []
        assert split_into_chunks("First.\r\n\r\n   \n😀 #\nSecond.") == ["First.", "Second."]

    def test_line_breaks_are_boundaries(self):
        assert split_into_chunks("One.\nTwo.\r\nThree.") == ["One.", "Two.", "Three."]

    def test_every_chunk_respects_the_spoken_cap(self):
        text = ("Dr. Smith paid $1,250,000 for 3 houses on St. James street. " * 6
                + "Then, after a very long pause, which lasted what felt like an eternity, he said: "
                + "hello " * 60)
        chunks = split_into_chunks(text, 80)
        assert chunks
        assert all(_spoken_length(c) <= 80 for c in chunks)
        # No words lost or reordered: re-joined chunks give back the words of the input.
        assert " ".join(chunks).split() == text.split()

    def test_abbreviations_do_not_end_sentences(self):
        chunks = split_into_chunks("Mr. Jones met Dr. Who. They talked.", 30)
        assert chunks == ["Mr. Jones met Dr. Who.", "They talked."]

    def test_over_long_token_is_hard_cut(self):
        chunks = split_into_chunks("x" * 400, 150)
        assert [len(c) for c in chunks] == [150, 150, 100]

    def test_rejects_non_positive_cap(self):
        with pytest.raises(ValueError):
            split_into_chunks("hi", 0)
