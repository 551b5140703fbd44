'use client';

import { useEffect, useState } from 'react';

import { fetchWebhookEventTypes, type TWebhookEventType } from '@/lib/webhooks-api';

/**
 * The event-type catalogue, read once; null while loading or when it could not be read, and the
 * endpoint forms still offer "All events" then.
 */
export function useWebhookEventTypes(): TWebhookEventType[] | null {
  const [eventTypes, setEventTypes] = useState<TWebhookEventType[] | null>(null);
  useEffect(() => {
    let cancelled = false;
    void fetchWebhookEventTypes().then((answer) => {
      if (!cancelled && answer.ok) setEventTypes(answer.data);
    });
    return () => {
      cancelled = true;
    };
  }, []);
  return eventTypes;
}
