"""foi-assistant: drafts FOI replies from past decisions and policy documents, with verified citations."""

__version__ = "0.1.0"
