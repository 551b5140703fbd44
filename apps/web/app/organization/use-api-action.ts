'use client';

import { useState } from 'react';

import { postJson, readProblem, sendJson, unreachableMessage } from '@/lib/api';

export type TFeedback = { tone: 'error' | 'success'; message: string };

/**
 * One section's POSTs: which one is running, and the last outcome to show. On success the
 * page reloads its data, so what is shown is what the server now holds.
 */
export function useApiAction(reload: () => void) {
  const [pending, setPending] = useState<string | null>(null);
  const [feedback, setFeedback] = useState<TFeedback | null>(null);

  async function run(
    key: string,
    path: string,
    body: unknown,
    success: string,
    onDone?: (answer: unknown) => void,
    /** POST unless said otherwise; the REST routes of /v1 also PATCH and DELETE. */
    method: 'POST' | 'PATCH' | 'DELETE' = 'POST',
  ): Promise<boolean> {
    setPending(key);
    setFeedback(null);
    try {
      const response =
        method === 'POST' ? await postJson(path, body) : await sendJson(method, path, body);
      if (!response.ok) {
        setFeedback({ tone: 'error', message: (await readProblem(response)).message });
        return false;
      }
      const answer: unknown = await response.json().catch(() => null);
      setFeedback({ tone: 'success', message: success });
      onDone?.(answer);
      reload();
      return true;
    } catch {
      setFeedback({ tone: 'error', message: unreachableMessage });
      return false;
    } finally {
      setPending(null);
    }
  }

  return { pending, feedback, run, setFeedback };
}
