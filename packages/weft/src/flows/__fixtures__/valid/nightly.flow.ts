import { defineFlow } from 'weft';

export default defineFlow({
  id: 'nightly-sync',
  mappingBudget: '50ms',
  trigger: { schedule: { cron: '0 2 * * *', timezone: 'Europe/Berlin' } },
  steps: [
    { id: 'stamp', map: '{ "at": $now() }' },
    { id: 'run', code: { module: './run-sync.ts' } },
  ],
});
