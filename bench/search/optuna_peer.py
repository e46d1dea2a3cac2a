"""Optuna's TPESampler as a peer of bench:search, run through the same service loop.

Reads one job as JSON on stdin (written by bench/search/optuna-peer.ts): the decisions
(one categorical parameter each, choices as indices), every cell's reward keyed by its
action sequence, the loop settings, and per seed the evaluation durations the TypeScript
loop draws. Writes, per seed and sampler variant, what the search evaluated and proposed
as JSON on stdout. The loop mirrors bench/search/service-loop.ts step for step: up to
`parallelTrials` in flight, a repeat of a finished cell answered from it (told its
value, no budget), a repeat of one in flight dropped (told FAIL, which TPE ignores),
`maxConsecutiveDuplicates` non-fresh proposals in a row end the search.
"""

import json
import sys
import time
import warnings

import optuna
from optuna.distributions import CategoricalDistribution
from optuna.trial import TrialState


def sampler_for(variant, seed, parallel):
    if variant == "multivariate":
        # The same rule as graphnas' tpe: joint density, trials in flight counted as bad.
        return optuna.samplers.TPESampler(seed=seed, multivariate=True, constant_liar=parallel > 1)
    if variant == "defaults":
        return optuna.samplers.TPESampler(seed=seed)
    raise ValueError(f"unknown variant {variant}")


def run(job, seed, variant):
    decisions = job["decisions"]
    rewards = job["rewards"]
    durations = job["durations"][str(seed)]
    parallel = job["parallelTrials"]
    max_trials = job["maxTrials"]
    max_duplicates = job["maxConsecutiveDuplicates"]
    distributions = {f"d{i}": CategoricalDistribution(list(range(k))) for i, k in enumerate(decisions)}
    study = optuna.create_study(direction="maximize", sampler=sampler_for(variant, seed, parallel))

    evaluations, proposals, proposals_at = [], [], []
    finished = {}
    running = []  # [finish, trial, key]
    unobserved = []
    consecutive = 0
    clock = 0.0
    sampler_seconds = 0.0
    while True:
        t0 = time.perf_counter()
        for trial, value in unobserved:
            study.tell(trial, value)
        sampler_seconds += time.perf_counter() - t0
        unobserved = []
        if not running:
            end = None
            if len(evaluations) >= max_trials:
                end = "maxTrials"
            elif consecutive >= max_duplicates:
                end = "converged"
            elif len(evaluations) >= len(rewards):
                end = "exhausted"
            if end is not None:
                return {"seed": seed, "variant": variant, "evaluations": evaluations, "proposals": proposals, "proposalsAt": proposals_at, "end": end, "samplerMs": sampler_seconds * 1000}
        slots = min(parallel - len(running), max_trials - len(evaluations))
        if slots > 0 and consecutive < max_duplicates:
            t0 = time.perf_counter()
            batch = [study.ask(distributions) for _ in range(slots)]
            sampler_seconds += time.perf_counter() - t0
            fresh = 0
            for trial in batch:
                key = ",".join(str(trial.params[f"d{i}"]) for i in range(len(decisions)))
                proposals.append(key)
                if key not in finished and all(r[2] != key for r in running):
                    evaluations.append(key)
                    proposals_at.append(len(proposals))
                    running.append([clock + durations[len(evaluations) - 1], trial, key])
                    fresh += 1
                    consecutive = 0
                else:
                    if key in finished:
                        unobserved.append((trial, finished[key]))
                    else:
                        t0 = time.perf_counter()
                        study.tell(trial, state=TrialState.FAIL)
                        sampler_seconds += time.perf_counter() - t0
                    consecutive += 1
            if fresh < slots and consecutive < max_duplicates:
                continue
        if not running:
            continue
        done = min(running, key=lambda r: r[0])
        running.remove(done)
        clock = done[0]
        finished[done[2]] = rewards[done[2]]
        unobserved.append((done[1], rewards[done[2]]))


def cost(job, variant, trials, windows):
    """Sequential ask/tell for `trials` trials; the mean ask + tell time per trial within each window [from, to]."""
    decisions = job["decisions"]
    rewards = job["rewards"]
    distributions = {f"d{i}": CategoricalDistribution(list(range(k))) for i, k in enumerate(decisions)}
    study = optuna.create_study(direction="maximize", sampler=sampler_for(variant, 0, 1))
    times = []
    for _ in range(trials):
        t0 = time.perf_counter()
        trial = study.ask(distributions)
        key = ",".join(str(trial.params[f"d{i}"]) for i in range(len(decisions)))
        study.tell(trial, rewards[key])
        times.append((time.perf_counter() - t0) * 1000)
    return {"variant": variant, "windows": [sum(times[a - 1 : b]) / (b - a + 1) for a, b in windows]}


def main():
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    # multivariate and constant_liar are marked experimental in Optuna 3.x; the warning says nothing about the results.
    warnings.filterwarnings("ignore", category=optuna.exceptions.ExperimentalWarning)
    job = json.load(sys.stdin)
    if job.get("mode") == "cost":
        out = {"optuna": optuna.__version__, "cost": [cost(job, variant, job["trials"], job["windows"]) for variant in job["variants"]]}
    else:
        out = {"optuna": optuna.__version__, "runs": [run(job, seed, variant) for variant in job["variants"] for seed in job["seeds"]]}
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    main()
