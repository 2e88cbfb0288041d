"""Packaging beyond what pyproject.toml can say: prompts/ ships inside the package.

The prompt and letter templates live in prompts/ at the top of the repository (their one home). A wheel installs
them as assistant/prompt_files/ (settings.default_prompts_dir finds them there), together with every package
under assistant/; tests/test_letter.py builds and installs a wheel to check it.
"""
from setuptools import find_namespace_packages, find_packages, setup

PROMPT_PACKAGES = ["assistant.prompt_files"] + [
    f"assistant.prompt_files.{name}" for name in find_namespace_packages("prompts", exclude=["*__pycache__*"])
]

setup(
    packages=find_packages(include=["assistant", "assistant.*"]) + PROMPT_PACKAGES,
    package_dir={"assistant.prompt_files": "prompts"},
    package_data={"assistant": ["data/*.txt"], **{name: ["*"] for name in PROMPT_PACKAGES}},
)
