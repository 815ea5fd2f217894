"""nbconvert preprocessor used by notebooks/run.sh: ExecutePreprocessor that keeps reading a cell's outputs briefly
after the kernel reports idle.

Why: Deno's Jupyter kernel (2.x) sends a cell's rich outputs (display_data, and execute_result, which it also
publishes through Deno.jupyter.display) from the JavaScript runtime, and its `status: idle` from the kernel
server after a fixed 5 ms pause. On a busy machine an output can reach the frontend after the idle message;
nbclient stops reading a cell at idle and drops anything later, so the executed notebook would randomly miss
outputs. This class keeps reading messages of the same cell for `linger` seconds of silence after idle.

Usage (what run.sh does):
    jupyter-nbconvert --to notebook \
      --NotebookExporter.preprocessors=linger_execute.LingerExecutePreprocessor \
      --LingerExecutePreprocessor.enabled=True --ExecutePreprocessor.kernel_name=deno nb.ipynb
with this folder on PYTHONPATH. Not `--execute`: that would also run the stock ExecutePreprocessor.
"""

from queue import Empty

from nbclient.exceptions import CellExecutionComplete
from nbclient.util import ensure_async
from nbconvert.preprocessors import ExecutePreprocessor
from traitlets import Float


class LingerExecutePreprocessor(ExecutePreprocessor):
    linger = Float(
        0.25,
        help="Seconds of silence to wait for late outputs of a cell after the kernel reported idle.",
    ).tag(config=True)

    async def _async_poll_output_msg(self, parent_msg_id, cell, cell_index):
        assert self.kc is not None
        idle = False
        while True:
            try:
                msg = await ensure_async(self.kc.iopub_channel.get_msg(timeout=self.linger if idle else None))
            except Empty:
                return
            if msg["parent_header"].get("msg_id") != parent_msg_id:
                continue
            try:
                self.process_message(msg, cell, cell_index)
            except CellExecutionComplete:
                idle = True
