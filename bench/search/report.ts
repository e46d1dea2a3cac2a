/** The markdown form of a benchmark result (bench/results/search.md). */
import type { BenchResult, Cell, Runner } from '../search.js';
import type { RewardColumn } from './nb201-problem.js';
import type { Summary } from './statistics.js';
import { PER_PROPOSAL_LOG, TUNING_LOG, TUNING_SEEDS, type TuningRow } from './tuning-log.js';

const pm = (s: Summary, digits: number): string => `${s.mean.toFixed(digits)} ± ${s.std.toFixed(digits)}`;

function p(value: number): string {
  return value < 1e-4 ? value.toExponential(1) : value.toFixed(4);
}

function ms(value: number): string {
  return value >= 1 ? value.toFixed(2) : value >= 0.01 ? value.toFixed(3) : value.toExponential(1);
}

function cell(r: BenchResult, column: RewardColumn, runner: Runner, budget: number): Cell | undefined {
  return r.cells.find((c) => c.column === column && c.runner === runner && c.budget === budget);
}

function tuningTable(lines: string[], rows: readonly TuningRow[]): void {
  lines.push('| strategy | change | @100 | @200 | @500 |');
  lines.push('|---|---|---:|---:|---:|');
  for (const row of rows) lines.push(`| ${row.strategy} | ${row.change} | ${row.at100} | ${row.at200} | ${row.at500} |`);
  lines.push('');
}

