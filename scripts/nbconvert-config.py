# nbconvert config for scripts/run-notebooks.ts (loaded with `jupyter nbconvert --config <this file>`).
#
# tslab answers a failed cell with status "error" but no ename/evalue/traceback (the message is on
# the cell's stderr), so nbconvert's own error would not say what went wrong. Instead the run
# continues (allow_errors) and this hook appends a standard "error" output to the failing cell,
# carrying the stderr text: the executed notebook, its HTML export and run-notebooks.ts all see it.
import re

from nbformat.v4 import new_output


def _mark_error(cell, cell_index, execute_reply, **kwargs):
    stderr = "".join(
        o.get("text", "") if isinstance(o.get("text", ""), str) else "".join(o.get("text", []))
        for o in cell.get("outputs", [])
        if o.get("output_type") == "stream" and o.get("name") == "stderr"
    )
    content = execute_reply.get("content", {}) if execute_reply else {}
    if any(o.get("output_type") == "error" for o in cell.get("outputs", [])):
        return
    lines = [l for l in stderr.strip().splitlines() if l.strip()][-40:]
    # The headline: a "SomeError: message" line, else a TypeScript diagnostic ("3:7 - ..."), else the first line.
    headline = next((l for l in lines if re.match(r"^\w*(Error|Exception)\b.*:", l)), None) or next(
        (l for l in lines if re.match(r"^\d+:\d+ - ", l)), None
    ) or (lines[0] if lines else "the kernel reported an error (no message)")
    cell.outputs.append(
        new_output(
            "error",
            ename=content.get("ename") or "CellError",
            evalue=content.get("evalue") or headline.strip(),
            traceback=lines,
        )
    )


c = get_config()  # noqa: F821 (provided by traitlets when loading a config file)
c.ExecutePreprocessor.allow_errors = True
c.ExecutePreprocessor.on_cell_error = _mark_error
