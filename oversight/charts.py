"""The weekly trend as a small bar chart drawn on the server (inline SVG: no script, prints in the
PDF as it shows on screen)."""

WIDTH, HEIGHT, TOP, BOTTOM, LEFT = 640, 180, 14, 30, 34


def weekly_bars(weeks: list[dict]) -> dict:
    """Geometry of paired bars (received, done) per week, with a y scale of a few round ticks."""
    peak = max([1, *(w["received"] for w in weeks), *(w["done"] for w in weeks)])
    step = _nice(peak / 4)
    top = step * -(-peak // step)
    plot_h = HEIGHT - TOP - BOTTOM
    slot = (WIDTH - LEFT) / max(len(weeks), 1)
    bar = max(slot * 0.38, 1)

    def y(value):
        return TOP + plot_h - plot_h * value / top

    bars = []
    for i, w in enumerate(weeks):
        x = LEFT + i * slot + slot * 0.1
        bars.append(
            {
                "week": w["week"],
                "monday": w["monday"],
                "label": w["week"][-3:],
                "label_x": round(x + bar, 1),
                "received": w["received"],
                "done": w["done"],
                "rx": round(x, 1),
                "ry": round(y(w["received"]), 1),
                "rh": round(TOP + plot_h - y(w["received"]), 1),
                "dx": round(x + bar, 1),
                "dy": round(y(w["done"]), 1),
                "dh": round(TOP + plot_h - y(w["done"]), 1),
            }
        )
    ticks = [{"value": v, "y": round(y(v), 1)} for v in range(0, int(top) + 1, int(step))]
    return {
        "width": WIDTH,
        "height": HEIGHT,
        "left": LEFT,
        "base": TOP + plot_h,
        "bar": round(bar, 1),
        "bars": bars,
        "ticks": ticks,
        "label_y": HEIGHT - 10,
    }


def _nice(raw: float) -> int:
    for candidate in (1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000, 2000, 2500, 5000, 10000):
        if candidate >= raw:
            return candidate
    return int(raw) + 1
