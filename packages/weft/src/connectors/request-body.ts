import { encodeForm, encodeMultipart, type HttpRequest, type MultipartPart } from '@weft/sdk';

export class RequestBodyError extends Error {
  readonly code = 'ERR_CONNECTOR_BODY';
}

/** The bytes and content type of a declarative request's body, per its `bodyEncoding`. */
export function encodeRequestBody(request: HttpRequest): { body: string | Buffer; contentType: string } | undefined {
  const { body } = request;
  if (body === undefined) return undefined;
  switch (request.bodyEncoding ?? 'json') {
    case 'json':
      return { body: JSON.stringify(body), contentType: 'application/json' };
    case 'form':
      return { body: encodeForm(body as Parameters<typeof encodeForm>[0]), contentType: 'application/x-www-form-urlencoded' };
    case 'multipart': {
      if (!Array.isArray(body)) throw new RequestBodyError('a multipart body must be a list of parts');
      const encoded = encodeMultipart(body as MultipartPart[]);
      return { body: encoded.body, contentType: encoded.contentType };
    }
    case 'raw': {
      if (typeof body !== 'string' && !Buffer.isBuffer(body) && !(body instanceof Uint8Array)) {
        throw new RequestBodyError('a raw body must be a string or bytes');
      }
      const contentType = Object.entries(request.headers ?? {}).find(([name]) => name.toLowerCase() === 'content-type')?.[1];
      return { body: typeof body === 'string' ? body : Buffer.from(body), contentType: contentType ?? 'application/octet-stream' };
    }
  }
}
