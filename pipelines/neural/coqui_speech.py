"""Speech from Coqui TTS (the maintained ``coqui-tts`` package, import name ``TTS``).

Two kinds of voice:

* XTTS-v2 (default): 17 languages, clones a voice from a few seconds of reference audio
  (``speaker_wav``) or uses one of its built-in speakers. It gives no phoneme timings, so the
  Speech carries none and the motion stage drives the mouth from the audio itself. XTTS-v2's
  weights are under the Coqui Public Model License (non-commercial use).
* VITS voices (``tts_models/en/vctk/vits`` and the like): their duration predictor says how
  many frames each input token lasts; for voices that read phonemes (espeak IPA) these become
  the Speech's phoneme timings, exactly as Piper's alignments do.

Text is split into sentences here (one subtitle cue per sentence) and the sentences are joined
with a short pause. Rate is XTTS's ``speed`` or VITS's length scale; pitch is shifted after
synthesis like the Piper backend's. The backend never downloads: weights come from
``talking-photo fetch-models --backend coqui`` (or ``model_path`` / ``config_path``).
"""

from __future__ import annotations

import importlib.util
import json
import logging
import os
import threading
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any, ClassVar

import numpy as np

from pipelines.audio import shift_pitch
from pipelines.config import Limits
from pipelines.errors import BackendUnavailable, BadInputError, TalkingPhotoError
from pipelines.neural.weights import expected_location, fetch_hint, resolve_model
from pipelines.protocols import Voice
from pipelines.speech.piper_voice import SpokenSentence, checked_text, join_sentences
from pipelines.speech.timing import SILENCE, merge_modifiers, timed_phonemes
from pipelines.text import split_sentences
from pipelines.types import Speech

logger = logging.getLogger(__name__)

DEFAULT_COQUI_MODEL = "tts_models/multilingual/multi-dataset/xtts_v2"
INSTALL_HINT = (
    "pip install coqui-tts, plus torchaudio and torchcodec builds that match your torch (for a "
    "CPU-only torch they come from PyTorch's own CPU wheel index, not PyPI)"
)
_BLANK = "<BLNK>"
MIN_RATE, MAX_RATE = 0.5, 2.0


