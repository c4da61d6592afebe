"""Chat backends beyond SmolLM2: transformers, any GGUF file, any OpenAI-compatible server.

TransformersChat runs a tiny random-weight Llama built here (its output is random tokens, so
the dialogue writer's validation must reject it and fall back to a template). The OpenAI client
talks to a real llama.cpp HTTP server (xllamacpp) serving the bundled SmolLM2 on 127.0.0.1.
"""

from __future__ import annotations

import os
import socket
from pathlib import Path

import pytest

from pipelines import RenderRequest, TalkingPhotoPipeline, registry
from pipelines.config import Settings
from pipelines.dialogue.checks import validate_line
from pipelines.dialogue.writer import DialogueWriter, SmolLM2Chat, smollm2_model_path
from pipelines.errors import BackendUnavailable
from pipelines.types import PersonInScene, Scene

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")

pytest.importorskip("transformers", reason="needs the [neural] extra: pip install -e '.[neural]'")

MESSAGES = [
    {"role": "system", "content": "You are a person in a photo."},
    {"role": "user", "content": "Say one short line about the sea."},
]
SCENE = Scene(
    people=(PersonInScene(0, "centre", "portrait", "smile"),),
    tone="colour",
    brightness="bright",
    medium="photo",
    background=("blue",),
    text_in_photo=(),
    caption="",
    description="A bright colour photo of one person in a portrait, smiling.",
)


@pytest.fixture(scope="module")
def tiny_chat_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from tiny_models import build_tiny_chat

    return build_tiny_chat(tmp_path_factory.mktemp("tiny-chat"))


@pytest.fixture(scope="module")
def tiny_chat(tiny_chat_dir: Path):
    from pipelines.neural.hf_chat import TransformersChat

    return TransformersChat(str(tiny_chat_dir))


def test_transformers_chat_replies_reproducibly_by_seed(tiny_chat) -> None:
    first = tiny_chat.complete(MESSAGES, max_tokens=16, temperature=0.8, seed=3)
    again = tiny_chat.complete(MESSAGES, max_tokens=16, temperature=0.8, seed=3)
    other = tiny_chat.complete(MESSAGES, max_tokens=16, temperature=0.8, seed=4)
    assert isinstance(first, str) and first
    assert first == again
    assert first != other


def test_transformers_chat_greedy_is_deterministic(tiny_chat) -> None:
    replies = {tiny_chat.complete(MESSAGES, max_tokens=8, temperature=0.0, seed=s) for s in (1, 2)}
    assert len(replies) == 1


def test_dialogue_writer_turns_random_tokens_into_a_valid_template_line(tiny_chat) -> None:
    line = DialogueWriter(tiny_chat, attempts=2, max_tokens=12).write(SCENE, 0, "happy", seed=5)
    assert line.source == "template"  # random tokens never pass the checks
    assert validate_line(line.text) == line.text
    assert line.face_index == 0 and line.mood == "happy"


def test_chat_model_without_template_gets_role_lines(tmp_path: Path) -> None:
    from tiny_models import build_tiny_chat

    from pipelines.neural.hf_chat import TransformersChat

    chat = TransformersChat(str(build_tiny_chat(tmp_path / "plain", chat_template=False)))
    assert not chat._has_template
    prompt = chat._tokenizer.decode(chat._prompt_ids(MESSAGES)[0])
    assert prompt.endswith("Assistant:")
    assert "User: Say one short line about the sea." in prompt
    assert isinstance(chat.complete(MESSAGES, max_tokens=4, temperature=0.5, seed=1), str)


def test_registry_creates_transformers_chat_from_a_folder(tiny_chat_dir: Path) -> None:
    from pipelines.neural.hf_chat import TransformersChat

    spec = registry.get_spec("dialogue", "transformers-chat")
    assert registry.availability(spec, {"model": str(tiny_chat_dir)}) == (True, "ready")
    chat = registry.create("dialogue", "transformers-chat", model=str(tiny_chat_dir))
    assert isinstance(chat, TransformersChat)


def test_missing_chat_weights_say_where_they_are_expected() -> None:
    spec = registry.get_spec("dialogue", "transformers-chat")
    ready, reason = registry.availability(spec, {"model": "someone/not-downloaded-model"})
    assert not ready
    assert "needs weights for the chat model 'someone/not-downloaded-model'" in reason
    assert "models--someone--not-downloaded-model" in reason
    assert "fetch-models --backend transformers-chat" in reason


