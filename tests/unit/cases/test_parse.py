"""Parsing case and quiz-bank files: the grammar of docs/case-format.md."""

from __future__ import annotations

import pytest

from edu.cases import Case, QuizBank, parse_document
from edu.cases.model import MAX_FILE_BYTES

from .conftest import ROOT, fixture_text


def errors(result) -> list[str]:
    return [str(f) for f in result.findings if f.is_error]


class TestValidCase:
    def test_minimal_case_parses_with_no_findings(self):
        result = parse_document(fixture_text("valid/minimal.md"), "minimal.md")
        assert result.findings == []
        assert result.ok
        case = result.document
        assert isinstance(case, Case)
        assert case.id == "fixture-minimal"
        assert case.start == "start"
        assert list(case.nodes) == ["start", "first-line", "end-good", "end-poor"]
        assert case.guideline == "her2-mbc"
        assert case.patient == {"name": "Test P.", "age": 50, "hr_status": "negative"}

    def test_decision_has_kind_question_and_options_with_notes(self):
        case = parse_document(fixture_text("valid/minimal.md")).document
        node = case.nodes["first-line"]
        assert node.kind == "decision"
        assert node.decision == "metastatic_line"
        assert node.question == "Which first-line regimen do you recommend?"
        assert [(o.code, o.target) for o in node.options] == [
            ("THP_DOCETAXEL", "end-good"),
            ("T_DXD_PERTUZUMAB", "end-good"),
            ("TH_TAXANE", "end-poor"),
        ]
        assert node.options[0].note == "Overall survival benefit in [CLEOPATRA]."
        assert node.options[1].note is None
        assert node.options[0].label == "Pertuzumab + trastuzumab + docetaxel"

    def test_lines_are_those_of_the_original_file(self):
        text = fixture_text("valid/minimal.md")
        lines = text.split("\n")
        case = parse_document(text).document
        node = case.nodes["first-line"]
        assert lines[node.line - 1].startswith("## First line")
        assert lines[node.decision_line - 1] == "Decision: metastatic_line"
        assert lines[node.options[2].line - 1].startswith("- TH_TAXANE")
        assert lines[case.line_of("guideline") - 1] == "guideline: her2-mbc"
        assert lines[case.line_of("patient.hr_status") - 1].strip() == "hr_status: negative"

    def test_narrative_and_ending_nodes(self):
        case = parse_document(fixture_text("valid/minimal.md")).document
        start = case.nodes["start"]
        assert start.kind == "narrative" and start.next == "first-line"
        assert "de novo HER2-positive" in start.body
        assert "Next:" not in start.body
        end = case.nodes["end-poor"]
        assert end.kind == "ending" and end.outcome == "poor"
        assert end.body == "Leaving out pertuzumab loses overall survival [CLEOPATRA]."

    def test_events_are_read_with_yaml_values(self):
        case = parse_document(fixture_text("valid/branching.md")).document
        events = case.nodes["progression"].events
        assert [(e.attribute, e.value) for e in events] == [
            ("months_elapsed", 14),
            ("progressed_on", "chosen"),
        ]
        assert "Events:" not in case.nodes["progression"].body

    def test_crlf_and_bom_do_not_change_line_numbers(self):
        text = fixture_text("valid/minimal.md")
        plain = parse_document(text).document
        crlf = parse_document(("\ufeff" + text.replace("\n", "\r\n")).encode()).document
        assert crlf.nodes["first-line"].line == plain.nodes["first-line"].line
        assert crlf.nodes == plain.nodes

    def test_content_hash_is_sha256_of_the_bytes(self):
        import hashlib

        text = fixture_text("valid/minimal.md")
        case = parse_document(text).document
        assert case.content_hash == hashlib.sha256(text.encode()).hexdigest()

    def test_texts_cover_every_prose_block_with_its_line(self):
        text = fixture_text("valid/minimal.md")
        lines = text.split("\n")
        case = parse_document(text).document
        for block in case.texts:
            first = block.text.split("\n")[0]
            assert lines[block.line - 1].strip().endswith(first.strip())

    def test_heading_inside_a_code_fence_is_not_a_node(self):
        text = fixture_text("valid/minimal.md").replace(
            "Both are preferred", "```\n## Not a node {#fake}\n```\n\nBoth are preferred"
        )
        case = parse_document(text).document
        assert "fake" not in case.nodes

    def test_example_case_in_the_library_parses_clean(self):
        path = ROOT / "cases" / "example-denovo-hr-negative.md"
        result = parse_document(path.read_bytes(), str(path))
        assert result.findings == []
        assert len(result.document.nodes) >= 10


class TestQuizBank:
    def test_quiz_bank_items(self):
        result = parse_document(fixture_text("valid/quiz.md"), "quiz.md")
        assert result.findings == []
        bank = result.document
        assert isinstance(bank, QuizBank)
        assert bank.kind == "quiz"
        first = bank.items[0]
        assert first.id == "anthracycline"
        assert [letter for letter, _ in first.choices] == ["A", "B", "C"]
        assert first.answer == "B"
        assert first.explanation.startswith("Cardiac dysfunction")
        assert "[SLAMON-2001]" in first.explanation
        assert first.citations == ("SLAMON-2001",)
        assert first.pitfalls == ("P2",)
        assert first.choice("B") == "Cardiac dysfunction was far more frequent."

    def test_wrapped_choice_lines_join_the_choice(self):
        text = fixture_text("valid/quiz.md").replace(
            "- C: It causes more neuropathy.", "- C: It causes more\n  neuropathy."
        )
        bank = parse_document(text).document
        assert bank.items[0].choice("C") == "It causes more neuropathy."

    @pytest.mark.parametrize("path", sorted((ROOT / "cases" / "quiz").glob("*.md")))
    def test_library_quiz_banks_parse_clean(self, path):
        result = parse_document(path.read_bytes(), str(path))
        assert errors(result) == []


