from __future__ import annotations

import numpy as np
import pytest
from sensor_msgs.msg import CompressedImage, Image
from std_msgs.msg import Header

from sharp_depth_ros.ros import conversions
from sharp_depth_ros.ros.player import rgb_to_encoding

RNG = np.random.default_rng(0)
RGB = RNG.integers(0, 256, (5, 7, 3), dtype=np.uint8)


@pytest.mark.parametrize("encoding", conversions.INPUT_ENCODINGS)
def test_each_input_encoding_round_trips_through_an_image_message(encoding: str) -> None:
    array = rgb_to_encoding(RGB, encoding)
    header = Header(frame_id="cam")
    msg = conversions.array_to_image(array, encoding, header)
    assert (msg.height, msg.width, msg.encoding, msg.header.frame_id) == (5, 7, encoding, "cam")
    assert np.array_equal(conversions.image_to_array(msg), array)
    rgb = conversions.image_to_rgb(msg)
    sixteen = encoding in ("mono16", "16UC1")
    assert rgb.shape == (5, 7, 3) and rgb.dtype == (np.uint16 if sixteen else np.uint8)
    if encoding in ("rgb8", "bgr8", "rgba8", "bgra8"):
        assert np.array_equal(rgb, RGB)
    else:  # grey: every channel holds the grey value at the message's own bit depth
        assert np.array_equal(rgb, np.repeat(array[:, :, None], 3, axis=2))


def test_depth_round_trips_as_32fc1_with_nan_kept() -> None:
    depth = RNG.random((4, 6), dtype=np.float32)
    depth[1, 2] = np.nan
    msg = conversions.depth_to_image(depth, Header())
    assert msg.encoding == "32FC1" and msg.step == 6 * 4
    assert np.array_equal(conversions.image_to_array(msg), depth, equal_nan=True)


def test_padded_rows_and_big_endian_16bit_are_read_correctly() -> None:
    values = np.array([[1, 2, 3], [40000, 5, 65535]], dtype=np.uint16)
    padded = np.zeros((2, 8), dtype=np.uint8)  # step 8 > 3 px * 2 bytes
    padded[:, :6] = values.astype(">u2").view(np.uint8).reshape(2, 6)
    msg = Image(height=2, width=3, encoding="16UC1", is_bigendian=True, step=8)
    msg.data = padded.tobytes()
    assert np.array_equal(conversions.image_to_array(msg), values)


def _image(**fields) -> Image:
    msg = Image(height=2, width=3, encoding="rgb8", step=9)
    msg.data = bytes(18)
    for key, value in fields.items():
        setattr(msg, key, value)
    return msg


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({"encoding": "yuv422"}, "unsupported encoding 'yuv422'"),
        ({"data": bytes(17)}, "data length 17 does not match height*step: expected 2*9 = 18"),
        ({"step": 8}, "step 8 too small"),
        ({"height": 0, "data": b""}, "must be positive, received 3x0"),
        ({"width": 20000, "step": 60000}, "exceeds the limit"),
        ({"encoding": "32FC1"}, "unsupported encoding '32FC1'"),
    ],
)
def test_bad_image_messages_raise_value_error_naming_expected_and_received(
    fields: dict, expected: str
) -> None:
    with pytest.raises(ValueError, match=expected.replace("*", r"\*")):
        conversions.image_to_rgb(_image(**fields))


def test_array_to_image_refuses_a_dtype_that_does_not_fit_the_encoding() -> None:
    with pytest.raises(ValueError, match="16UC1 needs uint16"):
        conversions.array_to_image(RGB[:, :, 0], "16UC1")


def test_compressed_jpeg_and_png_decode_to_rgb() -> None:
    png = conversions.rgb_to_compressed(RGB, fmt="png")
    assert np.array_equal(conversions.compressed_to_rgb(png), RGB)
    smooth = np.tile(np.linspace(0, 255, 32, dtype=np.uint8)[None, :, None], (16, 1, 3))
    jpeg = conversions.rgb_to_compressed(smooth, fmt="jpeg")
    assert np.abs(conversions.compressed_to_rgb(jpeg).astype(int) - smooth).max() < 8


def test_undecodable_compressed_data_raises() -> None:
    msg = CompressedImage(format="jpeg")
    msg.data = b"not an image"
    with pytest.raises(ValueError, match="cannot decode"):
        conversions.compressed_to_rgb(msg)


@pytest.mark.parametrize("encoding", ["mono16", "16UC1"])
def test_16bit_messages_reach_the_predictor_as_16bit_files_do(tmp_path, encoding: str) -> None:
    import cv2

    from sharp_depth_ros.inference.image_io import load_image
    from sharp_depth_ros.inference.predictor import image_to_unit_float

    grey = RNG.integers(0, 65536, (6, 9), dtype=np.uint16)
    grey[0, :3] = (0, 257 * 128 + 100, 65535)  # values 8 bits would round away
    msg = conversions.array_to_image(grey, encoding)
    from_message = conversions.image_to_rgb(msg)
    cv2.imwrite(str(tmp_path / "grey.png"), grey)
    from_file = load_image(tmp_path / "grey.png").rgb
    assert from_message.dtype == np.uint16 and np.array_equal(from_message, from_file)
    unit = image_to_unit_float(from_message)
    np.testing.assert_allclose(unit[..., 1], grey / 65535.0, rtol=1e-6)


def test_16bit_colours_are_rounded_to_8bit_for_the_cloud() -> None:
    from sharp_depth_ros.ros.cloud_points import pack_rgb

    rgb16 = np.array([[[0, 128, 65535], [257 * 10 + 128, 257 * 10 + 129, 257 * 200]]], np.uint16)
    expected8 = np.array([[[0, 0, 255], [10, 11, 200]]], np.uint8)  # round(x / 257)
    assert np.array_equal(pack_rgb(rgb16), pack_rgb(expected8))
    with pytest.raises(ValueError, match="uint8 or uint16"):
        pack_rgb(np.zeros((1, 1, 3), np.float32))
