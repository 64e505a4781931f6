"""LaTeX fragments in captured text become Unicode; plain text is left alone."""

import pytest

from paperbrowse.core.latex import latex_to_unicode


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Hida-Mat\\'ern kernels", "Hida-Matérn kernels"),
        ("the Fr\\'echet mean", "the Fréchet mean"),
        ("about 0.5\\% bits", "about 0.5% bits"),
        ("0.8013 \\pm 0.0243", "0.8013 ± 0.0243"),
        ("nature, \\ie, implementable", "nature, i.e., implementable"),
        ("incoherence, \\eg, rotations", "incoherence, e.g., rotations"),
        ("VOC 2007 \\& 2012", "VOC 2007 & 2012"),
        ("({\\romannumeral1}) a detailed", "(1) a detailed"),
        ("a MC\\textsuperscript{2} benchmark", "a MC2 benchmark"),
        ("tasks {\\em reconstruction-based} pretext", "tasks reconstruction-based pretext"),
        ("snake\\_case", "snake_case"),
        ("samplesx2013less than", "samples–less than"),
    ],
)
def test_fragments(raw: str, expected: str) -> None:
    assert latex_to_unicode(raw) == expected


@pytest.mark.parametrize(
    "plain",
    [
        "BYOL reaches 74.3% top-1 accuracy and more after the percent sign",
        "costs $5 and $10",
        "x ~ N(0, 1) with a_b subscripts",
        "register 0x2013 stays",
    ],
)
def test_plain_text_is_untouched(plain: str) -> None:
    assert latex_to_unicode(plain) == plain


def test_unknown_macros_stay_visible() -> None:
    # A paper's own macro has no meaning outside the paper: keep it rather than drop it.
    assert latex_to_unicode("abbreviated as \\method{}. Our") == "abbreviated as \\method{}. Our"


def test_cut_off_fragment_does_not_raise() -> None:
    text = "concepts\\footnote{A concept represents"  # the capture cut the footnote off
    assert latex_to_unicode(text) == text


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (r"Mat{\'e}rn kernels", "Matérn kernels"),
        (r"M{\"u}ller and Gr{\"{o}}bner", "Müller and Gröbner"),
        (r"Erd{\H{o}}s", "Erdős"),
        (r"Fran{\c c}ois", "François"),
    ],
)
def test_accents_in_a_brace_group_lose_the_braces(raw: str, expected: str) -> None:
    # arXiv titles write accents the BibTeX way ({\'e}); the group's braces are not text
    assert latex_to_unicode(raw) == expected
