"""A chat language model run by transformers: any causal LM with (or without) a chat template.

``TransformersChat`` only generates; prompting, validation and the template fallback are the
dialogue stage's (``pipelines.dialogue.writer.DialogueWriter``). Give it a Hugging Face repository
id whose snapshot is in the local cache (``talking-photo fetch-models --backend transformers-chat``)
or a local folder written by ``save_pretrained``. It never downloads.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from typing import Any, ClassVar

from pipelines.errors import BackendUnavailable, TalkingPhotoError
from pipelines.neural.weights import (
    HubModelWeights,
    require_model,
)

logger = logging.getLogger(__name__)

#: Apache-2.0, 0.5 B parameters: a good line in about a second on a GPU, a few on a CPU.
DEFAULT_CHAT_MODEL = "Qwen/Qwen2.5-0.5B-Instruct"
NEURAL_INSTALL_HINT = "pip install -e '.[neural]'"


class TransformersChat(HubModelWeights):
    """A causal language model from transformers, loaded once, answering chat messages.

    Attributes:
        name: Registry name.
        supports_grammar: False: replies are checked afterwards, not constrained.
        model_id: The model as configured (repository id or path).
        device: Where it runs ("cpu", "cuda", ...).
    """

    name: ClassVar[str] = "transformers-chat"
    default_model: ClassVar[str] = DEFAULT_CHAT_MODEL
    model_what: ClassVar[str] = "the chat model"
    supports_grammar: ClassVar[bool] = False

    def __init__(
        self,
        model: str = DEFAULT_CHAT_MODEL,
        *,
        device: str | None = None,
        top_p: float = 0.9,
        repetition_penalty: float = 1.1,
        trust_remote_code: bool = False,
    ) -> None:
        """Loads the tokenizer and the model.

        Args:
            model: Repository id (looked up in the local Hugging Face cache only) or a folder.
            device: "cpu", "cuda", ... or None to pick (CUDA in float16 when available).
            top_p: Nucleus-sampling probability mass.
            repetition_penalty: Penalty on repeated tokens (1.0 = none).
            trust_remote_code: Allow the model's own Python code (only for models you trust).

        Raises:
            BackendUnavailable: transformers/torch or the weights are missing, or the folder
                does not hold a causal language model.
        """
        try:
            import transformers
        except ImportError as error:
            raise BackendUnavailable(
                f"The transformers-chat backend needs transformers and torch: {NEURAL_INSTALL_HINT}"
            ) from error
        from pipelines.neural.device import choose_device

        path = require_model(model, "the chat model", self.name)
        self.device, dtype = choose_device(device)
        try:
            self._tokenizer = transformers.AutoTokenizer.from_pretrained(
                path, local_files_only=True, trust_remote_code=trust_remote_code
            )
            self._model = transformers.AutoModelForCausalLM.from_pretrained(
                path, dtype=dtype, local_files_only=True, trust_remote_code=trust_remote_code
            )
        except (OSError, ValueError, KeyError) as error:
            raise BackendUnavailable(
                f"transformers could not load the chat model {model!r} from {path}: {error}"
            ) from error
        self._model.to(self.device).eval()
        self.model_id = model
        self._top_p = float(top_p)
        self._repetition_penalty = float(repetition_penalty)
        self._has_template = bool(getattr(self._tokenizer, "chat_template", None))
        if not self._has_template:
            logger.warning(
                "%s has no chat template; messages are written as 'Role: text' lines", model
            )
        self._lock = threading.Lock()
        logger.info("Loaded chat model %s on %s", model, self.device)

    def complete(
        self, messages: Sequence[dict[str, str]], *, max_tokens: int, temperature: float, seed: int
    ) -> str:
        """The assistant's reply to OpenAI-style messages.

        Args:
            messages: {"role": "system" | "user" | "assistant", "content": str} dicts.
            max_tokens: Most new tokens.
            temperature: Sampling temperature; 0 decodes greedily.
            seed: Sampling seed; the same messages and seed give the same reply on one device.

        Returns:
            The reply text, special tokens removed (may be empty).

        Raises:
            TalkingPhotoError: Generation failed (out of memory, a prompt over the context).
        """
        import torch

        prompt_ids = self._prompt_ids([dict(m) for m in messages])
        options: dict[str, Any] = {
            "max_new_tokens": int(max_tokens),
            "repetition_penalty": self._repetition_penalty,
            "pad_token_id": self._tokenizer.pad_token_id or self._tokenizer.eos_token_id,
        }
        if temperature > 0:
            options.update(do_sample=True, temperature=float(temperature), top_p=self._top_p)
        else:
            options.update(do_sample=False)
        with self._lock:
            torch.manual_seed(int(seed) & 0x7FFFFFFF)
            try:
                with torch.inference_mode():
                    output = self._model.generate(
                        input_ids=prompt_ids,
                        attention_mask=torch.ones_like(prompt_ids),
                        **options,
                    )
            except (RuntimeError, ValueError) as error:
                raise TalkingPhotoError("chat_model.failed", detail=str(error)) from error
        new_tokens = output[0, prompt_ids.shape[1] :]
        return str(self._tokenizer.decode(new_tokens, skip_special_tokens=True)).strip()

    def _prompt_ids(self, messages: list[dict[str, str]]) -> Any:
        """(1, T) token ids of the prompt, on the model's device."""
        if self._has_template:
            text = self._tokenizer.apply_chat_template(
                messages, tokenize=False, add_generation_prompt=True
            )
        else:
            lines = [f"{m['role'].capitalize()}: {m['content']}" for m in messages]
            text = "\n".join([*lines, "Assistant:"])
        encoded = self._tokenizer(text, return_tensors="pt", add_special_tokens=False)
        return encoded["input_ids"].to(self.device)
