/** Whether the text holds a C0 control character or DEL (and, with `space`, a space too). */
export function hasControlCharacter(text: string, options: { space?: boolean } = {}): boolean {
  const limit = options.space ? 0x20 : 0x1f;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code <= limit || code === 0x7f) return true;
  }
  return false;
}
