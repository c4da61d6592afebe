"""No photo? Describe a person: a text-to-image model paints a portrait to bring to life.

``PortraitGenerator`` wraps a diffusers text-to-image pipeline (SD-Turbo by default: one step,
no guidance, 512 px). The description is put into a prompt template that asks for a single
frontal face, head and shoulders, so the face stage finds one face and the animator has a
clear mouth and eyes to move. The same description and seed give the same portrait (the noise
comes from a CPU generator, so also across devices up to floating-point differences).

The generated picture is an ordinary (H, W, 3) uint8 RGB array: it goes through the normal
pipeline (``TalkingPhotoPipeline.generate_portrait`` / ``talking-photo render --describe``).
"""

from __future__ import annotations

import logging
import threading
from typing import Any, ClassVar

import numpy as np

from pipelines.errors import BackendUnavailable, BadInputError, TalkingPhotoError
from pipelines.neural.device import gpu_task
from pipelines.neural.weights import (
    HubModelWeights,
    require_model,
)

logger = logging.getLogger(__name__)

#: One-step distilled Stable Diffusion 2.1; its weights carry Stability AI's own licence
#: (read it before any commercial use).
DEFAULT_PORTRAIT_MODEL = "stabilityai/sd-turbo"
PROMPT_TEMPLATE = (
    "a photo portrait of {description}, head and shoulders, facing the camera, looking at the "
    "viewer, mouth closed, plain background, soft natural light, sharp focus"
)
NEGATIVE_PROMPT = (
    "cartoon, drawing, text, watermark, blurry, deformed face, profile, two people, "
    "sunglasses, hands over face"
)
#: Longest description accepted, in characters.
MAX_DESCRIPTION_CHARS = 300
#: Files a diffusers text-to-image folder needs (not the single-file checkpoints beside them).
DIFFUSERS_FILES: tuple[str, ...] = ("model_index.json", "*/*.json", "*/*.txt", "*/*.safetensors")


