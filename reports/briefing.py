"""领导要情 as a one-page PDF: the same :class:`indicators.briefing.Briefing` the page shows,
printed on A4 with the system's Noto CJK fonts (weasyprint)."""

from __future__ import annotations

from html import escape

from indicators.briefing import Briefing
from indicators.text import month_label

CSS = """
@page { size: A4; margin: 18mm 18mm 16mm 18mm;
        @bottom-center { content: "数据大脑 · 领导要情"; font-size: 8pt; color: #5b6b7f; } }
html, body { font-family: "Noto Sans CJK SC", "Noto Sans CJK", sans-serif; font-size: 10.5pt;
             color: #1b2a41; line-height: 1.6; }
h1 { font-family: "Noto Serif CJK SC", serif; font-size: 18pt; margin: 0 0 1mm; }
.sub { color: #5b6b7f; margin: 0 0 4mm; }
.synthetic { border: 1pt solid #9c0006; color: #9c0006; padding: 1.5mm 3mm; margin: 0 0 4mm; }
h2 { font-size: 12pt; color: #0b3d6e; border-bottom: 0.8pt solid #0b3d6e; margin: 4mm 0 2mm;
     padding-bottom: 1mm; }
p { margin: 0 0 1.6mm; }
"""


def briefing_html(b: Briefing, *, synthetic: bool) -> str:
    previous = f"，与 {month_label(b.previous)} 比较" if b.previous else ""
    parts = [
        f"<h1>{escape(b.title)}</h1>",
        f'<p class="sub">{escape(b.plan)} · 数据截至 {month_label(b.as_of)}{previous}</p>',
    ]
    if synthetic:
        parts.append(
            '<p class="synthetic"><strong>模拟数据</strong> 本页数据由程序按规划的基线与目标生成，'
            "仅供演示，不代表真实统计。</p>"
        )
    for section in b.sections:
        parts.append(f"<h2>{escape(section.title)}</h2>")
        parts += [f"<p>{escape(s.text)}</p>" for s in section.sentences]
    body = "\n".join(parts)
    return (
        f'<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><style>{CSS}</style>'
        f"<title>{escape(b.title)}</title></head><body>{body}</body></html>"
    )


def render_briefing_pdf(b: Briefing, *, synthetic: bool) -> bytes:
    import weasyprint

    return weasyprint.HTML(string=briefing_html(b, synthetic=synthetic)).write_pdf(
        pdf_identifier=f"briefing-{b.target_set}-{b.region}-{b.as_of}".encode()
    )


def briefing_filename(b: Briefing, *, synthetic: bool) -> str:
    flag = "_模拟数据" if synthetic else ""
    return f"领导要情_{b.region_zh}_{b.as_of:%Y%m%d}{flag}.pdf"
