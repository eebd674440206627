"""Concatenate tagged PDFs into one, keeping structure, links and outlines; lay stamps over.

qpdf (through pikepdf) copies the pages. What a plain concatenation loses is kept here:
each part's structure tree goes under one Document element with its parent-tree keys
renumbered, named destinations become explicit ones, and each part's outline can be
nested under an entry of the new one. A part may be scaled down about its centre to free
the page edges, and stamps are drawn over each page as pagination artifacts, so the
result stays a tagged PDF.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import pikepdf
from pikepdf import Array, Dictionary, Name, NumberTree, OutlineItem, PageLocation, Pdf, String


@dataclass
class Bookmark:
    """An outline entry: a title and where it points, with entries nested under it."""

    title: str
    page: int
    top: float | None = None
    left: float | None = None
    children: list[Bookmark] = field(default_factory=list)


@dataclass(frozen=True)
class Transform:
    """Uniform scaling about the page centre: (x, y) → (x·s + dx, y·s + dy)."""

    scale: float
    dx: float
    dy: float

    @classmethod
    def about_centre(cls, page: pikepdf.Page, scale: float) -> Transform:
        x0, y0, x1, y1 = (float(v) for v in page.mediabox)
        return cls(scale, (x0 + x1) * (1 - scale) / 2, (y0 + y1) * (1 - scale) / 2)

    def point(self, x: float, y: float) -> tuple[float, float]:
        return x * self.scale + self.dx, y * self.scale + self.dy

    def operator(self) -> bytes:
        s, dx, dy = (_number(v) for v in (self.scale, self.dx, self.dy))
        return f"q {s} 0 0 {s} {dx} {dy} cm\n".encode()


def _number(value: float) -> str:
    """A PDF number with fixed precision, so equal input gives equal bytes."""
    return f"{value:.4f}".rstrip("0").rstrip(".")


class Assembler:
    """Builds one PDF from parts, page by page."""

    def __init__(self) -> None:
        self.pdf = Pdf.new()
        self.kids = Array()
        self.document = self.pdf.make_indirect(
            Dictionary(Type=Name.StructElem, S=Name.Document, K=self.kids)
        )
        self.parent_tree: dict[int, Any] = {}
        self.next_key = 0
        self.namespaces = Array()

    @property
    def page_count(self) -> int:
        return len(self.pdf.pages)

    def add_blank(self, width: float, height: float) -> int:
        """A page with nothing on it (stamps may follow); returns its index."""
        self.pdf.add_blank_page(page_size=(width, height))
        return self.page_count - 1

    def add_part(
        self, data: bytes, scale: float = 1.0, language: str | None = None
    ) -> list[Bookmark]:
        """Append every page of the PDF `data`; returns its outline, pointing into the pack.

        The part's structure root becomes a Part element under the pack's Document.
        """
        source = Pdf.open(io.BytesIO(data))
        first = self.page_count
        transforms = [Transform.about_centre(page, scale) for page in source.pages]
        _resolve_named_destinations(source)
        outline = _read_outline(source, first, transforms)
        if scale != 1.0:
            for page, transform in zip(source.pages, transforms, strict=True):
                _scale_page(source, page, transform)
        key_offset = self.next_key
        for page in source.pages:
            _offset_struct_keys(page, key_offset)
            self.pdf.pages.append(page)
        root = source.Root.get("/StructTreeRoot")
        if root is not None:
            self._adopt_structure(source, root, key_offset, transforms[0] if scale != 1 else None)
        part_language = language or _text(source.Root.get("/Lang"))
        if part_language and self.kids:
            self.kids[len(self.kids) - 1].Lang = String(part_language)
        return outline

    def _copy(self, value: Any) -> Any:
        """`value` in the result: indirect objects through qpdf's copier, which maps each
        source object (pages included) to one copy; direct containers item by item."""
        if isinstance(value, pikepdf.Object) and value.is_indirect:
            return self.pdf.copy_foreign(value)
        if isinstance(value, Array):
            return Array([self._copy(item) for item in value])
        if isinstance(value, Dictionary):
            return Dictionary({key: self._copy(item) for key, item in value.items()})
        return value

    def _adopt_structure(
        self, source: Pdf, root: Any, offset: int, transform: Transform | None
    ) -> None:
        found = root.get("/K")
        tops: list[Any] = [found] if isinstance(found, Dictionary) else list(found or [])
        if transform is not None:
            for element in _elements(tops):
                _scale_bbox(element, transform)
        copied = [self._copy(top) for top in tops]
        if len(copied) == 1 and copied[0].get("/S") == Name.Document:
            part = copied[0]
            part.S = Name.Part
        else:
            part = self.pdf.make_indirect(Dictionary(Type=Name.StructElem, S=Name.Part, K=Array()))
            for top in copied:
                top.P = part
                part.K.append(top)
        part.P = self.document
        self.kids.append(part)
        largest = -1
        for key, value in NumberTree(root.ParentTree).items():
            self.parent_tree[int(key) + offset] = self._copy(value)
            largest = max(largest, int(key))
        self.next_key = offset + max(largest + 1, int(root.get("/ParentTreeNextKey", 0)))
        for namespace in root.get("/Namespaces", []):
            copied_namespace = self._copy(namespace)
            if all(copied_namespace.objgen != n.objgen for n in self.namespaces):
                self.namespaces.append(copied_namespace)

    def finish(
        self,
        outline: list[Bookmark],
        info: dict[str, str],
        language: str,
        ua_part: int | None = None,
    ) -> Pdf:
        """Write the structure root, outline and document information into the result.

        The XMP packet repeats the information and, with `ua_part`, declares PDF/UA.
        """
        pdf = self.pdf
        if self.kids:
            root = Dictionary(
                Type=Name.StructTreeRoot,
                K=Array([self.document]),
                ParentTree=pdf.make_indirect(Dictionary(Nums=Array())),
                ParentTreeNextKey=self.next_key,
            )
            if self.namespaces:
                root.Namespaces = self.namespaces
                self.document.NS = self.namespaces[0]
            tree = NumberTree.new(pdf)
            for key in sorted(self.parent_tree):
                tree[key] = self.parent_tree[key]
            root.ParentTree = tree.obj
            pdf.Root.StructTreeRoot = pdf.make_indirect(root)
            self.document.P = pdf.Root.StructTreeRoot
            pdf.Root.MarkInfo = Dictionary(Marked=True)
        pdf.Root.Lang = String(language)
        pdf.Root.ViewerPreferences = Dictionary(DisplayDocTitle=True)
        pdf.Root.PageMode = Name.UseOutlines
        with pdf.open_outline() as target:
            target.root.extend(_outline_items(outline))
        for field_name, value in info.items():
            pdf.docinfo[Name("/" + field_name)] = String(value)
        with pdf.open_metadata(set_pikepdf_as_editor=False) as metadata:
            metadata.load_from_docinfo(pdf.docinfo)
            if ua_part is not None:
                metadata["pdfuaid:part"] = str(ua_part)
        return pdf


def stamp(data: bytes, stamps: bytes) -> bytes:
    """Draw page i of the PDF `stamps` over page i of the PDF `data`, as an artifact."""
    pdf = Pdf.open(io.BytesIO(data))
    overlay = Pdf.open(io.BytesIO(stamps))
    if len(overlay.pages) != len(pdf.pages):
        raise ValueError(f"{len(overlay.pages)} stamp pages for {len(pdf.pages)} pages")
    for page, mark in zip(pdf.pages, overlay.pages, strict=True):
        form = pdf.copy_foreign(mark.as_form_xobject())
        taken = set(page.resources.get("/XObject", {}).keys())
        name = next(n for i in range(len(taken) + 1) if (n := f"/BriefgenStamp{i}") not in taken)
        page.add_resource(form, Name.XObject, Name(name))
        # The page's own drawing may leave the coordinate system changed (WeasyPrint
        # flips it without saving), so it is wrapped in q/Q before the stamp is drawn.
        page.contents_add(pikepdf.Stream(pdf, b"q\n"), prepend=True)
        drawing = b"\nQ\n/Artifact <</Type /Pagination>> BDC q " + name.encode() + b" Do Q EMC\n"
        page.contents_add(pikepdf.Stream(pdf, drawing), prepend=False)
    return save(pdf)


def save(pdf: Pdf) -> bytes:
    """The PDF's bytes; the file identifier is derived from the content, never random."""
    stream = io.BytesIO()
    pdf.save(
        stream,
        deterministic_id=True,
        object_stream_mode=pikepdf.ObjectStreamMode.generate,
        compress_streams=True,
    )
    return stream.getvalue()


