#!/usr/bin/env python3
"""seqplan beside SCIP and HiGHS on the same program (not part of CI).

For every benchmark model, `seqplan export` writes the program the backend
is given first (MPS); SCIP (PySCIPOpt) and HiGHS (highspy) solve that file
with one thread and the same time limit, and seqplan plans the model. The
table shows each one's time and the optimum of the exported stage.

    pip install pyscipopt highspy
    cargo build --release
    python3 benches/external/solvers.py [--limit SECONDS] [--family F] [--size 40x16]

seqplan's time is the whole plan (every objective level, the simulator's
check), once per backend the build has (build with `--features highs` to
see HiGHS inside seqplan too). SCIP and HiGHS get the whole program
(`export --without earliest-first`): every level merged into one exactly
weighted objective where the weights stay under 1e7, else the first
merged stage alone (named in the table), so a tie favours them.
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SEQPLAN = os.environ.get("SEQPLAN", os.path.join(ROOT, "target", "release", "seqplan"))

SHIPPED = ["education", "roadmap", "intra_afghan", "kabul_delegations",
           "us_taliban_2020", "central_bank_assets", "convening_formats"]
FAMILIES = ["mixed", "chains", "budgets"]
SIZES = [(40, 16), (120, 36)]
SEEDS = [1, 2, 3]


def run(args, **kwargs):
    return subprocess.run(args, check=True, capture_output=True, text=True, **kwargs)


def seqplan_solvers():
    """The backends this seqplan build has (`--solver`), from its help."""
    lines = run([SEQPLAN, "plan", "--help"]).stdout.splitlines()
    at = next(i for i, l in enumerate(lines) if l.strip().startswith("--solver"))
    solvers = []
    for line in lines[at + 1:]:
        item = line.strip()
        if item.startswith("- "):
            solvers.append(item[2:].split(":")[0])
        elif solvers and not item:
            break
    return solvers


def seqplan_plan(model, limit, solver):
    start = time.perf_counter()
    out = subprocess.run([SEQPLAN, "-q", "plan", model, "--format", "json", "--solver", solver,
                          "--time-limit", str(limit)], capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    try:
        plan = json.loads(out.stdout)
        values = "/".join(f"{o['value']:g}" for o in plan.get("objectives", []))
        status = f"{plan.get('status', '?')} {values}"
    except json.JSONDecodeError:
        status = "error"
    return elapsed, status


def scip(mps, limit):
    import pyscipopt
    model = pyscipopt.Model()
    model.hideOutput()
    model.readProblem(mps)
    model.setParam("limits/time", limit)
    model.setParam("parallel/maxnthreads", 1)
    # Proven means proven: no relative gap (the merged stages' values are
    # large, so a relative gap hides whole steps).
    model.setParam("limits/gap", 0.0)
    start = time.perf_counter()
    model.optimize()
    elapsed = time.perf_counter() - start
    status = model.getStatus()
    value = model.getObjVal() if model.getNSols() > 0 else None
    return elapsed, status, value


def highs(mps, limit):
    import highspy
    h = highspy.Highs()
    h.silent()
    h.setOptionValue("threads", 1)
    h.setOptionValue("time_limit", float(limit))
    h.setOptionValue("mip_rel_gap", 0.0)
    h.readModel(mps)
    start = time.perf_counter()
    h.run()
    elapsed = time.perf_counter() - start
    status = h.modelStatusToString(h.getModelStatus())
    info = h.getInfo()
    value = info.objective_function_value if info.primal_solution_status == 2 else None
    return elapsed, status, value


def fmt(value):
    return "–" if value is None else f"{value:.6g}"


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--limit", type=float, default=60.0)
    parser.add_argument("--family", action="append", choices=FAMILIES,
                        help="only this generator family (repeatable; default: all)")
    parser.add_argument("--size", action="append", choices=[f"{a}x{h}" for a, h in SIZES],
                        help="only this size (repeatable; default: all)")
    parser.add_argument("--no-shipped", action="store_true", help="skip the shipped models")
    args = parser.parse_args()
    models = [] if args.no_shipped else [
        (name, os.path.join(ROOT, "models", name + ".json")) for name in SHIPPED]
    sizes = [(a, h) for a, h in SIZES if not args.size or f"{a}x{h}" in args.size]
    with tempfile.TemporaryDirectory() as tmp:
        for family in args.family or FAMILIES:
            for actions, horizon in sizes:
                for seed in SEEDS:
                    path = os.path.join(tmp, f"{family}_{actions}x{horizon}_s{seed}.json")
                    run([SEQPLAN, "generate", "--family", family, "--actions", str(actions),
                         "--horizon", str(horizon), "--seed", str(seed), "-o", path])
                    models.append((f"{family} {actions}×{horizon} seed {seed}", path))
        solvers = seqplan_solvers()
        own_heads = " | ".join(f"seqplan --solver {s}" for s in solvers)
        print(f"| model | {own_heads} | SCIP | HiGHS | levels in the exported stage | its optimum SCIP / HiGHS |")
        print("|---|" + "---|" * (len(solvers) + 4))
        for name, path in models:
            mps = os.path.join(tmp, "program.mps")
            # The whole lexicographic program as one objective where the
            # levels merge (no `earliest` solved alone first), so that the
            # other solvers do what seqplan does.
            run([SEQPLAN, "-q", "export", path, "--without", "earliest-first", "-o", mps])
            with open(mps) as f:
                f.readline()
                levels = f.readline().split(":", 1)[1].split(";")[0].split(",")
            levels = [l.strip() for l in levels if "imized" not in l]
            own = " | ".join("{:.2f} s {}".format(*seqplan_plan(path, args.limit, s))
                             for s in solvers)
            s_time, s_status, s_value = scip(mps, args.limit)
            h_time, h_status, h_value = highs(mps, args.limit)
            print(f"| {name} | {own} | {s_time:.2f} s {s_status} | "
                  f"{h_time:.2f} s {h_status} | {', '.join(levels)} | "
                  f"{fmt(s_value)} / {fmt(h_value)} |")
            sys.stdout.flush()


if __name__ == "__main__":
    main()
