"""Answering: one small interface, so that a generative backend slots in beside the extractive default."""

from service.answering.base import Answer, Answerer, Citation
from service.answering.extractive import ExtractiveAnswerer

__all__ = ["Answer", "Answerer", "Citation", "ExtractiveAnswerer"]
