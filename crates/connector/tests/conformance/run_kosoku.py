"""Runs Autobahn|Testsuite's fuzzing-client cases (through kosoku) against a server.

Called by `tests/conformance.rs`; prints one line per case, in case order:
`CASE<TAB>BEHAVIOR<TAB>CLOSE_BEHAVIOR`, the two verdicts Autobahn's report shows.

Usage: python run_kosoku.py URL [--exclude GLOB ...] [--include GLOB ...] [--report DIR]
"""

import argparse
import asyncio
import os
import sys

try:
    from kosoku import FailureError, run_fuzzingclient
except ImportError:
    sys.exit("kosoku is not installed in this Python; run `bash scripts/setup.sh`")


def case_key(case_id: str) -> tuple[int, ...]:
    return tuple(int(part) for part in case_id.split("."))


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("url")
    parser.add_argument("--include", action="append")
    parser.add_argument("--exclude", action="append")
    parser.add_argument("--concurrency", type=int, default=2)
    parser.add_argument("--report", help="also write Autobahn's HTML/JSON report here")
    args = parser.parse_args()
    try:
        results = await run_fuzzingclient(
            args.url, args.include, args.exclude, concurrency=args.concurrency
        )
    except FailureError as failure:
        results = failure.results
    if not results:
        sys.exit(f"kosoku ran no case against {args.url}")
    if args.report:
        from kosoku._report import write_reports

        write_reports(results, args.report)
    for result in sorted(results, key=lambda r: case_key(r.case_id)):
        print(
            f"{result.case_id}\t{result.behavior.value}\t{result.behavior_close.value}"
        )


if __name__ == "__main__":
    asyncio.run(main())
    # kosoku's native runtime can abort (SIGABRT, nothing on stderr) while the
    # interpreter tears down after a run; the results are printed by then, so leave
    # without the teardown.
    sys.stdout.flush()
    os._exit(0)
