import { z } from 'zod';

/** One offending field of a request, as named in a `validation_failed` problem. */
export const ZFieldError = z.object({
  /** Where the field is: body, querystring, params or headers. */
  in: z.enum(['body', 'querystring', 'params', 'headers']),
  /** Dotted path inside that part, e.g. `address.city`; empty for the part itself. */
  field: z.string(),
  message: z.string(),
});
export type TFieldError = z.infer<typeof ZFieldError>;

/** RFC 9457 problem details, with Corebase's stable `code` and the request id. */
export const ZProblem = z
  .object({
    type: z.string(),
    title: z.string(),
    status: z.number().int(),
    detail: z.string(),
    instance: z.string().optional(),
    code: z.string(),
    requestId: z.string(),
    /** The first few offending fields (at most 20); `errorCount` says how many there were. */
    errors: z.array(ZFieldError).optional(),
    /** How many fields were wrong in all, when `errors` is present. */
    errorCount: z.number().int().min(0).optional(),
  })
  .catchall(z.unknown());
export type TProblem = z.infer<typeof ZProblem>;
