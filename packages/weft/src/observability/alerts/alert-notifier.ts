import { request, type Dispatcher } from 'undici';
import type { AlertRule } from './evaluate-alert.ts';

export interface AlertNotice {
  ruleId: string;
  status: 'firing' | 'resolved';
  summary: string;
  at: number;
}

export type AlertNotifier = (notify: AlertRule['notify'], notice: AlertNotice) => Promise<void>;

export class AlertDeliveryError extends Error {
  readonly code = 'ERR_ALERT_DELIVERY';
}

/** A Slack incoming webhook takes `{ text }`; any other webhook gets the notice as JSON. */
export function alertBody(notify: AlertRule['notify'], notice: AlertNotice): Record<string, unknown> {
  if ('slack' in notify) {
    const headline = notice.status === 'firing' ? `:rotating_light: Weft alert ${notice.ruleId}` : `:white_check_mark: Weft alert ${notice.ruleId} resolved`;
    return { text: `${headline}: ${notice.summary}` };
  }
  return { alert: notice.ruleId, status: notice.status, summary: notice.summary, at: new Date(notice.at).toISOString() };
}

export interface AlertNotifierOptions {
  /** The egress-guarded dispatcher: an alert URL reaches only addresses every outbound call may reach. */
  dispatcher: Dispatcher;
  /** Waits between attempts; a failure after the last one throws `AlertDeliveryError`. */
  retryDelaysMs?: readonly number[];
  sleep: (ms: number) => Promise<void>;
  timeoutMs?: number;
}

/**
 * Posts a notice, retrying network failures, 429 and 5xx. The URL is never put in an error
 * message: a Slack webhook URL is a credential.
 */
export function createAlertNotifier(options: AlertNotifierOptions): AlertNotifier {
  const delays = options.retryDelaysMs ?? [1_000, 5_000, 15_000];
  const timeoutMs = options.timeoutMs ?? 10_000;
  return async (notify, notice) => {
    const url = 'slack' in notify ? notify.slack : notify.webhook;
    const body = JSON.stringify(alertBody(notify, notice));
    let lastProblem = '';
    for (let attempt = 0; attempt <= delays.length; attempt++) {
      if (attempt > 0) await options.sleep(delays[attempt - 1]!);
      try {
        const response = await request(url, {
          method: 'POST',
          body,
          headers: { 'content-type': 'application/json', 'user-agent': 'weft-alerts' },
          dispatcher: options.dispatcher,
          headersTimeout: timeoutMs,
          bodyTimeout: timeoutMs,
        });
        await response.body.dump();
        if (response.statusCode < 300) return;
        lastProblem = `HTTP ${response.statusCode}`;
        if (response.statusCode < 500 && response.statusCode !== 429) break;
      } catch (error) {
        lastProblem = (error as { code?: string }).code ?? (error instanceof Error ? error.name : 'error');
      }
    }
    throw new AlertDeliveryError(`alert ${notice.ruleId} (${notice.status}) was not delivered: ${lastProblem}`);
  };
}
