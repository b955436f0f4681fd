import type { SandboxResponse } from '@weft/sdk/testing';
import {
  CREATE_FIELDS,
  FAULT_CODES,
  FAULT_MESSAGES,
  HOME_CURRENCY,
  SEED_CUSTOMERS,
  SEED_EPOCH_MS,
  SEED_INVOICES,
  SEED_ITEMS,
} from './quickbooks.fixtures.ts';
import type { QuickBooksCreditMemo, QuickBooksCustomer, QuickBooksInvoice, QuickBooksLine, QuickBooksPayment } from './quickbooks.schemas.ts';

/**
 * One company's books in the sandbox: its name lists (customers, items) and transactions, kept
 * consistent the way QuickBooks keeps them (an invoice raises the customer's Balance, a payment
 * applied to it lowers both), with QuickBooks' validation faults for what it refuses.
 */

/**
 * A company's list of one entity, keyed by QuickBooks' `Id` (the SDK's createCollection keys by a
 * lower-case `id`, which QuickBooks records do not have). Insertion-ordered, as Ids are issued.
 */
export interface Table<T extends { Id: string }> {
  get(id: string): T | undefined;
  insert(record: T): T;
  update(id: string, patch: Partial<T>): T | undefined;
  all(): T[];
  readonly size: number;
}

export function createTable<T extends { Id: string }>(records: Iterable<T> = []): Table<T> {
  const byId = new Map<string, T>();
  const table: Table<T> = {
    get: (id) => byId.get(id),
    insert(record) {
      // A sandbox that overwrote a record would hide a connector's double create.
      if (byId.has(record.Id)) throw new Error(`a record with Id ${record.Id} already exists`);
      byId.set(record.Id, record);
      return record;
    },
    update(id, patch) {
      const current = byId.get(id);
      if (current === undefined) return undefined;
      const next = { ...current, ...patch, Id: id };
      byId.set(id, next);
      return next;
    },
    all: () => [...byId.values()],
    get size() {
      return byId.size;
    },
  };
  for (const record of records) table.insert(record);
  return table;
}

export interface QuickBooksItem {
  Id: string;
  SyncToken: string;
  Name: string;
  FullyQualifiedName: string;
  Sku?: string;
  Type: string;
  UnitPrice: number;
  Active: boolean;
  Taxable: boolean;
  IncomeAccountRef: { value: string; name: string };
  MetaData: { CreateTime: string; LastUpdatedTime: string };
}

export interface CompanyInfoRecord {
  Id: string;
  SyncToken: string;
  CompanyName: string;
  LegalName: string;
  Country: string;
  CompanyAddr: { Id: string; Line1: string; City: string; CountrySubDivisionCode: string; PostalCode: string; Country: string };
  Email: { Address: string };
  FiscalYearStartMonth: string;
  MetaData: { CreateTime: string; LastUpdatedTime: string };
}

export interface RealmBooks {
  realmId: string;
  company: CompanyInfoRecord;
  customers: Table<QuickBooksCustomer>;
  items: Table<QuickBooksItem>;
  invoices: Table<QuickBooksInvoice>;
  payments: Table<QuickBooksPayment>;
  creditMemos: Table<QuickBooksCreditMemo>;
  /** The company's currency; multicurrency is off, so every customer and transaction is in it. */
  homeCurrency: { value: string; name: string };
  /** Name lists and transactions each number their Ids in one sequence per company. */
  nextNameId: number;
  nextTxnId: number;
  nextDocNumber: number;
  /** The last MetaData.LastUpdatedTime given out, so changes are strictly ordered. */
  lastChangeMs: number;
}

/** A refused request, in QuickBooks' words: what the route answers. */
export class Refusal {
  constructor(readonly response: SandboxResponse) {}
}

interface FaultError {
  Message: string;
  Detail: string;
  code: string;
  element?: string;
}

