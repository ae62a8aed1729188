/**
 * Seeded PRNG (sfc32, a small counter-based generator with good statistical quality).
 * Stages get one whose seed derives from their kind, params and inputs, so reruns are bitwise reproducible
 * without users threading seeds by hand.
 */
export interface Rng {
  readonly seed: number;
  /** Uniform in [0, 1). */
  next(): number;
  /** Uniform integer in [0, n). */
  int(n: number): number;
  /** Standard normal (Box–Muller). */
  normal(): number;
  /** An independent stream, stable for a given name (e.g. one per worker or per epoch). */
  fork(name: string): Rng;
}

export function makeRng(seed: number): Rng {
  let a = 0x9e3779b9, b = 0x243f6a88, c = 0xb7e15162, d = seed >>> 0;
  const step = () => {
    a >>>= 0; b >>>= 0; c >>>= 0; d >>>= 0;
    let t = (a + b) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    d = (d + 1) | 0;
    t = (t + d) | 0;
    c = (c + t) | 0;
    return (t >>> 0) / 4294967296;
  };
  for (let i = 0; i < 15; i++) step(); // warm up: decorrelate nearby seeds
  let spare: number | undefined;
  return {
    seed: seed >>> 0,
    next: step,
    int: (n) => Math.floor(step() * n),
    normal() {
      if (spare !== undefined) { const s = spare; spare = undefined; return s; }
      let u = 0;
      while (u === 0) u = step();
      const v = step();
      const r = Math.sqrt(-2 * Math.log(u));
      spare = r * Math.sin(2 * Math.PI * v);
      return r * Math.cos(2 * Math.PI * v);
    },
    fork: (name) => makeRng(hash32(`${seed >>> 0}:${name}`)),
  };
}

/** FNV-1a, enough to spread fork names over seeds. */
export function hash32(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) { h ^= s.charCodeAt(i); h = Math.imul(h, 0x01000193); }
  return h >>> 0;
}
