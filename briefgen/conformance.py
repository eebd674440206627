"""PDF/UA and PDF/A: the standard an audience declares, and the tagging WeasyPrint leaves out.

WeasyPrint writes one `pdf_variant` at a time and tags the structure itself. Three things
it does not do are done here, in the one place that touches its tagging internals:

- **Both families at once.** PDF/A-2/3 and PDF/UA-1 share PDF 1.7 (PDF/A-4 and PDF/UA-2
  share PDF 2.0), so a document can claim one of each: WeasyPrint writes the PDF/A variant
  and this module adds the PDF/UA identification (`pdfuaid:part`) to the same XMP packet.
- **Page furniture as artifacts.** WeasyPrint tags the text of page margin boxes (running
  headers, "Page X of Y", markings) as content but leaves it outside the structure tree.
  Generated margin text becomes `/Artifact` marked content; a running element (real HTML
  an audience template moves into the margin with `position: running()`) joins the tree at
  the end of its page.
  Images with `alt=""` (decorative) become artifacts too.
- **Header scope.** `<th scope="col">` and `scope="row"` become the `/Scope` attribute.
- **Languages.** Every structure element whose HTML element has a `lang` different from
  the language it inherits gets its own `/Lang`.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, Literal, get_args

PdfStandard = Literal[
    "ua-1",
    "ua-2",
    "a-1b",
    "a-1a",
    "a-2b",
    "a-2u",
    "a-2a",
    "a-3b",
    "a-3u",
    "a-3a",
    "a-4u",
    "a-4e",
    "a-4f",
]
"""The standards WeasyPrint 70 can write (its `pdf_variant` values without `pdf/`)."""
PDF_STANDARDS: tuple[str, ...] = get_args(PdfStandard)
DEFAULT_STANDARD: PdfStandard = "ua-1"

PDF_VERSION_OF: dict[str, str] = {
    "ua-1": "1.7",
    "ua-2": "2.0",
    "a-1": "1.4",
    "a-2": "1.7",
    "a-3": "1.7",
    "a-4": "2.0",
}
"""The PDF version each family is built on: two standards combine only on the same one."""

PDFUAID_NAMESPACE = "http://www.aiim.org/pdfua/ns/id/"


def family(standard: str) -> str:
    """`ua-1` → `ua-1`, `a-3b` → `a-3`: what fixes the PDF version."""
    return standard if standard.startswith("ua-") else standard[:3]


def combination_problem(standards: list[str]) -> str | None:
    """Why these standards cannot be written into one file; None if they can."""
    accessibility = [s for s in standards if s.startswith("ua-")]
    archival = [s for s in standards if s.startswith("a-")]
    if not standards:
        return f"name at least one standard, e.g. {DEFAULT_STANDARD}"
    if len(accessibility) > 1 or len(archival) > 1:
        return "a file claims at most one PDF/UA part and one PDF/A level; keep one of each"
    if accessibility and archival:
        ua, a = accessibility[0], archival[0]
        if PDF_VERSION_OF[family(ua)] != PDF_VERSION_OF[family(a)]:
            partners = [s for s in PDF_STANDARDS if s.startswith("a-") and combination_ok(ua, s)]
            return (
                f"{ua} (PDF {PDF_VERSION_OF[family(ua)]}) cannot be combined with {a} "
                f"(PDF {PDF_VERSION_OF[family(a)]}); with {ua} use one of {', '.join(partners)}"
            )
    return None


def combination_ok(ua: str, a: str) -> bool:
    return PDF_VERSION_OF[family(ua)] == PDF_VERSION_OF[family(a)]


def pdf_variant(standards: list[str]) -> str:
    """The WeasyPrint `pdf_variant` that writes these standards (PDF/A first: it needs more)."""
    archival = [s for s in standards if s.startswith("a-")]
    return f"pdf/{(archival or standards)[0]}"


def extra_ua_part(standards: list[str]) -> int | None:
    """The PDF/UA part this module must add itself, when WeasyPrint writes PDF/A."""
    accessibility = [s for s in standards if s.startswith("ua-")]
    if accessibility and any(s.startswith("a-") for s in standards):
        return int(accessibility[0].split("-")[1])
    return None


def finisher(standards: list[str]) -> Any:
    """A WeasyPrint `finisher`: redundant languages pruned, the XMP identification completed."""
    part = extra_ua_part(standards)

    def finish(document: Any, pdf: Any) -> None:
        drop_inherited_languages(pdf)
        if part is not None:
            add_ua_identification(pdf, part)

    return finish


def add_ua_identification(pdf: Any, part: int) -> None:
    """Add `pdfuaid:part` to the XMP packet WeasyPrint wrote for PDF/A."""
    reference = pdf.catalog["Metadata"]
    metadata = pdf.objects[int(reference.split()[0])]
    packet = b"".join(metadata.stream)
    closing = b"</rdf:RDF>"
    if packet.count(closing) != 1:
        raise RuntimeError("unexpected XMP packet from WeasyPrint: no single </rdf:RDF>")
    description = (
        f'<rdf:Description rdf:about="" xmlns:pdfuaid="{PDFUAID_NAMESPACE}" pdfuaid:part="{part}"/>'
    ).encode()
    metadata.stream = [packet.replace(closing, description + closing)]


# --- The structure tree ----------------------------------------------------------------


@contextmanager
def complete_tagging() -> Iterator[None]:
    """While writing a PDF, tag furniture as artifacts and languages on their elements.

    WeasyPrint builds the structure tree with one recursive function; it is wrapped for the
    duration of the write only, and the wrapper calls the original for everything else.
    """
    from weasyprint.pdf import tags

    original = tags._build_box_tree
    tags._build_box_tree = _tagger(original)
    try:
        yield
    finally:
        tags._build_box_tree = original


def _tagger(original: Any) -> Any:
    from weasyprint.formatting_structure import boxes

    def build(
        box: Any,
        parent: Any,
        pdf: Any,
        page_number: int,
        nums: dict[int, Any],
        annotations: list[Any],
        tags: dict[Any, Any],
    ) -> Iterator[Any]:
        if isinstance(box, boxes.MarginBox):
            if any(b.element_tag is not None for b in descendants(box)):
                # A running element: real content that happens to print in the margin.
                for child in box.children:
                    yield from build(child, parent, pdf, page_number, nums, annotations, tags)
            else:
                make_artifacts(descendants(box), pdf, page_number, nums, tags, "Pagination")
            return
        if isinstance(box, boxes.ReplacedBox) and is_decorative(box):
            make_artifacts([box], pdf, page_number, nums, tags, "Layout")
            return
        language = own_language(box)
        scope = HEADER_SCOPES.get(box.element.get("scope", "")) if box.element_tag == "th" else None
        for element in original(box, parent, pdf, page_number, nums, annotations, tags):
            if scope and element.get("S") == "/TH":
                element["A"]["Scope"] = scope
            if language and "Lang" not in element:
                # Elements passed up from `html` and `body` (which make none of their own)
                # keep the language they set. Parents are finished after their children, so
                # whether this differs from what it inherits is decided once the tree is
                # whole, in `drop_inherited_languages`.
                import pydyf

                element["Lang"] = pydyf.String(language)
            yield element

    return build


HEADER_SCOPES = {"col": "/Column", "colgroup": "/Column", "row": "/Row", "rowgroup": "/Row"}
"""HTML `<th scope>` as the PDF table attribute /Scope, which WeasyPrint 70 does not write."""


def descendants(box: Any) -> Iterator[Any]:
    yield box
    for child in getattr(box, "children", ()):
        yield from descendants(child)


def is_decorative(box: Any) -> bool:
    """An `<img alt="">`: the author said it carries no information."""
    element = box.element
    return element is not None and box.element_tag == "img" and element.get("alt") == ""


def own_language(box: Any) -> str | None:
    """The `lang` attribute of the HTML element this box was made for, if it has one."""
    element = box.element
    if element is None or box.element_tag != element.tag:
        return None  # anonymous and pseudo-element boxes inherit
    language = element.get("lang")
    return language or None


def drop_inherited_languages(pdf: Any) -> None:
    """Keep `/Lang` only on elements whose language differs from what they inherit."""
    catalog_language = pdf.catalog.get("Lang")
    root = dereference(pdf, pdf.catalog.get("StructTreeRoot"))
    if root is None:
        return
    stack = [(root, str(catalog_language.string) if catalog_language is not None else None)]
    while stack:
        node, inherited = stack.pop()
        language = inherited
        if "Lang" in node:
            language = str(node["Lang"].string)
            if language == inherited:
                del node["Lang"]
        for kid in node.get("K", ()) if isinstance(node.get("K"), list) else ():
            child = dereference(pdf, kid)
            if child is not None and child.get("Type") == "/StructElem":
                stack.append((child, language))


def dereference(pdf: Any, reference: Any) -> Any:
    if not isinstance(reference, bytes):
        return None
    return pdf.objects[int(reference.split()[0])]


def make_artifacts(
    marked: Iterator[Any] | list[Any],
    pdf: Any,
    page_number: int,
    nums: dict[int, Any],
    tags: dict[Any, Any],
    kind: str,
) -> None:
    """Turn the marked content drawn for `marked` boxes into `/Artifact` sequences."""
    import pydyf

    page = dereference(pdf, pdf.page_references[page_number])
    stream = dereference(pdf, page["Contents"]).stream
    properties = {
        item["MCID"]: index
        for index, item in enumerate(stream)
        if isinstance(item, pydyf.Dictionary) and "MCID" in item
    }
    for box in marked:
        tag = tags.get(box)
        if tag is None or tag["mcid"] not in properties:
            continue  # drawn elsewhere (e.g. a transparency group): WeasyPrint tags it
        index = properties[tag["mcid"]]
        del tags[box]
        stream[index - 1] = "/Artifact"
        stream[index] = pydyf.Dictionary({"Type": f"/{kind}"})
        nums[tag["mcid"]] = b"null"  # keeps later MCIDs at their index in the ParentTree
