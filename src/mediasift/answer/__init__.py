"""Answer models behind one interface: extractive (offline default), OpenAI-compatible, Gemini,
llama.cpp. ``get_answer_model`` builds the configured one."""

from mediasift.answer.base import NOT_FOUND, AnswerModel, Prompt
from mediasift.answer.factory import get_answer_model

__all__ = ["NOT_FOUND", "AnswerModel", "Prompt", "get_answer_model"]
