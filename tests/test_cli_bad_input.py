"""The `foi` command answers bad input with one clear line and exit code 2, never a traceback or a half file."""
from __future__ import annotations

from datetime import date, timedelta

import pytest

REQUEST = "1. How many foster carers did the council have on 31 March 2024?\n"


def assert_clean_failure(result, message: str) -> None:
    assert result.exit_code == 2, result.output
    assert message in result.output, result.output
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)


@pytest.fixture
def request_file(tmp_path):
    path = tmp_path / "request.txt"
    path.write_text(REQUEST, encoding="utf-8")
    return path


def test_a_300_character_reference_is_refused_and_a_long_title_never_breaks_the_letter(foi_cli, foi_settings, corpus_index, request_file, tmp_path):
    out = tmp_path / "reply.docx"
    result = foi_cli(foi_settings.data_dir, "draft", request_file, "--format", "docx", "--reference", "R" * 300, "--out", out)
    assert_clean_failure(result, "--reference must be one line of at most 100")
    assert not out.exists() and not (tmp_path / "reply.docx.part").exists()


def test_a_letter_title_over_word_s_property_limit_is_written(tmp_path):
    import io

    from docx import Document

    from assistant.letter import LetterContext, letter_docx
    from assistant.models import Draft, Question, Status

    ctx = LetterContext(council="C", reference="R" * 300, received=date(2025, 5, 14), reply_date=date(2025, 5, 20),
                        officer="O", review_contact="T")
    data = letter_docx(ctx, [Draft(Question("1", "How many?"), "Twelve.", Status.PROVIDED)], "requester")
    doc = Document(io.BytesIO(data))
    assert len(doc.core_properties.title) <= 255 and "R" * 300 in "\n".join(p.text for p in doc.paragraphs)


def test_out_to_a_folder_or_under_a_file_is_refused_before_drafting(foi_cli, foi_settings, corpus_index, request_file, tmp_path):
    folder = tmp_path / "exports"
    folder.mkdir()
    result = foi_cli(foi_settings.data_dir, "draft", request_file, "--format", "docx", "--out", folder)
    assert_clean_failure(result, "is a folder")
    assert list(folder.iterdir()) == [] and not (tmp_path / "exports.part").exists()
    result = foi_cli(foi_settings.data_dir, "draft", request_file, "--format", "docx", "--out", request_file / "reply.docx")
    assert_clean_failure(result, "is not a folder")


def test_out_where_writing_fails_leaves_no_part_file(foi_cli, foi_settings, corpus_index, request_file, tmp_path):
    target = tmp_path / "ro"
    target.mkdir()
    (target / "reply.json.part").mkdir()  # writing the temporary file fails (it is a folder)
    result = foi_cli(foi_settings.data_dir, "draft", request_file, "--out", target / "reply.json")
    assert_clean_failure(result, "cannot write")
    assert not (target / "reply.json").exists()


def test_search_refuses_a_bogus_type_and_a_negative_k(foi_cli, foi_settings, corpus_index):
    assert_clean_failure(foi_cli(foi_settings.data_dir, "search", "foster carers", "--type", "bogus"), "--type must be decision or policy")
    assert_clean_failure(foi_cli(foi_settings.data_dir, "search", "foster carers", "-k", "-5"), "-k must be between 1 and 100")
    ok = foi_cli(foi_settings.data_dir, "search", "foster carers", "-k", "3", "--json")
    assert ok.exit_code == 0 and ok.output.count('"rank"') == 3


def test_a_received_date_in_the_future_is_refused(foi_cli, foi_settings, corpus_index, request_file):
    result = foi_cli(foi_settings.data_dir, "draft", request_file, "--received", "2099-01-01")
    assert_clean_failure(result, "is in the future")
    tomorrow = (date.today() + timedelta(days=1)).isoformat()
    assert_clean_failure(foi_cli(foi_settings.data_dir, "draft", request_file, "--received", tomorrow), "in the future")