export function fault(status: number, type: string, error: FaultError, at: number): SandboxResponse {
  return { status, body: { Fault: { Error: [{ element: '', ...error }], type }, time: pacificTime(at, { milliseconds: true }) } };
}

export function validationFault(error: FaultError, at: number): Refusal {
  return new Refusal(fault(400, 'ValidationFault', error, at));
}

export function objectNotFound(at: number): SandboxResponse {
  return fault(400, 'ValidationFault', { Message: FAULT_MESSAGES.objectNotFound, Detail: FAULT_MESSAGES.objectNotFoundDetail, code: FAULT_CODES.objectNotFound }, at);
}

// ---- Time -----------------------------------------------------------------------------------

const PACIFIC = new Intl.DateTimeFormat('en-US', {
  timeZone: 'America/Los_Angeles',
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
  hourCycle: 'h23',
  timeZoneName: 'longOffset',
});

/** QuickBooks reports times in the company's zone (the sandbox companies are in Pacific time), with the offset. */
export function pacificTime(ms: number, { milliseconds = false } = {}): string {
  const part = (type: string) => PACIFIC.formatToParts(new Date(ms)).find((candidate) => candidate.type === type)?.value ?? '';
  const offset = part('timeZoneName').replace('GMT', '') || '+00:00';
  const fraction = milliseconds ? `.${String(Math.floor(ms) % 1000).padStart(3, '0')}` : '';
  return `${part('year')}-${part('month')}-${part('day')}T${part('hour')}:${part('minute')}:${part('second')}${fraction}${offset}`;
}

export function pacificDate(ms: number): string {
  return pacificTime(ms).slice(0, 10);
}

