"""The language of an article's text, for pages whose markup declares none or the wrong one.

Many ministry sites declare `<html lang="en">` on every language version. py3langid (langid.py's
maintained fork, 97 languages, its 4.5 MB model inside the package, numpy only) identifies the text.
Compared on the 1,132 eval pages with a language label (`bench/`-style run, 2 cores): py3langid 95.5% of
labels at 3.5 ms a 2,000-character text (0.33 ms on the 600 characters used here); lingua 95.0% at 14 ms,
21 s to load and 1.5 GB resident with all its models; fasttext-langdetect downloads its model at first use
(not shipped). Most disagreements with the labels were pages whose label is their declared language
while the text is another one (German articles declared "en"), which is the case this module is for.

A declaration is overruled only where the text is long enough and both ends of it agree with near
certainty: a page quoting another language, or mixing a menu in one language with an article in another,
keeps what it declares.
"""

from __future__ import annotations

import functools
import logging
import re

logger = logging.getLogger(__name__)

WINDOW = 600  # characters classified at each end of the text
MIN_CHARS = 200  # shorter texts never overrule a declaration
CERTAIN = 0.9999  # normalised probability both ends must reach to overrule one
_SPACES = re.compile(r"\s+")


@functools.lru_cache(maxsize=1)
def _identifier():
    """py3langid's identifier with normalised probabilities, or None: without that API, the plain
    classifier (unnormalised, so it only fills gaps); when the model cannot be loaded at all (py3langid
    unpacks it into a temporary file: a full disk or a file-size limit refuses that), no detection, said
    once, and every page keeps its declared language."""
    try:
        from py3langid.langid import MODEL_FILE, LanguageIdentifier
    except ImportError:  # pragma: no cover - a py3langid without the module layout of 0.2-0.4
        return _plain_classifier()
    for loader in ("from_model_file", "from_pickled_model"):  # 0.3+ / 0.2
        load = getattr(LanguageIdentifier, loader, None)
        if load is None:
            continue
        try:
            return load(MODEL_FILE, norm_probs=True)
        except (OSError, MemoryError, ValueError) as exc:
            logger.warning("Language detection off in this process (py3langid's model could not be loaded: %s); "
                           "articles keep their declared language", exc)
            return None
        except TypeError as exc:
            logger.debug("py3langid model not loaded with %s: %s", loader, exc)
    return _plain_classifier()


class _Unnormalised:
    """py3langid's module-level classifier, for a version without normalised probabilities."""

    def classify(self, text: str) -> tuple[str, float]:
        import py3langid

        code, _ = py3langid.classify(text)
        return code, 0.0  # never certain enough to overrule a declaration


def _plain_classifier() -> _Unnormalised:
    return _Unnormalised()


def identify(text: str) -> tuple[str | None, float]:
    """(ISO 639-1 code, probability) of the text's language; (None, 0.0) for too little text or when
    detection is off."""
    sample = _SPACES.sub(" ", text[: WINDOW * 2]).strip()[:WINDOW]
    if len(sample) < 40:
        return None, 0.0
    identifier = _identifier()
    if identifier is None:
        return None, 0.0
    code, probability = identifier.classify(sample)
    return code, float(probability)


def text_language(declared: str | None, text: str) -> tuple[str | None, bool]:
    """The article's language and whether it was detected: the declared one unless the text shows, with
    near certainty at both its ends, another one; the detected one when nothing is declared."""
    if not text or len(text) < 40:
        return declared, False
    head, p_head = identify(text)
    if declared is None:
        return head, head is not None
    if head is None or head == declared or len(text) < MIN_CHARS or p_head < CERTAIN:
        return declared, False
    tail, p_tail = identify(text[-WINDOW:]) if len(text) > 2 * WINDOW else (head, p_head)
    if tail == head and p_tail >= CERTAIN:
        return head, True
    return declared, False
