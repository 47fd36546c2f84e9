import pytest

from face2voice.errors import TextError
from face2voice.text_input import MAX_TEXT_CHARS, prepare_text, split_sentences


def test_sentences_are_split_and_whitespace_collapsed():
    p = prepare_text("Hello there!  How are\nyou today? I am fine.")
    assert p.sentences == ("Hello there!", "How are", "you today?", "I am fine.")


@pytest.mark.parametrize("text", ["", "   ", "\n\t "])
def test_empty_text_is_refused(text):
    with pytest.raises(TextError, match="empty"):
        prepare_text(text)


def test_100kb_text_is_refused_with_the_limit():
    with pytest.raises(TextError) as err:
        prepare_text("word " * 20_000)
    assert f"{MAX_TEXT_CHARS:,}" in str(err.value) and "100,000" in str(err.value)


def test_cap_text_is_accepted_and_every_piece_is_short():
    text = ("This is a fairly long sentence, with clauses, that goes on and on " * 40)[:MAX_TEXT_CHARS]
    p = prepare_text(text)
    assert all(len(s) <= 280 for s in p.sentences)
    assert "".join(p.text.split()) == "".join(text.split())  # nothing lost


def test_cjk_only_is_refused_as_unsupported_language():
    with pytest.raises(TextError, match="Only English") as err:
        prepare_text("你好，世界。今日は")
    assert err.value.code == "unsupported_language"


def test_emoji_only_has_nothing_to_speak():
    with pytest.raises(TextError, match="no words"):
        prepare_text("😀🎉👍")


def test_mixed_text_keeps_english_and_says_what_was_skipped():
    p = prepare_text("Hello 😀 world 你好!")
    assert p.text == "Hello world !" or p.text.startswith("Hello world")
    assert any("emoji" in n for n in p.notes) and any("CJK" in n for n in p.notes)


def test_very_long_word_is_cut():
    assert all(len(s) <= 50 for s in split_sentences("a" * 200, max_chars=50))
