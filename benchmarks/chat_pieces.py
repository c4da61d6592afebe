"""How a streamed chat answer's spoken pieces join (``benchmarks.conversation.bench_chat``).

An answer is spoken piece by piece (``pipelines.chat.clauses``): its first clause, then whole
sentences. For one answer this measures:

- ``pieces``: the text of each piece, its length (s) and when its WAV was ready (s after the
  question);
- ``join_silence_s``: the silence at each join of the answer's pieces (the end of one piece's
  sound to the start of the next one's, 10 ms frames 45 dB under the piece's loudest), as the
  video's soundtrack has it;
- ``stalls_s``: a player that starts each piece when it is ready and the previous one has
  ended waits this long before each later piece (0: it was ready in time);
- ``first_lead_s``: the silence at the start of the first piece (heard after its WAV is out);
- ``edge_level``: the largest |sample| at a piece's first and last 5 ms (a cut in sound would
  click; the pieces fade in and out).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

#: A 10 ms frame this many dB under the loudest one is silent.
QUIET_DB = 45.0


def _sound_span(audio: np.ndarray, rate: int) -> tuple[float, float]:
    """(seconds of silence before the first sound, seconds of silence after the last)."""
    frame = max(1, rate // 100)
    frames = len(audio) // frame
    if frames == 0:
        return 0.0, 0.0
    level = np.sqrt(np.mean(np.square(audio[: frames * frame].reshape(frames, frame)), axis=1))
    loud = np.flatnonzero(level >= level.max() * 10 ** (-QUIET_DB / 20))
    if not len(loud):
        return 0.0, 0.0
    return loud[0] * frame / rate, (len(audio) - (loud[-1] + 1) * frame) / rate


def piece_report(events: list[Any]) -> dict[str, Any]:
    """The pieces, join silences, playback stalls and edge levels of one streamed answer.

    Args:
        events: The ``pipelines.chat.session.ChatEvent``s of one ``ask_stream`` call.
    """
    import soundfile

    pieces: list[dict[str, Any]] = []
    spans: list[tuple[float, float]] = []
    edges: list[float] = []
    for event in events:
        if event.kind != "audio" or event.audio is None:
            continue
        audio, rate = soundfile.read(str(Path(event.audio)), dtype="float32")
        audio = audio.reshape(len(audio), -1)[:, 0]
        edge = max(1, rate // 200)
        edges.append(float(max(np.abs(audio[:edge]).max(), np.abs(audio[-edge:]).max())))
        spans.append(_sound_span(audio, rate))
        pieces.append(
            {
                "said": event.said,
                "duration_s": round(len(audio) / rate, 3),
                "ready_s": round(event.elapsed_s, 3),
            }
        )
    joins = [round(spans[i][1] + spans[i + 1][0], 3) for i in range(len(spans) - 1)]
    stalls = []
    playing_until = 0.0
    for number, piece in enumerate(pieces):
        start = piece["ready_s"] if number == 0 else max(piece["ready_s"], playing_until)
        if number:
            stalls.append(round(start - playing_until, 3))
        playing_until = start + piece["duration_s"]
    return {
        "pieces": pieces,
        "join_silence_s": joins,
        "stalls_s": stalls,
        "first_lead_s": round(spans[0][0], 3) if spans else None,
        "edge_level": round(max(edges, default=0.0), 4),
    }
