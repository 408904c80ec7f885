"""Ledger rows of the energy paper (claims C3-C6 of spec energy.md §1, C5 on the real runs, an accuracy
sanity row, and the robustness of each empirical verdict to the reading of the estimator).

Every empirical row is one effect per seed (``effects``; > 0: the claim holds in that seed) judged by
``stats.verdict`` under the rule written for it in config ``energy.claims.rules`` before the run.
Readings that are ours, not the paper's, are named in the row (criterion / evidence). Each row's kind, statement
and figures come from the paper's claim table (``claim_table.TABLE``); what is measured and judged is here.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import pandas as pd

from muonrepro.energy import effects as fx
from muonrepro.energy.claim_table import TABLE
from muonrepro.ledger import Claim, ClaimSpec
from muonrepro.stats.verdict import criterion_text, summarize

PAPER = TABLE.paper
OURS = (
    "ours: k-layer = k hidden layers; monitored = all hidden weights but the head; Sigma_delta = {sd} Fisher; "
    "modes with lambda*mu >= {thr:g}*max, mode set '{mode_set}'; rank-indexed; trapezoid sum over log-spaced logs"
)
DIRECT_AT = {
    "direct_preact": "each monitored layer's pre-activation (summed over monitored layers)",
    "direct_logits": "the network output (logits)",
    "per_mode_sum": "the per-mode sum sum_ij E_ij over the primary mode set",
}


@dataclass(frozen=True)
class Criteria:
    """How the empirical rows are judged (config ``stats`` and ``energy.claims``)."""

    rules: dict  # claim id -> "interval" | "every_seed"
    min_seeds: int
    level: float
    tail_bins: int

    def rule(self, claim_id: str) -> str:
        if claim_id not in self.rules:
            raise KeyError(f"config energy.claims.rules has no rule for {claim_id} (interval or every_seed)")
        return self.rules[claim_id]

    def summarize(self, effects: dict):
        return summarize(effects, self.level)

    def criterion(self, claim_id: str, what: str) -> str:
        return criterion_text(self.rule(claim_id), self.min_seeds, what, self.level) + " (rule: ours)"


def _usable(df: pd.DataFrame, value: str) -> pd.DataFrame:
    """``df`` with ``value`` NaN for diverged runs (their seeds become unusable)."""
    if "diverged" not in df:
        return df
    return fx.with_diverged_as_nan(df, value, df.loc[df["diverged"].astype(bool), ["arch", "optimizer", "seed"]])


def _causes(df: pd.DataFrame) -> dict:
    """seed -> why its effect is unusable: the runs of that seed that diverged."""
    if "diverged" not in df:
        return {}
    bad = df.loc[df["diverged"].astype(bool), ["arch", "optimizer", "seed"]].drop_duplicates()
    return {
        int(seed): "diverged: " + ", ".join(f"{r.arch}/{r.optimizer}" for r in g.itertuples())
        for seed, g in bad.groupby("seed")
    }


def _judge(spec: ClaimSpec, crit: Criteria, effects: dict, evidence: str, table: pd.DataFrame | None = None) -> Claim:
    """The row of ``effects`` judged under the claim's rule; ``table``: the runs they come from (for the cause of
    an unusable seed)."""
    causes = _causes(table) if table is not None else None
    return spec.judge_effects(effects, crit.rule(spec.claim_id), crit.level, crit.min_seeds, evidence, causes)


def _units_text(margins: pd.Series, fmt: str = "+.3f") -> str:
    """Per unit (all index levels but seed) the margin's mean over seeds."""
    levels = [n for n in margins.index.names if n != "seed"]
    m = margins.groupby(level=levels).mean()
    return "; ".join(f"{'/'.join(map(str, k if isinstance(k, tuple) else (k,)))}: {v:{fmt}}" for k, v in m.items())


