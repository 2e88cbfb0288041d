"""Asking the service that holds the data, and using what it returns, in pipeline order:

1. `requests` — which questions go to the service, grouped by service area, with the period and breakdown asked,
   the service's due date and the last answer given as a template; email text and A4 .docx (pure but the .docx);
2. `returns`  — the service's return (pasted, .txt, .csv, .xlsx, .docx, .pdf, .eml) read into citable passages;
3. `redraft`  — answers redrafted from the return (and the past answer's wording), re-checked, shown as a diff,
   with the flags the return answers resolved and the reason.
"""
