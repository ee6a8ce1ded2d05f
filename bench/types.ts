export interface BenchRow {
  name: string;
  value: number;
  unit: string;
  note?: string;
}

/** Run fn repeatedly for about `ms` milliseconds; returns calls per second. */
export function rate(fn: () => unknown, ms = 500): number {
  for (let i = 0; i < 10; i++) fn(); // warm up
  let n = 0;
  const t0 = performance.now();
  let t = t0;
  while (t - t0 < ms) {
    for (let i = 0; i < 16; i++) fn();
    n += 16;
    t = performance.now();
  }
  return (n * 1000) / (t - t0);
}
