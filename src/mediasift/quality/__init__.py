"""Quality assessment: named measurements of a media and a 0–1 score with the reasons that lowered it.

``assess`` (``quality.assess``) measures one media (``measure_signal``: the part of it that reads
an audio or video signal, which needs nothing from extraction, and ``with_speech``: its speech
measures, from the pass speech recognition made); ``Quality`` (``quality.score``) is the result,
whose ``to_json()`` is the public ``quality`` object. Measures live by kind in ``audio``, ``video``,
``image`` (``pixels`` for one picture) and ``segments`` (recogniser confidences, document pages);
``loudness`` is the streaming ITU-R BS.1770 meter; ``rules`` holds every threshold.
"""

from mediasift.quality.assess import VERSION, assess, measure_signal, with_speech
from mediasift.quality.score import Quality, Reason, Rule, score

__all__ = ["VERSION", "Quality", "Reason", "Rule", "assess", "measure_signal", "score", "with_speech"]