def _text(value: Any) -> str | None:
    return str(value) if value is not None else None


def _elements(nodes: list[Any]) -> Iterator[Dictionary]:
    """Every structure element under `nodes`, depth first."""
    pending = list(nodes)
    seen: set[tuple[int, int]] = set()
    while pending:
        node = pending.pop()
        if not isinstance(node, Dictionary) or node.get("/Type") not in (None, Name.StructElem):
            continue
        if node.is_indirect:
            if node.objgen in seen:
                continue
            seen.add(node.objgen)
        yield node
        kids = node.get("/K")
        if isinstance(kids, Array):
            pending.extend(kids)
        elif isinstance(kids, Dictionary):
            pending.append(kids)


def _scale_bbox(element: Dictionary, transform: Transform) -> None:
    attributes = element.get("/A")
    for attribute in [attributes] if isinstance(attributes, Dictionary) else (attributes or []):
        if isinstance(attribute, Dictionary) and "/BBox" in attribute:
            x0, y0, x1, y1 = (float(v) for v in attribute.BBox)
            attribute.BBox = Array(
                [Decimal(_number(v)) for v in (*transform.point(x0, y0), *transform.point(x1, y1))]
            )


def _offset_struct_keys(page: pikepdf.Page, offset: int) -> None:
    if offset == 0:
        return
    if "/StructParents" in page.obj:
        page.obj.StructParents = int(page.obj.StructParents) + offset
    for annotation in page.obj.get("/Annots", []):
        if "/StructParent" in annotation:
            annotation.StructParent = int(annotation.StructParent) + offset


