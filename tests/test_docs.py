"""The model's description lives in the repository (docs/MODEL.md), and every citation of it, in
the README, the configuration, the code, the data notes and the tests, names a section that
exists there (issue 26: the README, conf comments and reports cited a MODEL.md that was not in
the repository)."""

from __future__ import annotations

import re

from tests.conftest import ROOT

MODEL = ROOT / "docs" / "MODEL.md"
#: "docs/MODEL.md section 5", "sections 5 and 6", "sections 2 to 4", "sections 2, 6"
CITATION = re.compile(r"MODEL\.md(?:'s)?(?P<tail>\s+sections?\s+(?P<nums>\d+(?:\s*(?:,|and|to)\s*\d+)*))?")


def sections() -> set[int]:
    return {int(m[1]) for m in re.finditer(r"^## (\d+)\. ", MODEL.read_text(), re.M)}


def cited() -> list[tuple[str, int, str, list[int]]]:
    """(file, line, the text cited, section numbers) of every mention of MODEL.md."""
    files = [ROOT / "README.md", *ROOT.glob("docs/*.md"), *ROOT.glob("data/*.md"),
             *ROOT.glob("conf/**/*.yaml"), *ROOT.glob("engine/**/*.py"),
             *ROOT.glob("experiments/**/*.py"), *ROOT.glob("tests/*.py")]
    out = []
    for f in files:
        if f.name == "test_docs.py":
            continue
        for k, line in enumerate(f.read_text().splitlines(), 1):
            for m in CITATION.finditer(line):
                start = m.start()
                prefix = line[max(0, start - 5):start]
                out.append((f"{f.relative_to(ROOT)}:{k}", k, prefix + m[0],
                            numbers(m["nums"] or "")))
    return out


def numbers(text: str) -> list[int]:
    """The section numbers of "2 to 4", "5, 7 and 9", "6"."""
    if not text:
        return []
    parts = re.split(r"\s*(,|and|to)\s*", text)
    values = [int(p) for p in parts[::2]]
    out = [values[0]]
    for sep, v in zip(parts[1::2], values[1:], strict=True):
        out += list(range(out[-1] + 1, v + 1)) if sep == "to" else [v]
    return out


def test_the_model_description_is_in_the_repository():
    text = MODEL.read_text()
    assert sections() == set(range(1, max(sections()) + 1)), "sections numbered 1, 2, ... in order"
    # it covers what every report and conf comment relies on: the equations and the defaults
    for needle in ("L(C) = L0 + A C^(-alpha)", "t_peak = ", "perf(L) = ", "E[N] = ",
                   "i(t) = ", "m(t) = ", "s(t) = "):
        assert needle in text, needle
    from engine.model.registry import NAMES

    for name in NAMES:  # every parameter is described
        assert f"`{name}`" in text, name


def test_every_citation_names_docs_model_md_and_an_existing_section():
    found = cited()
    assert len(found) >= 10  # README, conf (actors, inference, priors), code and tests cite it
    have = sections()
    for where, _, text, nums in found:
        assert text.startswith("docs/"), f"{where}: {text!r} does not point to docs/MODEL.md"
        for n in nums:
            assert n in have, f"{where}: {text!r} cites section {n}, which docs/MODEL.md lacks"


def test_the_citation_parser_reads_ranges_and_lists():
    line = "see docs/MODEL.md sections 2 to 4 and docs/MODEL.md sections 5, 7 and 9"
    found = [numbers(m["nums"]) for m in CITATION.finditer(line)]
    assert found == [[2, 3, 4], [5, 7, 9]]
