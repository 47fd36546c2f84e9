"""Face2Voice app post-processing (cut per line, 0.15 s gaps, peak 0.97) against the original run."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from face2voice.sv2tts.postprocess import join_with_silence, segment_bounds, split_lines_face2voice

HERE = Path(__file__).parent / "fixtures"
FIX = np.load(HERE / "app_inference_postprocess.npz")
META = json.loads((HERE / "app_inference_postprocess.json").read_text())


def test_line_split_keeps_the_originals_quirks():
    assert split_lines_face2voice(META["input_text"]) == META["calls"]["texts"]
    assert len(META["calls"]["texts"]) == META["calls"]["n_embeds"]


def test_output_matches_original():
    out = join_with_silence(FIX["stub_vocoder_wav"], FIX["breaks_frames"].tolist())
    assert out.shape == (META["output_len"],)
    np.testing.assert_allclose(out, FIX["output_wav"], rtol=0, atol=1e-12)
    assert np.isclose(np.abs(out).max(), META["peak"])


def test_segment_bounds_are_cumulative_hops():
    starts, ends = segment_bounds([10, 17], 200)
    assert starts.tolist() == [0, 2000] and ends.tolist() == [2000, 5400]


def test_silence_is_not_divided_by_zero():
    out = join_with_silence(np.zeros(1000), [3, 3])
    assert out.shape == (2 * 2400 + 1000,) and not np.isnan(out).any()
    assert join_with_silence(np.zeros(0), []).shape == (0,)
