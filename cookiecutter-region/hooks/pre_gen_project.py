"""Refuse to bake when an answer is wrong (exit 1), saying which and why in id and en.

Cookiecutter renders this file with the answers, runs it in the new project's folder and,
when it exits non-zero, removes that folder: nothing half-baked is left behind.
"""

import json
import sys

ANSWERS = json.loads({{ cookiecutter | jsonify | tojson }})
sys.path.insert(0, {{ rules_dir | tojson }})

from region_rules import problems, report  # noqa: E402  (the template's own rules)

found = problems(ANSWERS)
if found:
    print(report(found), file=sys.stderr)
    sys.exit(1)
