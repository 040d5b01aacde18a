"""Command line: ``feedback-mining COMMAND ...`` (see ``feedback-mining --help``).

User mistakes print one line on stderr and exit with code 2; nothing is half-written.
"""
from __future__ import annotations

import argparse
import sys
import warnings

from .. import __version__
from ..errors import UserError

EPILOG = "Personal data (phones, ID numbers, e-mails, cards, plates) is masked in every output unless --no-mask."


class _Parser(argparse.ArgumentParser):
    """Option mistakes are user mistakes too: one line on stderr (no usage block), exit code 2."""

    def error(self, message: str):
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def _add_input(p: argparse.ArgumentParser, with_output: bool = True) -> None:
    p.add_argument("input", help="complaints file: .csv .tsv .txt .xlsx .jsonl .parquet")
    if with_output:
        p.add_argument("-o", "--output", required=True, help="output file (.csv .tsv .xlsx .jsonl .parquet)")
    p.add_argument("--text-column", help="column holding the complaint text (default: detected)")
    p.add_argument("--sheet", help="Excel sheet name or index (required when a workbook has several)")
    p.add_argument("--no-mask", action="store_true", help="do not mask personal data in the output (logged)")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="feedback-mining", description="Chinese complaints → root causes (five service gaps), themes, charts and a deck.", epilog=EPILOG)
    parser.add_argument("--version", action="version", version=f"feedback-mining {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    p = sub.add_parser("segment", help="normalize and segment complaints; writes a 'tokens' column", epilog=EPILOG)
    _add_input(p)
    p.add_argument("--backend", default="auto", choices=["auto", "rjieba", "jieba"])
    p.add_argument("--stopwords", action="store_true", help="drop the project's stopwords")
    p.add_argument("--workers", type=int, default=None, help="processes, at least 1 (default: all cores)")

    p = sub.add_parser("train", help="train a gap classifier: the bundled corpus plus your labels (--add), or a labelled file of your own")
    p.add_argument("labeled", nargs="?", help="a labelled complaints file to train on instead of the bundled corpus (optional)")
    p.add_argument("--add", action="append", default=[], metavar="FILE",
                   help="your labelled complaints (text + gap columns), added to the training data and weighted so a few hundred move the model to your domain; repeatable")
    p.add_argument("--weight", default="auto", help="weight of one --add label against one corpus complaint (default: auto)")
    p.add_argument("-o", "--output", required=True, help="model file to write (.npz; a .json sidecar is written beside it)")
    p.add_argument("--text-column", default=None)
    p.add_argument("--label-column", default="gap")
    p.add_argument("--method", default="model", choices=["model", "rules"])
    p.add_argument("--sheet")

    p = sub.add_parser("evaluate", help="per-class precision/recall/F1, macro-F1 and confusion matrix")
    p.add_argument("labeled", help="labelled complaints file")
    p.add_argument("--model", help="model file (default: the bundled model; on the bundled corpus only its held-out split is scored)")
    p.add_argument("--method", choices=["model", "rules"], default="model", help="'rules' scores the zero-training baseline")
    p.add_argument("--text-column", default=None)
    p.add_argument("--label-column", default="gap")
    p.add_argument("--sheet")

    p = sub.add_parser("classify", help="add gap, gap_zh, gap_confidence, needs_review, proba_*, escalation and demand columns", epilog=EPILOG)
    _add_input(p)
    p.add_argument("--model", help="model file (default: the bundled model)")
    p.add_argument("--workers", type=int, default=None, help="processes, at least 1 (default: all cores)")
    p.add_argument("--chunk-rows", type=int, default=5_000, help="rows per chunk, at least 1 (default 5000)")
    p.add_argument("--resume", action="store_true", help="continue an interrupted run with the same input and options")
    p.add_argument("--strict", action="store_true", help="exit with an error when any row is malformed")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.add_argument("--engine", choices=["local", "dask"], default="local")
    p.add_argument("--scheduler", help="Dask scheduler address (tcp://HOST:8786); default: a local 2-worker cluster")

    p = sub.add_parser("cluster", help="group complaints into named themes", epilog=EPILOG)
    _add_input(p)
    p.add_argument("--k", default="auto", help="number of themes or 'auto' (default)")
    p.add_argument("--method", choices=["mixture", "nmf", "kmeans"], default="mixture",
                   help="mixture (default: mixture of multinomials, one theme per complaint), nmf (NMF topics) or kmeans (LSA + KMeans)")
    p.add_argument("--summary", help="per-theme summary file (.csv or .xlsx)")
    p.add_argument("--random-state", type=int, default=0)

    p = sub.add_parser("report", help="charts (png/svg/pdf), summary.xlsx, deck.pptx and summary.html", epilog=EPILOG)
    p.add_argument("input", help="classified file, or raw complaints (classified first)")
    p.add_argument("--out", required=True, help="output folder")
    p.add_argument("--formats", default="png,svg,pdf,pptx,xlsx,html")
    p.add_argument("--period", choices=["month", "week"], default="month")
    p.add_argument("--text-column")
    p.add_argument("--sheet")
    p.add_argument("--model")
    p.add_argument("--complaint-ratio", type=float, default=0.04, help="share of dissatisfied customers who complain, in (0, 1] (default 0.04)")
    p.add_argument("--no-mask", action="store_true")

    p = sub.add_parser("demo", help="the main job on the bundled corpus: classify + themes + report")
    p.add_argument("--out", default="out/demo")
    p.add_argument("--input", default=None, help="complaints file (default: corpora/complaints_labeled.csv)")
    return parser


def _err(msg: str) -> None:
    from .common import say

    say(f"feedback-mining: error: {msg}")  # masked: a header or a file name may hold personal data


def _one_line_warning(message, category, filename, lineno, file=None, line=None) -> None:
    from .common import say

    say(f"feedback-mining: warning: {str(message).splitlines()[0] if str(message) else category.__name__}")


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not args.command:
        parser.print_help()
        return 0
    warnings.filterwarnings("ignore", category=DeprecationWarning)
    warnings.showwarning = _one_line_warning
    from ..data.write import forget_protected_inputs

    forget_protected_inputs()
    try:
        return int(_commands()[args.command](args) or 0)
    except UserError as exc:
        _err(str(exc).splitlines()[0] if str(exc) else "invalid input")
        return 2
    except KeyboardInterrupt:
        _err("interrupted; rerun with --resume to continue (classify)")
        return 130
    except BrokenPipeError:
        return 1


# --- commands -------------------------------------------------------------------------------

def _commands() -> dict:
    # each command module imports only what its command needs, when it runs
    from . import classify, report, themes

    return {"segment": classify.cmd_segment, "train": classify.cmd_train, "evaluate": classify.cmd_evaluate,
            "classify": classify.cmd_classify, "cluster": themes.cmd_cluster, "report": report.cmd_report,
            "demo": report.cmd_demo}


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())

