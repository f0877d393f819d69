/** The device section's measured cells: per target, page size and queue depth, one spread per measure and direction. */
import type { Spread } from './measure';

/** Spread of one measure over the repetitions of one cell. */
export interface DirCell {
  perSecond: Spread;
  callerCpuNs: Spread;
  p50Ns: Spread | null;
  p99Ns: Spread | null;
  fio: { iops: Spread; p50Ns: Spread; p99Ns: Spread } | null;
}

export interface DeviceCell {
  target: string;
  pageSize: number;
  depth: number;
  reps: number;
  write: DirCell;
  read: DirCell;
}