class PortraitGenerator(HubModelWeights):
    """A diffusers text-to-image pipeline that paints one frontal portrait per description.

    Attributes:
        name: Its registry name and key in ``Settings.backend_options`` ("portrait").
        model_id: The model as configured.
        device: Where it runs.
        size: Side of the square portrait, in pixels.
    """

    name: ClassVar[str] = "portrait"
    default_model: ClassVar[str] = DEFAULT_PORTRAIT_MODEL
    model_what: ClassVar[str] = "the text-to-image model"
    hub_files: ClassVar[tuple[str, ...] | None] = DIFFUSERS_FILES

    def __init__(
        self,
        model: str = DEFAULT_PORTRAIT_MODEL,
        *,
        device: str | None = None,
        size: int = 512,
        steps: int | None = None,
        guidance_scale: float | None = None,
        template: str = PROMPT_TEMPLATE,
        negative_prompt: str = NEGATIVE_PROMPT,
    ) -> None:
        """Loads the text-to-image pipeline.

        Args:
            model: Repository id (local Hugging Face cache only) or a folder written by
                ``save_pretrained``.
            device: "cpu", "cuda", ... or None to pick.
            size: Side of the square image in pixels (a multiple of 8).
            steps: Denoising steps; None: 1 for "turbo" models, 25 otherwise.
            guidance_scale: Classifier-free guidance; None: 0 for turbo models (they are
                trained without it), 7 otherwise.
            template: Prompt with a "{description}" field.
            negative_prompt: What to avoid (ignored when guidance is off).

        Raises:
            BackendUnavailable: diffusers/torch or the weights are missing.
            ValueError: size is not a positive multiple of 8, or the template has no field.
        """
        if size <= 0 or size % 8:
            raise ValueError(f"size must be a positive multiple of 8, got {size}")
        if "{description}" not in template:
            raise ValueError("template must contain '{description}'")
        try:
            import diffusers
        except ImportError as error:
            raise BackendUnavailable(
                "Portraits from a description need diffusers and torch: pip install -e '.[neural]'"
            ) from error
        from pipelines.neural.device import choose_device

        path = require_model(model, "the text-to-image model", self.name)
        self.device, dtype = choose_device(device)
        try:
            self._pipe = diffusers.AutoPipelineForText2Image.from_pretrained(
                path, dtype=dtype, local_files_only=True
            )
        except (OSError, ValueError, KeyError) as error:
            raise BackendUnavailable(
                f"diffusers could not load the text-to-image model {model!r} from {path}: {error}"
            ) from error
        self._pipe.to(self.device)
        self._pipe.set_progress_bar_config(disable=True)
        turbo = "turbo" in str(model).lower()
        self.steps = int(steps if steps is not None else (1 if turbo else 25))
        self.guidance_scale = float(
            guidance_scale if guidance_scale is not None else (0.0 if turbo else 7.0)
        )
        self.size = int(size)
        self.model_id = model
        self._template = template
        self._negative = negative_prompt
        self._lock = threading.Lock()
        logger.info("Loaded text-to-image model %s on %s", model, self.device)

    def prompt(self, description: str) -> str:
        """The full prompt for a description (checked and normalised).

        Raises:
            BadInputError: The description is empty or over MAX_DESCRIPTION_CHARS.
        """
        text = " ".join(str(description).split()).strip(" .,")
        if not text:
            raise BadInputError("description.empty")
        if len(text) > MAX_DESCRIPTION_CHARS:
            raise BadInputError("description.too_long", chars=len(text), most=MAX_DESCRIPTION_CHARS)
        return self._template.format(description=text)

    def generate(self, description: str, seed: int = 0) -> np.ndarray:
        """Paints a portrait of the described person.

        Args:
            description: Who to paint, e.g. "an old fisherman with a grey beard".
            seed: The same description and seed give the same portrait.

        Returns:
            (size, size, 3) uint8 RGB image.

        Raises:
            BadInputError: The description is empty or too long.
            TalkingPhotoError: The model failed (e.g. out of GPU memory).
        """
        options: dict[str, Any] = {
            "prompt": self.prompt(description),
            "num_inference_steps": self.steps,
            "guidance_scale": self.guidance_scale,
            "height": self.size,
            "width": self.size,
            "output_type": "np",
        }
        if self.guidance_scale > 1.0:
            options["negative_prompt"] = self._negative
        with self._lock:
            return _paint(self._pipe, options, int(seed))


@gpu_task(duration=60)
def _paint(pipe: Any, options: dict[str, Any], seed: int) -> np.ndarray:
    """Runs a text-to-image pipeline once; (H, W, 3) uint8 RGB."""
    import torch

    generator = torch.Generator(device="cpu").manual_seed(seed & 0x7FFFFFFF)
    try:
        with torch.inference_mode():
            result = pipe(**options, generator=generator)
    except (RuntimeError, ValueError) as error:
        raise TalkingPhotoError("portrait.failed", detail=str(error)) from error
    pixels = np.asarray(result.images[0], dtype=np.float32)
    return np.ascontiguousarray(np.clip(np.round(pixels * 255.0), 0, 255).astype(np.uint8))


_GENERATORS: dict[tuple[tuple[str, Any], ...], PortraitGenerator] = {}
_GENERATORS_LOCK = threading.Lock()


def generate_portrait(description: str, seed: int = 0, **options: Any) -> np.ndarray:
    """Paints a portrait with a PortraitGenerator built once per set of options.

    Args:
        description: Who to paint.
        seed: Reproducibility seed.
        **options: PortraitGenerator options (model, device, size, steps, ...).

    Returns:
        (size, size, 3) uint8 RGB image.
    """
    key = tuple(sorted(options.items()))
    with _GENERATORS_LOCK:
        generator = _GENERATORS.get(key)
        if generator is None:
            generator = _GENERATORS[key] = PortraitGenerator(**options)
    return generator.generate(description, seed)
