"""Request splitting: an FOI request → the questions the officer has to answer, with nothing dropped silently.

* :mod:`.splitting` finds the requester's numbering (or the questions of running text) and the framing text;
* :mod:`.scope` recognises scope lines (periods, breakdowns, definitions that govern several questions) and
  fallback lines ("if this exceeds the cost limit, please provide…");
* :mod:`.left_out` flags any sentence outside the questions that reads like an ask;
* :mod:`.editing` lets the officer correct the split (edit, merge, split, promote, remove) before drafting.
"""
from assistant.requests.splitting import (
    DEFAULT_MAX_CHARS,
    DEFAULT_MAX_QUESTIONS,
    LeftOut,
    ParsedRequest,
    RequestError,
    parse_request,
    split_request,
)

__all__ = [
    "DEFAULT_MAX_CHARS",
    "DEFAULT_MAX_QUESTIONS",
    "LeftOut",
    "ParsedRequest",
    "RequestError",
    "parse_request",
    "split_request",
]
