"""Plain classification metrics (kept here so evaluation needs nothing extra)."""

from __future__ import annotations


def per_class(gold: list[str], pred: list[str], labels: list[str]) -> dict[str, dict[str, float]]:
    out = {}
    for label in labels:
        tp = sum(g == label and p == label for g, p in zip(gold, pred))
        fp = sum(g != label and p == label for g, p in zip(gold, pred))
        fn = sum(g == label and p != label for g, p in zip(gold, pred))
        precision = tp / (tp + fp) if tp + fp else 0.0
        recall = tp / (tp + fn) if tp + fn else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        out[label] = {"precision": precision, "recall": recall, "f1": f1, "support": tp + fn}
    return out


def macro_f1(gold: list[str], pred: list[str], labels: list[str]) -> float:
    scores = per_class(gold, pred, labels)
    return sum(s["f1"] for s in scores.values()) / len(labels) if labels else 0.0


def binary_f1(gold: list[bool], pred: list[bool]) -> float:
    g = ["y" if x else "n" for x in gold]
    p = ["y" if x else "n" for x in pred]
    return per_class(g, p, ["y"])["y"]["f1"]


def confusion(gold: list[str], pred: list[str], labels: list[str]) -> list[list[int]]:
    index = {label: i for i, label in enumerate(labels)}
    matrix = [[0] * len(labels) for _ in labels]
    for g, p in zip(gold, pred):
        if g in index and p in index:
            matrix[index[g]][index[p]] += 1
    return matrix


def direction(gold: list[str], pred: list[str], framings: list[str]) -> float:
    """A-vs-B direction: of the texts whose gold and predicted labels are both a
    reference framing, the share where they agree (is the framing read the right way round)."""
    pairs = [(g, p) for g, p in zip(gold, pred) if g in framings and p in framings]
    return sum(g == p for g, p in pairs) / len(pairs) if pairs else 0.0


def bootstrap_interval(gold: list, pred: list, statistic, n: int = 1000, seed: int = 0) -> tuple[float, float]:
    """Percentile 95% interval of statistic(gold, pred) over `n` resamples of the
    texts (fixed seed: the same report twice prints the same interval)."""
    import numpy as np

    if not gold:
        return (0.0, 0.0)
    rng = np.random.default_rng(seed)
    values = []
    for _ in range(n):
        idx = rng.integers(0, len(gold), len(gold))
        values.append(statistic([gold[i] for i in idx], [pred[i] for i in idx]))
    lo, hi = np.percentile(values, [2.5, 97.5])
    return (float(lo), float(hi))
