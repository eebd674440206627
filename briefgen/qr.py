"""QR codes for the printed brief: paper cannot be clicked, so each link gets a code.

segno draws each code as an inline SVG path (a vector, crisp at any size). The codes
point at the online edition (the briefing's `online_edition`, else the audience's) and at
the sources' URLs, each with a caption and the URL itself in print.
"""

from __future__ import annotations

from dataclasses import dataclass

from markupsafe import Markup

from briefgen.audience import Audience
from briefgen.schema import Briefing

QUIET_ZONE = 4
"""Modules of white border the QR standard asks for around a code."""


@dataclass(frozen=True)
class QrCode:
    url: str
    caption: str
    image: Markup


def qr_links(briefing: Briefing, audience: Audience) -> list[tuple[str, str]]:
    """(url, caption) for the online edition and each source with a URL, each URL once
    (with its first caption), at most the audience's `qr.max_codes`."""
    settings = audience.config.qr
    links: list[tuple[str, str]] = []
    edition = briefing.online_edition or settings.online_edition
    if edition:
        links.append(
            (
                edition.replace("{reference}", briefing.reference or ""),
                settings.online_edition_caption,
            )
        )
    if settings.sources:
        labels = audience.config.labels
        # One source is "the source article"; several are told apart by their ids.
        single = len(briefing.sources) == 1
        links += [
            (source.url, labels.source_article if single else source.id)
            for source in briefing.sources
            if source.url
        ]
        links += [(s.url, labels.further_reading) for s in briefing.further_reading if s.url]
    first = {url: caption for url, caption in reversed(links)}
    return list(dict.fromkeys((url, first[url]) for url, _ in links))[: settings.max_codes]


def qr_image(url: str, audience: Audience) -> Markup:
    """One code as an SVG image (vector paths, with alt text for screen readers)."""
    import segno

    code = segno.make(url, error="m", micro=False)
    source = code.svg_data_uri(
        scale=1, border=QUIET_ZONE, omitsize=True, dark=audience.config.palette.ink
    )
    alt = f"{audience.config.labels.scan_links}: {url}"
    return Markup('<img class="qr-svg" src="{}" alt="{}">').format(source, alt)


def qr_codes(briefing: Briefing, audience: Audience) -> list[QrCode]:
    """The brief's codes, drawn; empty unless the audience prints them on the brief."""
    if not audience.config.qr.brief:
        return []
    return [
        QrCode(url, caption, qr_image(url, audience))
        for url, caption in qr_links(briefing, audience)
    ]


def source_codes(briefing: Briefing, audience: Audience) -> dict[str, Markup]:
    """A code for every source and further-reading URL, for the handout's sources section."""
    if not audience.config.qr.handout:
        return {}
    urls = [s.url for s in [*briefing.sources, *briefing.further_reading] if s.url]
    return {url: qr_image(url, audience) for url in dict.fromkeys(urls)}
