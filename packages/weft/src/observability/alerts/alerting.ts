import type { Clock } from '../../core/clock.ts';
import type { AlertIncidentStore } from '../../store/store.ts';
import type { AlertNotifier } from './alert-notifier.ts';
import { evaluateAlert, type AlertRule } from './evaluate-alert.ts';
import { observeAlert, type AlertSources } from './observe-alert.ts';

interface AlertLog {
  warn(fields: object, message: string): void;
  error(fields: object, message: string): void;
}

export interface AlertingOptions {
  rules: readonly AlertRule[];
  incidents: AlertIncidentStore;
  sources: AlertSources;
  notify: AlertNotifier;
  clock: Clock;
  intervalMs: number;
  log: AlertLog;
}

export interface Alerting {
  /** One pass over every rule; the timer calls it, tests call it with a moved clock. */
  evaluate(): Promise<void>;
  stop(): void;
}

/**
 * Evaluates the rules on a timer. An incident opens when a rule starts firing and resolves when
 * it stops; the open/resolve transition is a store write only one process can win, and only
 * the winner sends the message, so one incident is one message however many processes run.
 */
export function startAlerting(options: AlertingOptions): Alerting {
  const { rules, incidents, clock, log } = options;
  // Rule ids are unique (loadConfig checks): incidents are kept per id.
  const ids = rules.map((rule) => rule.id);

  async function evaluateRule(rule: AlertRule): Promise<void> {
    const now = clock.now();
    const verdict = evaluateAlert(rule, await observeAlert(rule, options.sources, now), now);
    if (verdict.isFiring) {
      if (!(await incidents.open(rule.id, { summary: verdict.summary, now }))) return;
      try {
        await options.notify(rule.notify, { ruleId: rule.id, status: 'firing', summary: verdict.summary, at: now });
      } catch (error) {
        // Undelivered, the incident is closed again so the next evaluation opens and sends it anew.
        await incidents.resolve(rule.id, now);
        throw error;
      }
      return;
    }
    if (!(await incidents.resolve(rule.id, now))) return;
    await options.notify(rule.notify, { ruleId: rule.id, status: 'resolved', summary: 'The condition no longer holds.', at: now });
  }

  async function evaluate(): Promise<void> {
    for (const rule of rules) {
      try {
        await evaluateRule(rule);
      } catch (error) {
        log.warn({ ruleId: rule.id, err: error }, 'alert.failed');
      }
    }
    // A rule removed from the config must not leave an incident open that would silence it if it came back.
    for (const incident of await incidents.listOpen()) {
      if (!ids.includes(incident.ruleId)) await incidents.resolve(incident.ruleId, clock.now());
    }
  }

  let timer: NodeJS.Timeout | undefined;
  let isStopped = false;
  const schedule = () => {
    if (isStopped || rules.length === 0) return;
    timer = setTimeout(() => {
      evaluate()
        .catch((error: unknown) => log.error({ err: error }, 'alert.evaluation_failed'))
        .finally(schedule);
    }, options.intervalMs);
    timer.unref();
  };
  schedule();

  return {
    evaluate,
    stop: () => {
      isStopped = true;
      clearTimeout(timer);
    },
  };
}
