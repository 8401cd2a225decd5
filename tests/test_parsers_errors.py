from __future__ import annotations

import pytest

from analytics.parsers import MAX_BYTES, ParseError, parse_bytes, parse_path, parse_text


def test_parse_error_str_names_path_and_line():
    err = ParseError("a.md", 3, "bad")
    assert (str(err), err.path, err.line, err.reason) == ("a.md:3: bad", "a.md", 3, "bad")


def test_empty_file(tmp_path):
    path = tmp_path / "e.md"
    path.write_text("  \n\n")
    with pytest.raises(ParseError, match="empty file"):
        parse_path(path)


def test_binary_file_with_nul_bytes():
    with pytest.raises(ParseError, match=r"x\.md:2: binary file \(NUL byte at offset 6\)"):
        parse_bytes(b"# T\nab\x00cd", "x.md")


def test_invalid_utf8_names_line_and_offset():
    with pytest.raises(ParseError, match=r"x\.md:3: invalid UTF-8 at byte offset 17"):
        parse_bytes(b"# T\n## Summary\nab\xff\n", "x.md")


def test_file_larger_than_limit(tmp_path):
    path = tmp_path / "big.md"
    with path.open("wb") as fh:
        fh.truncate(MAX_BYTES + 1)
    with pytest.raises(ParseError, match="larger than 20 MB"):
        parse_path(path)


def test_unterminated_front_matter():
    with pytest.raises(ParseError, match=r"a\.md:1: front matter opened here is never closed"):
        parse_text("---\ntitle: x\n# T\n", "a.md")


def test_invalid_front_matter_yaml_names_line():
    with pytest.raises(ParseError, match=r"a\.md:3: invalid YAML in front matter"):
        parse_text("---\ntitle: x\nservices: [a\n---\n# T\n", "a.md")


def test_front_matter_must_be_mapping():
    with pytest.raises(ParseError, match="front matter is not a mapping"):
        parse_text("---\n- a\n- b\n---\n# T\n## Summary\nx\n", "a.md")


def test_document_without_coe_content():
    with pytest.raises(ParseError, match="no recognisable COE sections or content"):
        parse_text("# Shopping\n\neggs, milk\n", "a.md")


def test_missing_file_is_parse_error(tmp_path):
    with pytest.raises(ParseError, match="cannot read file"):
        parse_path(tmp_path / "nope.md")


def test_unknown_format():
    with pytest.raises(ParseError, match="unknown format 'pdf'"):
        parse_text("x", "a.pdf", fmt="pdf")


def test_docx_as_text_is_a_clear_error():
    # a Word file is binary: only parse_path/parse_bytes can read it
    with pytest.raises(ParseError, match=r"\.docx file is binary"):
        parse_text("x", "a.docx", fmt="docx")


def test_format_sniffed_for_file_without_extension():
    coe = parse_text("# T\n\n## Root Cause\n\nx happened\n", "README-less")[0]
    assert coe.source.format == "markdown"
