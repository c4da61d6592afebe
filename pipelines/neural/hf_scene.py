"""The scene read by the offline heuristics plus a caption from a vision-language model.

``TransformersCaptionScene`` runs the offline ``HeuristicSceneReader`` (people, tone,
brightness, medium, background, OCR text) and adds a free-text caption from a transformers
image-to-text model: a captioner (BLIP, GIT, a ViT-GPT2 vision-encoder-decoder) or a chat
vision-language model (SmolVLM, Qwen2-VL, ...) asked a short question. The caption goes into
``Scene.caption`` (the dialogue prompt quotes it) and is appended to ``Scene.description``.
Every measured fact stays the heuristic reader's: a caption can be wrong, a measurement less so.
"""

from __future__ import annotations

import dataclasses
import logging
import re
import threading
from collections.abc import Sequence
from typing import Any, ClassVar

from pipelines.errors import BackendUnavailable
from pipelines.neural.weights import (
    HubModelWeights,
    require_model,
)
from pipelines.types import Face, Photo, Scene

logger = logging.getLogger(__name__)

#: BSD-3-Clause, 470 M parameters: one caption in ~0.2 s on a GPU, ~2 s on a CPU.
DEFAULT_CAPTION_MODEL = "Salesforce/blip-image-captioning-large"
#: What a chat vision-language model is asked (captioners take no question).
DEFAULT_VLM_PROMPT = (
    "Describe this photo in one short sentence: who is in it, what they wear, where they are."
)
#: Longest caption kept, in characters.
MAX_CAPTION_CHARS = 200
#: Words BLIP is known to hallucinate at the start of captions ("arafed man").
_CAPTION_ARTEFACTS = re.compile(r"\b(?:arafed|araffe|arafe|araf)\b\s*", re.IGNORECASE)
NEURAL_INSTALL_HINT = "pip install -e '.[neural]'"


