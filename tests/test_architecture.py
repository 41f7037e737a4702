"""Architecture rules that nobody should have to remember."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_domain_packages_never_import_the_web_or_the_database():
    result = subprocess.run(
        [str(Path(sys.executable).parent / "lint-imports"), "--no-cache"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_learner_facing_text_repeats_no_known_source_error():
    checker = ROOT.parent / "shared" / "tools" / "check-clinical-figures"
    assert checker.exists(), f"the clinical checker should be at {checker}"
    result = subprocess.run(["bash", str(checker)], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout
