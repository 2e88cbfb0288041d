"""Asking the service that holds the data, and using what it returns, in pipeline order:

1. `requests` — which questions go to the service, grouped by service area, with the period and breakdown asked
   (from drafting's question analysis), the service's due date and the last answer given as a template; email
   text and A4 .docx (pure but the .docx);
2. `returns`  — the service's return (pasted, .txt, .csv, .xlsx, .docx, .pdf, .eml) read into citable passages;
3. `redraft`  — answers redrafted from the return (and the past answer's wording), re-checked, shown as a diff,
   with the flags the return answers resolved and the reason;
4. `sharing`  — a return the officer chooses added to the shared corpus through the corpus upload;
5. `casework` — the officer's steps over one case in the store (prepare, record sent, attach, redraft,
   regenerate with the returns as sources).
"""
