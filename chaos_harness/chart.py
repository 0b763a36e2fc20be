"""PNG chart of the alert's metric over a scenario, with the fault window and alert marks."""
from __future__ import annotations

import io
from datetime import datetime

import matplotlib

matplotlib.use("Agg")
import matplotlib.dates as mdates  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402


def metric_chart(title: str, series: list[dict], *, fault: tuple[float, float | None],
                 marks: dict[str, float | None], threshold: float | None = None, threshold_label: str = "") -> bytes:
    """series: Prometheus matrix items; fault: (injected, remediated); marks: name -> unix time; threshold: the
    rule's comparison value, drawn as a horizontal line when the chart shows the same quantity."""
    fig, ax = plt.subplots(figsize=(9, 3.6), dpi=100)
    for item in series:
        xs = [datetime.fromtimestamp(float(t)) for t, _ in item["values"]]
        ys = [float(v) for _, v in item["values"]]
        label = ",".join(f"{k}={v}" for k, v in sorted(item["metric"].items())) or "value"
        ax.plot(xs, ys, label=label, linewidth=1.6)
    start, end = fault
    if start is not None:
        end_x = end if end is not None else max((float(i["values"][-1][0]) for i in series if i["values"]),
                                                default=start)
        ax.axvspan(datetime.fromtimestamp(start), datetime.fromtimestamp(end_x), color="tab:red", alpha=0.15,
                   label="fault window")
    for name, at in marks.items():
        if at is not None:
            ax.axvline(datetime.fromtimestamp(at), linestyle="--", linewidth=1, color="dimgray")
            ax.annotate(name, (datetime.fromtimestamp(at), 1.0), xycoords=("data", "axes fraction"),
                        rotation=90, va="top", ha="right", fontsize=7, color="dimgray")
    if threshold is not None:
        ax.axhline(threshold, color="tab:orange", linestyle=":", linewidth=1.2, label=f"threshold {threshold:g}")
    ax.set_title(title, fontsize=10)
    if threshold_label:
        ax.set_xlabel(threshold_label[:140], fontsize=7)
    ax.xaxis.set_major_formatter(mdates.DateFormatter("%H:%M:%S"))
    ax.grid(alpha=0.3)
    if series or start is not None:
        ax.legend(fontsize=7, loc="upper left")
    if not series:
        ax.text(0.5, 0.5, "no samples returned", transform=ax.transAxes, ha="center")
    fig.tight_layout()
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    plt.close(fig)
    return buf.getvalue()