export function renderMarkdown(r: BenchResult): string {
  const lines: string[] = [];
  lines.push('# Search strategies on NAS-Bench-201 (12-epoch table)', '');
  lines.push(
    `${r.mode === 'quick' ? 'Quick smoke run' : 'Full run'} of \`npm run bench:search\` on ${r.date.slice(0, 10)}: ${r.seeds.length} seeds (${r.seeds[0]}–${r.seeds[r.seeds.length - 1]}) per strategy, budget and reward, ` +
      `parallelTrials ${r.settings.parallelTrials}, maxConsecutiveDuplicates ${r.settings.maxConsecutiveDuplicates}, tfjs backend \`${r.backend}\`, Node ${r.node}, ` +
      `${r.optuna === null ? `no Optuna peer (${r.peerNote ?? 'skipped'})` : `Optuna ${r.optuna} (Debian python3-optuna)`}, ${r.wallSeconds.toFixed(0)} s wall time.`,
    '',
  );
  if (r.note !== null) lines.push(`**Scope of this run:** ${r.note}`, '');
  lines.push(
    `Table: \`${r.table}\` (15,625 cells). The defaults were tuned on \`cifar10-val\` only; the other rewards run with the very same defaults, so they show whether the defaults fit one column. ` +
      '"Picked test" is the test accuracy of the cell with the best reward found: what a user would deploy; no strategy ever sees it.',
    '',
  );
  lines.push(`Protocol: ${r.protocol}`, '');
  lines.push('Runners: ours, then `optuna-tpe` = `TPESampler(multivariate=True, constant_liar=True)` (our tpe’s rule) and `optuna-tpe-defaults` = `TPESampler()` as it comes (independent per parameter, no constant liar).', '');

  for (const column of r.columns) {
    lines.push(`## Reward \`${column.reward}\`${column.reward === 'cifar10-val' ? ' (tuned on)' : ' (defaults not retuned)'}`, '');
    lines.push(`Best in the table: ${column.optimum.reward.toFixed(3)}, whose \`${column.test}\` is ${column.optimum.test.toFixed(2)}.`, '');
    lines.push('| evaluations | strategy | best val | picked test | proposals | converged before | best per proposal | ms / proposal |');
    lines.push('|---:|---|---:|---:|---:|---:|---:|---:|');
    for (const budget of r.budgets) {
      for (const runner of r.runners) {
        const c = cell(r, column.reward, runner, budget)!;
        lines.push(
          `| ${budget} | ${runner} | ${pm(c.bestReward, 3)} | ${pm(c.pickedTest, 2)} | ${c.proposals.mean.toFixed(0)} | ${c.endedEarly === 0 ? '—' : c.endedEarly} | ${pm(c.bestPerProposal, 3)} | ${ms(c.msPerProposal.mean)} |`,
        );
      }
    }
    lines.push('', 'Mean ± sample standard deviation over seeds; "converged before" is how many searches ended (100 repeats in a row) before that many evaluations.', '');
  }

  lines.push('## One-sided Welch t-tests on the best validation reward', '');
  lines.push('| reward | evaluations | H1 | t | df | p |');
  lines.push('|---|---:|---|---:|---:|---:|');
  for (const c of r.comparisons) lines.push(`| ${c.column} | ${c.budget} | ${c.a} > ${c.b} | ${c.welch.t.toFixed(3)} | ${c.welch.df.toFixed(1)} | ${p(c.welch.pGreater)} |`);
  lines.push('');

  if (r.runners.includes('optuna-tpe')) {
    const ours = r.runners.filter((x) => !x.startsWith('optuna'));
    for (const peer of ['optuna-tpe', 'optuna-tpe-defaults'] as const) {
      lines.push(`## Ours vs \`${peer}\`: ratios of mean best reward and of time per proposal`, '');
      lines.push(`| reward | evaluations | ${ours.map((o) => `${o} best / time`).join(' | ')} |`);
      lines.push(`|---|---:|${ours.map(() => '---:').join('|')}|`);
      for (const column of r.columns) {
        for (const budget of r.budgets) {
          const theirs = cell(r, column.reward, peer, budget)!;
          const ratios = ours.map((o) => {
            const c = cell(r, column.reward, o, budget)!;
            return `${(c.bestReward.mean / theirs.bestReward.mean).toFixed(4)} / ${(c.msPerProposal.mean / theirs.msPerProposal.mean).toFixed(3)}`;
          });
          lines.push(`| ${column.reward} | ${budget} | ${ratios.join(' | ')} |`);
        }
      }
      lines.push('', `Best: mean best reward of ours ÷ ${peer}'s (above 1: ours found better). Time: our propose + observe per proposal ÷ Optuna's ask + tell per trial (below 1: ours is cheaper).`, '');
    }
  }

  if (r.cost !== null) {
    const [early, late] = r.cost.windows;
    lines.push('## Controller cost per architecture', '');
    lines.push(
      `Sequential propose(1) + observe with every proposal observed, on \`${r.columns[0]!.reward}\`, timed per call and averaged over trials ${early![0]}–${early![1]} and ${late![0]}–${late![1]} ` +
        `(${r.cost.seeds} seed${r.cost.seeds === 1 ? '' : 's'}; Optuna: one sequential study per variant, ask + tell).`,
      '',
    );
    lines.push(`| strategy | ms at ${early![1]} trials | ms at ${late![1]} trials | growth |`);
    lines.push('|---|---:|---:|---:|');
    for (const row of r.cost.rows) lines.push(`| ${row.runner} | ${ms(row.windows[0]!)} | ${ms(row.windows[1]!)} | ×${(row.windows[1]! / row.windows[0]!).toFixed(1)} |`);
    lines.push('');
  }

  lines.push('## Hyperparameters (the defaults of `createStrategy`)', '');
  for (const [strategy, params] of Object.entries(r.hyperparameters)) {
    const entries = Object.entries(params);
    lines.push(`- **${strategy}**: ${entries.length === 0 ? 'none' : entries.map(([k, v]) => `\`${k}\` ${JSON.stringify(v)}`).join(', ')}`);
  }
  lines.push('', '## How the defaults were chosen', '');
  lines.push(
    `With \`bench/search/tune.ts\` on tuning seeds ${TUNING_SEEDS}, disjoint from the seeds above, so the comparison is not selected on its own data; cifar10-val, ` +
      'the protocol above; mean best cifar10-val ± standard error over the tuning seeds:',
    '',
  );
  tuningTable(lines, TUNING_LOG);
  lines.push('Earlier tuning, under the previous protocol (sequential, every proposal counted as a trial), from which the earlier reinforce defaults came:', '');
  tuningTable(lines, PER_PROPOSAL_LOG);
  return lines.join('\n');
}
