/** The engine's settings, as CopyEngine checked them. */
export type WaitMode = 'sleep' | 'spin' | 'adaptive';
export type CompletionMode = 'poll' | 'wakeup';
/** In the order the addon numbers them. */
export const WAIT_MODES: readonly WaitMode[] = ['sleep', 'spin', 'adaptive'];

export interface EngineConfig {
  workers: number;
  waitMode: WaitMode;
  spinMicros: number;
  ringSize: number;
  completion: CompletionMode;
  pollMicros: number;
  /** CPUs to pin workers to (worker i on cpus[i % length]), or null. */
  cpus: number[] | null;
}