def theory_claims(summary: dict, scale: str, metric_rows: dict | None = None) -> list[Claim]:
    """Rows for C3 (decomposition / H2), C4 (Jensen), C5 (polar = uniform per-mode steps). ``metric_rows``:
    the theory table's rows by check name, for the Sigma_delta != I numbers in C3's evidence."""
    ids = {"decomposition_h2": "C3", "jensen_uniform": "C4", "polar_uniform_steps": "C5"}
    rows = []
    for key, cid in ids.items():
        s = summary[key]
        detail = f"max rel. error {s['max_rel_error']}, min inequality margin {s['min_margin']}"
        if s["missing"]:
            detail += f", missing checks {s['missing']}"
        if cid == "C3" and metric_rows:
            detail += "; " + metric_note(metric_rows)
        spec = TABLE.spec(
            cid,
            "float64 theory checks passed (closed form vs simulation)",
            "all checks pass within their tolerance",
            scale,
        )
        rows.append(
            spec.judged(
                f"{s['n_passed']}/{s['n_checks']}",
                bool(s["all_passed"]),
                f"energy/theory_checks.csv: {', '.join(s['checks'])}; {detail}",
            )
        )
    return rows


def metric_note(rows: dict) -> str:
    """C3's caveat in numbers (theory checks ``output_metric_*``, spec energy.md §3.3)."""
    try:
        two_l = rows["output_metric_estimator_sum_vs_twice_loss"]["reference"]
        d2 = rows["output_metric_mean_delta_sq_vs_mode_formula"]["value"]
    except KeyError:
        return "output-metric checks missing"
    return (
        f"with an output metric Sigma_delta = B != I the per-mode sum sum_ij e_ij = 2(L - L*) = {two_l:.6g}, "
        f"but the abstract's mean ||delta||^2 = sum lambda_i mu_j^2 a_ij^2 = {d2:.6g} (ratio {d2 / two_l:.4g}); "
        "they agree only in the metric B^-1 (or B = I): the identity E = sum_ij E_ij needs that reading of ||delta||"
    )


def gini_claim(gini: pd.DataFrame, crit: Criteria, scale: str, ours: str) -> Claim:
    """C6a on the primary reading's Gini table (one row per arch, optimizer, seed, matrix)."""
    eff, margins = fx.gini_effects(_usable(gini, "gini"))
    spec = TABLE.spec(
        "C6a",
        "per seed: min over monitored matrices of (best other optimizer's Gini - Muon's Gini); value = mean over seeds",
        crit.criterion("C6a", "effect"),
        scale,
    )
    return _judge(
        spec,
        crit,
        eff,
        "energy/gini.csv; margin per matrix (mean over seeds) " + _units_text(margins) + "; " + ours,
        gini,
    )


def energy_claim(energy: pd.DataFrame, crit: Criteria, scale: str, ours: str, primary: str = "direct_preact") -> Claim:
    """C6b on the per-run energy table (columns ``direct_preact``, ``direct_logits``, ``per_mode_sum``)."""
    eff, ratios = fx.energy_effects(_usable(energy, primary), primary)
    n_arch = energy["arch"].nunique()
    need = math.ceil(2 * n_arch / 3)
    others = []
    for col in DIRECT_AT:
        if col != primary and col in energy:
            e, _ = fx.energy_effects(_usable(energy, col), col)
            s = crit.summarize(e)
            others.append(f"{col} ({DIRECT_AT[col]}): {s.describe()}")
    spec = TABLE.spec(
        "C6b",
        f"E = sum_t mean_probe ||dL/dy||^2 with y = {DIRECT_AT[primary]}, real labels, trapezoid over the logs; per "
        f"seed and architecture r = log(best other's E / Muon's E); effect = the k-th largest r over the "
        f"{n_arch} architectures, k = {need} (> 0 iff Muon's E is smallest on >= {need} of {n_arch}: 'two of "
        "three'); value = mean over seeds",
        crit.criterion("C6b", "effect"),
        scale,
    )
    ev = (
        f"energy/energy.csv; r per architecture (mean over seeds) {_units_text(ratios)}; "
        f"other readings of E: {' | '.join(others)}; {ours}"
    )
    return _judge(spec, crit, eff, ev, energy)


