"""Answering: one small interface, so that a generative backend slots in beside the extractive default."""

from service.qa.answering.base import Answer, Answerer, Citation
from service.qa.answering.extractive import ExtractiveAnswerer

__all__ = ["Answer", "Answerer", "Citation", "ExtractiveAnswerer"]
