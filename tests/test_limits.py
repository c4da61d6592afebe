"""Every field of Limits is enforced by the pipeline itself, with small limits and real inputs."""

from __future__ import annotations

import functools
import threading
from collections.abc import Iterator
from pathlib import Path

import av
import pytest

from benchmarks.material import collage, face_crops
from pipelines import Limits, RenderRequest, Settings, TalkingPhotoPipeline, registry
from pipelines import render_run as render_run_module
from pipelines.errors import BadInputError, LimitExceeded, StageTimeout
from pipelines.stage_timeout import StageDeadline

LINE = "Imagination is more important than knowledge. Shall we begin?"


def limited(tmp_path: Path, **limits) -> TalkingPhotoPipeline:
    return TalkingPhotoPipeline(Settings(output_dir=tmp_path / "out", limits=Limits(**limits)))


def outputs(folder: Path) -> list[Path]:
    return sorted(folder.glob("*")) if folder.exists() else []


@pytest.fixture(scope="module")
def collage_10(pipeline: TalkingPhotoPipeline, tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("collage") / "ten.jpg"
    collage(face_crops(pipeline), 10, 5).save(path, quality=92)
    return path


# --------------------------------------------------------------------------- the limits themselves
WHOLE = "must be a whole number of at least 1"
SECONDS = "must be a number of seconds greater than 0"


@pytest.mark.parametrize(
    ("limit", "value", "message"),
    [
        ("max_faces", 0, f"The limit max_faces {WHOLE}; got 0."),
        ("max_upload_bytes", -5, f"The limit max_upload_bytes {WHOLE}; got -5."),
        ("max_text_chars", 2.5, f"The limit max_text_chars {WHOLE}; got 2.5."),
        ("max_working_side", "512", f"The limit max_working_side {WHOLE}; got '512'."),
        ("max_image_pixels", True, f"The limit max_image_pixels {WHOLE}; got True."),
        ("stage_timeout_seconds", -1, f"The limit stage_timeout_seconds {SECONDS}; got -1."),
        ("max_audio_seconds", 0.0, f"The limit max_audio_seconds {SECONDS}; got 0.0."),
        ("max_video_seconds", float("nan"), f"The limit max_video_seconds {SECONDS}; got nan."),
    ],
)
def test_a_limit_out_of_its_range_is_refused_by_name(limit: str, value, message: str) -> None:
    with pytest.raises(BadInputError) as caught:
        Limits(**{limit: value})
    assert caught.value.message == message


def test_a_settings_file_with_a_zero_limit_is_refused(tmp_path: Path) -> None:
    config = tmp_path / "settings.yaml"
    config.write_text("limits:\n  max_faces: 3\n  stage_timeout_seconds: 0\n", encoding="utf-8")
    with pytest.raises(BadInputError, match="stage_timeout_seconds must be a number of seconds"):
        Settings.from_yaml(config)


def test_the_smallest_limits_and_no_time_limit_are_accepted() -> None:
    limits = Limits(max_faces=1, max_text_chars=1, max_audio_seconds=0.01)
    assert (limits.max_faces, limits.max_audio_seconds) == (1, 0.01)
    assert Limits(stage_timeout_seconds=float("inf")).stage_timeout_seconds == float("inf")


# --------------------------------------------------------------------------- stage timeout
# Deadlines are tested against calls that block on purpose and a clock the test moves, never
# against how long real work takes (that depends on the machine).
class SteppedClock:
    """A clock for StageDeadline that stands still until a test moves it."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


#: The clock of the pipeline's deadlines in test_a_timeout_while_animating_...; SlowAnimator
#: moves it.
ANIMATION_CLOCK = SteppedClock()
#: Opened by the test that holds HeldFaces back.
FACES_RELEASE = threading.Event()


class HeldFaces:
    """The real MediaPipe detector, whose every call first waits until FACES_RELEASE is set."""

    name = "held-mediapipe"

    def __init__(self) -> None:
        from pipelines.faces.mediapipe_faces import MediaPipeFaces

        self._faces = MediaPipeFaces()

    def detect(self, photo):
        FACES_RELEASE.wait()
        return self._faces.detect(photo)


class SlowAnimator:
    """The real mesh-warp animator, each of whose frames takes 10 s on ANIMATION_CLOCK."""

    name = "slow-mesh-warp"

    def __init__(self) -> None:
        from pipelines.animate.animator import MeshWarpAnimator

        self._animator = MeshWarpAnimator()

    def render(self, photo, faces, animation):
        for frame in self._animator.render(photo, faces, animation):
            ANIMATION_CLOCK.now += 10.0
            yield frame


@pytest.fixture
def held_backends() -> Iterator[None]:
    """HeldFaces and SlowAnimator registered for one test, the registry restored after it."""
    added = (("faces", HeldFaces), ("animator", SlowAnimator))
    for stage, cls in added:
        registry.register(
            registry.BackendSpec(stage, cls.name, f"{__name__}:{cls.__name__}", (), "", "test")
        )
    yield
    for stage, cls in added:
        registry.unregister(stage, cls.name)


def test_deadline_returns_values_and_reraises_errors_unchanged() -> None:
    assert StageDeadline("faces", 5.0).run(lambda a, b=0: a + b, 2, b=3) == 5
    error = BadInputError("bad photo")
    with pytest.raises(BadInputError) as caught:
        StageDeadline("faces", 5.0).run(lambda: (_ for _ in ()).throw(error))
    assert caught.value is error
    assert StageDeadline("faces", float("inf")).run(threading.current_thread) is (
        threading.current_thread()
    )  # no budget: runs inline


def test_deadline_stops_waiting_for_a_hung_call() -> None:
    release, returned = threading.Event(), threading.Event()

    def hang() -> None:
        release.wait()
        returned.set()

    with pytest.raises(StageTimeout, match=r"Making the voice took longer than the 0.2 s limit"):
        StageDeadline("speech", 0.2).run(hang)
    assert not returned.is_set()  # it stopped waiting while the call was still running
    release.set()
    assert returned.wait(30)  # the call itself goes on in the background until it returns


def test_deadline_guard_stops_a_stream_once_spent() -> None:
    clock = SteppedClock()
    deadline = StageDeadline("animate", 1.0, clock=clock)
    seen = []

    def frames():
        for item in range(1000):
            yield item
            clock.now += 0.25  # each item takes a quarter of a second to make

    with pytest.raises(StageTimeout, match="Animating"):
        for item in deadline.guard(frames()):
            seen.append(item)
    assert seen == [0, 1, 2, 3, 4]  # made at 0, 0.25, 0.5, 0.75 and 1.0 s; 1.25 s is too late


def test_a_stage_that_does_not_return_in_time_stops_the_render(
    tmp_path: Path, examples: Path, held_backends
) -> None:
    pipeline = TalkingPhotoPipeline(
        Settings(
            faces_backend=HeldFaces.name,
            output_dir=tmp_path / "out",
            limits=Limits(stage_timeout_seconds=0.5),
        )
    )
    FACES_RELEASE.clear()
    try:
        with pytest.raises(StageTimeout) as caught:
            pipeline.render(RenderRequest(examples / "einstein_bw.jpg", text=LINE))
    finally:
        FACES_RELEASE.set()
    assert "(faces)" in caught.value.message and "0.5 s" in caught.value.message
    assert outputs(tmp_path / "out") == []


@pytest.mark.slow
def test_a_timeout_while_animating_removes_the_partial_video(
    tmp_path: Path, examples: Path, data_dir: Path, held_backends, monkeypatch
) -> None:
    # Every stage's deadline runs on ANIMATION_CLOCK, which stands still except while
    # SlowAnimator draws: 10 clock seconds a frame against a 100 s budget, so the eleventh frame
    # is refused whatever the speed of the machine.
    monkeypatch.setattr(
        render_run_module,
        "StageDeadline",
        functools.partial(StageDeadline, clock=ANIMATION_CLOCK),
    )
    pipeline = TalkingPhotoPipeline(
        Settings(
            animator_backend=SlowAnimator.name,
            output_dir=tmp_path / "out",
            limits=Limits(stage_timeout_seconds=100.0),
        )
    )
    ANIMATION_CLOCK.now = 0.0
    audio = data_dir / "english_speech_16k.wav"  # 8 s: 200 frames
    stages: list[str] = []
    with pytest.raises(StageTimeout) as caught:
        pipeline.render(
            RenderRequest(examples / "einstein_bw.jpg", audio=audio),
            progress=lambda stage, fraction: stages.append(stage),
        )
    assert "Animating the faces" in caught.value.message
    assert ANIMATION_CLOCK.now == 110.0  # ten frames went to the encoder, the eleventh did not
    assert "animate" in stages and "done" not in stages
    assert outputs(tmp_path / "out") == []  # no MP4, no .part.mp4, no temporary WAV


# --------------------------------------------------------------------------- sizes and lengths
def test_text_limit(tmp_path: Path, examples: Path) -> None:
    pipeline = limited(tmp_path, max_text_chars=20)
    with pytest.raises(LimitExceeded, match="the limit is 20"):
        pipeline.render(RenderRequest(examples / "einstein_bw.jpg", text=LINE))


@pytest.mark.slow
def test_audio_length_limit_for_uploads_and_spoken_lines(
    tmp_path: Path, examples: Path, data_dir: Path
) -> None:
    pipeline = limited(tmp_path, max_audio_seconds=2.0)
    photo = examples / "einstein_bw.jpg"
    with pytest.raises(LimitExceeded, match=r"8\.0 s long; the limit is 2 s"):
        pipeline.render(RenderRequest(photo, audio=data_dir / "english_speech_16k.wav"))
    with pytest.raises(LimitExceeded, match="2 s"):
        pipeline.render(RenderRequest(photo, text=LINE))  # about 4 s of speech
    assert outputs(tmp_path / "out") == []


@pytest.mark.slow
def test_video_length_limit(tmp_path: Path, examples: Path, data_dir: Path) -> None:
    pipeline = limited(tmp_path, max_video_seconds=2.0)
    photo = examples / "einstein_bw.jpg"
    with pytest.raises(LimitExceeded, match=r"lasts 8 s; the limit is 2 s"):
        pipeline.render(RenderRequest(photo, audio=data_dir / "english_speech_16k.wav"))
    with pytest.raises(LimitExceeded, match="Use a shorter line"):
        pipeline.render(RenderRequest(photo, text=LINE))
    result = pipeline.render(RenderRequest(photo, text="Hi."))
    assert result.duration <= 2.0


def test_upload_size_limit_for_photos_and_audio(
    tmp_path: Path, examples: Path, data_dir: Path
) -> None:
    pipeline = limited(tmp_path, max_upload_bytes=100_000)
    with pytest.raises(LimitExceeded, match="MiB"):
        pipeline.render(RenderRequest((examples / "cartoon_boy.jpg").read_bytes(), text="Hi."))
    with pytest.raises(LimitExceeded, match="MiB"):  # the 50 kB photo passes, the 0.5 MB WAV not
        pipeline.render(
            RenderRequest(examples / "einstein_bw.jpg", audio=data_dir / "english_speech_16k.wav")
        )


def test_image_pixel_limit(tmp_path: Path, examples: Path) -> None:
    pipeline = limited(tmp_path, max_image_pixels=100_000)
    with pytest.raises(LimitExceeded, match="megapixel"):
        pipeline.render(RenderRequest(examples / "einstein_bw.jpg", text="Hi."))  # 375 x 500


@pytest.mark.slow
def test_working_side_limit_sets_the_video_size(tmp_path: Path, examples: Path) -> None:
    pipeline = limited(tmp_path, max_working_side=320)
    result = pipeline.render(RenderRequest(examples / "two_people.jpg", text="Hi there."))
    assert len(result.faces) == 2
    with av.open(str(result.video)) as container:
        stream = container.streams.video[0]
        size = (stream.codec_context.width, stream.codec_context.height)
    assert size == (320, 188)  # 1126 x 661 scaled to 320 wide, height padded to even


@pytest.mark.slow
def test_face_limit_animates_at_most_that_many(tmp_path: Path, collage_10: Path) -> None:
    pipeline = limited(tmp_path, max_faces=3)
    result = pipeline.render(RenderRequest(collage_10, text="Hi."))
    assert len(result.faces) == 10
    assert result.warnings[0] == (
        "10 faces were found; only 3 are animated at once (the limit is 3)."
    )
