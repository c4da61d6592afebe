"""The render service's messages and client, without Ray: every field checked, errors kept."""

from __future__ import annotations

import base64

import pytest

from pipelines import BackendUnavailable, BadInputError, Limits, NoFaceError, RenderRequest
from pipelines.serve import RemoteRenderer, url_from_env
from pipelines.serve.protocol import decode_request, encode_request, error_from_body


def test_a_request_survives_the_round_trip() -> None:
    from pipelines import Voice

    request = RenderRequest(
        photo=b"photo", text="Hi.", face_index=1, voice=Voice(name="female", rate=1.2), seed=7
    )
    fields = decode_request(encode_request(request, b"photo", b"audio"), Limits())
    assert fields["photo"] == b"photo" and fields["audio"] == b"audio"
    assert (fields["text"], fields["face_index"], fields["seed"]) == ("Hi.", 1, 7)
    assert fields["voice"] == Voice(name="female", rate=1.2)
    assert RenderRequest(**fields).voice.name == "female"


def test_a_request_without_a_voice_name_gets_the_face_s_voice() -> None:
    assert decode_request({"photo": "aGk="}, Limits())["voice"].name == "auto"
    assert decode_request({"photo": "aGk=", "voice": {"rate": 1.1}}, Limits())["voice"].name == (
        "auto"
    )


@pytest.mark.parametrize(
    ("payload", "words"),
    [
        ([], "JSON object"),
        ({"text": "Hi."}, "no photo"),
        ({"photo": "aGk=", "colour": "red"}, "Unknown request field"),
        ({"photo": "aGk=", "seed": "7"}, "'seed' has the wrong type"),
        ({"photo": "aGk=", "face_index": True}, "'face_index' has the wrong type"),
        ({"photo": "aGk=", "voice": {"rate": "fast"}}, "'rate' has the wrong type"),
        ({"photo": "not base64!"}, "not valid base64"),
        ({"photo": base64.b64encode(b"x" * 2000).decode()}, "upload limit"),
    ],
)
def test_a_wrong_request_is_refused_in_one_sentence(payload: object, words: str) -> None:
    with pytest.raises(BadInputError) as refused:
        decode_request(payload, Limits(max_upload_bytes=1024))
    assert words in refused.value.message


def test_the_services_errors_come_back_as_the_pipelines_own() -> None:
    error = error_from_body({"error": "NoFaceError", "message": "No human face was found."})
    assert isinstance(error, NoFaceError) and error.message == "No human face was found."
    assert type(error_from_body({"error": "SystemExit", "message": "x"})).__name__ == (
        "TalkingPhotoError"
    )


def test_the_service_url_comes_from_the_environment() -> None:
    assert url_from_env({}) is None
    name = "TALKING_PHOTO_RAY_SERVE"
    assert url_from_env({name: "http://10.0.0.5:8000/"}) == "http://10.0.0.5:8000"
    with pytest.raises(BadInputError, match="http"):
        url_from_env({name: "file:///etc/passwd"})


def test_a_service_that_is_not_there_is_said_in_one_sentence(tmp_path) -> None:
    from launched_app import free_port

    renderer = RemoteRenderer(f"http://127.0.0.1:{free_port()}", timeout=10)
    request = RenderRequest(photo=b"photo", text="Hi.", output=tmp_path / "x.mp4")
    with pytest.raises(BackendUnavailable, match="cannot be reached"):
        renderer.render(request)
