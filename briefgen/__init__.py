"""briefgen: printable policy briefs and handouts from one structured content file.

The pipeline is load → validate → render_html → typeset; `build.build_briefing`
runs it for one briefing and one audience.
"""

__version__ = "0.1.0"