class TransformersCaptionScene(HubModelWeights):
    """Heuristic scene facts plus a caption from a transformers vision-language model.

    Attributes:
        name: Registry name.
        model_id: The captioning model as configured.
        device: Where it runs.
    """

    name: ClassVar[str] = "caption"
    default_model: ClassVar[str] = DEFAULT_CAPTION_MODEL
    model_what: ClassVar[str] = "the captioning model"

    def __init__(
        self,
        model: str = DEFAULT_CAPTION_MODEL,
        *,
        prompt: str | None = None,
        max_new_tokens: int = 40,
        device: str | None = None,
        read_text: bool = True,
        trust_remote_code: bool = False,
    ) -> None:
        """Loads the heuristic reader and the captioning model.

        Args:
            model: Repository id (local Hugging Face cache only) or a folder.
            prompt: Question for a chat VLM, or the caption's opening words for a captioner
                that takes one (BLIP: "a photography of"). None: DEFAULT_VLM_PROMPT for chat
                models, no prompt for captioners.
            max_new_tokens: Longest caption, in tokens.
            device: "cpu", "cuda", ... or None to pick.
            read_text: Run OCR in the heuristic reader.
            trust_remote_code: Allow the model's own Python code (only for models you trust).

        Raises:
            BackendUnavailable: transformers/torch or the weights are missing.
        """
        try:
            import transformers
        except ImportError as error:
            raise BackendUnavailable(
                f"The caption scene backend needs transformers and torch: {NEURAL_INSTALL_HINT}"
            ) from error
        from pipelines.neural.device import choose_device
        from pipelines.scene.heuristic import HeuristicSceneReader

        path = require_model(model, "the captioning model", self.name)
        self.device, self._dtype = choose_device(device)
        try:
            self._processor = transformers.AutoProcessor.from_pretrained(
                path, local_files_only=True, trust_remote_code=trust_remote_code
            )
            self._model = transformers.AutoModelForImageTextToText.from_pretrained(
                path, dtype=self._dtype, local_files_only=True, trust_remote_code=trust_remote_code
            )
            tokenizer = getattr(self._processor, "tokenizer", None)
            if tokenizer is None:  # a bare image processor (vision-encoder-decoder models)
                tokenizer = transformers.AutoTokenizer.from_pretrained(path, local_files_only=True)
        except (OSError, ValueError, KeyError, ImportError) as error:
            # ImportError: a processor part needs a package not installed (Qwen2-VL's video
            # processor needs torchvision, which the [neural] extra does not install).
            reason = " ".join(str(error).split())
            raise BackendUnavailable(
                f"transformers could not load the captioning model {model!r} from {path}: {reason}"
            ) from error
        self._tokenizer = tokenizer
        self._model.to(self.device).eval()
        self._chat = bool(getattr(self._processor, "chat_template", None))
        self._prompt = prompt if prompt is not None else (DEFAULT_VLM_PROMPT if self._chat else "")
        self._max_new_tokens = int(max_new_tokens)
        self._reader = HeuristicSceneReader(read_text=read_text)
        self.model_id = model
        self._lock = threading.Lock()
        logger.info("Loaded captioning model %s on %s", model, self.device)

    def describe(self, photo: Photo, faces: Sequence[Face]) -> Scene:
        """The heuristic scene with the model's caption added.

        Args:
            photo: The working photo, (H, W, 3) uint8 RGB.
            faces: Its faces, left to right.

        Returns:
            The scene; ``caption`` holds the cleaned caption ("" when the model said nothing
            usable) and ``description`` ends with it.
        """
        scene = self._reader.describe(photo, faces)
        caption = self.caption(photo)
        if not caption:
            return scene
        return dataclasses.replace(
            scene, caption=caption, description=f"{scene.description} Caption: {caption}"
        )

    def caption(self, photo: Photo) -> str:
        """The model's cleaned caption of the photo (one sentence, at most MAX_CAPTION_CHARS)."""
        import torch
        from PIL import Image

        image = Image.fromarray(photo.pixels)
        inputs = self._inputs(image)
        with self._lock, torch.inference_mode():
            output = self._model.generate(
                **inputs, max_new_tokens=self._max_new_tokens, do_sample=False
            )
        if "input_ids" in inputs and not self._model.config.is_encoder_decoder:
            output = output[:, inputs["input_ids"].shape[1] :]
        text = self._tokenizer.batch_decode(output, skip_special_tokens=True)[0]
        return clean_caption(text)

    def _inputs(self, image: Any) -> dict[str, Any]:
        """The processor's tensors for one image, on the model's device and dtype."""
        if self._chat:
            messages = [
                {
                    "role": "user",
                    "content": [{"type": "image"}, {"type": "text", "text": self._prompt}],
                }
            ]
            text = self._processor.apply_chat_template(messages, add_generation_prompt=True)
            encoded = self._processor(images=[image], text=text, return_tensors="pt")
        elif self._prompt and hasattr(self._processor, "tokenizer"):
            encoded = self._processor(images=image, text=self._prompt, return_tensors="pt")
        else:
            encoded = self._processor(images=image, return_tensors="pt")
        moved: dict[str, Any] = {}
        for key, value in dict(encoded).items():
            if hasattr(value, "to"):
                value = value.to(self.device)
                if value.is_floating_point():
                    value = value.to(self._dtype)
            moved[key] = value
        return moved


def clean_caption(text: str) -> str:
    """A caption as one tidy sentence: known artefacts removed, capitalised, full stop.

    Args:
        text: The model's decoded output.

    Returns:
        The caption, at most MAX_CAPTION_CHARS long (cut at a word), or "" when nothing with
        a letter in it is left.
    """
    text = _CAPTION_ARTEFACTS.sub("", text)
    text = " ".join(text.split())
    if not any(char.isalpha() for char in text):
        return ""
    if len(text) > MAX_CAPTION_CHARS:
        text = text[:MAX_CAPTION_CHARS].rsplit(" ", 1)[0]
    text = text.rstrip(" ,;:")
    text = text[0].upper() + text[1:]
    return text if text[-1] in ".!?" else text + "."
