"""How far int8 moves the shipped model's depth: ONNX Runtime static QDQ quantisation, variants.

Exports the network (fp32 ONNX), quantises it with ONNX Runtime's static QDQ quantiser
(per-channel int8 weights, uint8 activations) calibrated on synthetic validation scenes, and
compares the canonical inverse depth of each variant with fp32 on other scenes and the demo
frames. Variants: which convolutions stay in fp32 and how activation ranges are calibrated:
  all        every convolution in int8, min/max ranges
  tail8      the last 8 convolutions (decoder end and head) in fp32
  tail16     the last 16 in fp32
  head_tail  the first convolution and the last 12 in fp32
  percentile the last 12 in fp32, ranges from the 0.001 / 99.999 percentiles
`--latency` also times each session (one thread, median of 15 after 3 warm-ups).

    python benchmarks/int8_accuracy.py --calibration data/synth/robot-val --json int8.json
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from pathlib import Path

import cv2
import numpy as np

from sharp_depth_ros.backends.cpu_features import cpu_features
from sharp_depth_ros.backends.int8_quantize import quantize_qdq
from sharp_depth_ros.backends.onnx_export import export_onnx
from sharp_depth_ros.data.shards import list_shards, read_shard
from sharp_depth_ros.inference.predictor import DepthPredictor, load_network

DEMO = Path(__file__).resolve().parents[1] / "sharp_depth_ros" / "assets" / "demo"
VARIANTS = ("all", "tail8", "tail16", "head_tail", "percentile")


def session(ort, path: Path):
    """A one-thread CPU session without spinning."""
    options = ort.SessionOptions()
    options.intra_op_num_threads = 1
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    return ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])


def depth_outputs(sess, inputs: list[np.ndarray]) -> list[np.ndarray]:
    """Canonical inverse depth for every input."""
    name = sess.get_outputs()[0].name
    return [sess.run([name], {sess.get_inputs()[0].name: x})[0] for x in inputs]


def median_latency_s(sess, x: np.ndarray) -> float:
    """Median of 15 timed runs after 3 warm-ups."""
    name, feed = sess.get_outputs()[0].name, {sess.get_inputs()[0].name: x}
    for _ in range(3):
        sess.run([name], feed)
    times = []
    for _ in range(15):
        start = time.perf_counter()
        sess.run([name], feed)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    """Parse the arguments, quantise each variant and print one JSON row per variant."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calibration", type=Path, required=True, help="synthetic shards")
    parser.add_argument("--calibration-images", type=int, default=24)
    parser.add_argument("--test-images", type=int, default=16)
    parser.add_argument("--variants", default=",".join(VARIANTS))
    parser.add_argument("--latency", action="store_true")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    import onnx
    import onnxruntime as ort
    from onnxruntime.quantization.shape_inference import quant_pre_process

    model = load_network()
    predictor = DepthPredictor(model, device="cpu")  # its input preparation, exactly

    def network_input(rgb: np.ndarray) -> np.ndarray:
        return predictor.network_input(rgb).numpy()

    scenes = [s.rgb for shard in list_shards(args.calibration) for s in read_shard(shard)]
    count = args.calibration_images
    calibration = [network_input(rgb) for rgb in scenes[:count]]
    tests = [network_input(rgb) for rgb in scenes[count : count + args.test_images]]
    for path in sorted(DEMO.glob("*.png")):
        tests.append(network_input(cv2.cvtColor(cv2.imread(str(path)), cv2.COLOR_BGR2RGB)))

    rows = []
    with tempfile.TemporaryDirectory() as folder:
        fp32, prepared = Path(folder) / "fp32.onnx", Path(folder) / "prepared.onnx"
        export_onnx(model, fp32)
        quant_pre_process(str(fp32), str(prepared))
        reference_session = session(ort, fp32)
        reference = depth_outputs(reference_session, tests)
        fp32_latency = median_latency_s(reference_session, tests[0]) if args.latency else None
        convs = [n.name for n in onnx.load(str(prepared)).graph.node if n.op_type == "Conv"]
        excluded = {
            "all": [],
            "tail8": convs[-8:],
            "tail16": convs[-16:],
            "head_tail": convs[:1] + convs[-12:],
            "percentile": convs[-12:],
        }
        for variant in args.variants.split(","):
            out = Path(folder) / f"{variant}.onnx"
            quantize_qdq(prepared, out, calibration, excluded[variant], variant == "percentile")
            sess = session(ort, out)
            relative = np.concatenate(
                [
                    (np.abs(a - b) / np.abs(b)).ravel()
                    for a, b in zip(depth_outputs(sess, tests), reference, strict=True)
                ]
            )
            row = {
                "variant": variant,
                "fp32_convolutions": len(excluded[variant]),
                "convolutions": len(convs),
                "median_rel_diff_vs_fp32": float(np.median(relative)),
                "p99_rel_diff_vs_fp32": float(np.percentile(relative, 99)),
                "test_images": len(tests),
                "calibration_images": len(calibration),
                "cpu": cpu_features().summary(),
                "onnxruntime": ort.__version__,
            }
            if args.latency:
                latency = median_latency_s(sess, tests[0])
                row.update(latency_median_s=latency, fp32_latency_median_s=fp32_latency)
            rows.append(row)
            print(json.dumps(row), flush=True)
    if args.json:
        args.json.write_text("".join(json.dumps(r) + "\n" for r in rows))


if __name__ == "__main__":
    main()