class CoquiSpeech:
    """A Coqui TTS voice (XTTS-v2 with voice cloning, or a VITS voice), loaded once.

    Attributes:
        name: Registry name.
        sample_rate: Output samples per second.
        timed: Whether the voice gives phoneme timings (VITS voices that read phonemes).
    """

    name: ClassVar[str] = "coqui"

    def __init__(
        self,
        model_name: str = DEFAULT_COQUI_MODEL,
        *,
        model_path: str | None = None,
        config_path: str | None = None,
        speaker_wav: str | Sequence[str] | None = None,
        speaker: str | None = None,
        language: str = "en",
        device: str | None = None,
        limits: Limits | None = None,
        sentence_pause_seconds: float = 0.2,
    ) -> None:
        """Loads the voice.

        Args:
            model_name: A Coqui model name (``TTS().list_models()``), used when no
                model_path is given.
            model_path: A checkpoint file or, for XTTS, its folder.
            config_path: Its config.json (default: beside the checkpoint).
            speaker_wav: Reference recording(s) to clone (XTTS, YourTTS), > 3 s of speech.
            speaker: A built-in speaker of a multi-speaker model (default: its first).
            language: Language of the text for multilingual models ("en", "de", "zh-cn", ...).
            device: "cpu", "cuda", ... or None to pick.
            limits: max_text_chars and max_audio_seconds are enforced.
            sentence_pause_seconds: Silence between sentences at rate 1.

        Raises:
            BackendUnavailable: coqui-tts (or its torchaudio) or the weights are missing.
            BadInputError: The reference recording does not exist.
        """
        options = {"model_name": model_name, "model_path": model_path, "config_path": config_path}
        reason = self.missing_weights(options)
        if reason:
            raise BackendUnavailable(f"The coqui speech backend {reason}.")
        try:
            from TTS.api import TTS
        except (ImportError, OSError) as error:  # OSError: a torchaudio built for another torch
            raise BackendUnavailable(
                f"The coqui speech backend cannot import coqui-tts ({error}). {INSTALL_HINT}."
            ) from error
        from pipelines.neural.device import choose_device

        wavs = [speaker_wav] if isinstance(speaker_wav, str) else list(speaker_wav or [])
        for wav in wavs:
            if not Path(wav).is_file():
                raise BadInputError("voice.reference_missing", path=str(wav))
        self.limits = limits or Limits()
        self.sentence_pause_seconds = float(sentence_pause_seconds)
        self.device, _ = choose_device(device)
        folder = _hub_folder(model_name) if model_path is None else None
        if folder is not None:  # an XTTS-style repository: load by path, no model manager
            model_path, config_path = str(folder), str(folder / "config.json")
        if model_path is not None:
            config = config_path or str(Path(model_path).with_name("config.json"))
            self._tts = TTS(model_path=model_path, config_path=config, progress_bar=False)
        else:
            self._tts = TTS(model_name, progress_bar=False)
        self._tts.to(self.device)
        synthesizer = self._tts.synthesizer
        self._model = synthesizer.tts_model
        self.sample_rate = int(synthesizer.output_sample_rate)
        tokenizer = getattr(self._model, "tokenizer", None)
        self._is_vits = type(self._model).__name__ == "Vits"
        self.timed = self._is_vits and bool(getattr(tokenizer, "use_phonemes", False))
        self._speaker_wav = wavs or None
        speakers = self._tts.speakers or []
        self._speakers = list(speakers)
        self._speaker = speaker if speaker is not None else (None if wavs else _first(speakers))
        self._language = language if self._tts.is_multi_lingual else None
        self._lock = threading.Lock()
        logger.info("Loaded Coqui voice %s (%d Hz)", model_path or model_name, self.sample_rate)

    @classmethod
    def missing_weights(cls, options: dict[str, Any]) -> str | None:
        """Why the configured voice cannot load here (None when its files are present)."""
        model_path = options.get("model_path")
        if model_path:
            if Path(model_path).expanduser().exists():
                return None
            return f"needs weights for the Coqui voice at {model_path}: check model_path"
        name = options.get("model_name") or DEFAULT_COQUI_MODEL
        item = coqui_model_item(name)
        if item is None:
            if _models_json() is None:
                return None  # coqui-tts is not installed; the package check says so
            return f"does not know the Coqui model {name!r} (see `tts --list_models`)"
        if "repo_id" in item:
            if resolve_model(item["repo_id"]) is not None:
                return None
            where = expected_location(item["repo_id"])
        else:
            local = coqui_data_dir() / name.replace("/", "--")
            if local.is_dir():
                return None
            where = str(local)
        return f"needs weights for the Coqui model {name!r} at {where}: {fetch_hint(cls.name)}"

    @classmethod
    def fetch_weights(cls, options: dict[str, Any]) -> list[str]:
        """Downloads the configured Coqui model with coqui-tts's own model manager."""
        if options.get("model_path"):
            return []
        try:
            from TTS.utils.manage import ModelManager
        except (ImportError, OSError) as error:
            raise BackendUnavailable(
                f"Fetching a Coqui model needs coqui-tts: {INSTALL_HINT}."
            ) from error
        name = options.get("model_name") or DEFAULT_COQUI_MODEL
        try:
            path, _, _ = ModelManager(progress_bar=True).download_model(name)
        except (OSError, RuntimeError, ValueError, KeyError) as error:
            raise TalkingPhotoError(
                "download.failed", what=f"the Coqui model {name!r}", detail=str(error)
            ) from error
        return [str(path)]

    def synthesize(self, text: str, voice: Voice) -> Speech:
        """Speaks the text, one cue per sentence.

        Args:
            text: One or more sentences.
            voice: Rate, pitch and speaker (speaker_id indexes the model's speakers).

        Returns:
            Speech at the model's sample rate; phonemes only for phoneme-reading VITS voices.

        Raises:
            BadInputError: Empty text or an invalid voice.
            LimitExceeded: Text or speech over the limits.
        """
        stripped = checked_text(text, self.limits)
        if not MIN_RATE <= voice.rate <= MAX_RATE:
            raise BadInputError("voice.rate_range", rate=voice.rate, least=0.5, most=2)
        speaker = self._speaker_for(voice)
        with self._lock:
            samples, tokens, cues = join_sentences(
                self._spoken_sentences(stripped, speaker, voice.rate),
                pause_seconds=self.sentence_pause_seconds / voice.rate,
                sample_rate=self.sample_rate,
                max_audio_seconds=self.limits.max_audio_seconds,
            )
        samples = np.clip(samples, -1.0, 1.0)
        phonemes = timed_phonemes(merge_modifiers(tokens), self.sample_rate) if self.timed else ()
        return Speech(
            audio=shift_pitch(samples, voice.pitch_semitones),
            sample_rate=self.sample_rate,
            phonemes=phonemes,
            cues=cues,
            text=stripped,
        )

    def _spoken_sentences(
        self, text: str, speaker: str | None, rate: float
    ) -> Iterator[SpokenSentence]:
        """Each sentence of the text, synthesized only when the loop asks for it.

        A voice without timings gives the whole sentence as one silence token: the mouth
        follows the audio.
        """
        for sentence in split_sentences(text):
            audio, tokens = self._sentence(sentence, speaker, rate)
            yield sentence, audio, tokens or [(SILENCE, len(audio))]

    def _speaker_for(self, voice: Voice) -> str | None:
        if voice.speaker_id is None:
            return self._speaker
        if not 0 <= voice.speaker_id < len(self._speakers):
            raise BadInputError(
                "voice.speaker_count", speaker=voice.speaker_id, count=len(self._speakers)
            )
        return self._speakers[voice.speaker_id]

    def _sentence(
        self, sentence: str, speaker: str | None, rate: float
    ) -> tuple[np.ndarray, list[tuple[str, int]]]:
        """(N,) float32 audio of one sentence and, for VITS, its (symbol, samples) tokens."""
        if self._is_vits:
            base_scale = self._model.length_scale
            self._model.length_scale = base_scale / rate
            try:
                out = self._model.synthesize(
                    sentence,
                    speaker=speaker,
                    speaker_wav=self._speaker_wav,
                    language=self._language,
                )
            finally:
                self._model.length_scale = base_scale
            audio = np.asarray(out["wav"], dtype=np.float32).reshape(-1)
            ids = [int(i) for i in out["text_inputs"][0]]
            frames = out["outputs"]["durations"][0, 0].detach().cpu().numpy()
            symbols = [self._model.tokenizer.characters.id_to_char(i) for i in ids]
            return audio, tokens_from_durations(symbols, frames, len(audio))
        extra = {"speed": rate} if "xtts" in type(self._model).__name__.lower() else {}
        wav = self._tts.tts(
            text=sentence,
            speaker=speaker,
            language=self._language,
            speaker_wav=self._speaker_wav,
            split_sentences=False,
            **extra,
        )
        return np.asarray(wav, dtype=np.float32).reshape(-1), []


