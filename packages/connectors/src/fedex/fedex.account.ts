import { ValidationError } from '@weft/sdk';

/**
 * The FedEx account a request is for: the action's own `accountNumber`, else the connection's.
 * Ship requests are refused without one, so a missing number fails here, before any call.
 */
export function accountFor(given: { value: string } | undefined, config: Record<string, unknown>): { value: string } {
  if (given !== undefined) return given;
  const configured = config.accountNumber;
  if (typeof configured === 'string' && /^[0-9]{9}$/.test(configured)) return { value: configured };
  throw new ValidationError('ERR_FEDEX_NO_ACCOUNT_NUMBER', {
    message: 'No FedEx account number: give accountNumber in the action input or set the connection\'s accountNumber (9 digits).',
  });
}

/** FedEx echoes x-customer-transaction-id in its answer; nothing is sent when there is none. */
export function transactionHeaders(customerTransactionId: string | undefined): Record<string, string> {
  return customerTransactionId === undefined ? {} : { 'x-customer-transaction-id': customerTransactionId };
}
