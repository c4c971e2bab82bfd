"""Tiny helper to write a notebook (nbformat 4.5, tslab kernel, no outputs) from a list of cells.

Usage from a generator: from nbgen import md, code, write; write(path, [md('...'), code('...')]).
Notebooks are committed without outputs; scripts/run-notebooks.ts executes them.
"""
import json
import re


def md(src):
    return {"cell_type": "markdown", "metadata": {}, "source": src.strip("\n")}


def code(src, figure=False):
    meta = {"tags": ["figure"]} if figure else {}
    return {"cell_type": "code", "execution_count": None, "metadata": meta, "outputs": [], "source": src.strip("\n")}


def write(path, cells):
    stem = re.sub(r"[^a-z0-9]+", "-", path.split("/")[-1].split(".")[0].lower())
    out = []
    for i, c in enumerate(cells):
        c = dict(c)
        c["id"] = f"{stem[:40]}-{i}"
        lines = c["source"].split("\n")
        c["source"] = [l + "\n" for l in lines[:-1]] + [lines[-1]]
        out.append(c)
    nb = {
        "cells": out,
        "metadata": {
            "kernelspec": {"display_name": "TypeScript", "language": "typescript", "name": "tslab"},
            "language_info": {"codemirror_mode": {"name": "javascript", "typescript": True}, "file_extension": ".ts",
                              "mimetype": "text/typescript", "name": "typescript"},
        },
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    with open(path, "w") as f:
        json.dump(nb, f, indent=1, ensure_ascii=False)
        f.write("\n")
