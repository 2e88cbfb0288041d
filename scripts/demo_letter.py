"""Draft the demo corpus's seed request and render its requester letter as the README shows it.

Drafts the request of decision 12409004 (leaving that decision out, so the answers come from the others), writes
the letter and the reviewer pack with `export_case`, converts the letter to PDF with LibreOffice (headless) and
the first two pages to PNG with poppler's pdftoppm, into docs/.

    FOI_DATA_DIR=/tmp/demo-data python scripts/demo_letter.py   # ingests the corpus first when the index is empty
"""
from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SEED = "2025-12409004-child-exploitation"


def main() -> int:
    from assistant.cases import CaseStore
    from assistant.drafting import Drafter
    from assistant.export import export_case, remove_private_files
    from assistant.index import Index
    from assistant.settings import get_settings

    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if not soffice or not shutil.which("pdftoppm"):
        print("needs LibreOffice and poppler-utils: make letter-deps", file=sys.stderr)
        return 1
    settings = get_settings()
    index = Index(settings)
    if not index.units():
        index.ingest([settings.corpus_dir])
    page = (settings.corpus_dir / "decisions" / f"{SEED}.txt").read_text(encoding="utf-8")
    request = page.split("- Request\n-\n", 1)[1].split(" - Decision", 1)[0]
    received = date(2025, 5, 14)
    drafts = list(Drafter(settings, index).draft_request(request, received=received, exclude=[SEED]))
    store = CaseStore(settings.cases_db)
    case_id = store.create_case(request, reference="FOI 12409004", received=received, requester="Ms A Example",
                                created_by="demo")
    store.save_drafts(case_id, drafts, "demo")
    files = export_case(store.get_case(case_id), settings, date(2025, 6, 9))
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        letter = work / "demo-letter.docx"
        shutil.copy(files.letter_docx, letter)
        subprocess.run([soffice, f"-env:UserInstallation=file://{work}/profile", "--headless", "--convert-to", "pdf",
                        "--outdir", str(work), str(letter)], check=True, capture_output=True, timeout=300)
        subprocess.run(["pdftoppm", "-png", "-r", "70", "-f", "1", "-l", "2", str(work / "demo-letter.pdf"),
                        str(work / "page")], check=True)
        for number, png in enumerate(sorted(work.glob("page*.png")), start=1):
            shutil.copy(png, ROOT / "docs" / f"letter-page-{number}.png")
            print(ROOT / "docs" / f"letter-page-{number}.png")
    remove_private_files(settings)
    return 0


if __name__ == "__main__":
    sys.exit(main())
