// The verifier model's public surface: whole-program checks, incremental re-checks for the
// search, and report helpers. See analyze.ts for the exploration, the other modules for the
// kernel functions they model.
export { verify, type Verdict, COMPLEXITY_LIMIT } from './analyze.ts';
export { Incremental, safetyDistance } from './incremental.ts';
export { toReport, verdictLine, stateAt, type Report } from './report.ts';
export type { Options } from './env.ts';
export { clearMemo, DomainSession, defaultSession } from './memo.ts';
export { type VerifierConfig, DEFAULT_CONFIG, verifierConfig } from './config.ts';
