"""HTML reports people look at: ROC curve, confusion matrix and metrics, self-contained."""

from __future__ import annotations

import base64
import html
import io

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt

from nivesh.families.xgb_classifier import Evaluation


def _png(fig: plt.Figure) -> str:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110, bbox_inches="tight")
    plt.close(fig)
    return base64.b64encode(buf.getvalue()).decode()


def roc_png(ev: Evaluation, title: str) -> str:
    fig, ax = plt.subplots(figsize=(4.6, 4.2))
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
    fig, ax = plt.subplots(figsize=(4.2, 3.8))
    cm = ev.confusion
    ax.imshow(cm, cmap="Blues")
    top = max(max(row) for row in cm)
    for i in range(2):
        for j in range(2):
            colour = "white" if cm[i][j] > top / 2 else "black"  # readable on dark and light cells
            ax.text(j, i, f"{cm[i][j]:,}", ha="center", va="center", fontsize=13, color=colour)
    ax.set_xticks([0, 1], [f"pred {ev.labels[0]}", f"pred {ev.labels[1]}"])
    ax.set_yticks([0, 1], [f"true {ev.labels[0]}", f"true {ev.labels[1]}"])
    ax.set_title(f"Confusion matrix at threshold {ev.metrics['threshold']:.2f}")
    return _png(fig)


def classification_html(model: str, version: str, ev: Evaluation, gate: str, passed: bool) -> str:
    rows = "".join(f"<tr><td>{html.escape(k)}</td><td>{v:,.4f}</td></tr>" for k, v in sorted(ev.metrics.items()))
    verdict = "passed" if passed else "FAILED"
    colour = "#1a7f37" if passed else "#cf222e"
    return f"""<!doctype html><html><head><meta charset="utf-8">
<title>{html.escape(model)} {html.escape(version)} evaluation</title>
<style>body{{font-family:system-ui,sans-serif;margin:2rem;color:#222}}
table{{border-collapse:collapse}}td{{border:1px solid #ddd;padding:.3rem .8rem}}
.gate{{color:{colour};font-weight:600}} img{{margin-right:1.5rem}}</style></head><body>
<h1>{html.escape(model)} {html.escape(version)}: held-out evaluation</h1>
<p class="gate">Quality gate {html.escape(gate)}: {verdict}</p>
<div><img alt="ROC curve" src="data:image/png;base64,{roc_png(ev, model)}">
<img alt="Confusion matrix" src="data:image/png;base64,{confusion_png(ev)}"></div>
<h2>Metrics</h2><table>{rows}</table></body></html>"""
