import { describe, expect, it } from 'vitest';

import {
  appendPage,
  notificationHref,
  notificationsLinkLabel,
  notificationsLinkText,
  preferencesBody,
} from '@/lib/notifications';

describe('notificationHref', () => {
  it('keeps a path of this site', () => {
    expect(notificationHref('/organization/webhooks?id=1')).toBe('/organization/webhooks?id=1');
  });
  it('drops no link, other sites and schemes', () => {
    expect(notificationHref(null)).toBeNull();
    expect(notificationHref('//evil.example')).toBeNull();
    expect(notificationHref('https://evil.example/')).toBeNull();
    expect(notificationHref('javascript:alert(1)')).toBeNull();
  });
});

describe('the header link', () => {
  it('shows the count only when something is unread', () => {
    expect(notificationsLinkText(0)).toBe('Notifications');
    expect(notificationsLinkText(null)).toBe('Notifications');
    expect(notificationsLinkText(2)).toBe('Notifications (2)');
    expect(notificationsLinkText(150)).toBe('Notifications (99+)');
  });
  it('names the count as unread', () => {
    expect(notificationsLinkLabel(2)).toBe('Notifications, 2 unread');
    expect(notificationsLinkLabel(0)).toBe('Notifications');
  });
});

describe('preferencesBody', () => {
  it('sends every row, with a channel the type does not use off', () => {
    expect(
      preferencesBody([
        {
          type: 'member.two_factor_reset',
          description: '',
          channels: ['inApp'],
          inApp: true,
          email: true,
        },
        {
          type: 'webhook_endpoint.disabled',
          description: '',
          channels: ['inApp', 'email'],
          inApp: true,
          email: false,
        },
      ]),
    ).toEqual({
      preferences: [
        { type: 'member.two_factor_reset', inApp: true, email: false },
        { type: 'webhook_endpoint.disabled', inApp: true, email: false },
      ],
    });
  });
});

describe('appendPage', () => {
  it('skips what is already shown', () => {
    expect(appendPage([{ id: 'a' }, { id: 'b' }], [{ id: 'b' }, { id: 'c' }])).toEqual([
      { id: 'a' },
      { id: 'b' },
      { id: 'c' },
    ]);
  });
});
