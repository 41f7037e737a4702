"""Case and quiz-bank texts with the XSS corpus in every place an author writes Markdown."""

from __future__ import annotations

from tests.security.xss_corpus import ONE_LINE, PAYLOADS

MARK = "<img src=x onerror=window.__xss=1>"


def _blocks(names, indent: str = "") -> str:
    """The payloads as separate paragraphs (each its own Markdown block)."""
    return "\n\n".join(indent + PAYLOADS[name].replace("\n", "\n" + indent) for name in names)


def _thirds(names) -> list[tuple[str, ...]]:
    names = tuple(names)
    return [names[i::3] for i in range(3)]


def _label(names) -> str:
    return " ".join(PAYLOADS[name] for name in names)


def xss_case(case_id: str = "xss-case") -> str:
    labels = _thirds(ONE_LINE)
    return f"""---
id: {case_id}
title: "XSS case {MARK}"
authors: [xss]
tags: [xss]
difficulty: intro
minutes: 5
lines: [1]
guideline: her2-mbc-2026.1
objectives:
  - "Objective {MARK}"
patient:
  name: "{MARK}"
  age: 50
  hr_status: negative
  lvef_percent: 60
---

## Presentation {MARK} {{#start}}

{_blocks(PAYLOADS)}

Next: #first-line

## First-line treatment {{#first-line}}

Decision: metastatic_line

{_blocks(ONE_LINE)}

- THP_DOCETAXEL: Pertuzumab + trastuzumab + docetaxel {_label(labels[0])} -> #good-end
  Note: The teaching note.

{_blocks(PAYLOADS, indent="  ")}
- TH_TAXANE: Trastuzumab + paclitaxel {_label(labels[1])} -> #good-end
  Note: {PAYLOADS["a-javascript"]}
- ANTHRACYCLINE_TRASTUZUMAB: Epirubicin {_label(labels[2])} -> #good-end

## Well chosen {MARK} {{#good-end}}

Ending: good

{_blocks(PAYLOADS)}
"""


def xss_quiz(quiz_id: str = "xss-quiz") -> str:
    choices = _thirds(ONE_LINE)
    explanation = _blocks(PAYLOADS)
    return f"""---
id: {quiz_id}
title: "XSS quiz {MARK}"
kind: quiz
authors: [xss]
tags: [xss]
difficulty: intro
minutes: 2
guideline: her2-mbc-2026.1
objectives:
  - "Objective {MARK}"
---

## Item {MARK} {{#item-one}}

{_blocks(PAYLOADS)}

- A: {_label(choices[0])}
- B: {_label(choices[1])}
- C: {_label(choices[2])}

Answer: A
Explanation: The key. {PAYLOADS["img-onerror"]}

{explanation}
Citations: CLEOPATRA
"""
