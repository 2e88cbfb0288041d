"""The evaluation suite behind `foi eval`: held-out past decisions as test cases, scored for grounding and correctness.

metrics (pure scoring functions), cases (YAML loading), judge (support decisions and their calibration against
hand labels), runner (drafting every case on a shared index) and report (results.json, Markdown, HTML, charts).
"""
