"""Writing a run's report: `report.json`, `report.md`, `report.png`, and a table for stdout."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

from qa.evaluation.metrics import RATE_METRICS

__all__ = ["format_table", "write_report"]

_LABELS = {
    "item_accuracy": "Item accuracy (all items)",
    "answer_accuracy": "Answer accuracy",
    "refusal_accuracy": "Refusal accuracy",
    "false_refusal_rate": "False refusals",
    "recall_at_k": "Recall@k (any evidence)",
    "evidence_recall": "Evidence recall@k (share of quotes)",
    "mrr": "MRR",
    "citation_support": "Citation support",
    "citation_precision": "Citation precision",
    "latency_p50_ms": "Latency p50 (ms)",
    "latency_p95_ms": "Latency p95 (ms)",
    "mean_prompt_tokens": "Mean prompt tokens",
    "mean_new_prompt_tokens": "Mean prompt tokens evaluated (not cached)",
    "errors": "Errors",
}
_KIND_COLUMNS = ("answer_accuracy", "refusal_accuracy", "false_refusal_rate", "recall_at_k", "mrr")


def _fmt(name: str, value: Any) -> str:
    """A metric value for people: rates as percentages, MRR with 3 decimals, `–` when absent."""
    if value is None:
        return "–"
    if name == "mrr":
        return f"{value:.3f}"
    if name in RATE_METRICS or name == "item_accuracy":
        return f"{100 * value:.1f}%"
    if isinstance(value, float):
        return f"{value:.1f}" if name.endswith("prompt_tokens") else f"{value:.0f}"
    return str(value)


def _metric_rows(report: dict[str, Any]) -> list[list[str]]:
    """Rows [label, ours, (baseline)] of the overall metrics."""
    ours = report["ours"]["overall"]
    theirs = report.get("baseline", {}).get("overall")
    rows = []
    for name, label in _LABELS.items():
        row = [label, _fmt(name, ours.get(name))]
        if theirs is not None:
            row.append(_fmt(name, theirs.get(name)))
        rows.append(row)
    return rows


def format_table(report: dict[str, Any]) -> str:
    """The overall metrics as a plain-text table (ours, and the baseline when present)."""
    header = ["Metric", "Ours"] + (["Baseline"] if "baseline" in report else [])
    rows = [header, *_metric_rows(report)]
    widths = [max(len(r[i]) for r in rows) for i in range(len(header))]
    lines = [
        "  ".join(
            cell.ljust(w) if i == 0 else cell.rjust(w)
            for i, (cell, w) in enumerate(zip(row, widths, strict=True))
        )
        for row in rows
    ]
    lines.insert(1, "  ".join("-" * w for w in widths))
    overall = report["ours"]["overall"]
    lines.append(
        f"{overall['items']} items: {overall['answerable']} answerable,"
        f" {overall['unanswerable']} unanswerable"
    )
    stages = report["ours"].get("stages_ms") or {}
    if stages:
        lines.append(
            "Stages p50/p95 ms: "
            + ", ".join(
                f"{name} {_fmt_ms(v['p50'])}/{_fmt_ms(v['p95'])}" for name, v in stages.items()
            )
        )
    return "\n".join(lines)


def _fmt_ms(value: float | None) -> str:
    """Milliseconds as a whole number, or a dash when undefined."""
    return "–" if value is None else f"{value:.0f}"


def _format_markdown(report: dict[str, Any]) -> str:
    """The report as Markdown: settings, overall table, per-kind table, the items missed."""
    s = report["settings"]
    out = [
        "# Evaluation report",
        "",
        f"Backend `{s.get('backend')}`, model `{s.get('model')}`, k={s.get('k')},"
        f" chunk_tokens={s.get('chunk_tokens')}, min_relevance={s.get('min_relevance')}.",
    ]
    if "baseline" in report:
        b = report["baseline"].get("settings", {})
        described = ", ".join(f"{key}={value}" for key, value in b.items())
        out.append(f"Baseline: {described or 'LangChain tutorial pipeline'}.")
    header = ["Metric", "Ours"] + (["Baseline"] if "baseline" in report else [])
    out += ["", *_md_table(header, _metric_rows(report)), "", "## By kind", ""]
    kind_rows = [
        [kind, str(m["items"]), *(_fmt(name, m.get(name)) for name in _KIND_COLUMNS)]
        for kind, m in report["ours"]["by_kind"].items()
    ]
    out += _md_table(["Kind", "Items", *(_LABELS[n] for n in _KIND_COLUMNS)], kind_rows)
    stages = report["ours"].get("stages_ms") or {}
    if stages:
        stage_rows = [
            [name, _fmt_ms(v["p50"]), _fmt_ms(v["p95"]), str(v["items"])]
            for name, v in stages.items()
        ]
        out += ["", "## Latency by stage (ms)", ""]
        out += _md_table(["Stage", "p50", "p95", "Items"], stage_rows)
    missed = [
        f"`{i['id']}`" + (" (error)" if i["error"] else "")
        for i in report["ours"].get("items", [])
        if i["correct"] is False or i["refusal_correct"] is False
    ]
    out += ["", "## Items missed", "", ", ".join(missed) if missed else "None.", ""]
    return "\n".join(out)


def _write_chart(path: Path, report: dict[str, Any]) -> None:
    """A grouped bar chart of the rate metrics: ours, and the baseline when present."""
    from matplotlib.figure import Figure  # no pyplot: no global backend state

    names = list(RATE_METRICS)
    series = [("Ours", report["ours"]["overall"])]
    if "baseline" in report:
        series.append(("Baseline", report["baseline"]["overall"]))
    width = 0.8 / len(series)
    fig = Figure(figsize=(10, 4.5), layout="constrained")
    ax = fig.subplots()
    for i, (label, metrics) in enumerate(series):
        values = [_or_nan(metrics.get(n)) for n in names]
        xs = [x + (i - (len(series) - 1) / 2) * width for x in range(len(names))]
        bars = ax.bar(xs, values, width, label=label)
        ax.bar_label(bars, labels=[_fmt(n, metrics.get(n)) for n in names], fontsize=7)
    ax.set_xticks(range(len(names)), [_LABELS[n] for n in names], rotation=20, ha="right")
    ax.set_ylim(0, 1.25)
    ax.set_ylabel("rate")
    backend = report.get("settings", {}).get("backend") or "pipeline"
    ax.set_title(f"Evaluation: {backend} backend, {report['ours']['overall']['items']} items")
    ax.legend(loc="upper center", ncols=len(series), frameon=False)
    fig.savefig(path, format="png", dpi=100)


def write_report(out_dir: Path, report: dict[str, Any]) -> None:
    """Write `report.json`, `report.md` and `report.png` into `out_dir`."""
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "report.json").write_text(
        json.dumps(report, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    (out_dir / "report.md").write_text(_format_markdown(report), encoding="utf-8")
    _write_chart(out_dir / "report.png", report)


def _md_table(header: list[str], rows: list[list[str]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    return lines + ["| " + " | ".join(row) + " |" for row in rows]


def _or_nan(value: Any) -> float:
    return math.nan if value is None else float(value)