def tail_claim(bins: pd.DataFrame, crit: Criteria, scale: str, ours: str, value: str = "energy_sum") -> Claim:
    """C6c on the primary reading's bin table (one row per arch, optimizer, seed, matrix, bin)."""
    eff, per = fx.tail_effects(_usable(bins, value), crit.tail_bins, value)
    stat = per.set_index(["seed", "arch", "matrix"])["statistic"]
    spec = TABLE.spec(
        "C6c",
        f"per matrix, r_b = log(best other's / Muon's energy in curvature bin b), tail = mean r_b over the lowest "
        f"{crit.tail_bins} bins, rest = mean over the others, statistic min(tail, tail - rest); per seed the mean "
        "over monitored matrices; value = mean over seeds",
        crit.criterion("C6c", "effect"),
        scale,
    )
    return _judge(
        spec,
        crit,
        eff,
        "energy/curvature_bins.csv; statistic per matrix (mean over seeds) " + _units_text(stat) + "; " + ours,
        bins,
    )


def offdiag_claim(offdiag: pd.DataFrame, crit: Criteria, scale: str, ours: str) -> Claim:
    """C5-runs on the per-run off-diagonal table (one row per arch, optimizer, seed, matrix)."""
    eff, margins = fx.offdiag_effects(_usable(offdiag, "offdiag"))
    means = offdiag.groupby("optimizer")["offdiag"].mean()
    base = offdiag.groupby("matrix")["baseline"].first() if "baseline" in offdiag else pd.Series(dtype=float)
    spec = TABLE.spec(
        "C5-runs",
        "off-diagonal fraction 1 - sum_k U_kk^2 / ||U||_F^2 of U = R^T dW_t Q (R, Q eigenbases of Sigma_delta, "
        "Sigma_x at that log, rank-paired; dW_t the update made at the logged step), trapezoid time average; per "
        "seed the mean over monitored matrices of (smallest other optimizer's fraction - Muon's); value = mean",
        crit.criterion("C5-runs", "effect"),
        scale,
    )
    ev = (
        "energy/offdiag.csv; mean fraction per optimizer "
        + ", ".join(f"{o} {v:.4f}" for o, v in means.items())
        + "; i.i.d. baseline 1 - 1/max(m, n): "
        + ", ".join(f"{m} {v:.4f}" for m, v in base.items())
        + "; margin per matrix (mean over seeds) "
        + _units_text(margins, "+.2e")
        + "; "
        + ours
    )
    return _judge(spec, crit, eff, ev, offdiag)


def accuracy_claim(acc: pd.DataFrame, scale: str, min_acc: float) -> Claim:
    last = acc.sort_values("epoch").groupby(["arch", "optimizer", "seed"]).tail(1)
    worst = last["test_acc"].min()
    diverged = last[last["diverged"]]
    ok = len(diverged) == 0 and worst >= min_acc
    ev = "energy/accuracy.csv"
    if len(diverged):
        ev += "; diverged runs: " + ", ".join(f"{r.arch}/{r.optimizer}/s{r.seed}" for r in diverged.itertuples())
    spec = TABLE.spec(
        "sanity-acc",
        "lowest final test accuracy over runs",
        f">= {min_acc} and no diverged run (ours, {scale} scale)",
        scale,
    )
    why = (
        f"{len(diverged)} run(s) diverged"
        if len(diverged)
        else f"the lowest final test accuracy {worst:.4f} is below {min_acc} (ours, {scale} scale)"
    )
    return spec.judged(float(worst) if not math.isnan(worst) else "nan", bool(ok), ev, reason=why)


def primary_tables(tables: dict, estimator: dict) -> dict:
    """``aggregate``'s tables cut to the primary reading: {claim: (table, value column)}."""
    ms = estimator["mode_set"]
    return {
        "C6a": (tables["gini"][tables["gini"]["mode_set"] == ms], "gini"),
        "C6b": (tables["energy"], estimator["direct_at"]),
        "C6c": (tables["bins"][tables["bins"]["mode_set"] == ms], f"energy_{estimator['bin_stat']}"),
        "C5-runs": (tables["offdiag"], "offdiag"),
    }


