"""HTML reports people look at: ROC curve, confusion matrix and metrics, self-contained."""

from __future__ import annotations

import base64
import html
import io

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt

from nivesh.evaluation import Evaluation


def _png(fig: plt.Figure) -> str:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110, bbox_inches="tight")
    plt.close(fig)
    return base64.b64encode(buf.getvalue()).decode()


def roc_png(ev: Evaluation, title: str) -> str:
    fig, ax = plt.subplots(figsize=(4.6, 4.2))
    assert ev.roc is not None
    ax.plot(ev.roc["fpr"], ev.roc["tpr"], lw=2, label=f"AUC = {ev.metrics['auc']:.3f}")
    ax.plot([0, 1], [0, 1], ls="--", c="grey", lw=1, label="chance")
    ax.set(
        xlabel="False positive rate",
        ylabel="True positive rate",
        title=title,
        xlim=(0, 1),
        ylim=(0, 1.01),
    )
    ax.legend(loc="lower right")
    return _png(fig)


def confusion_png(ev: Evaluation) -> str:
    cm = ev.confusion or [[0]]
    n = len(cm)
    size = max(4.2, 0.45 * n + 2)
    fig, ax = plt.subplots(figsize=(size, size * 0.9))
    ax.imshow(cm, cmap="Blues")
    top = max(max(row) for row in cm) or 1
    if n <= 16:  # numbers stay readable up to about this many classes
        for i in range(n):
            for j in range(n):
                colour = "white" if cm[i][j] > top / 2 else "black"  # readable on dark and light cells
                ax.text(j, i, f"{cm[i][j]:,}", ha="center", va="center", fontsize=13 if n <= 3 else 8, color=colour)
    labels = ev.labels or [str(i) for i in range(n)]
    ax.set_xticks(
        range(n), [f"pred {x}" for x in labels], rotation=45 if n > 3 else 0, ha="right" if n > 3 else "center"
    )
    ax.set_yticks(range(n), [f"true {x}" for x in labels])
    title = "Confusion matrix"
    if "threshold" in ev.metrics:
        title += f" at threshold {ev.metrics['threshold']:.2f}"
    ax.set_title(title)
    return _png(fig)


def evaluation_html(model: str, version: str, ev: Evaluation, gate: str, passed: bool) -> str:
    """One self-contained page: gate verdict, ROC / confusion matrix / other figures, metrics."""
    rows = "".join(f"<tr><td>{html.escape(k)}</td><td>{v:,.4f}</td></tr>" for k, v in sorted(ev.metrics.items()))
    verdict = "passed" if passed else "FAILED"
    colour = "#1a7f37" if passed else "#cf222e"
    images = []
    if ev.roc is not None and "auc" in ev.metrics:
        images.append(("ROC curve", roc_png(ev, model)))
    if ev.confusion is not None:
        images.append(("Confusion matrix", confusion_png(ev)))
    images.extend(ev.figures.items())
    imgs = "".join(f'<img alt="{html.escape(t)}" src="data:image/png;base64,{b}">' for t, b in images)
    notes = "".join(f"<li>{html.escape(n)}</li>" for n in ev.notes)
    return f"""<!doctype html><html><head><meta charset="utf-8">
<title>{html.escape(model)} {html.escape(version)} evaluation</title>
<style>body{{font-family:system-ui,sans-serif;margin:2rem;color:#222}}
table{{border-collapse:collapse}}td{{border:1px solid #ddd;padding:.3rem .8rem}}
.gate{{color:{colour};font-weight:600}} img{{margin-right:1.5rem;max-width:100%}}</style></head><body>
<h1>{html.escape(model)} {html.escape(version)}: held-out evaluation</h1>
<p class="gate">Quality gate {html.escape(gate)}: {verdict}</p>
<div>{imgs}</div>{f"<ul>{notes}</ul>" if notes else ""}
<h2>Metrics</h2><table>{rows}</table></body></html>"""
