import { EventType } from '../protocol/events';
import type { FunnelStepResult } from '../protocol/stats';
import { BarChart } from './charts';
import { count, duration, pct, Scroll } from './ui';

/** A funnel's steps as the Funnels pages show them: a bar per step, then the table (with each share's 95% interval when sampled). */
export function FunnelView(props: { steps: FunnelStepResult[] }) {
  const sampled = props.steps.some((s) => s.interval);
  return (
    <>
      <BarChart title="Visitors reaching each step" rows={props.steps.map((s) => ({ label: s.label, value: s.visitors }))} format={count} />
      <Scroll>
        <table>
          <thead>
            <tr>
              <th>Step</th><th class="num">Visitors</th><th class="num">From previous</th><th class="num">From first</th>
              {sampled && <th class="num">95% interval</th>}
              <th class="num">Median time</th>
            </tr>
          </thead>
          <tbody>
            {props.steps.map((s) => (
              <tr>
                <td>{s.step + 1}. {s.label}</td>
                <td class="num">{count(s.visitors)}</td>
                <td class="num">{pct(s.fromPrevious)}</td>
                <td class="num">{pct(s.fromFirst)}</td>
                {sampled && <td class="num">{s.interval ? `${pct(s.interval.low)} – ${pct(s.interval.high)}` : '—'}</td>}
                <td class="num">{duration(s.medianMsFromPrevious)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </Scroll>
    </>
  );
}

const STEP_LINE = new RegExp(`^(${EventType.options.filter((t) => t !== 'consent').join('|')})\\s+(.+)$`, 'i');

/** One funnel step per line: `page /pricing`, `page /checkout/*`, `track Add to cart`, or just an event name. */
export function parseSteps(text: string): { type?: EventType; name?: string; path?: string; label: string }[] {
  return text
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean)
    .slice(0, 10)
    .map((line) => {
      const m = STEP_LINE.exec(line);
      if (!m) return { type: 'track', name: line, label: line };
      const type = m[1]!.toLowerCase() as EventType;
      const rest = m[2]!.trim();
      return type === 'page' ? { type, path: rest, label: line } : { type, name: rest, label: line };
    });
}

