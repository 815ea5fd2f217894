#!/usr/bin/env bash
# Execute the notebooks headless with Debian's jupyter-nbconvert and the Deno kernel; fail when a cell errors.
#
#   bash notebooks/run.sh                          # every notebooks/*.ipynb
#   bash notebooks/run.sh notebooks/01-*.ipynb     # some of them
#   bash notebooks/run.sh --out DIR                # where executed copies go (default: test-output/notebooks)
#
# The committed notebooks are never modified: executed copies (with outputs) are written to the output folder.
# The kernelspec, Jupyter runtime/config/data folders and the Deno cache live in a temporary folder that is
# removed on exit (nothing is written to $HOME). HTTP(S) proxies point at a closed local port while the
# notebooks run, so a notebook that needs the network fails here instead of in a user's offline session.
# Exit codes: 0 all notebooks ran, 1 a notebook failed, 2 bad usage, 3 jupyter-nbconvert or Deno is missing.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

out="$root/test-output/notebooks"
notebooks=()
while [ $# -gt 0 ]; do
  case "$1" in
    --out)
      out="${2:?run.sh: --out needs a directory}"
      shift 2
      ;;
    -h | --help)
      sed -n '2,13p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
      exit 0
      ;;
    -*)
      echo "run.sh: unknown option '$1' (expected --out DIR or notebook paths)" >&2
      exit 2
      ;;
    *)
      notebooks+=("$1")
      shift
      ;;
  esac
done
if [ ${#notebooks[@]} -eq 0 ]; then
  shopt -s nullglob
  notebooks=("$root"/notebooks/*.ipynb)
  shopt -u nullglob
fi
if [ ${#notebooks[@]} -eq 0 ]; then
  echo "run.sh: no notebooks found in $root/notebooks" >&2
  exit 2
fi

if command -v jupyter-nbconvert >/dev/null 2>&1; then
  nbconvert=(jupyter-nbconvert)
elif command -v jupyter >/dev/null 2>&1 && jupyter nbconvert --version >/dev/null 2>&1; then
  nbconvert=(jupyter nbconvert)
else
  echo "run.sh: jupyter-nbconvert not found (Debian: apt-get install jupyter-nbconvert python3-ipykernel)" >&2
  exit 3
fi

tmp="$(mktemp -d "${TMPDIR:-/tmp}/fastface-notebooks.XXXXXX")"
trap 'rm -rf "$tmp"' EXIT
if ! bash "$root/notebooks/kernel.sh" --dir "$tmp/kernels" >/dev/null; then
  exit 3
fi
mkdir -p "$out"
out="$(cd "$out" && pwd)"

export JUPYTER_PATH="$tmp/kernels"
export JUPYTER_DATA_DIR="$tmp/data"
export JUPYTER_CONFIG_DIR="$tmp/config"
export JUPYTER_RUNTIME_DIR="$tmp/runtime"
export IPYTHONDIR="$tmp/ipython"
export DENO_DIR="$tmp/deno"
export DENO_NO_UPDATE_CHECK=1
export DENO_NO_PROMPT=1
export NO_COLOR=1
export HTTP_PROXY="http://127.0.0.1:9" HTTPS_PROXY="http://127.0.0.1:9" ALL_PROXY="http://127.0.0.1:9"
export http_proxy="$HTTP_PROXY" https_proxy="$HTTPS_PROXY" all_proxy="$ALL_PROXY"
unset NO_PROXY no_proxy

failed=()
for nb in "${notebooks[@]}"; do
  name="$(basename "$nb")"
  start="$(date +%s.%N)"
  # LingerExecutePreprocessor = ExecutePreprocessor + a short wait for outputs the Deno kernel sends after its
  # idle status (see notebooks/lib/linger_execute.py); not `--execute`, which would run the stock one as well.
  if PYTHONPATH="$root/notebooks/lib${PYTHONPATH:+:$PYTHONPATH}" "${nbconvert[@]}" --to notebook \
    --NotebookExporter.preprocessors=linger_execute.LingerExecutePreprocessor \
    --LingerExecutePreprocessor.enabled=True \
    --ExecutePreprocessor.kernel_name=deno \
    --ExecutePreprocessor.timeout="${NOTEBOOK_CELL_TIMEOUT:-300}" \
    --ExecutePreprocessor.allow_errors=True \
    --output-dir "$out" "$nb" 2>"$tmp/stderr" &&
    # Errors are allowed during the run so the executed copy is always written; a cell error fails here.
    node "$root/notebooks/lib/cell-errors.mjs" "$out/$name" 2>>"$tmp/stderr"; then
    status="ok"
  else
    status="FAILED"
    failed+=("$name")
  fi
  end="$(date +%s.%N)"
  printf '%-45s %-6s %6.1f s\n' "$name" "$status" "$(awk -v a="$start" -v b="$end" 'BEGIN { print b - a }')"
  # Keep the cell's error and the kernel's messages; drop nbconvert's chatter and the Python traceback of a cell error.
  awk '
    /is unstable and might change|^\[NbConvertApp\]/ { next }
    /^Traceback / { inTb = 1; tb = $0 "\n"; next }
    inTb && /CellExecutionError:/ { inTb = 0; tb = ""; print; next }
    inTb { tb = tb $0 "\n"; next }
    { print }
    END { if (inTb) printf "%s", tb }
  ' "$tmp/stderr" >&2
done

echo "executed copies: $out"
if [ ${#failed[@]} -gt 0 ]; then
  echo "run.sh: ${#failed[@]} notebook(s) failed: ${failed[*]}" >&2
  exit 1
fi
