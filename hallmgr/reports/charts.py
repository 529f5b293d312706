"""Bar charts drawn as SVG by the template: this computes the geometry, pure."""

from dataclasses import dataclass


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    label: str
    value: int


def bar_chart(
    points: list[tuple[str, int]], *, width: int = 600, height: int = 160, gap: float = 2
) -> list[Bar]:
    """Vertical bars filling `width`, scaled to the largest value (0 when all are 0)."""
    if not points:
        return []
    top = max(value for _label, value in points) or 1
    step = width / len(points)
    bars = []
    for index, (label, value) in enumerate(points):
        h = round(height * max(value, 0) / top, 1)
        bars.append(
            Bar(
                x=round(index * step + gap / 2, 1),
                y=round(height - h, 1),
                width=round(max(step - gap, 1), 1),
                height=h,
                label=label,
                value=value,
            )
        )
    return bars