def test_pipeline_falls_back_to_the_default_when_weights_are_missing(caplog) -> None:
    settings = Settings(
        dialogue_backend="transformers-chat",
        backend_options={"transformers-chat": {"model": "/nonexistent"}},
    )
    pipeline = TalkingPhotoPipeline(settings)
    with caplog.at_level("WARNING", logger="pipelines.pipeline"):
        assert isinstance(pipeline.backend("dialogue"), SmolLM2Chat)
    note = pipeline._notes["dialogue"]
    # The user reads which model is used; the server log says why (it names server paths).
    assert "'smollm2' model is used instead" in note and "/nonexistent" not in note
    assert "/nonexistent" in caplog.text
    assert note.text("zh") == "所选的写台词模型无法在这里运行，改用“smollm2”。"


@pytest.mark.slow
def test_fallback_note_reaches_the_render_result(
    examples: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    settings = Settings(
        dialogue_backend="transformers-chat",
        backend_options={"transformers-chat": {"model": "/nonexistent"}},
        output_dir=tmp_path,
    )
    with caplog.at_level("WARNING", logger="pipelines.pipeline"):
        result = TalkingPhotoPipeline(settings).render(
            RenderRequest(examples / "smiling_woman_256.png", mood="happy", seed=2)
        )
    assert result.video.is_file()
    assert "/nonexistent" in caplog.text  # the missing weights, for whoever runs the app
    notes = [warning for warning in result.warnings if "cannot run here" in warning]
    assert notes and "'smollm2'" in notes[0] and "/nonexistent" not in notes[0]


# --------------------------------------------------------------------------------- GGUF
def test_gguf_backend_runs_any_gguf_file_with_a_grammar() -> None:
    from pipelines.neural.gguf_chat import GGUFChat

    chat = registry.create("dialogue", "gguf", model_path=str(smollm2_model_path()))
    assert isinstance(chat, GGUFChat) and chat.supports_grammar
    reply = chat.complete(
        MESSAGES, max_tokens=8, temperature=0.7, seed=1, grammar='root ::= "Hello, sea."'
    )
    assert reply == "Hello, sea."


def test_gguf_backend_without_a_model_says_how_to_name_one() -> None:
    from pipelines.neural.gguf_chat import GGUFChat

    with pytest.raises(BackendUnavailable, match="model_path"):
        GGUFChat()
    reason = GGUFChat.missing_weights({"repo_id": "someone/some-GGUF", "filename": "m.gguf"})
    assert reason is not None and "models--someone--some-GGUF" in reason


# ------------------------------------------------------------------- OpenAI-compatible
@pytest.fixture(scope="module")
def llama_server():
    """llama.cpp's OpenAI-compatible HTTP server on 127.0.0.1, serving SmolLM2."""
    import xllamacpp

    params = xllamacpp.CommonParams()
    params.model.path = str(smollm2_model_path())
    params.n_ctx = 2048
    params.cpuparams.n_threads = 2
    params.cpuparams_batch.n_threads = 2
    params.hostnames = ["127.0.0.1"]
    params.port = 0  # a free port, chosen by the server
    params.verbosity = -1
    server = xllamacpp.Server(params)
    yield server.listening_address + "/v1"
    del server


def test_openai_client_talks_to_a_real_local_server(llama_server: str) -> None:
    from pipelines.neural.openai_chat import OpenAICompatibleChat

    chat = registry.create("dialogue", "openai", base_url=llama_server)
    assert isinstance(chat, OpenAICompatibleChat)
    assert chat.model.endswith(".gguf")  # the first model the server lists
    reply = chat.complete(MESSAGES, max_tokens=24, temperature=0.7, seed=1)
    assert isinstance(reply, str) and reply.strip()


def test_openai_grammar_field_reaches_the_server(llama_server: str) -> None:
    from pipelines.neural.openai_chat import OpenAICompatibleChat

    chat = OpenAICompatibleChat(llama_server, grammar_field="grammar")
    reply = chat.complete(
        MESSAGES, max_tokens=8, temperature=0.7, seed=1, grammar='root ::= "I love the sea."'
    )
    assert reply == "I love the sea."
    line = DialogueWriter(chat).write(SCENE, 0, "happy", seed=3)
    assert line.source == "model"  # SmolLM2 behind the HTTP server writes the line itself
    assert validate_line(line.text) == line.text


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_openai_backend_without_a_server_is_unavailable_and_falls_back() -> None:
    from pipelines.neural.openai_chat import OpenAICompatibleChat

    url = f"http://127.0.0.1:{_closed_port()}/v1"
    with pytest.raises(BackendUnavailable, match="No OpenAI-compatible server answers"):
        OpenAICompatibleChat(url)
    with pytest.raises(BackendUnavailable, match="http"):
        OpenAICompatibleChat("file:///etc/passwd")
    pipeline = TalkingPhotoPipeline(
        Settings(dialogue_backend="openai", backend_options={"openai": {"base_url": url}})
    )
    assert isinstance(pipeline.backend("dialogue"), SmolLM2Chat)
    note = pipeline._notes["dialogue"]  # what the user reads: no address, no errno
    assert "'smollm2' model is used instead" in note and "Errno" not in note and url not in note
