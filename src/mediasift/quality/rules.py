"""The thresholds: for each kind of media, which measures lower its score, from where, and how much.

Each ``Rule(measure, good, bad, weight, message)``: no cost at ``good`` or better, ``weight`` at
``bad`` or worse, linear in between (``quality.score``). docs/quality.md lists these and the figures
measured on real and degraded media that they were set from; change both together.
"""

from __future__ import annotations

from mediasift.quality.score import Rule

AUDIO = (
    Rule("loudness_lufs", -26.0, -42.0, 0.3, "quiet: {value:.1f} LUFS (speech is mixed at -23 to -16 LUFS)"),
    Rule("loudness_lufs", -12.0, -5.0, 0.2, "too loud: {value:.1f} LUFS"),
    Rule("clipping_ratio", 0.0005, 0.01, 0.5, "clipped: {value:.2%} of samples at full scale"),
    Rule("snr_db", 30.0, 6.0, 0.5, "noisy: estimated signal-to-noise ratio {value:.1f} dB"),
    Rule("silence_ratio", 0.6, 0.95, 0.4, "mostly silent: {value:.0%} of the time below -50 dBFS"),
    Rule("asr_confidence", 0.8, 0.4, 0.4, "speech hard to recognise: mean word probability {value:.2f}"),
)

PICTURE = (
    Rule("sharpness", 150.0, 15.0, 0.5, "blurred: variance of the Laplacian {value:.0f}"),
    Rule("highlights_clipped", 0.03, 0.3, 0.3, "overexposed: {value:.0%} of pixels burnt white"),
    Rule("shadows_clipped", 0.05, 0.5, 0.3, "underexposed: {value:.0%} of pixels crushed black"),
    Rule("brightness", 50.0, 20.0, 0.3, "dark: mean brightness {value:.0f}/255"),
    Rule("noise_sigma", 4.0, 15.0, 0.4, "noisy: noise of {value:.1f} levels (of 255)"),
)

IMAGE = (
    Rule("megapixels", 0.1, 0.005, 0.3, "small: {width}x{height} pixels"),
    *PICTURE,
)

VIDEO = (
    Rule("height", 360.0, 120.0, 0.3, "low resolution: {width}x{height}"),
    Rule("fps", 20.0, 8.0, 0.2, "jerky: {value:.1f} frames per second"),
    Rule("sharpness", 150.0, 15.0, 0.5, "blurred: variance of the Laplacian {value:.0f} (median of frames)"),
    Rule("brightness", 50.0, 20.0, 0.3, "dark: mean brightness {value:.0f}/255"),
    Rule("black_ratio", 0.05, 0.5, 0.4, "black screen: {black_stretches}"),
    Rule("frozen_ratio", 0.25, 0.9, 0.3, "frozen picture: {frozen_stretches}"),
    Rule(
        "shake", 1.5, 6.0, 0.3, "shaky: the picture jolts by {value:.1f}% of its width every 0.1 s (median)"
    ),
    *AUDIO,
)

DOCUMENT = (
    # 0 for a file cut off before its end (a PDF read for the pages it held whole): what is missing
    # is unknown, and may be most of it.
    Rule("complete", 1.0, 0.0, 0.5, "cut off: the file ends early; its first {pages} pages were read"),
    Rule("text_coverage", 0.9, 0.2, 0.5, "pages without text: {pages_without_text}"),
    Rule("ocr_confidence", 0.85, 0.5, 0.4, "hard to read: mean OCR confidence {value:.2f}"),
    Rule("language_consistency", 0.85, 0.5, 0.2, "mixed languages: {value:.0%} of the text in {language}"),
)

BY_KIND: dict[str, tuple[Rule, ...]] = {
    "audio": AUDIO,
    "video": VIDEO,
    "image": IMAGE,
    "document": DOCUMENT,
    "text": DOCUMENT,
}
