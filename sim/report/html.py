"""The report's HTML primitives: escaping, headings, embedded figures, the names of runs and outputs."""

from __future__ import annotations

import base64
import html
import io
from pathlib import Path
from typing import Any

from sim.common.variables import OUTPUTS


def e(text: Any) -> str:
    """Escape any value for HTML text or attributes."""
    return html.escape(str(text), quote=True)


def run_title(result) -> str:
    """The scenario title of a run, or its name."""
    return str((result.scenario or {}).get("title") or result.name)


def heading_tag(level: int, anchor: str, text: str) -> str:
    """``<hN id="anchor">text</hN>``."""
    return f'<h{level} id="{e(anchor)}">{e(text)}</h{level}>'


def output_label(output: str) -> str:
    """The output's short title (sim/common/variables.py)."""
    return OUTPUTS[output].title if output in OUTPUTS else output.replace("_", " ").capitalize()


def png_bytes(path: Path) -> bytes:
    """The PNG reduced to a 256-colour palette (median cut, no dithering): the same picture at a third of
    the size, so that the report stays small enough to email. The original is kept if that fails."""
    raw = Path(path).read_bytes()
    try:
        from PIL import Image

        with Image.open(io.BytesIO(raw)) as image:
            reduced = image.convert("RGB").quantize(colors=256, method=Image.Quantize.MEDIANCUT,
                                                    dither=Image.Dither.NONE)
            buffer = io.BytesIO()
            reduced.save(buffer, "PNG", compress_level=6)
        small = buffer.getvalue()
        return small if len(small) < len(raw) else raw
    except Exception:  # Pillow missing or an unusual file: embed it as it is
        return raw


def img_tag(path: Path, alt: str) -> str:
    data = base64.b64encode(png_bytes(path)).decode("ascii")
    return f'<img src="data:image/png;base64,{data}" alt="{e(alt)}">'


def figure_tag(path: Path, alt: str, caption: str) -> str:
    return f"<figure>{img_tag(path, alt)}<figcaption>{e(caption)}</figcaption></figure>"
