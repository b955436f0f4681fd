import { PermanentError, defineAction, schema, type Infer } from '@weft/sdk';
import { quickbooksError } from './fault-errors.ts';
import { ACCEPT_JSON, commonQuery, companyInfo, minorversion } from './quickbooks.schemas.ts';

interface CompanyInfoQuery {
  QueryResponse: { CompanyInfo?: Infer<typeof companyInfo>[] };
}

/**
 * `select * from CompanyInfo` rather than GET /companyinfo/{realmId}: the realm id is connection
 * config, which a declarative request cannot read, and the query answers the same record.
 */
export const readCompanyInfo = defineAction({
  id: 'read-company-info',
  name: 'Read company info',
  description: 'The connected company (realm): its name, address and country. Reads only, so it is the connection test.',
  input: schema.Object({ minorversion }, { additionalProperties: false }),
  output: schema.Object({ CompanyInfo: companyInfo, time: schema.String() }),
  request: ({ minorversion: version }) => ({ method: 'GET', path: '/query', headers: { ...ACCEPT_JSON }, query: { query: 'select * from CompanyInfo', ...commonQuery({ minorversion: version }) } }),
  response: (raw) => {
    const { QueryResponse, time } = raw as CompanyInfoQuery & { time: string };
    const [company] = QueryResponse.CompanyInfo ?? [];
    if (company === undefined) throw new PermanentError('ERR_QUICKBOOKS_NO_COMPANY_INFO', { message: 'QuickBooks answered the CompanyInfo query without a CompanyInfo record.' });
    return { CompanyInfo: company, time };
  },
  errors: quickbooksError,
});
