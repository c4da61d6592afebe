"""The captioning scene backend and the portrait generator, on tiny random-weight models.

BLIP, a SmolVLM-architecture (Idefics3) chat VLM, Qwen2-VL and Stable Diffusion are built here
from tiny configs and saved like real models, so the backends' real loading, preprocessing
(chat template included) and generation code runs on real photos, offline.
"""

from __future__ import annotations

import dataclasses
import importlib.util
import os
from pathlib import Path

import numpy as np
import pytest

from pipelines import registry
from pipelines.config import Limits, Settings
from pipelines.errors import BackendUnavailable, BadInputError
from pipelines.images import load_image
from pipelines.pipeline import TalkingPhotoPipeline

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")

pytest.importorskip("transformers", reason="needs the [neural] extra: pip install -e '.[neural]'")


@pytest.fixture(scope="module")
def photo_and_faces(examples: Path):
    from pipelines.faces.mediapipe_faces import MediaPipeFaces

    photo = load_image(examples / "smiling_woman_256.png", Limits())
    return photo, MediaPipeFaces().detect(photo)


@pytest.fixture(scope="module")
def blip_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from tiny_models import build_tiny_blip

    return build_tiny_blip(tmp_path_factory.mktemp("tiny-blip"))


def test_caption_is_added_to_the_heuristic_scene(blip_dir: Path, photo_and_faces) -> None:
    from pipelines.neural.hf_scene import TransformersCaptionScene
    from pipelines.scene.heuristic import HeuristicSceneReader

    photo, faces = photo_and_faces
    reader = registry.create("scene", "caption", model=str(blip_dir), read_text=False)
    assert isinstance(reader, TransformersCaptionScene)
    scene = reader.describe(photo, faces)
    facts = HeuristicSceneReader(read_text=False).describe(photo, faces)
    assert scene.caption, "the tiny captioner's words should survive cleaning"
    assert scene.caption[0].isupper() and scene.caption.endswith(".")
    assert scene.description == f"{facts.description} Caption: {scene.caption}"
    assert dataclasses.replace(scene, caption="", description=facts.description) == facts
    assert reader.caption(photo) == scene.caption  # greedy decoding: the same every time


@pytest.fixture(scope="module")
def smolvlm_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from tiny_models import build_tiny_smolvlm

    return build_tiny_smolvlm(tmp_path_factory.mktemp("tiny-smolvlm"))


def test_chat_vlm_is_asked_a_question_and_only_its_answer_is_kept(
    smolvlm_dir: Path, photo_and_faces
) -> None:
    from pipelines.neural.hf_scene import DEFAULT_VLM_PROMPT
    from pipelines.scene.heuristic import HeuristicSceneReader

    photo, faces = photo_and_faces
    reader = registry.create("scene", "caption", model=str(smolvlm_dir), read_text=False)
    scene = reader.describe(photo, faces)
    facts = HeuristicSceneReader(read_text=False).describe(photo, faces)
    # Idefics3's processor refuses a prompt without its <image> token, which only the chat
    # template puts there: a caption at all means the chat branch ran.
    assert scene.caption and scene.caption[0].isupper() and scene.caption.endswith(".")
    assert scene.description == f"{facts.description} Caption: {scene.caption}"
    # A decoder-only model returns the prompt before its answer; none of the prompt's words
    # ("User:", the question, "Assistant:") may be left in the caption.
    for word in ("User", "Assistant", *DEFAULT_VLM_PROMPT.split()[:3]):
        assert word.lower() not in scene.caption.lower()
    assert reader.caption(photo) == scene.caption  # greedy: the same every time
    asked = registry.create(
        "scene", "caption", model=str(smolvlm_dir), read_text=False, prompt="Who is this?"
    )
    assert asked.caption(photo) != scene.caption  # the question reaches the model


@pytest.mark.skipif(
    importlib.util.find_spec("torchvision") is not None,
    reason="torchvision is installed here, so Qwen2-VL's processor loads",
)
def test_qwen2_vl_without_torchvision_is_unavailable_and_falls_back(
    tmp_path: Path, photo_and_faces, caplog: pytest.LogCaptureFixture
) -> None:
    from tiny_models import build_tiny_qwen2_vl

    from pipelines.neural.hf_scene import TransformersCaptionScene
    from pipelines.scene.heuristic import HeuristicSceneReader

    folder = build_tiny_qwen2_vl(tmp_path / "qwen2-vl")
    with pytest.raises(BackendUnavailable, match="requires the Torchvision library"):
        TransformersCaptionScene(str(folder), read_text=False)
    pipeline = TalkingPhotoPipeline(
        Settings(scene_backend="caption", backend_options={"caption": {"model": str(folder)}})
    )
    with caplog.at_level("WARNING", logger="pipelines.pipeline"):
        assert isinstance(pipeline.backend("scene"), HeuristicSceneReader)
    assert "Torchvision" in caplog.text  # why, for whoever runs the app
    assert "'heuristic'" in pipeline._notes["scene"]  # which model the visitor gets


