"""Answer models behind one interface: extractive (offline default), OpenAI-compatible, Gemini,
llama.cpp. ``get_answer_model`` builds the configured one."""

from mediasift.answer.base import NOT_FOUND, AnswerModel, Prompt, Source
from mediasift.answer.factory import get_answer_model

__all__ = ["NOT_FOUND", "AnswerModel", "Prompt", "Source", "get_answer_model"]
