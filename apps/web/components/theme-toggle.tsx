'use client';

import { useTheme } from 'next-themes';
import { useSyncExternalStore } from 'react';

import { Button } from '@/components/ui/button';

const subscribeToNothing = () => () => {};

/** False during SSR and hydration, true afterwards: the stored theme is only known in the browser. */
function useIsClient(): boolean {
  return useSyncExternalStore(
    subscribeToNothing,
    () => true,
    () => false,
  );
}

function SunIcon() {
  return (
    <svg viewBox="0 0 24 24" fill="none" stroke="currentColor" strokeWidth="2" aria-hidden="true">
      <circle cx="12" cy="12" r="4" />
      <path d="M12 2v2M12 20v2M4.93 4.93l1.41 1.41M17.66 17.66l1.41 1.41M2 12h2M20 12h2M4.93 19.07l1.41-1.41M17.66 6.34l1.41-1.41" />
    </svg>
  );
}

function MoonIcon() {
  return (
    <svg viewBox="0 0 24 24" fill="none" stroke="currentColor" strokeWidth="2" aria-hidden="true">
      <path d="M21 12.79A9 9 0 1 1 11.21 3 7 7 0 0 0 21 12.79z" />
    </svg>
  );
}

/**
 * Flips between light and dark so every press visibly changes the page. The first press
 * replaces the "system" default with an explicit choice, which next-themes stores locally.
 */
export function ThemeToggle() {
  const { theme, resolvedTheme, setTheme } = useTheme();
  const isClient = useIsClient();

  const current = isClient ? (theme ?? 'system') : 'system';
  const resolved = isClient && resolvedTheme === 'dark' ? 'dark' : 'light';
  const next = resolved === 'dark' ? 'light' : 'dark';
  const label =
    current === 'system' ? `System (${resolved})` : resolved === 'dark' ? 'Dark' : 'Light';

  return (
    <Button
      variant="outline"
      size="sm"
      aria-label="Toggle theme"
      title={`Theme: ${label}. Switch to ${next}.`}
      data-theme-choice={current}
      onClick={() => setTheme(next)}
    >
      {resolved === 'dark' ? <MoonIcon /> : <SunIcon />}
      <span className="hidden sm:inline">{label}</span>
    </Button>
  );
}