@pytest.mark.skipif(
    importlib.util.find_spec("torchvision") is None,
    reason="Qwen2-VL's processor needs torchvision, which the [neural] extra does not install",
)
def test_qwen2_vl_caption_runs_the_chat_branch(tmp_path: Path, photo_and_faces) -> None:
    from tiny_models import build_tiny_qwen2_vl

    photo, _ = photo_and_faces
    folder = build_tiny_qwen2_vl(tmp_path / "qwen2-vl")
    reader = registry.create("scene", "caption", model=str(folder), read_text=False)
    caption = reader.caption(photo)
    assert caption and "describe" not in caption.lower() and "user" not in caption.lower()
    assert reader.caption(photo) == caption


def test_missing_caption_weights_fall_back_to_the_heuristic_reader(
    caplog: pytest.LogCaptureFixture,
) -> None:
    from pipelines.scene.heuristic import HeuristicSceneReader

    pipeline = TalkingPhotoPipeline(
        Settings(scene_backend="caption", backend_options={"caption": {"model": "/no/such/blip"}})
    )
    with caplog.at_level("WARNING", logger="pipelines.pipeline"):
        assert isinstance(pipeline.backend("scene"), HeuristicSceneReader)
    assert "needs weights for the captioning model '/no/such/blip'" in caplog.text
    note = pipeline._notes["scene"]
    assert "'heuristic'" in note and "/no/such" not in note  # no server path for the visitor


def test_clean_caption_removes_artefacts_and_bounds_length() -> None:
    from pipelines.neural.hf_scene import MAX_CAPTION_CHARS, clean_caption

    assert clean_caption("arafed man   in a hat") == "Man in a hat."
    assert clean_caption("a woman smiling!") == "A woman smiling!"
    assert clean_caption(" ,. ") == ""
    long = clean_caption("word " * 100)
    assert len(long) <= MAX_CAPTION_CHARS + 1 and long.endswith("word.")


# ----------------------------------------------------------------------------- portraits
@pytest.fixture(scope="module")
def sd_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    pytest.importorskip("diffusers", reason="needs the [neural] extra: pip install -e '.[neural]'")
    from tiny_models import build_tiny_stable_diffusion

    return build_tiny_stable_diffusion(tmp_path_factory.mktemp("tiny-sd"))


@pytest.fixture(scope="module")
def portraits(sd_dir: Path):
    from pipelines.neural.portrait import PortraitGenerator

    return PortraitGenerator(str(sd_dir), size=64, steps=2)


def test_portrait_is_an_rgb_image_reproducible_by_seed(portraits) -> None:
    first = portraits.generate("an old fisherman", seed=1)
    again = portraits.generate("an old fisherman", seed=1)
    other = portraits.generate("an old fisherman", seed=2)
    assert first.shape == (64, 64, 3) and first.dtype == np.uint8
    assert np.array_equal(first, again)
    assert not np.array_equal(first, other)
    assert first.std() > 1.0  # a picture, not a flat fill


def test_portrait_prompt_is_checked(portraits) -> None:
    assert portraits.prompt("  an old   fisherman. ").startswith(
        "a photo portrait of an old fisherman,"
    )
    with pytest.raises(BadInputError):
        portraits.prompt("   ")
    with pytest.raises(BadInputError, match="limit"):
        portraits.prompt("x" * 400)


def test_pipeline_paints_a_portrait_with_configured_options(sd_dir: Path, portraits) -> None:
    options = {"model": str(sd_dir), "size": 64, "steps": 2}
    pipeline = TalkingPhotoPipeline(Settings(backend_options={"portrait": options}))
    painted = pipeline.generate_portrait("a young sailor", seed=7)
    assert np.array_equal(painted, portraits.generate("a young sailor", seed=7))
    photo = pipeline.load_photo(painted)  # it enters the pipeline like any photo
    assert (photo.width, photo.height) == (64, 64)


def test_portrait_without_weights_says_what_is_missing() -> None:
    pytest.importorskip("diffusers", reason="needs the [neural] extra")
    from pipelines.neural.portrait import PortraitGenerator

    with pytest.raises(BackendUnavailable, match="needs weights for the text-to-image model"):
        PortraitGenerator("/no/such/model")
    reason = PortraitGenerator.missing_weights({})
    assert reason is not None and "models--stabilityai--sd-turbo" in reason
