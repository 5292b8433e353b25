"""IDX reader: every type code, gzip, and clear errors on malformed files.

The files are written here byte by byte with ``struct`` (independently of
:func:`numerics.idx.write_idx`), then read back.
"""

import gzip
import struct

import numpy as np
import pytest

from numerics.idx import IDX_TYPES, load_idx_images, read_idx, write_idx


def _raw(code, shape, payload: bytes) -> bytes:
    return bytes([0, 0, code, len(shape)]) + struct.pack(f">{len(shape)}I", *shape) + payload


@pytest.mark.parametrize("code, fmt, values", [
    (0x08, "B", [0, 7, 255]), (0x09, "b", [-128, 0, 127]), (0x0B, "h", [-300, 2, 32767]),
    (0x0C, "i", [-70000, 1, 2**31 - 1]), (0x0D, "f", [0.5, -1.25, 3.0]),
    (0x0E, "d", [1e-300, -2.5, 1e300]),
])
def test_every_type_code_reads_big_endian_values(tmp_path, code, fmt, values):
    path = tmp_path / "x.idx"
    path.write_bytes(_raw(code, (3,), struct.pack(f">3{fmt}", *values)))
    out = read_idx(path)
    assert out.dtype == IDX_TYPES[code].newbyteorder("=")
    assert out.tolist() == values


def test_three_dimensional_gzip_file(tmp_path):
    pixels = np.arange(24, dtype=np.uint8).reshape(2, 3, 4)
    path = tmp_path / "images-idx3-ubyte.gz"
    path.write_bytes(gzip.compress(_raw(0x08, (2, 3, 4), pixels.tobytes())))
    assert np.array_equal(read_idx(path), pixels)


def test_gzip_is_recognised_by_content_not_name(tmp_path):
    path = tmp_path / "plain-name"
    path.write_bytes(gzip.compress(_raw(0x08, (2,), bytes([4, 5]))))
    assert read_idx(path).tolist() == [4, 5]


@pytest.mark.parametrize("dtype", ["uint8", "int8", "int16", "int32", "float32", "float64"])
@pytest.mark.parametrize("name", ["a.idx", "a.idx.gz"])
def test_write_then_read_round_trips(tmp_path, dtype, name):
    arr = (np.arange(30).reshape(2, 3, 5) - 7).astype(dtype) if dtype != "uint8" \
        else np.arange(30, dtype=np.uint8).reshape(2, 3, 5)
    write_idx(tmp_path / name, arr)
    back = read_idx(tmp_path / name)
    assert back.dtype == arr.dtype and np.array_equal(back, arr)


@pytest.mark.parametrize("raw, message", [
    (b"\x00\x00", "too short"),
    (b"\x01\x00\x08\x01" + struct.pack(">I", 1) + b"\x00", "not an IDX file"),
    (b"\x00\x00\x0a\x01" + struct.pack(">I", 1) + b"\x00", "unknown IDX type code 0x0A"),
    (b"\x00\x00\x08\x00", "0 dimensions"),
    (b"\x00\x00\x08\x02" + struct.pack(">I", 1), "truncated header"),
    (_raw(0x08, (2, 3), bytes(5)), "data truncated"),
    (_raw(0x0B, (2,), bytes(5)), "trailing bytes"),
])
def test_malformed_files_are_value_errors(tmp_path, raw, message):
    path = tmp_path / "bad.idx"
    path.write_bytes(raw)
    with pytest.raises(ValueError, match=message):
        read_idx(path)


def test_truncated_gzip_stream_is_a_value_error(tmp_path):
    packed = gzip.compress(_raw(0x08, (100,), bytes(range(100))))
    path = tmp_path / "cut.gz"
    path.write_bytes(packed[: len(packed) // 2])
    with pytest.raises(ValueError, match="gzip"):
        read_idx(path)


def test_missing_file_says_what_was_expected(tmp_path):
    with pytest.raises(FileNotFoundError, match="IDX file not found.*idx3-ubyte"):
        read_idx(tmp_path / "nope.gz")


def test_images_with_labels_and_limit(tmp_path):
    images = tmp_path / "img.gz"
    labels = tmp_path / "lab"
    images.write_bytes(gzip.compress(_raw(0x08, (3, 2, 2), bytes(range(12)))))
    labels.write_bytes(_raw(0x08, (3,), bytes([9, 8, 7])))
    x, y = load_idx_images(images, labels)
    assert x.dtype == np.float64 and x.shape == (3, 4) and x[2].tolist() == [8, 9, 10, 11]
    assert y.tolist() == [9, 8, 7]
    x2, y2 = load_idx_images(images, labels, limit=2)
    assert x2.shape == (2, 4) and y2.tolist() == [9, 8]


def test_label_count_must_match(tmp_path):
    images, labels = tmp_path / "img", tmp_path / "lab"
    images.write_bytes(_raw(0x08, (3, 2), bytes(6)))
    labels.write_bytes(_raw(0x08, (2,), bytes(2)))
    with pytest.raises(ValueError, match="2 labels for 3 images"):
        load_idx_images(images, labels)


def test_images_need_an_item_axis(tmp_path):
    path = tmp_path / "flat"
    path.write_bytes(_raw(0x08, (4,), bytes(4)))
    with pytest.raises(ValueError, match="at least 2 dimensions"):
        load_idx_images(path)
