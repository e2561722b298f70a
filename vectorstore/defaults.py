"""Names that the settings need without loading any model library."""

DEFAULT_EMBEDDER = "use-multilingual-v3"
# The second embedder, for sentences (vectorstore/sentences.py); "none" turns it off.
DEFAULT_SENTENCE_MODEL = "multilingual-e5-small"
