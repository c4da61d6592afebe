"""Kokoro's costliest convolutions re-quantized so onnxruntime runs them with its fast kernel.

The shipped int8 model quantizes every convolution dynamically (``ConvInteger``: the input's
range is measured at each call). onnxruntime's CPU kernel for that runs no faster than the
float convolution it stands for: on the Xeon, 58 % of a sentence's time went to ConvInteger,
and the same graph with float convolutions took 0.89-0.98 of the time. Its ``QLinearConv``
kernel, used when the input's range is fixed ahead (static quantization), is much faster.

So the convolutions of four vocoder blocks (``GENERATOR_BLOCKS``: 24 convolutions, ~28 % of
the model's time) are turned back into float convolutions (the weights dequantized exactly as
the int8 model stores them) and then quantized statically, their input ranges measured once on
a few sentences (calibration). The other blocks are left as they were. Each was tried alone
against the float model (log-spectral distance, two sentences): the blocks chosen moved the
spectrum 0.2-0.9 dB, the first-stage block left out (``resblocks.1``) 1.3-1.9 dB, the
second-stage blocks 2.5-3.7 dB and the final convolution 10.6-12 dB. With ``resblocks.1`` as well,
whisper misheard more (CER mean 0.083 against 0.064) for 4 % more speed.
Measured in ``benchmarks.kokoro_speed``.

Nothing else in the graph changes: the per-token durations, and so every phoneme's timing, are
the same as the shipped model's.
"""

from __future__ import annotations

import logging
import tempfile
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from pipelines.errors import BackendUnavailable

logger = logging.getLogger(__name__)

#: The vocoder blocks whose convolutions are quantized statically (name parts in the graph).
GENERATOR_BLOCKS = (
    "generator/resblocks.0/",
    "generator/resblocks.2/",
    "generator/noise_res.0/",
    "generator/noise_res.1/",
)

#: What installs onnxruntime's quantization tools (they need onnx).
QUANTIZATION_HINT = "pip install 'piper-tts[alignment]==1.8.0' (it installs onnx)"


def float_convolutions(model: Any, blocks: Sequence[str]) -> list[str]:
    """Replaces the model's dynamically quantized convolutions in ``blocks`` by float ones.

    Each replaced pattern is the one onnxruntime's dynamic quantizer writes: the input through
    ``DynamicQuantizeLinear``, ``ConvInteger`` with uint8 weights and their zero point, the
    bias quantized at run time and added, a ``Cast`` to float and a ``Mul`` by the input's scale
    times the weights' scale. It becomes one ``Conv`` of the float input with weights
    ``(w - zero_point) * scale`` and the float bias. Nodes left unused are removed.

    Args:
        model: A loaded ``onnx.ModelProto``; changed in place.
        blocks: Name parts: a ``ConvInteger`` whose node name contains one is replaced.

    Returns:
        The names of the new ``Conv`` nodes.

    Raises:
        BackendUnavailable: A chosen convolution is not in the pattern above (another model).
    """
    from onnx import helper, numpy_helper

    graph = model.graph
    producer = {output: node for node in graph.node for output in node.output}
    consumers: dict[str, list[Any]] = {}
    for node in graph.node:
        for name in node.input:
            consumers.setdefault(name, []).append(node)
    weights = {tensor.name: tensor for tensor in graph.initializer}

    def only_consumer(name: str, *op_types: str) -> Any:
        found = consumers.get(name, [])
        if len(found) != 1 or found[0].op_type not in op_types:
            raise BackendUnavailable(f"Kokoro's graph is not as expected after {name}")
        return found[0]

    replaced: dict[int, Any] = {}  # id of the Mul that ends a pattern -> its new Conv
    removed: set[int] = set()
    new_weights = []
    chosen = [
        node
        for node in graph.node
        if node.op_type == "ConvInteger" and any(block in node.name for block in blocks)
    ]
    for node in chosen:
        source = producer[node.input[0]].input[0]  # the float input of DynamicQuantizeLinear
        quantized = numpy_helper.to_array(weights[node.input[1]]).astype(np.float32)
        zero_point = numpy_helper.to_array(weights[node.input[3]]).astype(np.float32)
        after = only_consumer(node.output[0], "Add", "Cast")
        pattern = [node]
        bias = None
        if after.op_type == "Add":  # the bias, quantized from its float value at run time
            quantizing = after.input[1]  # float bias / scale, floored, cast, reshaped
            for op_type in ("Reshape", "Cast", "Floor", "Div"):
                step = producer.get(quantizing)
                if step is None or step.op_type != op_type:
                    raise BackendUnavailable(f"Kokoro's graph is not as expected at {node.name}")
                quantizing = step.input[0]
            bias = numpy_helper.to_array(weights[quantizing])
            pattern.append(after)
            after = only_consumer(after.output[0], "Cast")
        pattern.append(after)
        scaling = only_consumer(after.output[0], "Mul")
        scales = [name for name in producer[scaling.input[1]].input if name in weights]
        if len(scales) != 1:
            raise BackendUnavailable(f"Kokoro's graph is not as expected at {node.name}")
        scale = numpy_helper.to_array(weights[scales[0]]).astype(np.float32)
        if scale.ndim == 1:  # per output channel
            scale = scale.reshape(-1, *([1] * (quantized.ndim - 1)))
        inputs = [source, f"{node.name}_float_weight"]
        new_weights.append(numpy_helper.from_array((quantized - zero_point) * scale, inputs[1]))
        if bias is not None:
            inputs.append(f"{node.name}_float_bias")
            new_weights.append(numpy_helper.from_array(bias.astype(np.float32), inputs[2]))
        conv = helper.make_node(
            "Conv", inputs, [scaling.output[0]], name=node.name.removesuffix("_quant") + "_float"
        )
        conv.attribute.extend(node.attribute)
        replaced[id(scaling)] = conv
        removed.update(id(part) for part in pattern)
    nodes = [replaced.get(id(node), node) for node in graph.node if id(node) not in removed]
    graph.initializer.extend(new_weights)
    _keep_only_used(graph, nodes)
    return [conv.name for conv in replaced.values()]