function addDays(date: string, days: number): string {
  return new Date(Date.parse(`${date}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);
}

// ---- Seed -----------------------------------------------------------------------------------

/** An item a caller adds to the seeded name list: a shop's catalog, so invoices can name its SKUs. */
export interface CatalogItem {
  sku: string;
  name: string;
  /** Decimal string, e.g. "25.00". */
  price: string;
}

export function seedBooks(realmId: string, catalog: readonly CatalogItem[] = [], homeCurrency: { value: string; name: string } = HOME_CURRENCY): RealmBooks {
  const stamp = (offsetDays: number) => {
    const time = pacificTime(SEED_EPOCH_MS + offsetDays * 86_400_000);
    return { CreateTime: time, LastUpdatedTime: time };
  };
  const items = createTable<QuickBooksItem>(
    SEED_ITEMS.map((item) => ({
      Id: item.Id,
      SyncToken: '0',
      Name: item.Name,
      FullyQualifiedName: item.Name,
      ...('Sku' in item ? { Sku: item.Sku } : {}),
      Type: item.Type,
      UnitPrice: item.UnitPrice,
      Active: true,
      Taxable: false,
      IncomeAccountRef: { value: '79', name: 'Sales of Product Income' },
      MetaData: stamp(-30),
    })),
  );
  const customers = createTable<QuickBooksCustomer>(
    SEED_CUSTOMERS.map(([given, family, displayName], index) => ({
      Id: String(index + 1),
      SyncToken: '0',
      DisplayName: displayName,
      FullyQualifiedName: displayName,
      GivenName: given,
      FamilyName: family,
      ...(displayName === `${given} ${family}` ? {} : { CompanyName: displayName }),
      PrimaryEmailAddr: { Address: `${given.toLowerCase()}.${family.toLowerCase()}@example.com` },
      PrimaryPhone: { FreeFormNumber: `(650) 555-${String(1000 + index)}` },
      BillAddr: { Id: String(100 + index), Line1: `${100 + index} Main Street`, City: 'Mountain View', CountrySubDivisionCode: 'CA', PostalCode: '94043', Country: 'USA' },
      Active: true,
      Balance: 0,
      CurrencyRef: { ...homeCurrency },
      MetaData: stamp(index),
    })),
  );
  const books: RealmBooks = {
    realmId,
    company: {
      Id: '1',
      SyncToken: '0',
      CompanyName: 'Weft Sandbox Company',
      LegalName: 'Weft Sandbox Company LLC',
      Country: 'US',
      CompanyAddr: { Id: '1', Line1: '2600 Marine Way', City: 'Mountain View', CountrySubDivisionCode: 'CA', PostalCode: '94043', Country: 'US' },
      Email: { Address: 'books@example.com' },
      FiscalYearStartMonth: 'January',
      MetaData: stamp(-60),
    },
    customers,
    items,
    invoices: createTable<QuickBooksInvoice>(),
    payments: createTable<QuickBooksPayment>(),
    creditMemos: createTable<QuickBooksCreditMemo>(),
    homeCurrency: { ...homeCurrency },
    nextNameId: SEED_CUSTOMERS.length + 1,
    nextTxnId: Math.max(...SEED_INVOICES.map((seed) => Number(seed.Id))) + 1,
    nextDocNumber: Math.max(...SEED_INVOICES.map((seed) => Number(seed.DocNumber))) + 1,
    lastChangeMs: 0,
  };
  for (const [index, seed] of SEED_INVOICES.entries()) {
    const at = SEED_EPOCH_MS + (index + 1) * 86_400_000;
    const customer = customers.all()[seed.customerIndex]!;
    const lines = seed.lines.map((line) => ({ Amount: round2(line.qty * line.unitPrice), DetailType: 'SalesItemLineDetail', SalesItemLineDetail: { ItemRef: { value: line.itemId }, Qty: line.qty, UnitPrice: line.unitPrice } }));
    const created = createSalesTransaction(books, 'Invoice', { CustomerRef: { value: customer.Id }, Line: lines, DocNumber: seed.DocNumber }, at, seed.Id);
    if (created instanceof Refusal) throw new Error(`the seeded invoice ${seed.Id} is invalid`);
  }
  // Catalog items are named by their SKU: QuickBooks item names are unique, as SKUs are.
  for (const item of catalog) {
    const Id = String(books.nextNameId++);
    items.insert({ Id, SyncToken: '0', Name: item.sku, FullyQualifiedName: item.sku, Sku: item.sku, Type: 'NonInventory', UnitPrice: Number(item.price), Active: true, Taxable: false, IncomeAccountRef: { value: '79', name: 'Sales of Product Income' }, MetaData: stamp(-30) });
  }
  return books;
}

// ---- Creates --------------------------------------------------------------------------------

type Body = Record<string, unknown>;

export function createCustomerRecord(books: RealmBooks, body: unknown, at: number): QuickBooksCustomer | Refusal {
  const fields = objectBody(body, 'Customer', at);
  if (fields instanceof Refusal) return fields;
  const parts = ['Title', 'GivenName', 'MiddleName', 'FamilyName', 'Suffix'].map((name) => text(fields[name])).filter((part) => part !== undefined);
  const displayName = text(fields.DisplayName) ?? (parts.length > 0 ? parts.join(' ') : undefined);
  if (displayName === undefined) {
    return validationFault(
      { Message: FAULT_MESSAGES.requiredParamMissing, Detail: 'Required parameter DisplayName or one of Title, GivenName, MiddleName, FamilyName, Suffix is missing in the request', code: FAULT_CODES.requiredParamMissing, element: 'DisplayName' },
      at,
    );
  }
  const taken = books.customers.all().some((customer) => customer.DisplayName.trim().toLowerCase() === displayName.trim().toLowerCase());
  if (taken) return validationFault({ Message: FAULT_MESSAGES.duplicateName, Detail: FAULT_MESSAGES.duplicateNameDetail, code: FAULT_CODES.duplicateName }, at);
  const currency = refValue(fields.CurrencyRef) ?? books.homeCurrency.value;
  if (currency !== books.homeCurrency.value) return businessValidation(`Multicurrency is off in this company; ${currency} is not its home currency (${books.homeCurrency.value}).`, at);
  const time = changeTime(books, at);
  const { Id: _id, SyncToken: _version, MetaData: _meta, Balance: _balance, ...given } = fields;
  return books.customers.insert({
    ...(given as Partial<QuickBooksCustomer>),
    Id: String(books.nextNameId++),
    SyncToken: '0',
    DisplayName: displayName,
    FullyQualifiedName: displayName,
    Active: true,
    Balance: 0,
    CurrencyRef: { ...books.homeCurrency },
    MetaData: { CreateTime: time, LastUpdatedTime: time },
  });
}

type SalesKind = 'Invoice' | 'CreditMemo';

/** Invoices and credit memos: the same lines and references, opposite effects on the customer's balance. */
export function createSalesTransaction(books: RealmBooks, kind: SalesKind, body: unknown, at: number, seedId?: string): QuickBooksInvoice | QuickBooksCreditMemo | Refusal {
  const fields = objectBody(body, kind, at);
  if (fields instanceof Refusal) return fields;
  const customer = customerFor(books, fields, at);
  if (customer instanceof Refusal) return customer;
  const currency = refValue(fields.CurrencyRef) ?? customer.CurrencyRef?.value ?? books.homeCurrency.value;
  if (currency !== (customer.CurrencyRef?.value ?? books.homeCurrency.value)) {
    return businessValidation(`The transaction currency ${currency} must be the customer's currency (${customer.CurrencyRef?.value ?? books.homeCurrency.value}).`, at);
  }
  const lines = salesLines(books, fields.Line, at);
  if (lines instanceof Refusal) return lines;
  const dates = transactionDates(fields, at);
  if (dates instanceof Refusal) return dates;

  const given = text(fields.DocNumber);
  const sameKind = kind === 'Invoice' ? books.invoices.all() : books.creditMemos.all();
  const clash = given === undefined ? undefined : sameKind.find((record) => record.DocNumber === given);
  if (clash !== undefined) {
    return validationFault(
      {
        Message: FAULT_MESSAGES.duplicateDocNumber,
        Detail: `Duplicate Document Number Error : You must specify a different number. This number has already been used. DocNumber=${given} is assigned to TxnType=${kind} with TxnId=${clash.Id}`,
        code: FAULT_CODES.duplicateDocNumber,
      },
      at,
    );
  }
  const docNumber = given ?? nextDocNumber(books);
  const total = round2(lines.reduce((sum, line) => sum + line.Amount, 0));
  const time = changeTime(books, at);
  const common = {
    Id: seedId ?? String(books.nextTxnId++),
    SyncToken: '0',
    DocNumber: docNumber,
    TxnDate: dates.TxnDate,
    CustomerRef: { value: customer.Id, name: customer.DisplayName },
    Line: [...lines, { Amount: total, DetailType: 'SubTotalLineDetail', SubTotalLineDetail: {} } as QuickBooksLine],
    TotalAmt: total,
    CurrencyRef: { value: currency, name: books.homeCurrency.name },
    ...(text(fields.PrivateNote) === undefined ? {} : { PrivateNote: text(fields.PrivateNote)! }),
    LinkedTxn: [],
    MetaData: { CreateTime: time, LastUpdatedTime: time },
  };
  if (kind === 'CreditMemo') {
    books.customers.update(customer.Id, { Balance: round2(customer.Balance - total) });
    return books.creditMemos.insert({ ...common, Balance: total, RemainingCredit: total });
  }
  books.customers.update(customer.Id, { Balance: round2(customer.Balance + total) });
  const copied = (name: string) => (fields[name] === undefined ? {} : { [name]: fields[name] });
  return books.invoices.insert({
    ...common,
    DueDate: dates.DueDate,
    Balance: total,
    ...copied('BillEmail'),
    ...copied('BillAddr'),
    ...copied('ShipAddr'),
    ...copied('CustomerMemo'),
  } as QuickBooksInvoice);
}

export function createPaymentRecord(books: RealmBooks, body: unknown, at: number): QuickBooksPayment | Refusal {
  const fields = objectBody(body, 'Payment', at);
  if (fields instanceof Refusal) return fields;
  const customer = customerFor(books, fields, at);
  if (customer instanceof Refusal) return customer;
  if (typeof fields.TotalAmt !== 'number') return requiredMissing('TotalAmt', at);
  const total = round2(fields.TotalAmt);
  if (total < 0) return businessValidation('The payment amount cannot be negative.', at);
  const dates = transactionDates(fields, at);
  if (dates instanceof Refusal) return dates;

  const applications: { invoice: QuickBooksInvoice; amount: number }[] = [];
  for (const line of fields.Line === undefined ? [] : Array.isArray(fields.Line) ? (fields.Line as unknown[]) : [fields.Line]) {
    const amount = (line as Body | null)?.Amount;
    if (typeof amount !== 'number') return requiredMissing('Line.Amount', at);
    const linked = (line as Body).LinkedTxn;
    const target = (Array.isArray(linked) ? linked[0] : undefined) as Body | undefined;
    if (target === undefined) return requiredMissing('Line.LinkedTxn', at);
    if (target.TxnType !== 'Invoice') return businessValidation(`A payment line can only be linked to an Invoice here, not ${String(target.TxnType)}.`, at);
    const invoice = books.invoices.get(String(target.TxnId));
    if (invoice === undefined || invoice.CustomerRef.value !== customer.Id) {
      return businessValidation(`The transaction ${String(target.TxnId)} you are trying to link does not exist or belongs to another customer.`, at);
    }
    const already = applications.filter((application) => application.invoice.Id === invoice.Id).reduce((sum, application) => sum + application.amount, 0);
    if (round2(amount + already) > invoice.Balance) {
      return businessValidation(`The amount applied to invoice ${invoice.DocNumber ?? invoice.Id} (${amount}) is more than its open balance (${invoice.Balance}).`, at);
    }
    applications.push({ invoice, amount: round2(amount) });
  }
  const applied = round2(applications.reduce((sum, application) => sum + application.amount, 0));
  if (applied > total) return businessValidation(`The amounts applied (${applied}) are more than the payment's total (${total}).`, at);

  const time = changeTime(books, at);
  const id = String(books.nextTxnId++);
  for (const { invoice, amount } of applications) {
    const current = books.invoices.get(invoice.Id)!;
    books.invoices.update(invoice.Id, {
      Balance: round2(current.Balance - amount),
      SyncToken: String(Number(current.SyncToken) + 1),
      LinkedTxn: [...(current.LinkedTxn ?? []), { TxnId: id, TxnType: 'Payment' }],
      MetaData: { ...current.MetaData, LastUpdatedTime: time },
    });
  }
  books.customers.update(customer.Id, { Balance: round2(customer.Balance - total) });
  return books.payments.insert({
    Id: id,
    SyncToken: '0',
    TxnDate: dates.TxnDate,
    CustomerRef: { value: customer.Id, name: customer.DisplayName },
    TotalAmt: total,
    UnappliedAmt: round2(total - applied),
    Line: applications.map(({ invoice, amount }) => ({ Amount: amount, LinkedTxn: [{ TxnId: invoice.Id, TxnType: 'Invoice' }] })),
    ...(text(fields.PaymentRefNum) === undefined ? {} : { PaymentRefNum: text(fields.PaymentRefNum)! }),
    ...(text(fields.PrivateNote) === undefined ? {} : { PrivateNote: text(fields.PrivateNote)! }),
    CurrencyRef: { ...books.homeCurrency },
    MetaData: { CreateTime: time, LastUpdatedTime: time },
  });
}

/** A later change to a record (a webhook's "Update"): a new SyncToken and LastUpdatedTime. */
export function touch<T extends { Id: string; SyncToken: string; MetaData: { CreateTime: string; LastUpdatedTime: string } }>(
  books: RealmBooks,
  collection: Table<T>,
  id: string,
  at: number,
): T | undefined {
  const current = collection.get(id);
  if (current === undefined) return undefined;
  return collection.update(id, { SyncToken: String(Number(current.SyncToken) + 1), MetaData: { ...current.MetaData, LastUpdatedTime: changeTime(books, at) } } as Partial<T>);
}

// ---- Validation pieces -----------------------------------------------------------------------

function objectBody(body: unknown, entity: keyof typeof CREATE_FIELDS, at: number): Body | Refusal {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    return validationFault({ Message: FAULT_MESSAGES.invalidProperty, Detail: `Request body is missing or is not a ${entity} object`, code: FAULT_CODES.invalidProperty }, at);
  }
  const unknown = Object.keys(body).find((name) => !CREATE_FIELDS[entity].includes(name));
  if (unknown !== undefined) {
    return validationFault(
      {
        Message: FAULT_MESSAGES.invalidProperty,
        Detail: `Property Name:Unrecognized field "${unknown}" (class com.intuit.schema.finance.v3.${entity}), not marked as ignorable specified is unsupported or invalid`,
        code: FAULT_CODES.invalidProperty,
        element: unknown,
      },
      at,
    );
  }
  return body as Body;
}