class TestUnreadableFiles:
    @pytest.mark.parametrize(
        ("data", "line", "fragment"),
        [
            (b"", 1, "file is empty"),
            (b"  \n\n\t\n", 1, "file is empty"),
            (b"---\nid: x\n\x00\x01binary", 3, "NUL byte at byte offset 10"),
            (b"---\nid: x\ntitle: caf\xe9\n---\n", 3, "invalid UTF-8 at byte offset 20"),
            (b"---\nid: x\x07\n---\n", 2, "control character U+0007"),
            (b"# Just a title\n\n## Node {#a}\n", 1, "must start with a '---' line"),
            (b"---\nid: x\n", 1, "never closed"),
            (b"x" * (MAX_FILE_BYTES + 1), 1, "larger than the 256 KiB limit"),
        ],
    )
    def test_gives_one_clear_error(self, data, line, fragment):
        result = parse_document(data, "f.md")
        assert result.document is None
        assert len(result.findings) == 1
        finding = result.findings[0]
        assert finding.severity == "error"
        assert finding.line == line
        assert fragment in finding.message

    def test_huge_str_is_refused_without_encoding_it(self):
        result = parse_document("é" * MAX_FILE_BYTES, "f.md")
        assert result.document is None
        assert "larger than" in result.findings[0].message

    def test_lone_surrogate_in_str_is_an_error(self):
        result = parse_document("---\nid: \ud800\n---\n", "f.md")
        assert result.document is None
        assert result.findings[0].line == 2

    def test_billion_laughs_is_refused_quickly(self):
        bomb = (
            "---\na: &a [x, x, x, x, x, x, x, x, x]\n"
            + "".join(
                f"{chr(98 + i)}: &{chr(98 + i)} [*{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}]\n"
                for i in range(20)
            )
            + "---\n"
        )
        result = parse_document(bomb, "bomb.md")
        assert result.document is None
        assert result.findings[0].line == 2
        assert "anchors" in result.findings[0].message

    def test_deeply_nested_yaml_is_refused(self):
        text = "---\nid: " + "[" * 5000 + "]" * 5000 + "\n---\n"
        result = parse_document(text, "deep.md")
        assert result.document is None
        assert "nested more than" in result.findings[0].message
        assert result.findings[0].line == 2

    def test_deeply_nested_block_yaml_is_refused(self):
        text = "---\nid: x\nk:\n" + "".join(f"{'  ' * i}a{i}:\n" for i in range(1, 40)) + "---\n"
        result = parse_document(text, "deep.md")
        assert result.document is None
        assert "nested more than" in result.findings[0].message

    def test_python_object_tags_are_refused(self):
        text = "---\nid: !!python/object/apply:os.system ['echo hi']\n---\n"
        result = parse_document(text, "tag.md")
        assert result.document is None
        assert result.findings[0].line == 2
        assert "broken YAML" in result.findings[0].message

    def test_invalid_date_is_a_clear_error(self):
        result = parse_document("---\nid: 2024-13-45\n---\n", "date.md")
        assert result.document is None
        assert "cannot be read" in result.findings[0].message


class TestGrammarErrors:
    def test_option_continuation_must_be_a_note(self):
        text = fixture_text("valid/minimal.md").replace(
            "  Note: Overall survival", "  Overall survival"
        )
        result = parse_document(text)
        assert any("must start with 'Note:'" in e for e in errors(result))

    def test_multi_line_note_keeps_its_markdown(self):
        text = fixture_text("valid/minimal.md").replace(
            "  Note: Overall survival benefit in [CLEOPATRA].",
            "  Note: First line.\n\n  - a list\n  - in the note",
        )
        node = parse_document(text).document.nodes["first-line"]
        assert node.options[0].note == "First line.\n\n- a list\n- in the note"

    def test_list_items_in_a_question_without_arrows_stay_in_the_question(self):
        text = fixture_text("valid/minimal.md").replace(
            "Which first-line regimen do you recommend?",
            "Consider:\n\n- her age\n- her LVEF\n\nWhich first-line regimen do you recommend?",
        )
        node = parse_document(text).document.nodes["first-line"]
        assert "- her age" in node.question
        assert len(node.options) == 3

    def test_two_next_lines_are_an_error(self):
        text = fixture_text("valid/minimal.md").replace(
            "Next: #first-line", "Next: #first-line\nNext: #end-good"
        )
        assert any("already has 'Next:'" in e for e in errors(parse_document(text)))

    def test_stray_text_before_the_first_node_is_a_warning(self):
        text = fixture_text("valid/minimal.md").replace(
            "# Minimal valid case\n", "# Minimal valid case\n\nAn orphan paragraph.\n"
        )
        result = parse_document(text)
        assert result.ok
        assert any("before the first" in f.message for f in result.findings)


def test_arrows_in_narrative_lists_are_prose():
    text = fixture_text("valid/minimal.md").replace(
        "cancer in the liver.", "cancer in the liver.\n\n- ALT 40 -> 120 U/L over a month"
    )
    result = parse_document(text)
    assert result.findings == []
    assert "- ALT 40 -> 120 U/L" in result.document.nodes["start"].body


@pytest.mark.parametrize("newline", ["\n", "\r\n", "\r"])
def test_invalid_utf8_line_counts_every_newline_style(newline):
    data = newline.join(["---", "id: x", "title: ok", "bad: \udcff"]).encode(
        "utf-8", "surrogateescape"
    )
    (finding,) = parse_document(data, "f.md").findings
    assert finding.line == 4