def _keep_only_used(graph: Any, nodes: list[Any]) -> None:
    """Sets the graph's nodes to those the outputs need, and drops initializers left unused."""
    needed = {output.name for output in graph.output}
    kept = []
    for node in reversed(nodes):  # the nodes are in topological order
        if any(output in needed for output in node.output):
            kept.append(node)
            needed.update(name for name in node.input if name)
    del graph.node[:]
    graph.node.extend(reversed(kept))
    used = [tensor for tensor in graph.initializer if tensor.name in needed]
    del graph.initializer[:]
    graph.initializer.extend(used)


def quantize_blocks(
    source: Path,
    target: Path,
    feeds: Iterable[dict[str, np.ndarray]],
    blocks: Sequence[str] | None = None,
) -> None:
    """Writes ``source`` to ``target`` with the blocks' convolutions quantized statically.

    Weights are int8 per output channel, inputs uint8 with the range measured over ``feeds``
    (onnxruntime's ``quantize_static``, min/max calibration, ``QLinearConv`` nodes).

    Args:
        source: The model with Kokoro's durations as an output (``timed_model_path``).
        target: Where the re-quantized model is written.
        feeds: Model inputs (tokens, style, speed) of the calibration sentences.
        blocks: Name parts of the blocks (each of six convolutions); None: GENERATOR_BLOCKS.

    Raises:
        BackendUnavailable: onnx or onnxruntime's quantization tools are missing, or the graph
            is not the expected one.
    """
    try:
        import onnx
        from onnxruntime.quantization import (
            CalibrationDataReader,
            CalibrationMethod,
            QuantFormat,
            QuantType,
            quantize_static,
        )
    except ImportError as error:
        raise BackendUnavailable(
            f"Speeding Kokoro up needs {error.name}: {QUANTIZATION_HINT}"
        ) from error

    class Sentences(CalibrationDataReader):
        """The calibration sentences' inputs, one at a time."""

        def __init__(self) -> None:
            self._feeds = iter(feeds)

        def get_next(self) -> dict[str, np.ndarray] | None:
            return next(self._feeds, None)

    blocks = GENERATOR_BLOCKS if blocks is None else blocks
    model = onnx.load(str(source))
    convolutions = float_convolutions(model, blocks)
    if len(convolutions) != 6 * len(blocks):
        raise BackendUnavailable(
            f"Kokoro's vocoder has {len(convolutions)} convolutions in {', '.join(blocks)}, "
            f"not {6 * len(blocks)}"
        )
    with tempfile.TemporaryDirectory(prefix="kokoro-") as folder:
        floats = Path(folder) / "float-convolutions.onnx"
        onnx.save(model, str(floats))
        del model
        quantize_static(
            str(floats),
            str(target),
            Sentences(),
            quant_format=QuantFormat.QOperator,
            op_types_to_quantize=["Conv"],
            nodes_to_quantize=convolutions,
            per_channel=True,
            activation_type=QuantType.QUInt8,
            weight_type=QuantType.QInt8,
            calibrate_method=CalibrationMethod.MinMax,
        )
    logger.info("Quantized %d of Kokoro's convolutions statically", len(convolutions))


__all__ = ["GENERATOR_BLOCKS", "float_convolutions", "quantize_blocks"]
