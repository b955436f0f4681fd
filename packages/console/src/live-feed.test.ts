import { describe, it, beforeEach, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { openLiveFeed } from './live-feed.ts';

/** Just enough of the browser's EventSource to drive the feed by hand. */
class FakeEventSource {
  static readonly CONNECTING = 0;
  static readonly OPEN = 1;
  static readonly CLOSED = 2;
  static made: FakeEventSource[] = [];
  readyState = FakeEventSource.CONNECTING;
  onopen: (() => void) | null = null;
  onerror: (() => void) | null = null;
  closed = false;
  constructor(readonly url: string) {
    FakeEventSource.made.push(this);
  }
  addEventListener(): void {}
  close(): void {
    this.closed = true;
    this.readyState = FakeEventSource.CLOSED;
  }
  open(): void {
    this.readyState = FakeEventSource.OPEN;
    this.onopen?.();
  }
  /** What the browser does when the server answers something other than a 200 event stream: it gives up. */
  refuse(): void {
    this.readyState = FakeEventSource.CLOSED;
    this.onerror?.();
  }
}

describe('live feed', () => {
  const globals = globalThis as unknown as { EventSource?: unknown };
  let saved: unknown;
  beforeEach(() => {
    saved = globals.EventSource;
    globals.EventSource = FakeEventSource;
    FakeEventSource.made = [];
  });
  afterEach(() => {
    globals.EventSource = saved;
  });

  it('tells a listener that subscribes after the stream opened that it is live', () => {
    // The header subscribes in an effect, after paint: on a fast loopback the stream is often open by then.
    const feed = openLiveFeed('/api/v1/stream');
    FakeEventSource.made[0]!.open();
    const seen: boolean[] = [];
    feed.onStatus((connected) => seen.push(connected));
    assert.deepEqual(seen, [true]);
    feed.close();
  });

  it('opens the stream again after the server refused it, instead of staying off for good', async (t) => {
    t.mock.timers.enable({ apis: ['setTimeout'] });
    const seen: boolean[] = [];
    const refused: boolean[] = [];
    const feed = openLiveFeed('/api/v1/stream', { retryMs: 3_000, onRefused: () => refused.push(true) });
    feed.onStatus((connected) => seen.push(connected));
    FakeEventSource.made[0]!.refuse();
    assert.deepEqual(refused, [true], 'told, so the console can check whether the session ended');
    assert.equal(FakeEventSource.made.length, 1);
    t.mock.timers.tick(3_000);
    assert.equal(FakeEventSource.made.length, 2, 'a new stream after the retry delay');
    FakeEventSource.made[1]!.open();
    assert.deepEqual(seen, [false, false, true]);
    feed.close();
    assert.ok(FakeEventSource.made[1]!.closed);
  });

  it('opens nothing more once closed', (t) => {
    t.mock.timers.enable({ apis: ['setTimeout'] });
    const feed = openLiveFeed('/api/v1/stream', { retryMs: 3_000 });
    FakeEventSource.made[0]!.refuse();
    feed.close();
    t.mock.timers.tick(10_000);
    assert.equal(FakeEventSource.made.length, 1);
  });
});
