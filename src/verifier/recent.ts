// The last few answers of a pure function of an immutable object, a domain session and a number
// (alu.ts movedVar: a moved pointer's variable part; jmp.ts linkedValue: a linked register's value
// at a delta), kept by identity in a handful of ways filled round robin. A loop's exploration asks
// the same question of the same object again and again at different instructions, where the
// per-instruction memo misses; a short scan of parallel arrays answers it without hashing.

export class Recent<K extends object, S extends object, V> {
  private readonly keys: (K | undefined)[];
  private readonly nums: number[];
  private readonly owners: (S | undefined)[];
  private readonly vals: (V | undefined)[];
  private next = 0;

  /** `ways`: a power of two, how many answers are kept. */
  constructor(private readonly ways: number) {
    if (ways <= 0 || (ways & (ways - 1)) !== 0) throw new Error(`Recent: ways must be a power of two, not ${ways}`);
    this.keys = new Array(ways).fill(undefined);
    this.nums = new Array(ways).fill(0);
    this.owners = new Array(ways).fill(undefined);
    this.vals = new Array(ways).fill(undefined);
  }

  /** The kept answer for (key, owner, num), or undefined. */
  get(key: K, owner: S, num: number): V | undefined {
    const keys = this.keys;
    for (let k = 0; k < keys.length; k++) if (keys[k] === key && this.nums[k] === num && this.owners[k] === owner) return this.vals[k];
    return undefined;
  }

  /** Keep `val` as the answer for (key, owner, num) in place of the oldest; returns val. */
  set(key: K, owner: S, num: number, val: V): V {
    const k = this.next;
    this.next = (k + 1) & (this.ways - 1);
    this.keys[k] = key;
    this.nums[k] = num;
    this.owners[k] = owner;
    this.vals[k] = val;
    return val;
  }
}
