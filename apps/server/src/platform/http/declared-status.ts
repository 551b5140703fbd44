import type { App } from '#server/platform/http/app';

/**
 * Test builds only: a route that answers a success status its schema does not declare fails the
 * request (500), so every test that reaches it fails too. The OpenAPI document lists a route's
 * statuses from its `response` schemas; an undeclared one (a 204 where the schema says 200) is a
 * lie to every client generated from it and to the fuzzers that check answers against it.
 */
export function registerDeclaredStatusCheck(app: App): void {
  app.addHook('onSend', async (request, reply, payload) => {
    const status = reply.statusCode;
    if (status < 200 || status >= 300) return payload;
    const schema = request.routeOptions.schema as
      { hide?: boolean; response?: Record<string, unknown> } | undefined;
    // Routes without response schemas (better-auth's, documented by its own document; static
    // files) are checked by the document's own tests.
    if (!schema?.response || schema.hide) return payload;
    const declared = Object.keys(schema.response);
    if (declared.includes(String(status)) || declared.includes('2xx')) return payload;
    throw new Error(
      `${request.method} ${request.routeOptions.url ?? request.url} answered ${status}, which its response schema does not declare (${declared.join(', ')}).`,
    );
  });
}