def _named_destinations(source: Pdf) -> dict[str, Any]:
    names = source.Root.get("/Names")
    if names is None or "/Dests" not in names:
        return {}
    return {str(k): v for k, v in pikepdf.NameTree(names.Dests).items()}


def _resolve_named_destinations(source: Pdf) -> None:
    """Links that name a destination point at it directly, since names do not merge."""
    named = _named_destinations(source)
    for page in source.pages:
        for annotation in page.obj.get("/Annots", []):
            target = annotation.get("/Dest")
            if isinstance(target, String | Name) and str(target).lstrip("/") in named:
                annotation.Dest = _explicit(named[str(target).lstrip("/")])
            action = annotation.get("/A")
            if isinstance(action, Dictionary) and action.get("/S") == Name.GoTo:
                target = action.get("/D")
                if isinstance(target, String | Name) and str(target).lstrip("/") in named:
                    action.D = _explicit(named[str(target).lstrip("/")])


def _explicit(destination: Any) -> Array:
    if isinstance(destination, Dictionary):
        destination = destination.D
    return Array(list(destination))


def _scale_page(source: Pdf, page: pikepdf.Page, transform: Transform) -> None:
    """Shrink the page's drawing about its centre, and its links and destinations with it."""
    page.contents_add(pikepdf.Stream(source, transform.operator()), prepend=True)
    page.contents_add(pikepdf.Stream(source, b"\nQ\n"), prepend=False)
    for annotation in page.obj.get("/Annots", []):
        if "/Rect" in annotation:
            x0, y0, x1, y1 = (float(v) for v in annotation.Rect)
            annotation.Rect = _numbers([*transform.point(x0, y0), *transform.point(x1, y1)])
        if "/QuadPoints" in annotation:
            values = [float(v) for v in annotation.QuadPoints]
            points = [transform.point(values[i], values[i + 1]) for i in range(0, len(values), 2)]
            annotation.QuadPoints = _numbers([c for p in points for c in p])
        for holder in (annotation, annotation.get("/A")):
            if isinstance(holder, Dictionary):
                for key in ("/Dest", "/D"):
                    target = holder.get(key)
                    if isinstance(target, Array):
                        holder[key] = _scaled_destination(source, target, transform)


def _scaled_destination(source: Pdf, target: Array, transform: Transform) -> Array:
    """An /XYZ destination with its coordinates moved as the target page was."""
    if len(target) == 5 and target[1] == Name.XYZ:
        left = float(target[2]) if target[2] is not None else 0.0
        top = float(target[3]) if target[3] is not None else 0.0
        x, y = transform.point(left, top)
        return Array([target[0], Name.XYZ, Decimal(_number(x)), Decimal(_number(y)), target[4]])
    return target


def _numbers(values: list[float]) -> Array:
    return Array([Decimal(_number(v)) for v in values])


def _read_outline(source: Pdf, first: int, transforms: list[Transform]) -> list[Bookmark]:
    """The part's outline with page numbers in the pack and coordinates as scaled."""
    pages: dict[tuple[int, int], int] = {
        page.obj.objgen: index for index, page in enumerate(source.pages)
    }
    named = _named_destinations(source)

    def convert(item: OutlineItem) -> Bookmark | None:
        target: Any = item.destination
        if isinstance(target, String | Name):
            target = named.get(str(target).lstrip("/"))
        if isinstance(target, Dictionary):
            target = target.get("/D")
        if target is None and item.action is not None:
            target = item.action.get("/D")
        if not isinstance(target, Array) or len(target) < 2:
            return None
        page = target[0]
        index = pages.get(page.objgen) if isinstance(page, Dictionary) else None
        if index is None:
            return None
        top = left = None
        if len(target) == 5 and target[1] == Name.XYZ:
            left, top = transforms[index].point(
                float(target[2] or 0), float(target[3] if target[3] is not None else 0)
            )
        bookmark = Bookmark(str(item.title), first + index, top, left)
        bookmark.children = [b for child in item.children if (b := convert(child)) is not None]
        return bookmark

    with source.open_outline() as outline:
        return [b for item in outline.root if (b := convert(item)) is not None]


def _outline_items(bookmarks: list[Bookmark]) -> list[OutlineItem]:
    items = []
    for bookmark in bookmarks:
        if bookmark.top is not None:
            item = OutlineItem(
                bookmark.title,
                bookmark.page,
                PageLocation.XYZ,
                left=float(_number(bookmark.left or 0)),
                top=float(_number(bookmark.top)),
            )
        else:
            item = OutlineItem(bookmark.title, bookmark.page, PageLocation.Fit)
        item.children.extend(_outline_items(bookmark.children))
        items.append(item)
    return items
