/** The markdown form of a benchmark result (bench/results/search.md). */
import type { BenchResult } from '../search.js';
import type { Summary } from './statistics.js';
import { TUNING_LOG, TUNING_SEEDS } from './tuning-log.js';

const pm = (s: Summary, digits: number): string => `${s.mean.toFixed(digits)} ± ${s.std.toFixed(digits)}`;

function p(value: number): string {
  return value < 1e-4 ? value.toExponential(1) : value.toFixed(4);
}

export function renderMarkdown(r: BenchResult): string {
  const lines: string[] = [];
  lines.push('# Search strategies on NAS-Bench-201 (CIFAR-10, 12-epoch table)', '');
  lines.push(
    `${r.mode === 'quick' ? 'Quick smoke run' : 'Full run'} of \`npm run bench:search\` on ${r.date.slice(0, 10)}: ${r.seeds.length} seeds (${r.seeds[0]}–${r.seeds[r.seeds.length - 1]}) per strategy and budget, ` +
      `tfjs backend \`${r.backend}\`, Node ${r.node}, ${r.wallSeconds.toFixed(0)} s wall time.`,
    '',
  );
  lines.push(
    `Reward: \`${r.table.reward}\` of \`${r.table.path}\` (${r.table.rows} cells; best ${r.optimum.reward.toFixed(3)}, whose \`${r.table.test}\` is ${r.optimum.test.toFixed(2)}). ` +
      `"Picked test" is the \`${r.table.test}\` of the cell with the best reward found: what a user would deploy; it is never shown to the strategies.`,
    '',
  );
  lines.push(`Protocol: ${r.protocol}`, '');
  lines.push('| budget | strategy | best cifar10-val | picked cifar10-test | distinct cells | strategy ms / architecture |');
  lines.push('|---:|---|---:|---:|---:|---:|');
  for (const c of r.cells) {
    lines.push(`| ${c.budget} | ${c.strategy} | ${pm(c.bestReward, 3)} | ${pm(c.pickedTest, 3)} | ${c.distinct.mean.toFixed(1)} | ${pm(c.msPerArchitecture, 3)} |`);
  }
  lines.push('', 'Values are mean ± sample standard deviation over seeds.', '');
  lines.push('## One-sided Welch t-tests', '');
  lines.push('| budget | H1 | metric | t | df | p |');
  lines.push('|---:|---|---|---:|---:|---:|');
  for (const c of r.comparisons) {
    lines.push(`| ${c.budget} | ${c.a} > ${c.b} | ${c.metric === 'bestReward' ? 'best cifar10-val' : 'picked cifar10-test'} | ${c.welch.t.toFixed(3)} | ${c.welch.df.toFixed(1)} | ${p(c.welch.pGreater)} |`);
  }
  lines.push('', '## Hyperparameters (the defaults of `createStrategy`)', '');
  for (const [strategy, params] of Object.entries(r.hyperparameters)) {
    const entries = Object.entries(params);
    lines.push(`- **${strategy}**: ${entries.length === 0 ? 'none' : entries.map(([k, v]) => `\`${k}\` ${JSON.stringify(v)}`).join(', ')}`);
  }
  lines.push('', '## How the defaults were chosen', '');
  lines.push(
    `With \`bench/search/tune.ts\` on tuning seeds ${TUNING_SEEDS}, disjoint from the seeds above, so the comparison is not selected on its own data; ` +
      'one change at a time from a base set, judged on mean best cifar10-val at 200 trials (mean ± standard error over the tuning seeds):',
    '',
  );
  lines.push('| strategy | change | @100 | @200 | @500 |');
  lines.push('|---|---|---:|---:|---:|');
  for (const row of TUNING_LOG) lines.push(`| ${row.strategy} | ${row.change} | ${row.at100} | ${row.at200} | ${row.at500} |`);
  lines.push('');
  return lines.join('\n');
}
