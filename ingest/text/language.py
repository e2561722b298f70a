"""Language of a document's text as an ISO 639-1 code, with Kazakh recognised by its letters."""

from __future__ import annotations

import logging
import re

from langdetect import DetectorFactory, detect
from langdetect.lang_detect_exception import LangDetectException

log = logging.getLogger(__name__)

# langdetect has no Kazakh profile, and on Kazakh text it answers "ru", "mk" or "bg". These letters do not
# occur in Russian; "і" is left out because Ukrainian and Belarusian use it too.
_KAZAKH_LETTERS = re.compile("[әғқңөұүһӘҒҚҢӨҰҮҺ]")
_CYRILLIC_LETTERS = re.compile("[\u0400-\u04ff]")
_LETTERS = re.compile(r"[^\W\d_]")
# In Kazakh prose these letters are about 6-9 % of the Cyrillic letters; a Russian text that names a few
# Kazakh places ("Қарағанды") stays near 1 %.
_KAZAKH_SHARE = 0.03
# Below this many letters, langdetect's answer is close to random ("Page 1", a table of numbers).
_MIN_LETTERS = 20
_SAMPLE_CHARS = 2000


def detect_language(text: str) -> str:
    """Return the ISO 639-1 code of the text's language, or "" when it is too short or unknown."""
    sample = text[:_SAMPLE_CHARS]
    letters = len(_LETTERS.findall(sample))
    if letters < _MIN_LETTERS:
        return ""
    cyrillic = len(_CYRILLIC_LETTERS.findall(sample))
    if cyrillic * 2 >= letters and len(_KAZAKH_LETTERS.findall(sample)) >= _KAZAKH_SHARE * cyrillic:
        return "kk"
    # langdetect samples at random; a fixed seed gives the same answer for the same text on every run. Set
    # here rather than at import, so that importing this module changes nothing; profiles load on first use.
    DetectorFactory.seed = 0
    try:
        code = detect(sample)
    except LangDetectException:
        return ""
    except Exception:  # a language guess must never stop an ingest
        log.warning("language detection failed", exc_info=True)
        return ""
    # langdetect says "zh-cn" and "zh-tw"; the store keeps the ISO 639-1 part.
    return code.split("-")[0]
