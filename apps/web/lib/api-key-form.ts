import { ZCreateApiKeyBody, type TCreateApiKeyBody } from '@corebase/contracts';

/** The contract's limits on expiresInDays, repeated for the hint and the input. */
export const apiKeyExpiry = { min: 1, max: 3650 } as const;

export type TApiKeyFormInput = { name: string; permissions: string[]; expiresInDays: string };
export type TApiKeyFormErrors = Partial<Record<'name' | 'permissions' | 'expiresInDays', string>>;

type TParsed = { ok: true; body: TCreateApiKeyBody } | { ok: false; errors: TApiKeyFormErrors };

const messages: Required<TApiKeyFormErrors> = {
  name: 'Give the key a name of 1 to 100 characters.',
  permissions: 'Give the key at least one permission.',
  expiresInDays: `Enter a whole number of days between ${apiKeyExpiry.min} and ${apiKeyExpiry.max}, or leave it empty.`,
};

/**
 * The new-key form checked with the contract's own schema. An empty expiry means a key that
 * works until revoked; anything else must be a whole number of days.
 */
export function parseCreateApiKey(input: TApiKeyFormInput): TParsed {
  const days = input.expiresInDays.trim();
  const result = ZCreateApiKeyBody.safeParse({
    name: input.name,
    permissions: input.permissions,
    ...(days === '' ? {} : { expiresInDays: /^\d+$/.test(days) ? Number(days) : Number.NaN }),
  });
  if (result.success) return { ok: true, body: result.data };
  const errors: TApiKeyFormErrors = {};
  for (const issue of result.error.issues) {
    const field = issue.path[0];
    if (field === 'name' || field === 'permissions' || field === 'expiresInDays') {
      errors[field] ??= messages[field];
    }
  }
  return { ok: false, errors };
}
