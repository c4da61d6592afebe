"""Kokoro's vocoder blocks quantized statically (``pipelines.speech.kokoro_quantized``).

The rewrite of dynamically quantized convolutions is checked on a tiny model built here and
quantized by onnxruntime's own dynamic quantizer; the model the Mandarin voices run is checked
against the shipped model on real speech (same durations, the same sound within a bound the
rejected choices exceed), and a first load with nothing cached is checked to finish.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import onnx
import onnxruntime as ort
import pytest
from onnx import TensorProto, helper, numpy_helper
from onnxruntime.quantization import QuantType, quantize_dynamic

from pipelines.errors import BackendUnavailable
from pipelines.model_files import CACHE_ENV, model_cache_dir
from pipelines.speech.kokoro_quantized import float_convolutions
from tests.media_measures import log_spectral_distance

ROOT = Path(__file__).resolve().parents[1]
CHOSEN = "/decoder/generator/resblocks.0/convs1.0/Conv"
OTHER = "/decoder/generator/resblocks.3/convs1.0/Conv"


def _tiny_model(folder: Path) -> tuple[Path, Path]:
    """Two 1-D convolutions (one in a chosen block, one not), float and quantized dynamically."""
    rng = np.random.default_rng(7)
    weights = [
        numpy_helper.from_array(rng.normal(size=(8, 4, 3)).astype(np.float32), "w1"),
        numpy_helper.from_array(rng.normal(size=8).astype(np.float32), "b1"),
        numpy_helper.from_array(rng.normal(size=(4, 8, 5)).astype(np.float32), "w2"),
    ]
    nodes = [
        helper.make_node("Conv", ["x", "w1", "b1"], ["h"], name=CHOSEN, pads=[1, 1]),
        helper.make_node("LeakyRelu", ["h"], ["a"], alpha=0.1),
        helper.make_node("Conv", ["a", "w2"], ["y"], name=OTHER, pads=[2, 2]),
    ]
    graph = helper.make_graph(
        nodes,
        "tiny",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 4, None])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)],
        weights,
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    floats, quantized = folder / "float.onnx", folder / "dynamic.onnx"
    onnx.save(model, str(floats))
    quantize_dynamic(
        str(floats), str(quantized), weight_type=QuantType.QUInt8, op_types_to_quantize=["Conv"]
    )
    return floats, quantized


def _run(model: Path | onnx.ModelProto, x: np.ndarray) -> np.ndarray:
    data = model.SerializeToString() if isinstance(model, onnx.ModelProto) else str(model)
    session = ort.InferenceSession(data, providers=["CPUExecutionProvider"])
    return session.run(None, {"x": x})[0]


def test_a_chosen_convolution_becomes_a_float_one_with_the_stored_weights(tmp_path: Path) -> None:
    floats, quantized = _tiny_model(tmp_path)
    model = onnx.load(str(quantized))
    assert sum(node.op_type == "ConvInteger" for node in model.graph.node) == 2

    new = float_convolutions(model, ("generator/resblocks.0/",))

    assert new == [CHOSEN + "_float"]
    ops = [node.op_type for node in model.graph.node]
    assert ops.count("ConvInteger") == 1  # the block not chosen is left as it was
    assert ops.count("Conv") == 1
    onnx.checker.check_model(model)
    # The rewritten convolution computes with the weights the quantized model stores: its
    # output is the float model's within the weights' rounding, and closer to it than the
    # dynamically quantized model (which also rounds the input) is.
    x = np.random.default_rng(8).normal(size=(1, 4, 64)).astype(np.float32)
    exact, rewritten, dynamic = _run(floats, x), _run(model, x), _run(quantized, x)
    scale = float(np.abs(exact).max())
    assert np.abs(rewritten - exact).max() < 0.05 * scale
    assert np.abs(rewritten - exact).mean() < np.abs(dynamic - exact).mean()


def test_a_convolution_in_another_pattern_is_refused(tmp_path: Path) -> None:
    _, quantized = _tiny_model(tmp_path)
    model = onnx.load(str(quantized))
    cast = next(node for node in model.graph.node if node.op_type == "Cast")
    # Another reader of the integer output: the rewrite cannot drop it.
    model.graph.node.append(helper.make_node("Identity", [cast.output[0]], ["spy"]))
    with pytest.raises(BackendUnavailable, match="not as expected"):
        float_convolutions(model, ("generator/resblocks.0/",))


@pytest.mark.slow
def test_the_voices_model_keeps_every_duration_and_sounds_like_the_shipped_one() -> None:
    from pipelines.speech.kokoro_onnx import QUANTIZED_MODEL, KokoroModel, read_vocabulary
    from pipelines.speech.kokoro_zh import _shared_model

    quantized, reader, _ = _shared_model(2)
    shipped = KokoroModel(threads=2, vocabulary=read_vocabulary())
    ops = [node.op_type for node in onnx.load(str(model_cache_dir() / QUANTIZED_MODEL)).graph.node]
    assert ops.count("QLinearConv") == 24
    for sentence, style in (
        ("你好，我在这里站了很久，今天终于可以跟你说话了。", "jm_kumo"),
        ("谢谢你来看我，Python和machine learning我都喜欢。", "jf_tebukuro"),
    ):
        phonemes = "".join(unit.phonemes for unit in reader.units(sentence))
        heard, heard_frames = quantized.infer(phonemes, shipped.styles[style], speed=1.2)
        expected, frames = shipped.infer(phonemes, shipped.styles[style], speed=1.2)
        np.testing.assert_array_equal(heard_frames, frames)
        # The chosen blocks moved 40 sentences 1.6-2.7 dB from the shipped model's sound
        # (benchmarks.kokoro_speed); quantizing the final convolution as well, 10-12 dB.
        assert log_spectral_distance(expected, heard, 24000) < 3.5


#: Loads the Mandarin voices in a fresh process with nothing but the shipped model cached.
_FIRST_LOAD = """
import json
from pipelines.speech.kokoro_zh import _shared_model
from pipelines import zh_dictionaries
model, reader, _ = _shared_model(2)
print(json.dumps({"tables": zh_dictionaries.loaded_from}))
"""


@pytest.mark.slow
def test_a_first_load_makes_the_reader_tables_and_the_quantized_model(tmp_path: Path) -> None:
    # The model is calibrated with the reader while the reader builds its own cached tables:
    # both wait for the cache, and once waited for each other for ever.
    from pipelines.speech.kokoro_onnx import QUANTIZED_MODEL, timed_model_path

    shipped = timed_model_path()
    for path in shipped.parent.glob(shipped.name + "*"):
        (tmp_path / path.name).symlink_to(path)
    (tmp_path / "tmp").mkdir()
    env = dict(os.environ, **{CACHE_ENV: str(tmp_path), "TMPDIR": str(tmp_path / "tmp")})
    finished = subprocess.run(
        [sys.executable, "-c", _FIRST_LOAD],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        check=False,
        timeout=400,
    )
    assert finished.returncode == 0, finished.stderr[-3000:]
    loaded = json.loads(finished.stdout.strip().splitlines()[-1])
    assert loaded["tables"] == "built"
    assert (tmp_path / QUANTIZED_MODEL).is_file()
    assert (tmp_path / (QUANTIZED_MODEL + ".sha256")).is_file()