def primary_effects(tables: dict, crit: Criteria, estimator: dict) -> dict:
    """{claim: per-seed effects} under the primary reading (what ``primary_claims`` judges)."""
    t = primary_tables(tables, estimator)
    return {
        "C6a": fx.gini_effects(_usable(*t["C6a"]), t["C6a"][1])[0],
        "C6b": fx.energy_effects(_usable(*t["C6b"]), t["C6b"][1])[0],
        "C6c": fx.tail_effects(_usable(*t["C6c"]), crit.tail_bins, t["C6c"][1])[0],
        "C5-runs": fx.offdiag_effects(_usable(*t["C5-runs"]), t["C5-runs"][1])[0],
    }


def primary_claims(tables: dict, crit: Criteria, *, scale: str, estimator: dict) -> list[Claim]:
    """C6a, C6b, C6c and C5-runs under the primary reading, from ``aggregate``'s tables."""
    ours = OURS.format(sd=estimator["sigma_delta"], thr=estimator["rel_threshold"], mode_set=estimator["mode_set"])
    t = primary_tables(tables, estimator)
    return [
        gini_claim(t["C6a"][0], crit, scale, ours),
        energy_claim(t["C6b"][0], crit, scale, ours, primary=t["C6b"][1]),
        tail_claim(t["C6c"][0], crit, scale, ours, value=t["C6c"][1]),
        offdiag_claim(t["C5-runs"][0], crit, scale, ours),
    ]


def sensitivity_claims(robust: pd.DataFrame, scale: str, min_seeds: int, grid_note: str = "") -> list[Claim]:
    """One row per empirical claim: which single changes of the estimator's reading flip its verdict.
    ``robust``: ``robustness.one_at_a_time``'s table (rows ``dimension == "primary"`` hold the primary verdict
    and its number of usable seeds). A claim whose primary reading has fewer than ``min_seeds`` usable seeds
    measured nothing a change could flip: its row is inconclusive, never supported. ``grid_note``: where the grid
    was read on fewer snapshots than the primary rows (``rules.claims_params``), said in the evidence."""
    rows = []
    for claim, g in robust.groupby("claim", sort=False):
        primary = g[g["dimension"] == "primary"]
        changes = g[g["dimension"] != "primary"]
        flips = changes[changes["flips"].astype(bool)]
        dims = ", ".join(sorted(changes["dimension"].unique()))
        spec = TABLE.spec(
            f"{claim}-sensitivity",
            f"single-dimension changes of the primary reading (dimensions: {dims}) that change the verdict, "
            f"out of {len(changes)}",
            "0 changes flip the verdict (ours; the readings were fixed before results were seen)",
            scale,
        )
        flipped = "; ".join(f"{r.dimension}={r.value} ({r.verdict})" for r in flips.itertuples()) or "none"
        n_primary = int(primary["n_seeds"].iloc[0]) if len(primary) else 0
        ev = (
            f"flipped by: {flipped}; primary verdict: {primary['verdict'].iloc[0] if len(primary) else 'n/a'} "
            f"({n_primary} usable seeds); energy/reading_robustness.csv (one change at a time); the full grid: "
            "energy/sensitivity_readings.csv" + (f"; {grid_note}" if grid_note else "")
        )
        if n_primary < min_seeds:
            why = (
                f"{claim}'s primary reading has {n_primary} usable seed(s), fewer than the {min_seeds} a verdict "
                "needs, so there is no verdict a reading could flip"
            )
            rows.append(spec.inconclusive(int(len(flips)), why, ev))
            continue
        why = f"{len(flips)} of {len(changes)} single changes of the reading flip the verdict ({flipped})"
        rows.append(spec.judged(int(len(flips)), bool(len(flips) == 0), ev, reason=why))
    return rows


