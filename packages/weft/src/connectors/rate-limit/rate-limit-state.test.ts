import { createMemoryRateLimitState } from './rate-limit-state.ts';
import { runRateLimitStateContract } from './rate-limit-state.contract.ts';

runRateLimitStateContract('memory', async () => createMemoryRateLimitState());
