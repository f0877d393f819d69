/**
 * The progress line on stderr: one line redrawn with \r, only when stderr is a
 * terminal (a log file or a pipe gets nothing but the final line). Work is
 * counted in estimated milliseconds, and the estimate is corrected by how fast
 * the run really goes, so the ETA settles as the run proceeds.
 */
import type { TextSink } from '../cli/command';
import { formatDuration } from '../report/stats';

const BAR = 20;
/** Redraws at most this often (ms). */
const REDRAW_MS = 100;
/** Line width when the terminal does not say. */
const WIDTH = 118;

export class Progress {
  private doneWeight = 0;
  private cellsDone = 0;
  private label = '';
  private lastDraw = 0;
  private readonly started: number;
  private drawn = false;

  constructor(
    private readonly sink: TextSink | null,
    private readonly totalWeight: number,
    private readonly totalCells: number,
    private readonly now: () => number = Date.now,
  ) {
    this.started = now();
  }

  /** What is being measured now. */
  at(label: string): void {
    this.label = label;
    this.draw(false);
  }

  /** `weight` (estimated ms) of work done; `cells` cells finished with it. */
  advance(weight: number, cells = 0): void {
    this.doneWeight += weight;
    this.cellsDone += cells;
    this.draw(false);
  }

  /** The fraction done, 0..1. */
  get fraction(): number {
    return this.totalWeight > 0 ? Math.min(1, this.doneWeight / this.totalWeight) : 1;
  }

  /** Remaining time in ms, from the estimate scaled by the speed seen so far; null before any work is done. */
  etaMs(): number | null {
    if (this.doneWeight <= 0) return null;
    const elapsed = this.now() - this.started;
    return Math.max(0, (elapsed * (this.totalWeight - this.doneWeight)) / this.doneWeight);
  }

  /** The line as drawn (without \r). */
  line(): string {
    const f = this.fraction;
    const full = Math.round(f * BAR);
    const eta = this.etaMs();
    const head = `[${'#'.repeat(full)}${'.'.repeat(BAR - full)}] ${String(Math.floor(f * 100)).padStart(3)}%  ` +
      `${this.cellsDone}/${this.totalCells} cells  ETA ${eta === null ? '…' : formatDuration(eta)}  `;
    const columns = (this.sink as { columns?: unknown } | null)?.columns;
    const width = typeof columns === 'number' && columns > 20 ? columns - 1 : WIDTH;
    const room = Math.max(0, width - head.length);
    const label = this.label.length > room ? `${this.label.slice(0, Math.max(0, room - 1))}…` : this.label;
    return head + label;
  }

  private draw(force: boolean): void {
    if (!this.sink) return;
    const t = this.now();
    if (!force && t - this.lastDraw < REDRAW_MS) return;
    this.lastDraw = t;
    this.sink.write(`\r${this.line()}\x1b[K`);
    this.drawn = true;
  }

  /** Clears the line, so what follows starts on a clean one. */
  finish(): void {
    if (this.sink && this.drawn) this.sink.write('\r\x1b[K');
    this.drawn = false;
  }
}
