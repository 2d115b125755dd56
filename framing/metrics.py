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