function customerFor(books: RealmBooks, fields: Body, at: number): QuickBooksCustomer | Refusal {
  const id = refValue(fields.CustomerRef);
  if (id === undefined) return requiredMissing('CustomerRef', at);
  const customer = books.customers.get(id);
  if (customer === undefined || !customer.Active) return invalidReference(`Names element id ${id} not found`, at);
  return customer;
}

function salesLines(books: RealmBooks, given: unknown, at: number): QuickBooksLine[] | Refusal {
  const list = Array.isArray(given) ? given : given === undefined ? [] : [given];
  // A SubTotalLineDetail line sent back from a read is recomputed, not taken.
  const lines = list.filter((line) => (line as Body | null)?.DetailType !== 'SubTotalLineDetail');
  if (lines.length === 0) return requiredMissing('Line', at);
  const result: QuickBooksLine[] = [];
  for (const [index, raw] of lines.entries()) {
    const line = (typeof raw === 'object' && raw !== null ? raw : {}) as Body;
    const detailType = line.DetailType ?? (line.SalesItemLineDetail === undefined ? undefined : 'SalesItemLineDetail');
    if (detailType !== 'SalesItemLineDetail' && detailType !== 'DescriptionOnly') {
      return validationFault(
        { Message: FAULT_MESSAGES.invalidProperty, Detail: `Line ${index + 1}: DetailType ${String(detailType)} is not one this sandbox models (SalesItemLineDetail, DescriptionOnly)`, code: FAULT_CODES.invalidProperty, element: 'Line.DetailType' },
        at,
      );
    }
    const description = text(line.Description);
    const base = { Id: String(index + 1), LineNum: index + 1, ...(description === undefined ? {} : { Description: description }) };
    if (detailType === 'DescriptionOnly') {
      result.push({ ...base, Amount: 0, DetailType: 'DescriptionOnly' });
      continue;
    }
    if (typeof line.Amount !== 'number') return requiredMissing('Line.Amount', at);
    const detail = (typeof line.SalesItemLineDetail === 'object' && line.SalesItemLineDetail !== null ? line.SalesItemLineDetail : {}) as Body;
    // No ItemRef means QuickBooks' default item, Services (Id 1).
    const itemId = refValue(detail.ItemRef) ?? '1';
    const item = books.items.get(itemId);
    if (item === undefined || !item.Active) return invalidReference(`Items element id ${itemId} not found`, at);
    const amount = round2(line.Amount);
    let qty = typeof detail.Qty === 'number' ? detail.Qty : undefined;
    let unitPrice = typeof detail.UnitPrice === 'number' ? detail.UnitPrice : undefined;
    if (qty !== undefined && unitPrice !== undefined && Math.abs(round2(qty * unitPrice) - amount) >= 0.005) {
      return validationFault(
        { Message: FAULT_MESSAGES.businessValidation, Detail: `Business Validation Error: Amount is not equal to UnitPrice * Qty. Supplied value:${line.Amount}`, code: FAULT_CODES.amountMismatch, element: 'Line.Amount' },
        at,
      );
    }
    if (qty !== undefined && unitPrice === undefined && qty !== 0) unitPrice = round(amount / qty, 7);
    if (unitPrice !== undefined && qty === undefined && unitPrice !== 0) qty = round(amount / unitPrice, 7);
    result.push({
      ...base,
      Amount: amount,
      DetailType: 'SalesItemLineDetail',
      SalesItemLineDetail: {
        ItemRef: { value: item.Id, name: item.Name },
        ...(qty === undefined ? {} : { Qty: qty }),
        ...(unitPrice === undefined ? {} : { UnitPrice: unitPrice }),
        TaxCodeRef: { value: 'NON' },
      },
    });
  }
  return result;
}