def tokens_from_durations(
    symbols: Sequence[str], frames: Sequence[float] | np.ndarray, n_samples: int
) -> list[tuple[str, int]]:
    """(symbol, samples) tokens of a VITS utterance from its per-token frame durations.

    Blank tokens (VITS's ``add_blank``) are given to the token before them, as Piper gives its
    pad ids to the phoneme before; other special tokens ("<BOS>", "<EOS>", "<PAD>") become
    silence. Samples are apportioned by frames so that they sum to ``n_samples`` exactly.

    Args:
        symbols: The input tokens as characters (IPA phonemes, punctuation, " ", specials).
        frames: (T,) decoder frames per token.
        n_samples: Length of the audio the tokens tile.

    Returns:
        Tokens whose sample counts sum to ``n_samples``.

    Raises:
        ValueError: symbols and frames differ in length.
    """
    frames = np.asarray(frames, dtype=np.float64).reshape(-1)
    if len(frames) != len(symbols):
        raise ValueError(f"{len(symbols)} symbols but {len(frames)} durations")
    total = float(frames.sum())
    if total <= 0 or n_samples <= 0:
        return [(SILENCE, max(0, n_samples))]
    edges = np.round(np.cumsum(frames) / total * n_samples).astype(int)
    counts = np.diff(np.concatenate([[0], edges]))
    tokens: list[tuple[str, int]] = []
    for symbol, count in zip(symbols, counts, strict=True):
        if symbol == _BLANK:
            if tokens:
                tokens[-1] = (tokens[-1][0], tokens[-1][1] + int(count))
            else:
                tokens.append((SILENCE, int(count)))
            continue
        special = len(symbol) > 1 and symbol.startswith("<") and symbol.endswith(">")
        tokens.append((SILENCE if special else symbol, int(count)))
    return tokens


def coqui_data_dir() -> Path:
    """Where coqui-tts keeps downloaded models (TTS_HOME / XDG_DATA_HOME aware)."""
    base = os.environ.get("TTS_HOME") or os.environ.get("XDG_DATA_HOME")
    root = Path(base) if base else Path.home() / ".local" / "share"
    return root.expanduser() / "tts"


def coqui_model_item(name: str) -> dict[str, Any] | None:
    """The entry of a model name in coqui-tts's model list, read without importing TTS."""
    models = _models_json()
    parts = name.split("/")
    if models is None or len(parts) != 4:
        return None
    node: Any = models
    for part in parts:
        node = node.get(part) if isinstance(node, dict) else None
    return node if isinstance(node, dict) else None


def _models_json() -> dict[str, Any] | None:
    spec = importlib.util.find_spec("TTS")
    if spec is None or not spec.submodule_search_locations:
        return None
    path = Path(next(iter(spec.submodule_search_locations))) / ".models.json"
    if not path.is_file():
        return None
    return json.loads(path.read_text(encoding="utf-8"))


def _hub_folder(name: str) -> Path | None:
    """The cached snapshot of a model that coqui-tts fetches from the Hugging Face hub."""
    item = coqui_model_item(name)
    if item is None or "repo_id" not in item:
        return None
    return resolve_model(item["repo_id"])


def _first(names: Sequence[str]) -> str | None:
    return names[0] if names else None
