"""The web app for officers and reviewers; `assistant.ui.app.launch()` serves it."""