function transactionDates(fields: Body, at: number): { TxnDate: string; DueDate: string } | Refusal {
  for (const name of ['TxnDate', 'DueDate']) {
    const value = fields[name];
    if (value !== undefined && (typeof value !== 'string' || !/^\d{4}-\d{2}-\d{2}$/.test(value) || Number.isNaN(Date.parse(`${value}T00:00:00Z`)))) {
      return validationFault({ Message: FAULT_MESSAGES.invalidProperty, Detail: `Property Name:${name} has an invalid date value ${JSON.stringify(value)}`, code: FAULT_CODES.invalidProperty, element: name }, at);
    }
  }
  const txnDate = text(fields.TxnDate) ?? pacificDate(at);
  // The sandbox company's default terms are Net 30.
  return { TxnDate: txnDate, DueDate: text(fields.DueDate) ?? addDays(txnDate, 30) };
}

function nextDocNumber(books: RealmBooks): string {
  const used = new Set([...books.invoices.all(), ...books.creditMemos.all()].map((record) => record.DocNumber));
  while (used.has(String(books.nextDocNumber))) books.nextDocNumber++;
  return String(books.nextDocNumber++);
}

/** MetaData times have whole seconds; successive changes get successive seconds, so webhook events stay distinct. */
function changeTime(books: RealmBooks, at: number): string {
  const second = Math.floor(at / 1000) * 1000;
  books.lastChangeMs = Math.max(second, books.lastChangeMs + 1000);
  return pacificTime(books.lastChangeMs);
}

function requiredMissing(element: string, at: number): Refusal {
  return validationFault(
    { Message: FAULT_MESSAGES.requiredParamMissing, Detail: `Required parameter ${element} is missing in the request`, code: FAULT_CODES.requiredParamMissing, element },
    at,
  );
}

function invalidReference(what: string, at: number): Refusal {
  return validationFault({ Message: FAULT_MESSAGES.invalidReference, Detail: `Invalid Reference Id : ${what}`, code: FAULT_CODES.invalidReference }, at);
}

function businessValidation(detail: string, at: number): Refusal {
  return validationFault({ Message: FAULT_MESSAGES.businessValidation, Detail: `Business Validation Error: ${detail}`, code: FAULT_CODES.businessValidation }, at);
}

function refValue(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const id = (value as { value?: unknown }).value;
  return typeof id === 'string' && id !== '' ? id : typeof id === 'number' ? String(id) : undefined;
}

function text(value: unknown): string | undefined {
  return typeof value === 'string' && value.trim() !== '' ? value : undefined;
}

function round2(value: number): number {
  return round(value, 2);
}

function round(value: number, places: number): number {
  const factor = 10 ** places;
  return Math.round(value * factor) / factor;
}
