"""Re-export of :mod:`face2voice.evaluation.asr`: tests and the evaluation report share one WER."""

from face2voice.evaluation.asr import transcribe, wer, word_errors, words

__all__ = ["transcribe", "wer", "word_errors", "words"]
