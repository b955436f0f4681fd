import assert from 'node:assert/strict';
import { startTestWeft } from '../../../test/support/weft-harness.ts';
import { eventually, type Answer } from './testing.ts';

/**
 * Parcels of one record run one at a time. The flow as fixed: it read `$number(trigger.body.id)`
 * before, which fails on the vendor's new ids ('P-1'), and now reads the parcel number. A parcel
 * marked `hold` waits an hour in its delay, an open run of its key all the while.
 */
const PARCEL_FLOW = `id: parcels
trigger:
  webhook:
    path: parcels
orderingKey: $number(trigger.body.parcel)
retry: { maxAttempts: 1 }
steps:
  - id: held
    when: trigger.body.hold = true
    otherwise: skip
  - id: hold
    delay: 1h
  - id: done
    map: trigger.body.parcel
`;

const PASSWORD = 'correct horse battery staple';

/**
 * A Weft serving the parcels flow, signed in as the admin, for the replay tests that need an
 * ordering key the flow reads differently now than when a record was refused.
 */
export async function startParcelWeft() {
  const weft = await startTestWeft({ 'parcels.yaml': PARCEL_FLOW }, { overrides: { adminPassword: PASSWORD } });
  let token: string | undefined;

  async function api(method: 'GET' | 'POST', url: string, body?: unknown): Promise<Answer> {
    const response = await weft.app.inject({ method, url, headers: token ? { authorization: `Bearer ${token}` } : {}, ...(body === undefined ? {} : { payload: body as object }) });
    return { status: response.statusCode, headers: response.headers, body: response.body === '' ? undefined : JSON.parse(response.body), text: response.body };
  }
  token = (await api('POST', '/api/v1/session', { password: PASSWORD })).body.token;

  return {
    weft,
    api,
    /** A parcel delivered now; answers its run once it is `status`. */
    async delivered(body: Record<string, unknown>, status: string): Promise<string> {
      const answer = await api('POST', '/hooks/parcels', body);
      assert.equal(answer.status, 202, answer.text);
      const runId = answer.body.runId as string;
      await eventually(() => weft.store.getRun(runId), (run) => run?.status === status, `${runId} ${status}`);
      return runId;
    },
    /**
     * A record parked at ingest as the poller commits one the flow's former orderingKey failed on,
     * with the key it was given then (none, when that expression failed on it).
     */
    async parkedAtIngest(n: number, body: Record<string, unknown>, orderingKey: string | null): Promise<{ exceptionId: string; runId: string }> {
      const at = Date.now();
      const event = { id: `evt_parked_${n}`, source: 'poll' as const, receivedAt: new Date(at).toISOString(), headers: {}, query: {}, body };
      const message = `The flow's orderingKey ($number(trigger.body.id)) could not be evaluated for this record: Unable to cast value to a number. Replay it once the record or the flow is fixed.`;
      const parked = await weft.store.ingestParked(
        { id: event.id, runId: `run_parked_${n}`, flowId: 'parcels', dedupeKey: `poll:parked-${n}`, orderingKey, receivedAt: at, event },
        { reason: 'validation', message, stepPath: null, input: body, lastResponse: undefined, now: at },
      );
      assert.ok(parked.status === 'accepted');
      return { exceptionId: parked.exceptionId, runId: parked.runId };
    },
    close: () => weft.close(),
  };
}
