'use client';

import { useCallback, useEffect, useState } from 'react';

import { fetchSession, unreachableMessage, type TSession } from '@/lib/api';

/**
 * The caller's session: undefined until read, null when signed out. `error` is why it could not
 * be read, or what the page set since. A reload keeps the page on screen (no "Loading…"), so a
 * section's own step, such as backup codes shown once, survives it.
 */
export function useSession() {
  const [session, setSession] = useState<TSession | null | undefined>(undefined);
  const [error, setError] = useState<string | null>(null);

  const reload = useCallback(async () => {
    try {
      setSession(await fetchSession());
      setError(null);
    } catch (reason: unknown) {
      setError(reason instanceof Error ? reason.message : unreachableMessage);
    }
  }, []);

  useEffect(() => {
    void reload();
  }, [reload]);

  return { session, error, setError, reload };
}