# ------------------------------------------------------------------ the instrument check of the K-FAC estimator (issue 25)
GATED = ("C6a", "C6c", "C6a-sensitivity", "C6c-sensitivity")  # the rows whose readings rest on the per-mode estimator


def instrument_claim(table: pd.DataFrame, energy: pd.DataFrame, scale: str, max_factor: float) -> Claim:
    """``instrument-kfac``: does the K-FAC curvature of the per-mode estimator give the exact Gauss-Newton's damped
    Newton decrement (``estimator.instrument``, table energy/instrument.csv)? ``energy``: aggregate's per-run table
    (per-mode sum and direct energy, for the evidence)."""
    from muonrepro.energy.estimator.instrument import check

    res = check(table, max_factor)
    res = res.set_index("optimizer") if len(res) else res
    n_probe = ", ".join(str(n) for n in sorted(table["n_probe"].unique()))
    spec = TABLE.spec(
        "instrument-kfac",
        f"per optimizer, the geometric mean over its (seed, arch, matrix, snapshot) cells of D_kfac / D_exact, "
        f"D = g^T (H + gamma I)^-1 g on the first {n_probe} probe images, H = Sigma_x kron Sigma_delta (primary "
        "reading) or the exact GGN (closed form), gamma = damping x max lambda mu; value = the geometric mean "
        "farthest from 1",
        f"every optimizer's geometric mean in [1/{max_factor:g}, {max_factor:g}] (ours, fixed before any reading)",
        scale,
    )
    if res.empty:
        return spec.inconclusive(
            "no run checked",
            "every energy run diverged, so the estimator could not be checked on any",
            "energy/instrument.csv",
        )
    gm = res["geomean_ratio"]
    worst_opt = gm.apply(lambda v: abs(math.log(v)) if v > 0 and math.isfinite(v) else math.inf).idxmax()
    value = float(gm[worst_opt]) if math.isfinite(gm[worst_opt]) else "non-finite"
    e = energy.assign(r=energy["per_mode_sum"] / energy["direct_preact"]).groupby("optimizer")["r"]
    parts = []
    for opt, r in res.iterrows():
        pm = f"{e.min()[opt]:.3g}-{e.max()[opt]:.3g}" if opt in e.groups else "n/a"
        parts.append(
            f"{opt}: {r['geomean_ratio']:.4g} over {r['n_cells']} cells (range {r['min_ratio']:.3g}-{r['max_ratio']:.3g}; "
            f"primary Sigma_delta with its own label count on the subsample {r['geomean_literal_ratio']:.4g}; "
            f"with the class-expectation Sigma_delta {r['geomean_exact_sd_ratio']:.4g}; eigenbasis-diagonal with the "
            f"exact curvatures {r['geomean_ekfac_ratio']:.4g}; median log10 s_ij/(lambda_i mu_j) "
            f"{r['median_s_ratio_log10']:+.2f}; per-mode sum / direct energy over runs {pm})"
        )
    ev = "energy/instrument.csv, energy/energy.csv; D_kfac / D_exact per optimizer " + "; ".join(parts)
    bad = res[~res["ok"]]
    why = (
        f"K-FAC's damped Newton decrement is off the exact Gauss-Newton one by more than {max_factor:g}x "
        "(geometric mean) for " + ", ".join(f"{o} (x{v:.3g})" for o, v in bad["geomean_ratio"].items())
    )
    return spec.judged(value, bool(res["ok"].all()), ev, reason=why)


def instrument_gate(rows: list[Claim], instrument: Claim, gated=GATED) -> list[Claim]:
    """``rows`` with the rows ``gated`` made inconclusive when ``instrument`` is not supported (their own verdict and
    evidence kept in the evidence); unchanged when it is supported. A not_run row stays not_run."""
    if instrument.verdict == "supported":
        return list(rows)
    from muonrepro.ledger.spec import overruled

    reason = f"instrument check failed: {instrument.reason}"
    note = f"{instrument.claim_id}: {instrument.value}"
    return [r if r.claim_id not in gated or r.verdict == "not_run" else overruled(r, reason, note) for r in rows]
